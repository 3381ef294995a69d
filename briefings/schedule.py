"""Pure, timezone-aware decisions about when a briefing is due.

`now`/`after` is always a parameter, so daylight saving is a table of test cases, not a sleep.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAYS = ("daily", "weekdays")
_TIME = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)

# Names people type that are not the last part of an IANA zone name.
_ALIASES = {
    "kiev": "Europe/Kyiv",
    "kyiv": "Europe/Kyiv",
    "odesa": "Europe/Kyiv",
    "odessa": "Europe/Kyiv",
    "kharkiv": "Europe/Kyiv",
    "lviv": "Europe/Kyiv",
    "dnipro": "Europe/Kyiv",
    "washington": "America/New_York",
    "washington dc": "America/New_York",
    "boston": "America/New_York",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "milan": "Europe/Rome",
    "geneva": "Europe/Zurich",
    "st petersburg": "Europe/Moscow",
    "saint petersburg": "Europe/Moscow",
    "beijing": "Asia/Shanghai",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "utc": "UTC",
    "gmt": "UTC",
}


class ScheduleError(ValueError):
    """A time, timezone or day setting that cannot be used."""


def parse_time(text: str) -> str:
    """'8:05', '08.05', '8h05' -> '08:05'; raises ScheduleError otherwise."""
    match = _TIME.match(text or "")
    if not match:
        raise ScheduleError(f"not a time of day: {text!r}")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ScheduleError(f"not a time of day: {text!r}")
    return f"{hour:02d}:{minute:02d}"


@lru_cache(maxsize=1)
def _city_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        city = name.rsplit("/", 1)[1].replace("_", " ").casefold()
        index.setdefault(city, name)
    return index


def parse_timezone(text: str) -> str:
    """An IANA name, a UTC offset or a well-known city -> the canonical stored name.

    'europe/kyiv' -> 'Europe/Kyiv', '+2' -> '+02:00', 'New York' -> 'America/New_York'.
    """
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise ScheduleError("empty timezone")
    offset = _OFFSET.match(cleaned.replace(" ", ""))
    if offset:
        return _offset_name(offset)
    by_case = {name.casefold(): name for name in available_timezones()}
    key = cleaned.replace(" ", "_").casefold()
    if key in by_case:
        return by_case[key]
    city = cleaned.casefold()
    if city in _ALIASES:
        return _ALIASES[city]
    if city in _city_index():
        return _city_index()[city]
    raise ScheduleError(f"unknown timezone: {text!r}")


def _offset_name(match: re.Match[str]) -> str:
    hours, minutes = int(match[2]), int(match[3] or 0)
    if hours > 14 or minutes > 59:
        raise ScheduleError("UTC offsets run from -12:00 to +14:00")
    return f"{match[1]}{hours:02d}:{minutes:02d}"


def zone(name: str) -> dt.tzinfo:
    """The tzinfo for a stored timezone name (IANA or '+HH:MM')."""
    if name and name[0] in "+-":
        sign = 1 if name[0] == "+" else -1
        hours, minutes = (int(part) for part in name[1:].split(":"))
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(f"unknown timezone: {name!r}") from error


def _exists(local: dt.datetime) -> bool:
    """False for wall-clock times skipped by a spring-forward change."""
    back = local.astimezone(dt.UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def _first_valid(local: dt.datetime) -> dt.datetime:
    """The wall-clock time itself, or the first minute after a DST gap that swallowed it."""
    candidate = local
    for _ in range(24 * 60):
        if _exists(candidate):
            return candidate
        candidate += dt.timedelta(minutes=1)
    raise ScheduleError("no valid local time found")  # pragma: no cover


def is_delivery_day(day: dt.date, days: str) -> bool:
    return days != "weekdays" or day.weekday() < 5


def next_due(time: str, timezone: str, days: str, *, after: dt.datetime) -> dt.datetime:
    """The first moment strictly after `after` when this schedule fires, in UTC.

    A skipped local time fires at the first valid minute after it; a repeated local time
    fires once, at its first occurrence (fold=0).
    """
    if after.tzinfo is None:
        raise ScheduleError("naive datetime")
    tz = zone(timezone)
    hour, minute = (int(part) for part in parse_time(time).split(":"))
    day = after.astimezone(tz).date() - dt.timedelta(days=1)
    for _ in range(10):
        if is_delivery_day(day, days):
            wall = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
            moment = _first_valid(wall).replace(fold=0).astimezone(dt.UTC)
            if moment > after:
                return moment
        day += dt.timedelta(days=1)
    raise ScheduleError("no delivery day found")  # pragma: no cover


def is_too_late(due_utc: dt.datetime, now: dt.datetime, catch_up: dt.timedelta) -> bool:
    """After downtime: a briefing overdue by more than `catch_up` is skipped, not sent late."""
    return now - due_utc > catch_up


def due_key(due_utc: dt.datetime, timezone: str) -> str:
    """The local calendar day a due time belongs to: one briefing per subscriber per key."""
    return due_utc.astimezone(zone(timezone)).date().isoformat()
