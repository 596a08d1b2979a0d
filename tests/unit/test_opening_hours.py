"""Opening hours: weekly ranges, past midnight, exceptions, and daylight-saving edges in
Europe/Berlin (2026: clocks go forward on 29 March at 02:00, back on 25 October at 03:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.directory.hours import DateException, OpeningHours, TimeRange, parse_weekly
from domain.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")


def hours(text: str, *exceptions: DateException) -> OpeningHours:
    return OpeningHours(parse_weekly(text), exceptions)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_open_within_a_range_and_closed_in_the_lunch_break():
    shop = hours("mo-fr 09:00-13:00,14:00-18:00")
    monday = berlin(2026, 11, 23, 10, 0)
    status = shop.status_at(monday, BERLIN)
    assert status.open_now and status.closes_at == berlin(2026, 11, 23, 13, 0)
    lunch = shop.status_at(berlin(2026, 11, 23, 13, 30), BERLIN)
    assert not lunch.open_now and lunch.next_opening == berlin(2026, 11, 23, 14, 0)


def test_closing_time_is_exclusive_and_opening_time_inclusive():
    shop = hours("mo 09:00-18:00")
    assert shop.status_at(berlin(2026, 11, 23, 9, 0), BERLIN).open_now
    assert not shop.status_at(berlin(2026, 11, 23, 18, 0), BERLIN).open_now


def test_a_range_past_midnight_is_open_early_the_next_day():
    bar = hours("fr,sa 20:00-03:00")
    saturday_2am = berlin(2026, 11, 28, 2, 0)
    status = bar.status_at(saturday_2am, BERLIN)
    assert status.open_now and status.closes_at == berlin(2026, 11, 28, 3, 0)
    assert status.next_opening == berlin(2026, 11, 28, 20, 0)


def test_sunday_night_runs_into_monday_morning():
    club = hours("su 22:00-04:00")
    assert club.status_at(berlin(2026, 11, 23, 3, 0), BERLIN).open_now  # a Monday


def test_whole_days_in_a_row_merge_into_one_opening():
    always = hours("mo-su 00:00-24:00")
    status = always.status_at(berlin(2026, 11, 23, 12, 0), BERLIN)
    assert status.open_now and status.closes_at > berlin(2026, 12, 1)


def test_an_exception_closes_a_regular_day():
    shop = hours("mo-sa 09:00-18:00", DateException(date(2026, 12, 25), (), "Christmas"))
    christmas_noon = berlin(2026, 12, 25, 12, 0)
    status = shop.status_at(christmas_noon, BERLIN)
    assert not status.open_now and status.next_opening == berlin(2026, 12, 26, 9, 0)


def test_an_exception_changes_hours_for_one_date():
    crisis = DateException(date(2026, 11, 24), (TimeRange.parse("10:00-12:00"),))
    shop = hours("mo-fr 09:00-18:00", crisis)
    assert not shop.status_at(berlin(2026, 11, 24, 9, 30), BERLIN).open_now
    assert shop.status_at(berlin(2026, 11, 24, 11, 0), BERLIN).open_now
    assert shop.status_at(berlin(2026, 11, 25, 9, 30), BERLIN).open_now


def test_night_over_the_spring_change_lasts_one_hour_less():
    bar = hours("sa 22:00-06:00")
    night = bar.intervals_starting_on(date(2026, 3, 28), BERLIN)
    assert [(end - start) for start, end in night] == [timedelta(hours=7)]
    # 05:30 on Sunday is summer time (UTC+2): 03:30 UTC, still open.
    assert bar.status_at(datetime(2026, 3, 29, 3, 30, tzinfo=UTC), BERLIN).open_now
    assert not bar.status_at(datetime(2026, 3, 29, 4, 0, tzinfo=UTC), BERLIN).open_now


def test_night_over_the_autumn_change_lasts_one_hour_more():
    bar = hours("sa 22:00-06:00")
    night = bar.intervals_starting_on(date(2026, 10, 24), BERLIN)
    assert [(end - start) for start, end in night] == [timedelta(hours=9)]
    # 05:30 on Sunday is winter time (UTC+1): 04:30 UTC, still open.
    assert bar.status_at(datetime(2026, 10, 25, 4, 30, tzinfo=UTC), BERLIN).open_now


def test_next_opening_after_the_change_carries_the_new_offset():
    shop = hours("mo 09:00-18:00")
    saturday_before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    opening = shop.status_at(saturday_before, BERLIN).next_opening
    assert opening == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST


def test_an_opening_at_a_time_that_does_not_exist_starts_an_hour_later():
    odd = hours("su 02:30-05:00")
    night = odd.intervals_starting_on(date(2026, 3, 29), BERLIN)
    assert night[0][0] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_closed_for_longer_than_the_lookahead_has_no_next_opening():
    assert hours("").status_at(berlin(2026, 11, 23, 12, 0), BERLIN).next_opening is None


@pytest.mark.parametrize(
    "text",
    ["mo 25:00-26:00", "mo 09:00", "xx 09:00-10:00", "mo 09:00-09:00", "mo 24:00-02:00"],
)
def test_malformed_hours_are_refused(text):
    with pytest.raises(InvalidInput):
        parse_weekly(text)


def test_overlapping_ranges_are_refused_even_across_midnight():
    with pytest.raises(InvalidInput, match="overlap"):
        hours("mo 09:00-12:00,11:00-14:00")
    with pytest.raises(InvalidInput, match="overlap"):
        hours("fr 20:00-03:00; sa 02:00-10:00")
    with pytest.raises(InvalidInput, match="overlap"):
        hours("su 22:00-04:00; mo 03:00-10:00")


def test_a_date_listed_twice_is_refused():
    day = DateException(date(2026, 12, 24))
    with pytest.raises(InvalidInput, match="twice"):
        hours("mo 09:00-10:00", day, day)


def test_day_ranges_wrap_around_the_week():
    week = parse_weekly("sa-mo 10:00-12:00")
    assert [bool(d) for d in week] == [True, False, False, False, False, True, True]


def reference_status(hours: OpeningHours, now: datetime, zone: ZoneInfo):  # type: ignore[no-untyped-def]
    """Every opening of the lookahead, merged, then looked up: what status_at must agree with
    although it stops early."""
    today = now.astimezone(zone).date()
    intervals = sorted(
        i
        for offset in range(-1, 63)
        for i in hours.intervals_starting_on(today + timedelta(offset), zone)
    )
    merged: list[list[datetime]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(end, merged[-1][1])
        else:
            merged.append([start, end])
    current = next((m for m in merged if m[0] <= now < m[1]), None)
    upcoming = next((m[0] for m in merged if m[0] > now), None)
    return current is not None, current[1] if current else None, upcoming


@pytest.mark.parametrize(
    "schedule",
    [
        "mo-fr 09:00-13:00,14:00-18:00; sa 10:00-14:00",
        "fr,sa 20:00-03:00; su 22:00-04:00",
        "mo-su 00:00-24:00",
        "mo,tu 00:00-24:00; we 00:00-12:00",
        "th 02:30-03:30",
    ],
)
@pytest.mark.parametrize("week_of", [date(2026, 3, 23), date(2026, 10, 19), date(2026, 12, 21)])
def test_status_agrees_with_merging_every_opening_at_every_quarter_hour(schedule, week_of):
    shop = hours(
        schedule,
        DateException(week_of + timedelta(days=3), (TimeRange.parse("23:00-01:00"),)),
        DateException(week_of + timedelta(days=4), ()),
    )
    start = datetime.combine(week_of, datetime.min.time(), tzinfo=UTC)
    for quarter in range(0, 8 * 24 * 4):
        now = start + timedelta(minutes=15 * quarter)
        status = shop.status_at(now, BERLIN)
        assert (status.open_now, status.closes_at, status.next_opening) == reference_status(
            shop, now, BERLIN
        ), now
