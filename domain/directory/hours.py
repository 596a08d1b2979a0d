"""Opening hours: regular weekly ranges (several a day, past midnight allowed), exceptions by
date, and whether a place is open at an instant, in the tenant's timezone.

Ranges are wall-clock times. They become instants only for one concrete date, through the
timezone, so a range keeps its wall-clock meaning across a daylight-saving change: a bar open
22:00-06:00 is open nine real hours on the autumn night the clocks go back, and seven in spring.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import FieldProblem, InvalidInput

WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
MAX_RANGES_PER_DAY = 6
MAX_EXCEPTIONS = 400
# How far ahead "next opening" looks; a place closed longer than this has none.
LOOKAHEAD_DAYS = 62


def _minutes(clock: str, field_name: str) -> int:
    if not _CLOCK.match(clock):
        raise InvalidInput([FieldProblem(field_name, f"{clock!r} is not a time like '09:30'")])
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True, order=True)
class TimeRange:
    """From `opens` to `closes` in minutes after local midnight. `closes` <= `opens` means the
    range runs past midnight into the next day; 00:00-24:00 is the whole day."""

    opens: int
    closes: int

    @classmethod
    def parse(cls, text: str, field_name: str = "hours") -> TimeRange:
        parts = text.strip().split("-")
        if len(parts) != 2:
            raise InvalidInput([FieldProblem(field_name, f"{text!r} is not like '09:00-18:00'")])
        opens = _minutes(parts[0].strip(), field_name)
        closes = _minutes(parts[1].strip(), field_name)
        if opens == 1440:
            raise InvalidInput([FieldProblem(field_name, "a range cannot open at 24:00")])
        if opens == closes:
            raise InvalidInput([FieldProblem(field_name, f"{text!r} is empty; use 00:00-24:00")])
        return cls(opens, closes)

    @property
    def past_midnight(self) -> bool:
        return self.closes <= self.opens

    @property
    def length(self) -> int:
        """In wall-clock minutes."""
        return (
            self.closes - self.opens if not self.past_midnight else 1440 - self.opens + self.closes
        )

    def __str__(self) -> str:
        def clock(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        return f"{clock(self.opens)}-{clock(self.closes)}"


@dataclass(frozen=True)
class DateException:
    """Hours that replace the weekly ones for one date; no ranges means closed all day."""

    day: date
    ranges: tuple[TimeRange, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class OpenStatus:
    open_now: bool
    closes_at: datetime | None  # when open: the end of the current opening
    next_opening: datetime | None  # the next time it opens (after now), within the lookahead


@dataclass(frozen=True)
class OpeningHours:
    weekly: tuple[tuple[TimeRange, ...], ...] = field(default=((),) * 7)  # Monday first
    exceptions: tuple[DateException, ...] = ()

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidInput(problems)

    @property
    def is_empty(self) -> bool:
        return not any(self.weekly) and not self.exceptions

    def ranges_on(self, day: date) -> tuple[TimeRange, ...]:
        for exception in self.exceptions:
            if exception.day == day:
                return exception.ranges
        return self.weekly[day.weekday()]

    def intervals_starting_on(self, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """The openings that begin on `day`, as UTC instants. A wall time that does not exist
        (spring forward) counts as the same time of the old offset, i.e. an hour later."""
        found = []
        for r in self.ranges_on(day):
            start = _instant(day, r.opens, zone)
            end_day = day + timedelta(days=1) if r.past_midnight else day
            end = _instant(end_day, r.closes, zone)
            if end > start:
                found.append((start, end))
        return found

    def status_at(self, now: datetime, zone: ZoneInfo) -> OpenStatus:
        """Walks the days from yesterday on, merging openings as they come, and stops at the
        first opening after `now`: later days' openings begin later still, so they can neither
        move that start nor extend an opening that holds `now`."""
        today = now.astimezone(zone).date()
        merged: list[tuple[datetime, datetime]] = []
        for offset in range(-1, LOOKAHEAD_DAYS + 1):
            day = today + timedelta(days=offset)
            for start, end in sorted(self.intervals_starting_on(day, zone)):
                if merged and start <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
                else:
                    merged.append((start, end))
            if merged and merged[-1][0] > now:
                break
        current = next((i for i in merged if i[0] <= now < i[1]), None)
        upcoming = next((i[0] for i in merged if i[0] > now), None)
        return OpenStatus(
            open_now=current is not None,
            closes_at=current[1] if current else None,
            next_opening=upcoming,
        )


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    if minutes == 1440:
        day, minutes = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)


def _overlaps(ranges: list[tuple[int, int]]) -> bool:
    ordered = sorted(ranges)
    return any(b[0] < a[1] for a, b in itertools.pairwise(ordered))


def _problems(hours: OpeningHours) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if len(hours.weekly) != 7:
        return [FieldProblem("opening_hours.weekly", "needs one entry per weekday")]
    week_minutes: list[tuple[int, int]] = []
    for index, ranges in enumerate(hours.weekly):
        if len(ranges) > MAX_RANGES_PER_DAY:
            problems.append(
                FieldProblem(f"opening_hours.weekly.{WEEKDAYS[index]}", "at most 6 ranges a day")
            )
        for r in ranges:
            start = index * 1440 + r.opens
            week_minutes.append((start, start + r.length))
    # Ranges may run past midnight, even from Sunday into Monday: compare around the week.
    wrapped = week_minutes + [(s + 7 * 1440, e + 7 * 1440) for s, e in week_minutes]
    if _overlaps(wrapped):
        problems.append(FieldProblem("opening_hours.weekly", "ranges overlap"))
    if len(hours.exceptions) > MAX_EXCEPTIONS:
        problems.append(FieldProblem("opening_hours.exceptions", "at most 400 exceptions"))
    days = [e.day for e in hours.exceptions]
    if len(set(days)) != len(days):
        problems.append(FieldProblem("opening_hours.exceptions", "lists a date twice"))
    for e in hours.exceptions:
        where = f"opening_hours.exceptions.{e.day.isoformat()}"
        if len(e.ranges) > MAX_RANGES_PER_DAY:
            problems.append(FieldProblem(where, "at most 6 ranges a day"))
        if _overlaps([(r.opens, r.opens + r.length) for r in e.ranges]):
            problems.append(FieldProblem(where, "ranges overlap"))
        if len(e.note) > 200:
            problems.append(FieldProblem(where, "the note has at most 200 characters"))
    return problems


def parse_weekly(text: str, field_name: str = "hours") -> tuple[tuple[TimeRange, ...], ...]:
    """A compact form for files: 'mo-fr 09:00-13:00,14:00-18:00; sa 10:00-14:00'."""
    week: list[list[TimeRange]] = [[] for _ in range(7)]
    for rule in filter(None, (part.strip() for part in text.lower().split(";"))):
        days_text, _, ranges_text = rule.partition(" ")
        days: list[int] = []
        for days_part in days_text.split(","):
            first, _, last = days_part.partition("-")
            if first not in WEEKDAYS or (last and last not in WEEKDAYS):
                raise InvalidInput([FieldProblem(field_name, f"{days_part!r} is not like 'mo-fr'")])
            a, b = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
            days += list(range(a, b + 1)) if a <= b else list(range(a, 7)) + list(range(0, b + 1))
        if not ranges_text.strip():
            raise InvalidInput([FieldProblem(field_name, f"{rule!r} names no times")])
        if ranges_text.strip() == "off":
            continue
        ranges = [TimeRange.parse(r, field_name) for r in ranges_text.split(",")]
        for day in days:
            week[day] += ranges
    return tuple(tuple(sorted(day)) for day in week)


def hours_from_text(
    weekly: dict[str, list[str]], exceptions: list[tuple[date, list[str], str]]
) -> OpeningHours:
    """Hours from their written form: {'mo': ['09:00-18:00'], ...} and dated exceptions."""
    unknown = [day for day in weekly if day not in WEEKDAYS]
    if unknown:
        raise InvalidInput(
            [FieldProblem("opening_hours.weekly", f"{unknown[0]!r} is not a weekday (mo-su)")]
        )
    week = tuple(
        tuple(
            sorted(TimeRange.parse(r, f"opening_hours.weekly.{day}") for r in weekly.get(day, []))
        )
        for day in WEEKDAYS
    )
    dated = tuple(
        DateException(
            day,
            tuple(sorted(TimeRange.parse(r, f"opening_hours.exceptions.{day}") for r in ranges)),
            note,
        )
        for day, ranges, note in exceptions
    )
    return OpeningHours(week, dated)


def weekly_as_text(hours: OpeningHours) -> dict[str, list[str]]:
    return {
        day: [str(r) for r in ranges] for day, ranges in zip(WEEKDAYS, hours.weekly, strict=True)
    }
