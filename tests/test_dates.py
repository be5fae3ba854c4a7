"""Dates as sites print them: real phrases, each language's pattern, relative dates, no raising.

Real phrases, from the pages of corpus/wordpress/ named beside each case below; and
every `<time datetime="…">printed</time>` pair of those pages is checked against its
machine-readable twin (test_printed_dates_agree_with_their_datetime_attribute).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

import archiver.extract.dates as dates
from archiver.extract.dates import MONTHS, page_languages, parse_site_date

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PAST = datetime(2001, 3, 1, 12, 0, tzinfo=UTC)  # a capture long ago: today must not leak in


@pytest.mark.parametrize(
    ("text", "lang", "tz", "expected"),
    [
        ("26 abril 2022 a las 14:02", "es", "Europe/Madrid", "2022-04-26T12:02:00Z"),
        ("12. März 2021 um 10:15 Uhr", "de", "Europe/Berlin", "2021-03-12T09:15:00Z"),
        ("3 maggio 2020 alle 09:12", "it", "Europe/Rome", "2020-05-03T07:12:00Z"),
        ("5 juni 2019 om 13:45", "nl", "Europe/Amsterdam", "2019-06-05T11:45:00Z"),
        ("7 lipca 2018 o 11:20", "pl", "UTC", "2018-07-07T11:20:00Z"),
        ("12 de março de 2017 às 10:00", "pt", "UTC", "2017-03-12T10:00:00Z"),
        ("le 3 février 2020 à 14 h 05", "fr", "Europe/Paris", "2020-02-03T13:05:00Z"),
        ("February 3, 2020 at 2:05 pm", "en", "America/New_York", "2020-02-03T19:05:00Z"),
        ("3 февраля 2020 в 14:05", "ru", "Europe/Moscow", "2020-02-03T11:05:00Z"),
        ("2020-02-03T14:05:00+01:00", "en", "UTC", "2020-02-03T13:05:00Z"),
        ("Mon, 03 Feb 2020 14:05:00 +0100", "en", "UTC", "2020-02-03T13:05:00Z"),
        # the words that join date and time in more languages
        ("3 maja 2020 o godz. 12:30", "pl", "Europe/Warsaw", "2020-05-03T10:30:00Z"),
        ("12 marzo 2020 alle ore 10:15", "it", "Europe/Rome", "2020-03-12T09:15:00Z"),
        ("3 de março de 2020 em 13:05", "pt", "UTC", "2020-03-03T13:05:00Z"),
        ("3. března 2020 v 13:05", "cs", "Europe/Prague", "2020-03-03T12:05:00Z"),
        ("3 mars 2020 kl. 13:05", "sv", "Europe/Stockholm", "2020-03-03T12:05:00Z"),
        ("3. marts 2020 kl. 13:05", "da", "Europe/Copenhagen", "2020-03-03T12:05:00Z"),
        ("3 Mart 2020, 13:05", "tr", "Europe/Istanbul", "2020-03-03T10:05:00Z"),
        ("26 d'abril de 2022 a les 14:02", "ca", "Europe/Madrid", "2022-04-26T12:02:00Z"),
        ("3 hours ago", "en", "UTC", "2026-06-01T09:00:00Z"),
        ("il y a 2 jours", "fr", "Europe/Paris", "2026-05-30T12:00:00Z"),
        ("vor 5 Minuten", "de", "UTC", "2026-06-01T11:55:00Z"),
        ("hace 2 días", "es", "UTC", "2026-05-30T12:00:00Z"),
        ("3 часа назад", "ru", "UTC", "2026-06-01T09:00:00Z"),
        # real phrases: page they came from
        ("24. Juni 2016 um 14:01\u00a0Uhr", "de", "Europe/Berlin", "2016-06-24T12:01:00Z"),
        # ^ netzpolitik.org.abmahnungen.html
        ("8. April 2019 @ 11:38", "de", "Europe/Berlin", "2019-04-08T09:38:00Z"),
        # ^ spektrum.de.engelbart.html
        ("carlos Le 9 janvier à 13:06 Répondre", "fr", "Europe/Paris", "2026-01-09T12:06:00Z"),
        # ^ regards.fr.enquetes.html (no year: the latest 9 January before the capture)
        ("1 Stunde 51 Minuten her", "de", "UTC", "2026-06-01T10:09:00Z"),
        # ^ tichyseinblick.de.pence.html
        ("1 ano atrás", "pt", "UTC", "2025-06-01T12:00:00Z"),  # comoeducarseusfilhos.com.br
        ("Do 9 Apr 2020 / 08:34", "de", "Europe/Berlin", "2020-04-09T06:34:00Z"),
        # ^ verfassungsblog.de.expertinnen.html
        ("December 24, 2020 at 3:53 am:", "en", "UTC", "2020-12-24T03:53:00Z"),
        # ^ readability_firefox-nightly-blog_source.html
        ("June 3rd, 2004 at 1:12 pm", "en", "UTC", "2004-06-03T13:12:00Z"),
        # ^ notevenwrong.woit.cleaneval-2004.html
        ("Birgit10 18.10.2019, 08:05 Zum Antworten anmelden", "de", "UTC", "2019-10-18T08:05:00Z"),
        # ^ dealdoktor.de.produkttester.html
        ("19/02/2020", "fr", "UTC", "2020-02-19T00:00:00Z"),  # lapresse.tn.parite.html
        ("28. November, 2020 at 10:46", "en", "UTC", "2020-11-28T10:46:00Z"),  # elavegan.com
        ("on Desember 30, 2015 at 4:36 am said:", "id", "UTC", "2015-12-30T04:36:00Z"),
        # ^ kabarislamia.com.membenci.html
        ("DIE ZEIT Nr. 28/2013", "de", "UTC", None),  # zulang.wordpress.com: not a date
    ],
)
def test_site_dates(text, lang, tz, expected):
    assert parse_site_date(text, now=NOW, tz=tz, languages=page_languages(lang)) == expected


def test_capture_time_not_todays_is_the_base():
    """Relative and yearless dates count from the capture, in dateparser's path too."""
    assert parse_site_date("3 février à 14:05", now=PAST, languages=("fr",)) == (
        "2001-02-03T14:05:00Z"
    )
    assert parse_site_date("yesterday at 14:05", now=PAST) == "2001-02-28T14:05:00Z"
    assert parse_site_date("March 2000", now=PAST) == "2000-03-01T00:00:00Z"
    assert parse_site_date("18:37", now=PAST) == "2001-02-28T18:37:00Z"  # still to come today


