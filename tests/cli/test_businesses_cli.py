"""`stadtkern businesses import`: upsert by external id, bad rows by line, progress, and the
categories a tenant file seeds."""

import pytest
from typer.testing import CliRunner

from api.cli import cli
from tests.conftest import TEST_REDIS_URL

TENANT = """slug = "leipzig"
name = "Leipzig"
features = ["businesses"]
[branding]
app_name = "L"
[branding.colors]
primary = "#0b4f8a"
on_primary = "#ffffff"
background = "#ffffff"
text = "#1a1a1a"
accent = "#e0a100"
[branding.legal]
imprint_url = "https://l.example/i"
privacy_url = "https://l.example/p"
[[categories]]
key = "food"
name = "Essen"
[[categories]]
key = "food-bakery"
name = "Bäckereien"
parent = "food"
"""
HEADER = "external_id,name,kind,categories,lat,lon,opening_hours\n"


@pytest.fixture
def run(migrated_database, clean_database, tmp_path):  # type: ignore[no-untyped-def]
    env = {
        "STADTKERN_DATABASE_URL": migrated_database,
        "STADTKERN_REDIS_URL": TEST_REDIS_URL,
        "STADTKERN_TENANTS_DIR": str(tmp_path / "tenants"),
    }
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "leipzig.toml").write_text(TENANT)
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), env=env)

    assert invoke("tenants", "apply").exit_code == 0
    return invoke


def write(tmp_path, text):  # type: ignore[no-untyped-def]
    path = tmp_path / "businesses.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    return str(path)


def test_good_rows_load_and_bad_rows_are_reported_by_line(run, tmp_path):
    path = write(
        tmp_path,
        "b1,Bäckerei Eins,gastronomy,food-bakery,51.3,12.3,mo-fr 06:00-18:00\n"
        "b2,,retail,,,,\n"
        "b3,Drei,retail,nonsense,,,\n"
        "b4,Vier,retail,,51.3,12.4,mo 26:00-27:00\n"
        "b5,Fünf,retail,,,,\n",
    )
    result = run("businesses", "import", "leipzig", path)
    assert result.exit_code == 1
    assert "2 created, 0 updated, 3 bad row(s)" in result.stdout
    for line in ("line 3: missing name", "line 4:", "line 5: opening_hours"):
        assert line in result.stderr
    assert "3/3 rows" in result.stderr  # progress


def test_a_second_import_updates_by_external_id(run, tmp_path):
    run("businesses", "import", "leipzig", write(tmp_path, "b1,Eins,retail,,,,\n"))
    result = run(
        "businesses",
        "import",
        "leipzig",
        write(tmp_path, "b1,Eins neu,retail,,,,\nb2,Zwei,retail,,,,\n"),
    )
    assert result.exit_code == 0 and "1 created, 1 updated, 0 bad row(s)" in result.stdout
    again = run("businesses", "import", "leipzig", write(tmp_path, "b1,Eins neu,retail,,,,\n"))
    assert "0 created, 0 updated" in again.stdout


def test_unknown_columns_and_tenants_stop_the_import(run, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("external_id,name,kind,colour\nx,Y,retail,red\n")
    assert "unknown column(s) colour" in run("businesses", "import", "leipzig", str(path)).stderr
    assert (
        run("businesses", "import", "nowhere", write(tmp_path, "a,B,retail,,,,\n")).exit_code == 1
    )
