"""Helpers shared by site parsers: text, dates, capture time.

Parsers are pure functions of a response; the only thing they read besides the
response's url, headers and body is `response.meta["fetched_at"]`, the capture
time, which both the live crawl and `reparse` set from the WARC record.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement
from parsel import Selector
from scrapy.http import TextResponse

_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def capture_time(response: TextResponse) -> datetime:
    """When the response was fetched (UTC), as recorded in its WARC record."""
    fetched_at = response.meta.get("fetched_at") if _has_meta(response) else None
    if fetched_at:
        return datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    return datetime.now(UTC)


def _has_meta(response: TextResponse) -> bool:
    try:
        response.meta  # noqa: B018 - raises AttributeError when no request is bound
    except AttributeError:
        return False
    return True


def html_to_text(html: str | Selector | None) -> str:
    """Text of an HTML fragment as a browser lays it out: blocks on their own lines.

    Inline tags add no spaces ("d<i>e</i>f" reads "def"), so quoted text can be
    matched exactly against the text of the comment it quotes.
    """
    if html is None:
        return ""
    selector = html if isinstance(html, Selector) else Selector(text=html)
    pieces: list[str | int] = []
    _layout(selector.root, pieces)
    lines = (_collapse_spaces(line).strip() for line in _join(pieces).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _collapse_spaces(line: str) -> str:
    """Runs of spaces as one space; most lines have none to collapse, and `in` is fast."""
    if "  " in line or "\t" in line or "\u00a0" in line or "\u202f" in line:
        return _SPACES.sub(" ", line)
    return line


_PARAGRAPHS = {"p", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
_LINES = {
    "div",
    "li",
    "tr",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "dd",
    "dt",
    "dl",
    "figure",
    "figcaption",
    "form",
    "nav",
    "main",
    "center",
    "hr",
}
_SKIPPED = {"script", "style", "noscript", "template", "head"}


def _layout(element: HtmlElement, pieces: list[str | int]) -> None:
    """Flatten to text pieces and line breaks (ints: 1 = new line, 2 = blank line)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "br":
        pieces.append("\n")
    elif tag and tag not in _SKIPPED:
        gap = 2 if tag in _PARAGRAPHS else 1 if tag in _LINES else 0
        pieces.append(gap)
        pieces.append(_inline(element.text))
        for child in element:
            _layout(child, pieces)
        pieces.append(gap)
    pieces.append(_inline(element.tail))


def _join(pieces: list[str | int]) -> str:
    """Adjacent block boundaries merge into the widest one; blank text between them is dropped."""
    out: list[str] = []
    pending = 0
    for piece in pieces:
        if isinstance(piece, int):
            pending = max(pending, piece)
        elif piece and not (pending and piece.isspace()):
            if pending:
                out.append("\n" * pending)
                pending = 0
            out.append(piece)
    return "".join(out)


def _inline(text: str | None) -> str:
    """HTML collapses newlines in running text to spaces."""
    return text.replace("\n", " ").replace("\r", " ") if text else ""


def clean_text(value: str | None) -> str | None:
    """Spaces collapsed, None when nothing is left: for names and titles read from markup."""
    value = " ".join(value.split()) if value else None
    return value or None


def normalize_for_match(text: str) -> str:
    """Fold typographic quotes, case and spacing so quoted text matches its source."""
    text = unicodedata.normalize("NFKC", text)
    for typographic, plain in _QUOTE_FOLD:  # str.replace: 1000× faster than str.translate here
        text = text.replace(typographic, plain)
    return " ".join(text.casefold().split())


_QUOTE_FOLD = (("’", "'"), ("‘", "'"), ("ʼ", "'"), ("“", '"'), ("”", '"'), ("«", '"'), ("»", '"'))


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


__all__ = [
    "capture_time",
    "clean_text",
    "html_to_text",
    "normalize_for_match",
    "parse_iso",
    "parse_site_date",
    "to_utc_iso",
    "within",
]