def test_page_languages_from_lang_and_locale():
    assert page_languages("de-DE", "de_DE") == ("de", "en")
    assert page_languages(None, "pt_BR") == ("pt", "en")
    assert page_languages("") == ("en",)


# --- each language's pattern, from random moments ----------------------------


def month(lang: str, number: int) -> str:
    return MONTHS[lang][number - 1][0]


PATTERNS = {
    "es": lambda m: f"{m.day} {month('es', m.month)} {m.year} a las {m:%H:%M}",
    "de": lambda m: f"{m.day}. {month('de', m.month).title()} {m.year} um {m:%H:%M} Uhr",
    "it": lambda m: f"{m.day} {month('it', m.month)} {m.year} alle {m:%H:%M}",
    "nl": lambda m: f"{m.day} {month('nl', m.month)} {m.year} om {m:%H:%M}",
    "pl": lambda m: f"{m.day} {month('pl', m.month)} {m.year} o {m:%H:%M}",
    "pt": lambda m: f"{m.day} de {month('pt', m.month)} de {m.year} às {m:%H:%M}",
    "fr": lambda m: f"le {m.day} {month('fr', m.month)} {m.year} à {m.hour} h {m:%M}",
    "en": lambda m: f"{month('en', m.month).title()} {m.day}, {m.year} at {m:%-I:%M %p}",
    "ru": lambda m: f"{m.day} {month('ru', m.month)} {m.year} в {m:%H:%M}",
    "iso": lambda m: f"{m:%Y-%m-%d %H:%M}",
    "rfc": lambda m: format_datetime(m.replace(tzinfo=UTC)),
}
ZONES = ["UTC", "Europe/Paris", "Europe/Berlin", "America/New_York", "Europe/Moscow"]
MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda m: m.replace(second=0, microsecond=0, fold=0)  # a printed time: no fold
)


def local_utc(moment: datetime, tz: str) -> str:
    """What a naive moment on a page in `tz` is in UTC (the earlier one when ambiguous)."""
    return moment.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@settings(max_examples=400, deadline=None)
@given(moment=MOMENTS, lang=st.sampled_from(sorted(PATTERNS)), tz=st.sampled_from(ZONES))
def test_each_languages_pattern_parses_back_to_the_minute(moment, lang, tz):
    text = PATTERNS[lang](moment)
    expected = local_utc(moment, "UTC" if lang == "rfc" else tz)
    languages = page_languages("en" if lang in ("iso", "rfc") else lang)
    assert parse_site_date(text, now=NOW, tz=tz, languages=languages) == expected, text


