"""Shared parsing helpers: site date formats, text layout, quote matching."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archiver.extract.dates import parse_iso, parse_site_date
from archiver.extract.text import html_to_text, normalize_for_match

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "languages", "expected"),
    [
        ("le 17/03/2013 à 14:12:55", "Europe/Paris", ("fr",), "2013-03-17T13:12:55Z"),
        ("Le 29 août 2022 à 06h49", "Europe/Paris", ("fr",), "2022-08-29T04:49:00Z"),
        ("3 hours ago", "UTC", ("en",), "2026-06-01T09:00:00Z"),
        ("il y a 2 jours", "Europe/Paris", ("fr",), "2026-05-30T12:00:00Z"),
        (
            "on Tuesday December 31, 2013 @09:50AM",
            "America/New_York",
            ("en",),
            "2013-12-31T14:50:00Z",
        ),
        ("2022-08-29 07:12:03", "Europe/Paris", ("fr",), "2022-08-29T05:12:03Z"),
        ("2026-05-31T22:59:50", "UTC", ("en",), "2026-05-31T22:59:50Z"),
        ("", "UTC", ("en",), None),
    ],
)
def test_site_dates(text, tz, languages, expected):
    assert parse_site_date(text, now=NOW, tz=tz, languages=languages) == expected


def test_iso_dates_keep_their_offset_and_localize_naive_ones():
    assert parse_iso("2022-08-29T06:49:00+02:00") == "2022-08-29T04:49:00Z"
    assert parse_iso("2022-01-10 10:00:00", "Europe/Paris") == "2022-01-10T09:00:00Z"
    assert parse_iso(None) is None


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a  b d<i>e</i>f</p><p>next</p>", "a b def\n\nnext"),
        ("<p>one<br>two</p>", "one\ntwo"),
        ("<ul>\n<li>x</li>\n<li>y</li></ul>tail", "x\ny\n\ntail"),
        (
            '<div class="commtext">first<p>second <a href="u">link</a>.</div>',
            "first\n\nsecond link.",
        ),
        ("<p>keep<script>drop()</script> this</p>", "keep this"),
        ("<p>wrapped\nline</p>", "wrapped line"),
    ],
)
def test_html_to_text_lays_out_blocks_like_a_browser(html, text):
    assert html_to_text(html) == text


def test_quote_matching_folds_typography():
    assert normalize_for_match("L’aide  «consistera»") == normalize_for_match(
        'l\'aide "consistera"'
    )
