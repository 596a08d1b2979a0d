"""Reading the import file (no I/O): encodings and what the command says about them,
separators, line numbers, every problem of a row by column, and no exception for any input
other than a clear UnreadableCsv."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.cli.business_rows import COLUMNS, read_business_row
from api.cli.csv_input import UnreadableCsv, decode_lines, read_csv

HEADER = b"external_id,name,kind\n"


def names(data: bytes) -> list[str]:
    return [row.fields["name"] for row in read_csv(data).rows]


def test_a_windows_1252_file_is_read_as_such_and_says_so():
    data = HEADER + "b1,Bäckerei Müller „Zur Post“,retail\n".encode("cp1252")
    assert names(data) == ["Bäckerei Müller „Zur Post“"]
    assert read_csv(data).encoding == "Windows-1252"


def test_one_windows_1252_line_among_utf8_lines_is_named_by_number():
    data = HEADER + "b1,Bäckerei,retail\n".encode() + "b2,Größe,retail\n".encode("cp1252")
    assert names(data) == ["Bäckerei", "Größe"]
    assert read_csv(data).encoding == "UTF-8; line 3 (not UTF-8) read as Windows-1252"


def test_a_byte_order_mark_is_dropped_and_named():
    csv_file = read_csv(b"\xef\xbb\xbf" + HEADER + "b1,Bäcker,retail\n".encode())
    assert csv_file.columns == ["external_id", "name", "kind"]
    assert names(b"\xef\xbb\xbf" + HEADER + "b1,Bäcker,retail\n".encode()) == ["Bäcker"]
    assert csv_file.encoding == "UTF-8 with BOM"


def test_bytes_windows_1252_leaves_undefined_are_read_as_latin_1():
    lines, encoding = decode_lines(b"a\x81b\n")
    assert lines == ["a\x81b\n"] and encoding == "Latin-1"


def test_a_line_separator_inside_a_field_does_not_split_the_row():
    data = HEADER + "b1,Eins\u2028Zwei\x85,retail\nb2,Drei,retail\n".encode()
    assert names(data) == ["Eins\u2028Zwei\x85", "Drei"]


def test_semicolons_as_german_spreadsheets_write_them():
    csv_file = read_csv(b'external_id;name;kind\nb1;"Eins; Zwei";retail\n')
    assert csv_file.delimiter == ";" and names(b'external_id;name;kind\nb1;"A, B";retail\n') == [
        "A, B"
    ]


def test_rows_carry_the_line_they_start_on_past_blank_lines_and_quoted_newlines():
    data = HEADER + b'\nb1,"zwei\nZeilen",retail\n\n\nb2,Drei,retail\n'
    assert [row.line for row in read_csv(data).rows] == [3, 7]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b" \r\n\n", "the file is empty"),
        (HEADER + b"b1,Eins,re\x00tail\n", "line 2 holds a NUL byte"),
        ("external_id\n".encode("utf-16"), "UTF-16"),
        (HEADER + b'b1,"offen,retail\n', "line 2: unexpected end of data"),
        (HEADER + b'b1,"zu" viel,retail\n', "line 2:"),
        (b"name,name\nx,y\n", "named twice: name"),
        (b",\n,,\n", "no header line"),
    ],
)
def test_files_that_are_not_csv_are_refused_with_a_reason(data, reason):
    with pytest.raises(UnreadableCsv, match=reason):
        read_csv(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_rows_or_a_clear_refusal(data):
    with contextlib.suppress(UnreadableCsv):
        read_csv(data)


def problems_of(**fields: str) -> list[tuple[str, str]]:
    row = {"external_id": "b1", "name": "Laden", "kind": "retail"} | fields
    business, problems = read_business_row(row, "de")
    assert (business.profile is None) == bool(problems)
    return [(p.field, p.reason) for p in problems]


def test_every_problem_of_a_row_is_named_by_its_column():
    found = problems_of(
        name="",
        kind="laden",
        lat="abc",
        lon="500",
        delivers="vielleicht",
        opening_hours="mo 26:00-27:00",
        phone="+" + "4" * 30,
        postcode="0" * 13,
        image_urls="https://ok.example|kein-link",
    )
    columns = [
        "name",
        "kind",
        "lat",
        "lon",
        "delivers",
        "opening_hours",
        "postcode",
        "phone",
        "image_urls",
    ]
    assert sorted(column for column, _ in found) == sorted(columns)
    assert ("name", "is missing") in found and ("lat", "'abc' is not a number") in found


def test_a_lone_coordinate_and_decimal_commas():
    assert problems_of(lat="51.3") == [("lon", "is missing (lat and lon go together)")]
    business, problems = read_business_row(
        {"external_id": "b1", "name": "L", "kind": "Retail", "lat": "51,34", "lon": "12,37"}, "de"
    )
    assert problems == [] and business.profile is not None
    assert business.profile.location is not None
    assert (business.profile.location.lat, business.profile.location.lon) == (51.34, 12.37)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*COLUMNS, "description.en", "description.de", "pickup_notes.fr"]),
        st.text(max_size=60),
    )
)
def test_any_text_in_any_column_gives_a_business_or_problems(fields):
    business, problems = read_business_row(fields, "de")
    assert (business.profile is None) == bool(problems)


def test_a_text_in_another_language_has_its_own_column():
    refused, problems = read_business_row(
        {
            "external_id": "b1",
            "name": "Laden",
            "kind": "retail",
            "description": "Brot",
            "description.en": "Bread",
            "delivery_notes.en": "x" * 501,
        },
        "de",
    )
    assert [(p.field, p.reason) for p in problems] == [
        ("delivery_notes.en", "must be 0-500 characters")
    ]
    assert refused.profile is None
    fine, none = read_business_row(
        {"external_id": "b1", "name": "L", "kind": "retail", "description.en": "Bread"}, "de"
    )
    assert none == [] and fine.profile is not None
    assert fine.profile.description.as_dict() == {"en": "Bread"}
    _, twice = read_business_row(
        {
            "external_id": "b1",
            "name": "L",
            "kind": "retail",
            "description": "A",
            "description.de": "B",
        },
        "de",
    )
    assert [(p.field, p.reason) for p in twice] == [
        ("description.de", "gives the de text, as description does")
    ]
