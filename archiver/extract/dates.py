"""Dates as parsers read them: ISO metadata, what a site prints, and the capture time.

Parsers are pure functions of a response; the only thing they read besides the
response's url, headers and body is `response.meta[Meta.FETCHED_AT]`, the capture
time, which both the live crawl and `reparse` set from the WARC record. Every
date leaves here as UTC ISO 8601 with a Z, the one date format of the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from scrapy.http import TextResponse

from archiver.contract import Meta


def capture_time(response: TextResponse) -> datetime:
    """When the response was fetched (UTC), as recorded in its WARC record."""
    fetched_at = response.meta.get(Meta.FETCHED_AT) if _has_meta(response) else None
    if fetched_at:
        return datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    return datetime.now(UTC)


def _has_meta(response: TextResponse) -> bool:
    try:
        response.meta  # noqa: B018 - raises AttributeError when no request is bound
    except AttributeError:
        return False
    return True


def to_utc_iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z, second precision: the one date format of the database."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: parsers must give a timezone")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_iso(value: str | None, default_tz: str = "UTC") -> str | None:
    """Parse an ISO-like timestamp ("2022-08-29 07:12:03", "...T06:49:00+02:00")."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(default_tz))
    return to_utc_iso(moment)


def iso_or_none(value: str | None, default_tz: str = "UTC") -> str | None:
    """An ISO date from metadata; anything else (a theme's placeholder, "comment_date") is None."""
    try:
        return parse_iso(value, default_tz)
    except ValueError:
        return None


def parse_site_date(
    value: str | None, *, now: datetime, tz: str = "UTC", languages: tuple[str, ...] = ("en",)
) -> str | None:
    """Parse a date as a site prints it ("le 17/03/2013 à 14:12:55", "3 hours ago")."""
    if not value or not value.strip():
        return None
    try:
        return parse_iso(value, tz)
    except ValueError:
        pass
    parsed = _dateparser().parse(
        value,
        languages=list(languages),
        settings={
            "RELATIVE_BASE": now.astimezone(ZoneInfo(tz)).replace(tzinfo=None),
            "TIMEZONE": tz,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
        },
    )
    return to_utc_iso(parsed) if parsed else None


@lru_cache(maxsize=1)
def _dateparser():  # noqa: ANN202 - dateparser's module; imported lazily, it is slow to load
    import dateparser

    return dateparser


def within(moment: str | None, since: datetime | None) -> bool:
    """True when a UTC ISO timestamp is at or after `since` (or either is unknown)."""
    if moment is None or since is None:
        return True
    return datetime.fromisoformat(moment.replace("Z", "+00:00")) >= since
