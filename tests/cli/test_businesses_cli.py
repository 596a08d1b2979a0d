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
    assert "5 row(s): 2 created, 0 updated, 0 unchanged, 3 bad" in result.stdout
    for line in (
        "line 3, name: is missing",
        "line 4, categories: no category 'nonsense' in this tenant",
        "line 5, opening_hours:",
    ):
        assert line in result.stderr


def test_a_second_import_updates_by_external_id(run, tmp_path):
    run("businesses", "import", "leipzig", write(tmp_path, "b1,Eins,retail,,,,\n"))
    result = run(
        "businesses",
        "import",
        "leipzig",
        write(tmp_path, "b1,Eins neu,retail,,,,\nb2,Zwei,retail,,,,\n"),
    )
    assert result.exit_code == 0 and "1 created, 1 updated, 0 unchanged" in result.stdout
    again = run("businesses", "import", "leipzig", write(tmp_path, "b1,Eins neu,retail,,,,\n"))
    assert "0 created, 0 updated, 1 unchanged" in again.stdout


def test_unknown_columns_and_tenants_stop_the_import(run, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("external_id,name,kind,colour\nx,Y,retail,red\n")
    refused = run("businesses", "import", "leipzig", str(path))
    assert refused.exit_code == 2 and "unknown column(s) 'colour'" in refused.stderr
    assert (
        run("businesses", "import", "nowhere", write(tmp_path, "a,B,retail,,,,\n")).exit_code == 1
    )


def write_bytes(tmp_path, data: bytes) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "bytes.csv"
    path.write_bytes(data)
    return str(path)


def twin_is_unchanged(run, tmp_path, text: str) -> bool:  # type: ignore[no-untyped-def]
    """Importing the UTF-8 twin of what was imported changes nothing: the same text is stored."""
    result = run("businesses", "import", "leipzig", write(tmp_path, text))
    return "0 updated" in result.stdout and "0 created" in result.stdout


def test_a_windows_1252_file_loads_with_its_umlauts_and_says_which_encoding(run, tmp_path):
    rows = "b1,Bäckerei Müller „Zur Post“,retail,,,,\nb2,Straßencafé,gastronomy,,,,\n"
    result = run(
        "businesses", "import", "leipzig", write_bytes(tmp_path, (HEADER + rows).encode("cp1252"))
    )
    assert result.exit_code == 0, result.output
    assert "read as Windows-1252" in result.stdout and "2 created" in result.stdout
    assert twin_is_unchanged(run, tmp_path, rows)


def test_a_latin_1_line_among_utf8_lines_loads_and_is_named(run, tmp_path):
    data = (HEADER + "b1,Bäckerei,retail,,,,\n").encode() + "b2,Größe,retail,,,,\n".encode(
        "latin-1"
    )
    result = run("businesses", "import", "leipzig", write_bytes(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "read as UTF-8; line 3 (not UTF-8) read as Windows-1252" in result.stdout
    assert twin_is_unchanged(run, tmp_path, "b1,Bäckerei,retail,,,,\nb2,Größe,retail,,,,\n")


def test_a_utf8_file_with_a_byte_order_mark_loads_and_says_so(run, tmp_path):
    data = b"\xef\xbb\xbf" + (HEADER + "b1,Bäckerei Süß,retail,,,,\n").encode()
    result = run("businesses", "import", "leipzig", write_bytes(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "read as UTF-8 with BOM" in result.stdout
    assert twin_is_unchanged(run, tmp_path, "b1,Bäckerei Süß,retail,,,,\n")


def test_a_row_with_three_errors_reports_all_three(run, tmp_path):
    result = run("businesses", "import", "leipzig", write(tmp_path, "b1,Eins,shop,nope,51,,\n"))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: line 2, kind: 'shop' is not one of retail, gastronomy, culture, services, "
        "crafts, health, association, public_institution, other",
        "error: line 2, categories: no category 'nope' in this tenant",
        "error: line 2, lon: is missing (lat and lon go together)",
    ]
    assert "1 row(s): 0 created, 0 updated, 0 unchanged, 1 bad" in result.stdout


def test_progress_counts_every_row_read_the_bad_ones_too(run, tmp_path):
    rows = "".join(f"b{i},Laden {i},{'retail' if i % 2 else 'nope'},,,,\n" for i in range(1, 1201))
    result = run("businesses", "import", "leipzig", write(tmp_path, rows))
    assert "  1000/1200 rows" in result.stderr and "  1200/1200 rows" in result.stderr
    assert "1200 row(s): 600 created, 0 updated, 0 unchanged, 600 bad" in result.stdout


def test_a_repeated_external_id_names_the_line_it_first_appeared_on(run, tmp_path):
    result = run(
        "businesses",
        "import",
        "leipzig",
        write(tmp_path, "b1,Eins,retail,,,,\nb1,Zwei,retail,,,,\n"),
    )
    assert "error: line 3, external_id: also on line 2" in result.stderr
    assert "1 created" in result.stdout


def test_fields_longer_than_their_columns_are_refused_before_the_database(run, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        "external_id,name,kind,postcode,phone\n"
        f"{'x' * 101},{'N' * 121},retail,{'0' * 13},+{'4' * 30}\n"
    )
    result = run("businesses", "import", "leipzig", str(path))
    assert result.exit_code == 1, result.output
    columns = [
        line.split(",")[1].split(":")[0].strip()
        for line in result.stderr.splitlines()
        if line.startswith("error:")
    ]
    assert columns == ["external_id", "name", "postcode", "phone"]


def test_semicolons_and_decimal_commas_from_german_spreadsheets_load(run, tmp_path):
    data = "external_id;name;kind;lat;lon;delivers\nb1;Café Eule;gastronomy;51,34;12,37;WAHR\n"
    result = run("businesses", "import", "leipzig", write_bytes(tmp_path, data.encode("cp1252")))
    assert result.exit_code == 0, result.output
    assert "read as Windows-1252, fields separated by ';'" in result.stdout
    again = "external_id,name,kind,lat,lon,delivers\nb1,Café Eule,gastronomy,51.34,12.37,true\n"
    path = tmp_path / "again.csv"
    path.write_text(again)
    assert "1 unchanged" in run("businesses", "import", "leipzig", str(path)).stdout


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (HEADER.encode(), "the file has a header but no rows"),
        (bytes(range(256)) * 2, "NUL byte"),
        (bytes(range(128, 256)) * 3, "unknown column(s)"),
        ("external_id,name,kind\nb1,Eins,retail\n".encode("utf-16"), "UTF-16"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "unknown column(s) '%PDF-1.7'"),
        (HEADER.encode() + b'b1,"Eins,retail\n', "line 2: unexpected end of data"),
    ],
)
def test_files_that_cannot_be_imported_end_in_one_clear_line(run, tmp_path, data, reason):
    result = run("businesses", "import", "leipzig", write_bytes(tmp_path, data))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert reason in result.stderr and "nothing was imported" in result.stderr
