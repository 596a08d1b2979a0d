"""`stadtkern tenants new/apply/list/show`, `db` and settings errors, through the real CLI."""

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import cli
from api.services import build_services
from domain.directory.categories import list_categories
from tests.conftest import TEST_REDIS_URL, make_settings

GOOD = """
slug = "{slug}"
name = "{name}"
hostnames = [{hosts}]
{parent}
[branding]
app_name = "App"
[branding.colors]
primary = "#0b4f8a"
on_primary = "#ffffff"
background = "#ffffff"
text = "{text}"
accent = "#e0a100"
[branding.legal]
imprint_url = "https://x.example/impressum"
privacy_url = "https://x.example/datenschutz"
"""


def write(
    directory: Path,
    slug: str,
    *,
    name: str = "Stadt",
    hosts: tuple[str, ...] = (),
    parent: str | None = None,
    text: str = "#1a1a1a",
) -> Path:
    path = directory / f"{slug}.toml"
    path.write_text(
        GOOD.format(
            slug=slug,
            name=name,
            text=text,
            hosts=", ".join(f'"{h}"' for h in hosts),
            parent=f'parent = "{parent}"' if parent else "",
        )
    )
    return path


@pytest.fixture
def run(migrated_database, clean_database, tmp_path):  # type: ignore[no-untyped-def]
    env = {
        "STADTKERN_DATABASE_URL": migrated_database,
        "STADTKERN_REDIS_URL": TEST_REDIS_URL,
        "STADTKERN_TENANTS_DIR": str(tmp_path / "tenants"),
        "STADTKERN_JWT_KEYS_FILE": str(tmp_path / "keys.json"),
    }
    (tmp_path / "tenants").mkdir()
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), env=env, input=input)

    invoke.dir = tmp_path / "tenants"  # type: ignore[attr-defined]
    return invoke


def test_apply_shows_the_diff_then_applies_and_a_second_run_changes_nothing(run):
    write(run.dir, "leipzig", hosts=("leipzig.example",))
    write(run.dir, "dresden", parent="leipzig")
    first = run("tenants", "apply")
    assert first.exit_code == 0, first.output
    assert "+ created   dresden" in first.output and "+ created   leipzig" in first.output
    assert "2 created, 0 changed, 0 unchanged" in first.output
    again = run("tenants", "apply")
    assert (
        "0 created, 0 changed, 2 unchanged" in again.output and "nothing to change" in again.output
    )


def test_a_changed_field_is_shown_with_old_and_new_value(run):
    path = write(run.dir, "leipzig", name="Leipzig")
    run("tenants", "apply")
    write(run.dir, "leipzig", name="Leipzig neu")
    result = run("tenants", "apply", str(path))
    assert "~ changed   leipzig" in result.output
    assert 'name: "Leipzig" -> "Leipzig neu"' in result.output


def test_dry_run_applies_nothing(run):
    write(run.dir, "leipzig")
    result = run("tenants", "apply", "--dry-run")
    assert "+ created" in result.output and "dry run: nothing was applied" in result.output
    assert "no tenants yet" in run("tenants", "list").output


def test_list_and_show(run):
    write(run.dir, "leipzig", name="Leipzig hilft", hosts=("leipzig.example",))
    run("tenants", "apply")
    listing = run("tenants", "list")
    assert (
        listing.exit_code == 0 and "leipzig" in listing.output and "Leipzig hilft" in listing.output
    )
    shown = run("tenants", "show", "leipzig")
    assert shown.exit_code == 0
    assert 'slug = "leipzig"' in shown.output and '"leipzig.example"' in shown.output
    missing = run("tenants", "show", "nowhere")
    assert missing.exit_code == 1 and "no tenant 'nowhere'" in missing.output


