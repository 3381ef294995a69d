"""When briefings are due: tables across daylight saving, midnight, weekdays and fixed offsets."""

from __future__ import annotations

import datetime as dt

import pytest

from briefings.schedule import ScheduleError, due_key, is_too_late, next_due


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("time", "timezone", "days", "after", "expected"),
    [
        # Europe/Kyiv: EET (+2) in winter, EEST (+3) in summer.
        ("08:00", "Europe/Kyiv", "daily", utc(2024, 1, 15, 5, 0), utc(2024, 1, 15, 6, 0)),
        ("08:00", "Europe/Kyiv", "daily", utc(2024, 7, 15, 4, 0), utc(2024, 7, 15, 5, 0)),
        # Spring forward, 31 March 2024: 03:00 becomes 04:00, so 03:30 does not exist and the
        # briefing goes at the first valid minute after it, 04:00 EEST.
        ("03:30", "Europe/Kyiv", "daily", utc(2024, 3, 30, 12, 0), utc(2024, 3, 31, 1, 0)),
        ("03:00", "Europe/Kyiv", "daily", utc(2024, 3, 30, 12, 0), utc(2024, 3, 31, 1, 0)),
        # Just either side of the gap nothing moves.
        ("02:59", "Europe/Kyiv", "daily", utc(2024, 3, 30, 12, 0), utc(2024, 3, 31, 0, 59)),
        ("04:00", "Europe/Kyiv", "daily", utc(2024, 3, 30, 12, 0), utc(2024, 3, 31, 1, 0)),
        # Fall back, 27 October 2024: 04:00 becomes 03:00, so 03:30 happens twice; the
        # briefing goes at the first 03:30 (EEST) ...
        ("03:30", "Europe/Kyiv", "daily", utc(2024, 10, 26, 12, 0), utc(2024, 10, 27, 0, 30)),
        # ... and once it has gone, the next one is the next day, not the second 03:30.
        ("03:30", "Europe/Kyiv", "daily", utc(2024, 10, 27, 0, 30), utc(2024, 10, 28, 1, 30)),
        # The day after each change runs on the new offset.
        ("08:00", "Europe/Kyiv", "daily", utc(2024, 3, 31, 12, 0), utc(2024, 4, 1, 5, 0)),
        ("08:00", "Europe/Kyiv", "daily", utc(2024, 10, 27, 12, 0), utc(2024, 10, 28, 6, 0)),
        # America/New_York: EST (-5), EDT (-4). Spring forward 10 March 2024 at 02:00.
        ("02:30", "America/New_York", "daily", utc(2024, 3, 9, 12, 0), utc(2024, 3, 10, 7, 0)),
        ("07:00", "America/New_York", "daily", utc(2024, 3, 9, 12, 0), utc(2024, 3, 10, 11, 0)),
        # Fall back 3 November 2024 at 02:00: 01:30 is repeated; it fires once.
        ("01:30", "America/New_York", "daily", utc(2024, 11, 2, 12, 0), utc(2024, 11, 3, 5, 30)),
        ("01:30", "America/New_York", "daily", utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30)),
        ("01:30", "America/New_York", "daily", utc(2024, 11, 3, 6, 0), utc(2024, 11, 4, 6, 30)),
        # Midnight belongs to the day it starts.
        ("00:00", "Europe/Kyiv", "daily", utc(2024, 1, 1, 21, 59), utc(2024, 1, 1, 22, 0)),
        ("00:00", "Europe/Kyiv", "daily", utc(2024, 1, 1, 22, 0), utc(2024, 1, 2, 22, 0)),
        ("23:59", "America/New_York", "daily", utc(2024, 1, 2, 4, 58), utc(2024, 1, 2, 4, 59)),
        # Weekdays: Friday's briefing, then Monday's. 10 November 2023 is a Friday.
        ("08:00", "UTC", "weekdays", utc(2023, 11, 10, 7, 0), utc(2023, 11, 10, 8, 0)),
        ("08:00", "UTC", "weekdays", utc(2023, 11, 10, 8, 0), utc(2023, 11, 13, 8, 0)),
        ("08:00", "UTC", "weekdays", utc(2023, 11, 11, 12, 0), utc(2023, 11, 13, 8, 0)),
        ("08:00", "UTC", "daily", utc(2023, 11, 10, 8, 0), utc(2023, 11, 11, 8, 0)),
        # The weekday is the local one: Friday 23:00 in New York is Saturday in UTC.
        (
            "23:00",
            "America/New_York",
            "weekdays",
            utc(2023, 11, 10, 12, 0),
            utc(2023, 11, 11, 4, 0),
        ),
        ("23:00", "America/New_York", "weekdays", utc(2023, 11, 11, 4, 0), utc(2023, 11, 14, 4, 0)),
        # Monday 07:00 in Kyiv is still Sunday in UTC.
        ("07:00", "Europe/Kyiv", "weekdays", utc(2023, 11, 11, 12, 0), utc(2023, 11, 13, 5, 0)),
        # Fixed offsets, including half hours and west of UTC.
        ("08:00", "+05:30", "daily", utc(2023, 11, 10, 3, 0), utc(2023, 11, 11, 2, 30)),
        ("08:00", "+05:30", "weekdays", utc(2023, 11, 10, 3, 0), utc(2023, 11, 13, 2, 30)),
        ("08:00", "-03:00", "daily", utc(2023, 11, 10, 10, 0), utc(2023, 11, 10, 11, 0)),
        ("00:30", "+14:00", "daily", utc(2023, 11, 10, 0, 0), utc(2023, 11, 10, 10, 30)),
    ],
)
def test_next_due(time: str, timezone: str, days: str, after: dt.datetime, expected: dt.datetime):
    assert next_due(time, timezone, days, after=after) == expected


