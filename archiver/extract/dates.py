"""Dates as parsers read them: ISO metadata, what a site prints, and the capture time.

Parsers are pure functions of a response; the only thing they read besides the
response's url, headers and body is `response.meta[Meta.FETCHED_AT]`, the capture
time, which both the live crawl and `reparse` set from the WARC record. Every
date leaves here as UTC ISO 8601 with a Z, the one date format of the database.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
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


# Month names (and their usual abbreviations) as pages print them: genitive in pl and ru.
MONTHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
           ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
           ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
           ("december", "dec")),
    "fr": (("janvier", "janv"), ("février", "fevrier", "févr", "fév", "fevr"), ("mars",),
           ("avril", "avr"), ("mai",), ("juin",), ("juillet", "juil"), ("août", "aout"),
           ("septembre",), ("octobre",), ("novembre",), ("décembre", "decembre", "déc")),
    "de": (("januar", "jänner", "jan"), ("februar", "feb"), ("märz", "maerz", "mär", "mrz"),
           ("april", "apr"), ("mai",), ("juni", "jun"), ("juli", "jul"), ("august", "aug"),
           ("september", "sep", "sept"), ("oktober", "okt"), ("november", "nov"),
           ("dezember", "dez")),
    "es": (("enero", "ene"), ("febrero",), ("marzo",), ("abril", "abr"), ("mayo",),
           ("junio",), ("julio",), ("agosto", "ago"), ("septiembre", "setiembre"),
           ("octubre",), ("noviembre",), ("diciembre", "dic")),
    "it": (("gennaio", "gen"), ("febbraio",), ("marzo",), ("aprile",), ("maggio", "mag"),
           ("giugno", "giu"), ("luglio", "lug"), ("agosto",), ("settembre", "set"),
           ("ottobre", "ott"), ("novembre",), ("dicembre",)),
    "nl": (("januari",), ("februari",), ("maart", "mrt"), ("april",), ("mei",), ("juni",),
           ("juli",), ("augustus",), ("september",), ("oktober", "okt"), ("november",),
           ("december",)),
    "pl": (("stycznia", "styczeń", "sty"), ("lutego", "luty", "lut"), ("marca", "marzec"),
           ("kwietnia", "kwiecień", "kwi"), ("maja", "maj"), ("czerwca", "czerwiec", "cze"),
           ("lipca", "lipiec", "lip"), ("sierpnia", "sierpień", "sie"),
           ("września", "wrzesień", "wrz"), ("października", "październik", "paź"),
           ("listopada", "listopad", "lis"), ("grudnia", "grudzień", "gru")),
    "pt": (("janeiro",), ("fevereiro", "fev"), ("março", "marco"), ("abril",), ("maio",),
           ("junho",), ("julho",), ("agosto",), ("setembro",), ("outubro", "out"),
           ("novembro",), ("dezembro", "dez")),
    "ru": (("января", "январь", "янв"), ("февраля", "февраль", "фев"), ("марта", "март"),
           ("апреля", "апрель", "апр"), ("мая", "май"), ("июня", "июнь"), ("июля", "июль"),
           ("августа", "август", "авг"), ("сентября", "сентябрь", "сен"),
           ("октября", "октябрь", "окт"), ("ноября", "ноябрь", "ноя"),
           ("декабря", "декабрь", "дек")),
    "sv": (("januari", "jan"), ("februari", "feb"), ("mars",), ("april", "apr"), ("maj",),
           ("juni",), ("juli",), ("augusti",), ("september",), ("oktober", "okt"),
           ("november",), ("december",)),
    "da": (("januar",), ("februar",), ("marts",), ("april",), ("maj",), ("juni",), ("juli",),
           ("august",), ("september",), ("oktober",), ("november",), ("december",)),
    "cs": (("ledna", "leden"), ("února", "únor"), ("března", "březen"), ("dubna", "duben"),
           ("května", "květen"), ("června", "červen"), ("července", "červenec"),
           ("srpna", "srpen"), ("září",), ("října", "říjen"), ("listopadu", "listopad"),
           ("prosince", "prosinec")),
    "tr": (("ocak",), ("şubat", "subat"), ("mart",), ("nisan",), ("mayıs", "mayis"),
           ("haziran",), ("temmuz",), ("ağustos", "agustos"), ("eylül", "eylul"), ("ekim",),
           ("kasım", "kasim"), ("aralık", "aralik")),
    "ca": (("gener",), ("febrer",), ("març",), ("abril",), ("maig",), ("juny",),
           ("juliol",), ("agost",), ("setembre",), ("octubre",), ("novembre",), ("desembre",)),
    "id": (("januari",), ("februari",), ("maret",), ("april",), ("mei",), ("juni",),
           ("juli",), ("agustus",), ("september",), ("oktober",), ("november",),
           ("desember",)),
}  # fmt: skip
_MONTH = {
    name: number
    for names in MONTHS.values()
    for number, spellings in enumerate(names, start=1)
    for name in spellings
}
_MONTH_NAME = "|".join(sorted(map(re.escape, _MONTH), key=len, reverse=True))
# What joins a date to its time: "à", "um", "a las", "alle ore", "om", "o godz.", "às", "em",
# "в", "v", "kl.", "klo", "saat", "at", "@".
_JOIN = (
    r"(?:\s*(?:,|-|–|—|/|@|\||at|um|à|a\s+las|a\s+la|a\s+les|alle(?:\s+ore)?|om"
    r"|o(?:\s+godz(?:\.|inie)?)?|godz\.?|às|as|em|в|v|ob|u|kl\.?|klo\.?|saat)?\s*)"
)
_TIME = (
    r"(?P<hour>\d{1,2})(?:\s*(?::|h|\.)\s*(?P<minute>\d{2}))(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<ampm>[ap])\.?\s?m\b\.?)?(?:\s*(?:uhr|h)\b)?"
    r"(?:\s*(?:(?P<utc>utc|gmt|z)\b)?\s*(?P<offset>[+-]\d{2}:?\d{2})?)?"
)
_DAY = r"(?P<day>\d{1,2})(?:\.|er|st|nd|rd|th|º)?"
_YEAR = r"(?P<year>\d{4})"
_NAMED_DMY = rf"{_DAY}\s*(?:de\s+|d['’])?(?P<month>{_MONTH_NAME})\.?,?\s*(?:de\s+|del\s+)?{_YEAR}"
_NAMED_MDY = rf"(?P<month>{_MONTH_NAME})\.?\s+{_DAY},?\s*{_YEAR}"
_NUMERIC = r"(?P<a>\d{1,2})(?P<sep>[./-])\s?(?P<b>\d{1,2})(?P=sep)\s?(?P<year>\d{4})"
_YMD = r"(?P<year>\d{4})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)(?P<a>\d{1,2})"
SITE_DATE = [
    re.compile(rf"(?<![\w.]){form}(?!\d)(?:{_JOIN}{_TIME})?", re.IGNORECASE)
    for form in (_NAMED_DMY, _NAMED_MDY, _NUMERIC, _YMD)
]
# "Le 9 janvier à 13:06", "March 3 at 2:05 pm": this year's, or last year's if that is later
# than the capture; only with a time, or "le 30" and "Mai 5" in prose would be dates.
SITE_DATE_NO_YEAR = [
    re.compile(rf"(?<![\w.]){form}(?![\d,.]*\s*\d{{4}}){_JOIN}{_TIME}", re.IGNORECASE)
    for form in (
        rf"{_DAY}\s*(?:de\s+)?(?P<month>{_MONTH_NAME})\.?",
        rf"(?P<month>{_MONTH_NAME})\.?\s+{_DAY}",
    )
]
# "14:05, 3 February 2020": the time printed first.
TIME_FIRST = re.compile(rf"(?<![\w:]){_TIME}\s*(?:,|on|le|am|el|il|op|em|-|–)?\s*$", re.I)

BARE_TIME = re.compile(
    r"^(?P<hour>\d{1,2})(?::|h)(?P<minute>\d{2})(?:\s*(?P<ampm>[ap])\.?\s?m\.?)?(?:\s*uhr)?$",
    re.IGNORECASE,
)
_UNITS = (  # stems of the units of relative dates, longest first within a unit
    ("seconds", ("sec", "seg", "sek", "секунд")),
    ("minutes", ("min", "минут")),
    ("hours", ("hour", "heure", "stund", "hora", "ora", "ore", "uur", "godzin", "час")),
    ("days", ("day", "jour", "tag", "día", "dia", "giorn", "dag", "dzie", "dni", "ден",
              "дня", "дней")),
    ("weeks", ("week", "semaine", "woche", "semana", "settiman", "weken", "tydz", "tygod",
               "недел")),
    ("months", ("month", "mois", "monat", "mes", "maand", "miesi", "mês", "месяц")),
    ("years", ("year", "année", "an", "jahr", "año", "anno", "ano", "jaar", "rok", "lat",
               "год", "лет")),
)  # fmt: skip
_ONE = {"a", "an", "one", "un", "une", "ein", "eine", "einer", "einem", "einen", "uno", "una"}
_COUNT = r"(?:\d{1,4}|a|an|one|un|une|ein|eine|einer|einem|einen|uno|una)"
_AMOUNT = re.compile(rf"(?P<count>{_COUNT})\s+(?P<unit>\w+)", re.IGNORECASE)
_AMOUNTS = rf"{_COUNT}\s+\w+\.?(?:,?\s+(?:and\s+|und\s+|et\s+)?{_COUNT}\s+\w+\.?)*"
RELATIVE = [
    re.compile(rf"(?<!\w)(?:il\s+y\s+a|vor|hace|há|ha)\s+(?P<amounts>{_AMOUNTS})$", re.I),
    re.compile(
        rf"(?<!\w)(?P<amounts>{_AMOUNTS})\s+(?:ago|fa|geleden|temu|atrás|назад|her)\b", re.I
    ),
]


def parse_site_date(
    value: str | None, *, now: datetime, tz: str = "UTC", languages: tuple[str, ...] = ("en",)
) -> str | None:
    """Parse a date as a site prints it ("le 17/03/2013 à 14:12:55", "3 hours ago"), or None.

    The date may sit among other words ("Dave says: May 3, 2020 at 2:05 pm Reply").
    The common forms are read here (≈20 µs); the rest go to dateparser (≈1 ms, 20-70 ms
    the first time a language is loaded) with `languages` as its hint and settings
    that make it a pure function of (value, now, tz): relative dates count back from
    `now`, the capture time; a missing day is the 1st; ambiguous dates lie in the past.
    Naive times are `tz`'s. Never raises: text that is not a date gives None.
    """
    if not value or not value.strip():
        return None
    text = " ".join(unicodedata.normalize("NFKC", value).split())
    try:
        return (
            _iso_site_date(text, tz)
            or _rfc_2822(text)
            or _cached_site_date(text, now.astimezone(UTC).isoformat(), tz, tuple(languages))
        )
    except (ValueError, OverflowError, KeyError):  # a zone or moment out of range
        return None


def _iso_site_date(text: str, tz: str) -> str | None:
    if not text[:4].isdigit() or len(text) > 40:
        return None
    try:
        return parse_iso(text, tz)
    except ValueError:
        return None


def _rfc_2822(text: str) -> str | None:
    """ "Mon, 03 Feb 2020 14:05:00 +0100", as feeds and HTTP print dates."""
    if not _RFC_2822.match(text):
        return None
    try:
        return to_utc_iso(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


_RFC_2822 = re.compile(r"^(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d{2}:\d{2}", re.I)


@lru_cache(maxsize=4096)
def _cached_site_date(text: str, now_iso: str, tz: str, languages: tuple[str, ...]) -> str | None:
    """A page repeats its dates' forms ("yesterday", "2 hours ago"): each is parsed once."""
    now = datetime.fromisoformat(now_iso)
    return (
        _common_form(text, now, tz, languages)
        or _time_today(text, now, tz)
        or _relative(text, now)
        or _with_dateparser(text, now, tz, languages)
    )


