"""Cursors are positions: what a list gives out reads back exactly, and every string of the
documented shape reads as some position."""

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cursors import (
    INSTANT_ID_PATTERN,
    INTEGER_ID_PATTERN,
    MAX_CURSOR_INTEGER,
    TEXT_ID_PATTERN,
    instant_id_cursor,
    integer_id_cursor,
    read_instant_id_cursor,
    read_integer_id_cursor,
    read_text_id_cursor,
    text_id_cursor,
)
from domain.errors import InvalidInput


@given(st.text(max_size=120).filter(lambda t: "\x00" not in t), st.uuids())
def test_a_text_cursor_reads_back_exactly(text, item_id):
    assert read_text_id_cursor(text_id_cursor(text, item_id)) == (text, item_id)


def test_an_instant_cursor_reads_back_to_the_microsecond():
    at, item_id = datetime(2026, 12, 24, 9, 30, 15, 123456, tzinfo=UTC), uuid.uuid4()
    assert read_instant_id_cursor(instant_id_cursor(at, item_id)) == (at, item_id)


@given(st.from_regex(TEXT_ID_PATTERN, fullmatch=True))
def test_every_text_cursor_of_the_documented_shape_is_a_position(cursor):
    text, _ = read_text_id_cursor(cursor)
    assert "\x00" not in text


@given(st.from_regex(INSTANT_ID_PATTERN, fullmatch=True))
def test_every_instant_cursor_of_the_documented_shape_is_a_position(cursor):
    at, _ = read_instant_id_cursor(cursor)
    assert at.tzinfo is UTC


@given(st.integers(-MAX_CURSOR_INTEGER, MAX_CURSOR_INTEGER), st.uuids())
def test_an_integer_cursor_reads_back_exactly(value, item_id):
    assert read_integer_id_cursor(integer_id_cursor(value, item_id)) == (value, item_id)


@given(st.from_regex(INTEGER_ID_PATTERN, fullmatch=True))
def test_every_integer_cursor_of_the_documented_shape_is_a_position_a_bigint_holds(cursor):
    value, _ = read_integer_id_cursor(cursor)
    assert -(2**63) <= value < 2**63


def test_an_instant_cursor_is_an_integer_cursor_too():
    """Lists that sort by time or by an amount (campaigns) take one shape for both."""
    at, item_id = datetime(2026, 12, 24, 9, 30, tzinfo=UTC), uuid.uuid4()
    value, read_id = read_integer_id_cursor(instant_id_cursor(at, item_id))
    assert (value, read_id) == (1_798_104_600_000_000, item_id)


def test_an_integer_too_long_for_a_cursor_is_refused_where_it_is_written():
    with pytest.raises(ValueError):
        integer_id_cursor(10**18, uuid.uuid4())


@pytest.mark.parametrize(
    "cursor", ["", "abc", "0" * 500, "zz.00", "61." + "g" * 32, "1" * 19 + "." + "0" * 32]
)
def test_anything_else_is_invalid_input_about_the_cursor(cursor):
    with pytest.raises(InvalidInput) as caught:
        read_text_id_cursor(cursor)
    assert caught.value.problems[0].field == "cursor"
    with pytest.raises(InvalidInput):
        read_instant_id_cursor(cursor)
    with pytest.raises(InvalidInput):
        read_integer_id_cursor(cursor)
