"""The outbox mailer of the embedded default: a .txt beside each .eml, links in the log line
(never in production)."""

import logging
import re

import pytest

from adapters.mail import OutboxMailer
from api.app import create_app
from api.services import build_services
from domain.identity.ports import Mail
from tests.conftest import client_for, make_settings, seed_tenants, settle
from tests.factories import tenant_config

SIGN_UP = {"email": "ada@example.org", "password": "a long passphrase", "display_name": "Ada"}


@pytest.fixture
async def outbox(migrated_database, clean_database, tmp_path):  # type: ignore[no-untyped-def]
    """A client on an app whose outbox is this test's own directory."""
    settings = make_settings(migrated_database, mail_outbox_dir=str(tmp_path))
    services = build_services(settings)
    await seed_tenants(services, tenant_config("leipzig"))
    async for client in client_for(create_app(settings, services)):
        client.services = services  # type: ignore[attr-defined]
        yield client, tmp_path
    await services.close()


async def test_a_token_copied_from_the_txt_verifies_where_the_eml_holds_it_encoded(outbox):
    client, directory = outbox
    signed = await client.post("/v1/auth/signup", headers={"X-Tenant": "leipzig"}, json=SIGN_UP)
    assert signed.status_code == 202
    await settle(client.services)
    [eml] = directory.glob("*.eml")
    text = eml.with_suffix(".txt").read_text(encoding="utf-8")
    assert text.startswith("To: ada@example.org\nSubject: Bitte bestätige deine E-Mail-Adresse\n\n")
    token = re.search(r"https://leipzig\.stadtkern\.test/verify-email\?token=(\S+)", text)[1]
    raw = eml.read_bytes()
    assert b"token=3D" in raw and token.encode() not in raw  # quoted-printable, soft breaks
    verified = await client.post(
        "/v1/auth/verify-email", headers={"X-Tenant": "leipzig"}, json={"token": token}
    )
    assert verified.status_code == 204


async def test_the_log_line_names_the_files_and_carries_the_link(outbox, caplog):
    client, directory = outbox
    with caplog.at_level(logging.INFO, logger="stadtkern.mail"):
        await client.post("/v1/auth/signup", headers={"X-Tenant": "leipzig"}, json=SIGN_UP)
        await settle(client.services)
    [record] = [r for r in caplog.records if r.message == "mail written to outbox"]
    [eml] = directory.glob("*.eml")
    assert record.file == str(eml) and record.text_file == str(eml.with_suffix(".txt"))
    [link] = record.links
    assert link.startswith("https://leipzig.stadtkern.test/verify-email?token=")
    assert link in eml.with_suffix(".txt").read_text(encoding="utf-8")


async def test_links_end_before_sentence_punctuation(tmp_path, caplog):
    text = "Log in at https://city.example/app. Or (https://x.example/a?b=1), then go.\n"
    mail = Mail("ada@example.org", "Hi", text)
    with caplog.at_level(logging.INFO, logger="stadtkern.mail"):
        await OutboxMailer(tmp_path, "noreply@city.example").send(mail)
    assert caplog.records[-1].links == ["https://city.example/app", "https://x.example/a?b=1"]


async def test_production_without_smtp_logs_no_links(migrated_database, tmp_path, caplog):
    settings = make_settings(
        migrated_database, environment="production", mail_outbox_dir=str(tmp_path)
    )
    services = build_services(settings)
    try:
        with caplog.at_level(logging.INFO, logger="stadtkern.mail"):
            await services.mailer.send(
                Mail("ada@example.org", "Reset", "https://city.example/reset?token=s3cret\n")
            )
    finally:
        await services.close()
    [record] = caplog.records
    assert not hasattr(record, "links") and "s3cret" not in str(vars(record))
    assert "s3cret" in next(tmp_path.glob("*.txt")).read_text(encoding="utf-8")