def _common_form(text: str, now: datetime, tz: str, languages: tuple[str, ...]) -> str | None:
    """A day, month and year, and maybe a time, in the forms of MONTHS' languages."""
    for pattern in SITE_DATE:
        found = pattern.search(text)
        moment = _moment(found, text, languages) if found else None
        if moment is not None:
            return _localized(moment, found, tz)  # type: ignore[arg-type]
    local_now = now.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    for pattern in SITE_DATE_NO_YEAR:
        found = pattern.search(text)
        moment = _moment(found, text, languages, local_now.year) if found else None
        if moment is not None and moment > local_now + timedelta(days=1):
            moment = _moment(found, text, languages, local_now.year - 1)  # type: ignore[arg-type]
        if moment is not None:
            return _localized(moment, found, tz)  # type: ignore[arg-type]
    return None


def _moment(
    found: re.Match[str], text: str, languages: tuple[str, ...], year: int | None = None
) -> datetime | None:
    parts = found.groupdict()
    if parts.get("month"):
        day, month = int(parts["day"]), _MONTH[parts["month"].casefold()]
    else:  # numeric: day first, except "/" on English pages (US); swapped when impossible
        day, month = int(parts["a"]), int(parts["b"])
        if (parts["sep"] == "/" and languages[:1] == ("en",)) or month > 12:
            day, month = month, day
    hour = minute = second = 0
    time = found if parts.get("hour") else TIME_FIRST.search(text[: found.start()])
    if time is not None:
        hour, minute = int(time["hour"]), int(time["minute"] or 0)
        second = int(time["second"] or 0)
        if time["ampm"]:
            hour = hour % 12 + (12 if time["ampm"].casefold() == "p" else 0)
    try:
        return datetime(year or int(parts["year"]), month, day, hour, minute, second)
    except ValueError:
        return None


