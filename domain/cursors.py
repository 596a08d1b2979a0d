"""Cursors of paged lists: a position in the list's order, written so that every string of the
documented shape is a position. A client (or a fuzzer) cannot send a cursor that fails to
read; at worst one that starts the list somewhere it did not mean.

- text + id (lists by name): the text's UTF-8 bytes in hex, a dot, the id's 32 hex digits;
- instant + id (lists by time): microseconds since 1970 in decimal, a dot, the id in hex;
- integer + id (lists by an amount): the integer in decimal (a minus sign if negative, at
  most 18 digits: every one fits a BIGINT column), a dot, the id in hex.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.errors import FieldProblem, InvalidInput

MAX_TEXT_BYTES = 480  # 120 characters of up to four UTF-8 bytes
TEXT_ID_PATTERN = rf"^(?:[0-9a-f]{{2}}){{0,{MAX_TEXT_BYTES}}}\.[0-9a-f]{{32}}$"
INSTANT_ID_PATTERN = r"^[0-9]{1,16}\.[0-9a-f]{32}$"
INTEGER_ID_PATTERN = r"^-?[0-9]{1,18}\.[0-9a-f]{32}$"
MAX_CURSOR_LENGTH = 2 * MAX_TEXT_BYTES + 33

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TEXT_ID = re.compile(TEXT_ID_PATTERN)
_INSTANT_ID = re.compile(INSTANT_ID_PATTERN)
_INTEGER_ID = re.compile(INTEGER_ID_PATTERN)
MAX_CURSOR_INTEGER = 10**18 - 1


def _unreadable() -> InvalidInput:
    return InvalidInput([FieldProblem("cursor", "is not a cursor this list gave out")])


def text_id_cursor(text: str, item_id: UUID) -> str:
    return text.encode()[:MAX_TEXT_BYTES].hex() + "." + item_id.hex


def read_text_id_cursor(cursor: str) -> tuple[str, UUID]:
    if not _TEXT_ID.fullmatch(cursor):
        raise _unreadable()
    head, tail = cursor.split(".")
    # Bytes no list gave out still name a position; NUL cannot reach the database.
    text = bytes.fromhex(head).decode("utf-8", "replace").replace("\x00", "")
    return text, UUID(hex=tail)


def instant_id_cursor(at: datetime, item_id: UUID) -> str:
    return f"{(at - _EPOCH) // timedelta(microseconds=1)}.{item_id.hex}"


def read_instant_id_cursor(cursor: str) -> tuple[datetime, UUID]:
    if not _INSTANT_ID.fullmatch(cursor):
        raise _unreadable()
    micros, tail = cursor.split(".")
    return _EPOCH + timedelta(microseconds=int(micros)), UUID(hex=tail)


def integer_id_cursor(value: int, item_id: UUID) -> str:
    if not -MAX_CURSOR_INTEGER <= value <= MAX_CURSOR_INTEGER:
        raise ValueError("a cursor's integer has at most 18 digits")
    return f"{value}.{item_id.hex}"


def read_integer_id_cursor(cursor: str) -> tuple[int, UUID]:
    if not _INTEGER_ID.fullmatch(cursor):
        raise _unreadable()
    number, tail = cursor.split(".")
    return int(number), UUID(hex=tail)


# The change feed's position: the writing transaction and the outbox row, two decimals.
FEED_POSITION_PATTERN = r"^[0-9]{1,18}\.[0-9]{1,18}$"
_FEED_POSITION = re.compile(FEED_POSITION_PATTERN)


def feed_cursor(xact: int, row_id: int) -> str:
    return f"{xact}.{row_id}"


def read_feed_cursor(cursor: str) -> tuple[int, int]:
    if not _FEED_POSITION.fullmatch(cursor):
        raise _unreadable()
    xact, row_id = cursor.split(".")
    return int(xact), int(row_id)