def test_common_forms_do_not_reach_dateparser(monkeypatch):
    """dateparser costs ~1 ms a call (20-70 ms to load a language): the usual forms skip it."""

    def refuse(*args: object) -> None:
        raise AssertionError(f"dateparser called for {args[0]!r}")

    monkeypatch.setattr(dates, "_with_dateparser", refuse)
    moment = datetime(2020, 2, 3, 14, 5)
    for lang, pattern in PATTERNS.items():
        assert parse_site_date(pattern(moment), now=NOW, languages=page_languages(lang))
    for text in ("3 hours ago", "il y a 2 jours", "2 godziny temu", "há 3 horas", "2 ore fa"):
        assert parse_site_date(text, now=NOW)


RELATIVE = {
    "en": ("{n} {u} ago", {"minutes": "minutes", "hours": "hours", "days": "days"}),
    "fr": ("il y a {n} {u}", {"minutes": "minutes", "hours": "heures", "days": "jours"}),
    "de": ("vor {n} {u}", {"minutes": "Minuten", "hours": "Stunden", "days": "Tagen"}),
    "es": ("hace {n} {u}", {"minutes": "minutos", "hours": "horas", "days": "días"}),
    "it": ("{n} {u} fa", {"minutes": "minuti", "hours": "ore", "days": "giorni"}),
    "nl": ("{n} {u} geleden", {"minutes": "minuten", "hours": "uur", "days": "dagen"}),
    "pl": ("{n} {u} temu", {"minutes": "minut", "hours": "godzin", "days": "dni"}),
    "pt": ("há {n} {u}", {"minutes": "minutos", "hours": "horas", "days": "dias"}),
    "ru": ("{n} {u} назад", {"minutes": "минут", "hours": "часов", "days": "дней"}),
}


@settings(max_examples=200, deadline=None)
@given(
    lang=st.sampled_from(sorted(RELATIVE)),
    unit=st.sampled_from(["minutes", "hours", "days"]),
    count=st.integers(min_value=2, max_value=59),
    now=MOMENTS.map(lambda m: m.replace(tzinfo=UTC)),
)
def test_relative_dates_count_back_from_the_capture(lang, unit, count, now):
    pattern, units = RELATIVE[lang]
    text = pattern.format(n=count, u=units[unit])
    expected = (now - relativedelta(**{unit: count})).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert parse_site_date(text, now=now, languages=(lang, "en")) == expected


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=200)
    | st.from_regex(r"\d{1,4}[ ./:-]\w{0,12}[ ./:-]\d{1,5}( \d{1,2}[:h]\d{1,3})?"),
    lang=st.sampled_from(["en", "fr", "de", "xx", "pt-BR", ""]),
    tz=st.sampled_from(ZONES),
)
def test_never_raises_on_arbitrary_text(text, lang, tz):
    got = parse_site_date(text, now=NOW, tz=tz, languages=page_languages(lang))
    assert got is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", got)


# --- the corpus ---------------------------------------------------------------


def printed_dates(corpus: Path) -> list[tuple[str, str, str, str]]:
    """(page, language, printed text, datetime attribute) of every `<time>` in the pages."""
    found = []
    for path in sorted((corpus / "wordpress").glob("*.html")):
        tree = lxml_html.fromstring(path.read_bytes())
        lang = tree.get("lang") or "".join(tree.xpath('//meta[@property="og:locale"]/@content'))
        for time in tree.xpath("//time[@datetime]"):
            text = " ".join(time.text_content().split())
            if text:
                found.append((path.name, lang, text, time.get("datetime")))
    return found


def test_printed_dates_agree_with_their_datetime_attribute(corpus):
    """Wherever a page prints a dated `<time>` with a year, the printed date reads as the
    attribute does (to the minute when it prints one), in the page's own wall time."""
    checked, wrong = 0, []
    for page, lang, text, attribute in printed_dates(corpus):
        try:
            truth = datetime.fromisoformat(attribute.replace("Z", "+00:00"))
        except ValueError:
            continue  # "PDT08:05:41-07:00" and other broken attributes
        if not re.search(r"\b(19|20)\d\d\b", text):
            continue  # relative ("1 ano atrás") or day-only ("Griffonné le 30")
        got = parse_site_date(text, now=NOW, tz="UTC", languages=page_languages(lang))
        wall = truth.replace(tzinfo=None)
        moment = datetime.fromisoformat(got[:-1]) if got else None
        timed = len(attribute) > 10 and (re.search(r"\d:\d\d", text) or moment and moment.hour)
        checked += 1
        if (
            moment is None
            or moment.date() != wall.date()
            or (timed and (moment.hour, moment.minute) != (wall.hour, wall.minute))
        ):
            wrong.append((page, text, attribute, got))
    assert checked > 500
    assert not wrong


def test_visible_time_wins_over_noon_guess():
    """A page's date without a time is midnight of that day, not a time taken from `now`."""
    got = parse_site_date("19/02/2020", now=NOW + timedelta(hours=7, minutes=13), languages=("fr",))
    assert got == "2020-02-19T00:00:00Z"
