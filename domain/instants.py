"""Instants given by callers: timezone-aware, and within the years a city platform plans in.
A naive time cannot be placed on the timeline, and a far-off one overflows once converted."""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def instant_problem(value: datetime) -> str | None:
    """Why `value` is no usable instant, or None."""
    if value.tzinfo is None or value.utcoffset() is None:
        return "needs a timezone offset, e.g. 2026-12-01T10:00:00+01:00"
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc < LATEST:
        return f"must lie between {EARLIEST.year} and {LATEST.year - 1}"
    return None