def _localized(moment: datetime, found: re.Match[str], tz: str) -> str:
    offset = found.groupdict().get("offset")
    if offset:
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return to_utc_iso(moment.replace(tzinfo=timezone(sign * delta)))
    if found.groupdict().get("utc"):
        return to_utc_iso(moment.replace(tzinfo=UTC))
    return to_utc_iso(moment.replace(tzinfo=ZoneInfo(tz)))


def _time_today(text: str, now: datetime, tz: str) -> str | None:
    """A bare "18:37": today's at the capture, or yesterday's if that is still to come."""
    found = BARE_TIME.match(text)
    if not found:
        return None
    local_now = now.astimezone(ZoneInfo(tz))
    hour = int(found["hour"]) % 12 + (12 if (found["ampm"] or "").casefold() == "p" else 0)
    if not found["ampm"]:
        hour = int(found["hour"])
    try:
        moment = local_now.replace(hour=hour, minute=int(found["minute"]), second=0, microsecond=0)
    except ValueError:
        return None
    if moment > local_now:
        moment -= timedelta(days=1)
    return to_utc_iso(moment)


def _relative(text: str, now: datetime) -> str | None:
    """ "3 hours ago", "il y a 2 jours", "1 Stunde 51 Minuten her", "2 godziny temu", from `now`."""
    for pattern in RELATIVE:
        found = pattern.search(text)
        if not found:
            continue
        delta = relativedelta()
        for amount in _AMOUNT.finditer(found["amounts"]):
            unit = _unit(amount["unit"].casefold())
            if unit is None:
                break
            count = amount["count"].casefold()
            delta += relativedelta(**{unit: 1 if count in _ONE else int(count)})
        else:
            return to_utc_iso(now - delta)
    return None


