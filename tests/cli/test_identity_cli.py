"""`stadtkern tenants invite-admin`, `operators grant/revoke` and `keys generate`."""

import json
import re

import pytest
from typer.testing import CliRunner

from adapters.jwt_tokens import key_set_from_json
from api.cli import cli
from tests.conftest import OUTBOX, TEST_REDIS_URL, mails_to


@pytest.fixture
def run(migrated_database, clean_database, tmp_path):  # type: ignore[no-untyped-def]
    env = {
        "STADTKERN_DATABASE_URL": migrated_database,
        "STADTKERN_REDIS_URL": TEST_REDIS_URL,
        "STADTKERN_TENANTS_DIR": str(tmp_path / "tenants"),
        "STADTKERN_JWT_KEYS_FILE": str(tmp_path / "keys.json"),
        "STADTKERN_MAIL_OUTBOX_DIR": str(OUTBOX),
        # No worker runs beside these commands: each runs the jobs it set off before it ends.
        "STADTKERN_WORKER_IN_PROCESS": "true",
    }
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "leipzig.toml").write_text(
        'slug = "leipzig"\nname = "Leipzig"\napp_url = "https://app.leipzig.example"\n'
        '[branding]\napp_name = "L"\n[branding.colors]\nprimary = "#0b4f8a"\n'
        'on_primary = "#ffffff"\nbackground = "#ffffff"\ntext = "#1a1a1a"\naccent = "#e0a100"\n'
        '[branding.legal]\nimprint_url = "https://l.example/i"\nprivacy_url = "https://l.example/p"\n'
    )
    runner = CliRunner()

    def invoke(*args: str, extra_env: dict | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), env=env | (extra_env or {}))

    assert invoke("tenants", "apply").exit_code == 0
    return invoke


def test_invite_admin_mails_a_single_use_link_to_the_tenants_app(run):
    result = run("tenants", "invite-admin", "leipzig", "first.admin@example.org")
    assert result.exit_code == 0, result.output
    mail = mails_to("first.admin@example.org")[-1]
    assert re.search(r"https://app\.leipzig\.example/accept-invite\?token=\S+", mail.get_content())
    assert run("tenants", "invite-admin", "nowhere", "x@example.org").exit_code == 1


def test_operators_are_granted_only_to_existing_accounts(run):
    missing = run("operators", "grant", "nobody@example.org")
    assert missing.exit_code == 1 and "no account" in missing.output


def test_keys_generate_prints_a_key_set_and_rotates(run):
    first = run("keys", "generate")
    keys = key_set_from_json(first.output)
    assert len(keys.keys) == 1 and "d" in json.loads(first.output)["keys"][0]
    rotated = run(
        "keys", "generate", "--rotate", extra_env={"STADTKERN_JWT_PRIVATE_KEYS": first.output}
    )
    kids = [k.kid for k in key_set_from_json(rotated.output).keys]
    assert len(kids) == 2 and kids[1] == keys.keys[0].kid