@pytest.mark.parametrize(
    ("arrange", "expected"),
    [
        (
            lambda d: (d / "bad.toml").write_text("slug = [unclosed"),
            "bad.toml: (file): not valid TOML",
        ),
        (lambda d: write(d, "pale", text="#cccccc"), "pale.toml: branding.colors.text: contrast"),
        (
            lambda d: write(d, "orphan", parent="nobody"),
            "orphan.toml: parent: unknown tenant 'nobody'",
        ),
        (
            lambda d: (
                write(d, "aa", hosts=("same.example",)),
                write(d, "bb", hosts=("same.example",)),
            ),
            "bb.toml: hostnames: 'same.example' is already used by tenant 'aa'",
        ),
        (
            lambda d: (write(d, "kulturnetz"), write(d, "thief", hosts=("kulturnetz.localhost",))),
            "thief.toml: hostnames[0]: 'kulturnetz.localhost' is under the base domain",
        ),
        (
            lambda d: (d / "typo.toml").write_text(
                GOOD.format(slug="typo", name="x", hosts="", parent="colour = 1", text="#1a1a1a")
            ),
            "typo.toml: colour: Extra inputs are not permitted",
        ),
    ],
    ids=[
        "bad-toml",
        "bad-contrast",
        "unknown-parent",
        "duplicate-hostname",
        "hostname-under-base-domain",
        "unknown-key",
    ],
)
def test_errors_name_file_field_and_reason_and_nothing_is_applied(run, arrange, expected):
    write(run.dir, "valid-one")
    arrange(run.dir)
    result = run("tenants", "apply")
    assert result.exit_code == 1
    assert expected in result.output
    assert "nothing was applied" in result.output
    assert "no tenants yet" in run("tenants", "list").output


def test_a_hostname_of_an_applied_tenant_cannot_be_taken_later(run):
    write(run.dir, "leipzig", hosts=("city.example",))
    run("tenants", "apply")
    other = write(run.dir, "dresden", hosts=("city.example",))
    result = run("tenants", "apply", str(other))
    assert result.exit_code == 1 and "already used by tenant 'leipzig'" in result.output


def test_new_scaffolds_a_valid_file_from_flags(run):
    result = run(
        "tenants",
        "new",
        "lindenau",
        "--name",
        "Lindenau hilft",
        "--hostname",
        "lindenau.example",
        "--feature",
        "events",
        "--primary",
        "#004b6e",
        "--no-interactive",
    )
    assert result.exit_code == 0, result.output
    text = (run.dir / "lindenau.toml").read_text()
    assert 'name = "Lindenau hilft"' in text and '"events"' in text and "#004b6e" in text
    assert run("tenants", "apply").exit_code == 0


def test_new_prompts_for_missing_values_when_interactive(run):
    answers = "Plagwitz Kultur\nPlagwitz\n#6b1f7a\nhttps://p.example/imp\nhttps://p.example/ds\n"
    result = run("tenants", "new", "plagwitz", "--interactive", input=answers)
    assert result.exit_code == 0, result.output
    text = (run.dir / "plagwitz.toml").read_text()
    assert 'name = "Plagwitz Kultur"' in text and 'imprint_url = "https://p.example/imp"' in text


def test_category_blocks_appended_to_a_new_file_apply(run, migrated_database):
    made = run("tenants", "new", "lindenau", "--feature", "businesses", "--no-interactive")
    assert made.exit_code == 0, made.output
    path = run.dir / "lindenau.toml"
    assert "categories" not in path.read_text()
    with path.open("a", encoding="utf-8") as file:
        file.write(
            '\n[[categories]]\nkey = "food"\nname = "Essen"\n'
            '\n[[categories]]\nkey = "food-cafe"\nname = "Cafés"\nparent = "food"\n'
        )
    applied = run("tenants", "apply", str(path))
    assert applied.exit_code == 0, applied.output
    assert category_keys(migrated_database, "lindenau") == {"food": ["food-cafe"]}