def test_next_due_is_strictly_after_the_given_moment():
    moment = utc(2024, 1, 15, 8, 0)
    assert next_due("08:00", "UTC", "daily", after=moment) == utc(2024, 1, 16, 8, 0)


def test_walking_a_year_of_kyiv_gives_one_briefing_per_local_day():
    after = utc(2024, 1, 1, 0, 0)
    keys = []
    for _ in range(366):
        after = next_due("03:30", "Europe/Kyiv", "daily", after=after)
        keys.append(due_key(after, "Europe/Kyiv"))
    assert len(keys) == len(set(keys)) == 366
    assert keys[0] == "2024-01-01" and keys[-1] == "2024-12-31"


def test_walking_a_year_of_new_york_weekdays_skips_every_weekend():
    after = utc(2024, 1, 1, 0, 0)
    days = []
    for _ in range(262):
        after = next_due("01:30", "America/New_York", "weekdays", after=after)
        days.append(dt.date.fromisoformat(due_key(after, "America/New_York")))
    assert len(set(days)) == 262
    assert all(day.weekday() < 5 for day in days)
    assert days[-1] == dt.date(2024, 12, 31)


@pytest.mark.parametrize(
    ("due", "timezone", "key"),
    [
        (utc(2024, 1, 1, 22, 0), "Europe/Kyiv", "2024-01-02"),
        (utc(2024, 1, 2, 4, 59), "America/New_York", "2024-01-01"),
        (utc(2023, 11, 10, 11, 0), "-03:00", "2023-11-10"),
        (utc(2023, 11, 10, 10, 30), "+14:00", "2023-11-11"),
    ],
)
def test_due_key_is_the_local_day(due: dt.datetime, timezone: str, key: str):
    assert due_key(due, timezone) == key


@pytest.mark.parametrize(
    ("overdue", "too_late"),
    [
        (dt.timedelta(0), False),
        (dt.timedelta(hours=2), False),
        (dt.timedelta(hours=6), False),
        (dt.timedelta(hours=6, seconds=1), True),
        (dt.timedelta(hours=8), True),
    ],
)
def test_a_briefing_is_too_late_after_the_catch_up_window(overdue: dt.timedelta, too_late: bool):
    due = utc(2024, 1, 1, 8, 0)
    assert is_too_late(due, due + overdue, dt.timedelta(hours=6)) is too_late


def test_naive_moments_are_refused():
    with pytest.raises(ScheduleError):
        next_due("08:00", "UTC", "daily", after=dt.datetime(2024, 1, 1))
