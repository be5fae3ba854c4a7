"""Dates as Slashdot prints them, in US Eastern time, with or without a year."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from archiver.extract.dates import to_utc_iso

TIMEZONE = "America/New_York"
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# "Tuesday December 31, 2013 @09:50AM", "Friday July 06, @08:55AM", "Fri Jul 06, 2007 08:52 AM"
_SITE_DATE = re.compile(
    r"(?:\b(?P<weekday>[A-Z][a-z]{2,8})\s+)?\b(?P<month>[A-Z][a-z]{2,8})\s+(?P<day>\d{1,2}),"
    r"\s*(?P<year>\d{4})?\s*@?\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[AP]M)"
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def site_date(value: str | None, reference: date, tz: str = TIMEZONE) -> str | None:
    """A date as Slashdot prints it, UTC ISO; a missing year is the one next to `reference`
    on which the printed weekday falls (else the first not before `reference`)."""
    found = _SITE_DATE.search(value or "")
    if not found:
        return None
    month = _MONTHS.get(found["month"][:3].lower())
    if month is None:
        return None
    day, hour, minute = int(found["day"]), int(found["hour"]) % 12, int(found["minute"])
    hour += 12 if found["ampm"] == "PM" else 0
    if found["year"]:
        years = [int(found["year"])]
    else:
        years = [reference.year, reference.year + 1, reference.year - 1]
        weekday = (found["weekday"] or "")[:3].lower()
        if weekday in _WEEKDAYS:
            matching = [y for y in years if _weekday(y, month, day) == _WEEKDAYS.index(weekday)]
            years = matching or years
        elif _day(years[0], month, day) and _day(years[0], month, day) < reference - timedelta(2):
            years = years[1:]
    for year in years:
        if _day(year, month, day):
            moment = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz))
            return to_utc_iso(moment)
    return None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _weekday(year: int, month: int, day: int) -> int | None:
    found = _day(year, month, day)
    return found.weekday() if found else None