def _unit(word: str) -> str | None:
    for unit, stems in _UNITS:
        if any(word.startswith(stem) for stem in stems):
            return unit
    return None


def _with_dateparser(text: str, now: datetime, tz: str, languages: tuple[str, ...]) -> str | None:
    if len(text) > MAX_DATEPARSER_TEXT:
        return None
    base = now.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    try:
        parsed = _dateparser().parse(
            text, languages=list(dict.fromkeys(languages)), settings=_settings(base, tz, languages)
        )
    except Exception:  # noqa: BLE001 - dateparser raises assorted errors on odd text
        return None
    return to_utc_iso(parsed) if parsed else None


MAX_DATEPARSER_TEXT = 120  # longer text is prose, and dateparser slows down with length


def _settings(base: datetime, tz: str, languages: tuple[str, ...]) -> dict:
    return {
        "RELATIVE_BASE": base,
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "DATE_ORDER": "MDY" if languages[:1] == ("en",) else "DMY",
        "PREFER_DATES_FROM": "past",
        "PREFER_DAY_OF_MONTH": "first",
    }


@lru_cache(maxsize=1)
def _dateparser():  # noqa: ANN202 - dateparser's module; imported lazily, it is slow to load
    import dateparser

    return dateparser


def page_languages(*hints: str | None) -> tuple[str, ...]:
    """The languages to read a page's dates in, from `<html lang>`, og:locale...: ("de", "en")."""
    found = [h.replace("_", "-").split("-")[0].strip().casefold() for h in hints if h]
    return tuple(dict.fromkeys([*filter(None, found), "en"]))


def within(moment: str | None, since: datetime | None) -> bool:
    """True when a UTC ISO timestamp is at or after `since` (or either is unknown)."""
    if moment is None or since is None:
        return True
    return datetime.fromisoformat(moment.replace("Z", "+00:00")) >= since