def test_a_category_named_in_several_languages_applies_once(run):
    """A table of names, in any order in the file (JSONB keeps its own): a second apply
    changes nothing; a language the tenant lacks is refused, naming field and reason."""
    path = write(run.dir, "lindenau")
    text = path.read_text(encoding="utf-8").replace(
        'slug = "lindenau"', 'slug = "lindenau"\nlocales = ["de", "en"]'
    )
    path.write_text(text + '\n[[categories]]\nkey = "food"\nname = { en = "Food", de = "Essen" }\n')
    first = run("tenants", "apply")
    assert first.exit_code == 0, first.output
    again = run("tenants", "apply")
    assert "0 created, 0 changed, 1 unchanged" in again.output, again.output
    path.write_text(path.read_text(encoding="utf-8").replace('en = "Food"', 'fr = "Manger"'))
    refused = run("tenants", "apply")
    assert refused.exit_code != 0
    assert "categories[0].name.fr: is not one of this tenant's languages" in refused.output


def category_keys(database_url: str, slug: str) -> dict[str, list[str]]:
    async def read() -> dict[str, list[str]]:
        services = build_services(make_settings(database_url))
        try:
            tenant = await services.tenant_directory.by_slug(slug)
            assert tenant is not None
            tree = await list_categories(uow=services.directory_uow(tenant))
            return {n.category.key: [c.key for c in n.children] for n in tree}
        finally:
            await services.close()

    return asyncio.run(read())


def test_new_says_which_legal_urls_are_placeholders_and_marks_them(run):
    result = run(
        *["tenants", "new", "lindenau", "--imprint-url", "https://lindenau.de/impressum"],
        "--no-interactive",
    )
    assert result.exit_code == 0, result.output
    assert "privacy_url is a placeholder" in result.output and "--privacy-url" in result.output
    assert "imprint_url is a placeholder" not in result.output
    text = (run.dir / "lindenau.toml").read_text()
    assert 'imprint_url = "https://lindenau.de/impressum"\n' in text
    assert (
        'privacy_url = "https://lindenau.example.org/datenschutz"'
        "  # placeholder: replace before going live\n"
    ) in text
    assert run("tenants", "apply").exit_code == 0


def test_new_with_both_legal_urls_has_no_placeholder(run):
    result = run(
        *["tenants", "new", "lindenau", "--imprint-url", "https://lindenau.de/impressum"],
        *["--privacy-url", "https://lindenau.de/datenschutz", "--no-interactive"],
    )
    assert result.exit_code == 0, result.output
    assert "placeholder" not in result.output
    assert "placeholder" not in (run.dir / "lindenau.toml").read_text()


def test_new_marks_a_placeholder_kept_at_the_prompt(run):
    answers = "Plagwitz\nPlagwitz\n#6b1f7a\nhttps://p.example/imp\n\n"
    result = run("tenants", "new", "plagwitz", "--interactive", input=answers)
    assert result.exit_code == 0, result.output
    assert "privacy_url is a placeholder" in result.output
    text = (run.dir / "plagwitz.toml").read_text()
    assert 'imprint_url = "https://p.example/imp"\n' in text
    assert 'datenschutz"  # placeholder: replace before going live' in text


def test_new_refuses_colours_without_contrast_and_writes_nothing(run):
    result = run("tenants", "new", "pale", "--primary", "#f5f5f5", "--no-interactive")
    assert result.exit_code == 1
    assert "branding.colors.on_primary" in result.output
    assert not (run.dir / "pale.toml").exists()


def test_new_does_not_overwrite_without_force(run):
    write(run.dir, "leipzig")
    result = run("tenants", "new", "leipzig", "--no-interactive")
    assert result.exit_code == 1 and "--force" in result.output


def test_invalid_settings_stop_with_one_clear_line(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["tenants", "list"],
        env={"STADTKERN_DATABASE_URL": "mysql://nope", "STADTKERN_TENANT_CACHE_SECONDS": "-1"},
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and "STADTKERN_DATABASE_URL" in lines[0]
    assert "STADTKERN_TENANT_CACHE_SECONDS" in lines[0] and "Traceback" not in result.output
