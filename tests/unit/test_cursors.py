"""Cursors are positions: what a list gives out reads back exactly, and every string of the
documented shape reads as some position."""

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cursors import (
    INSTANT_ID_PATTERN,
    TEXT_ID_PATTERN,
    instant_id_cursor,
    read_instant_id_cursor,
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


@pytest.mark.parametrize("cursor", ["", "abc", "0" * 500, "zz.00", "61." + "g" * 32])
def test_anything_else_is_invalid_input_about_the_cursor(cursor):
    with pytest.raises(InvalidInput) as caught:
        read_text_id_cursor(cursor)
    assert caught.value.problems[0].field == "cursor"
    with pytest.raises(InvalidInput):
        read_instant_id_cursor(cursor)
