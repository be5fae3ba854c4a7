"""What platforms read through a JSON API share: the body as JSON, typed field reads, epoch
dates, and a comment body's quotes taken out and linked to the comment they quote.

A comment API (Lobsters, Reddit, Lemmy) hands over a thread, or a page of it, in one
response, and a quote in it is a bare blockquote: it is attributed here to the comment it
quotes, the parent first (what a reply usually quotes), else the latest earlier comment of
the response holding its text (`quoting.attribute_quote`). A quote found in neither keeps
its text and the store searches the thread for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from parsel import Selector
from scrapy.http import Response

from archiver.extract.dates import to_utc_iso
from archiver.extract.quoting import attribute_quote, name_key, take_quotes
from archiver.extract.text import html_to_text, normalize_for_match
from archiver.items import Comment, FetchError, Quote

#: what read_json gives for a body that is no JSON (an HTML error page, a login wall)
NOT_JSON = object()


def read_json(response: Response) -> Any:  # noqa: ANN401 - any JSON value
    """The body as JSON, or NOT_JSON."""
    try:
        return json.loads(response.body)
    except ValueError:  # UnicodeDecodeError is one too
        return NOT_JSON


def unexpected(response: Response, what: str) -> FetchError:
    """A `parse_error` row for an API answer that is not what was asked for."""
    body = response.body.strip()
    shown = repr(body[:80]) if body else "an empty body"
    return FetchError(response.url, "parse_error", f"{what}: got {shown}")


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: object) -> str | None:
    """A string field, stripped; None for anything else or an empty one."""
    return value.strip() or None if isinstance(value, str) else None


def number(value: object) -> int | None:
    """An integer field (a float is truncated); None for anything else, booleans included."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def epoch_iso(value: object) -> str | None:
    """Seconds since the epoch (Reddit's created_utc, Lobsters' data-at-unix) as UTC ISO."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    seconds = number(value)
    return to_utc_iso(datetime.fromtimestamp(seconds, UTC)) if seconds is not None else None


@dataclass
class Body:
    """A comment's HTML as sent, its text without its quotes, and those quotes."""

    html: str
    text: str
    quotes: list[Quote]


def split_body(html: str, site: str, article_text: str, authors: Iterable[str] = ()) -> Body:
    """Take the blockquotes out of a comment's HTML: the rest is what the commenter wrote."""
    tree = Selector(text=f"<div>{html}</div>").xpath("//body/div")[0].root
    quotes = list(take_quotes(tree, article_text, site, frozenset(authors)))
    return Body(html, html_to_text(Selector(root=tree)), quotes)


@dataclass(frozen=True)
class Said:
    """A comment as quote linking sees it."""

    comment_id: str
    parent_id: str | None
    author: str | None
    posted: str | None
    text: str


def said_items(
    said: Said, body: Body, thread: Mapping[str, Said], **fields: Any
) -> Iterator[Comment | Quote]:
    """A comment as `said` and `body` give it (with the platform's own `fields`: site,
    article id, index, score...), then its quotes, numbered and each named the comment it
    quotes when the thread (this response's comments, by id) holds it."""
    yield Comment(
        site_comment_id=said.comment_id,
        author=said.author,
        posted=said.posted,
        body_html=body.html,
        body_text=body.text,
        parent_site_comment_id=said.parent_id,
        **fields,
    )
    for ordinal, quote in enumerate(body.quotes, 1):
        quote.site_comment_id = said.comment_id
        quote.ordinal = ordinal
        if quote.kind == "comment" and quote.quoted_site_comment_id is None:
            quote.quoted_site_comment_id = _quoted(quote, said, thread)
        yield quote


def _quoted(quote: Quote, said: Said, thread: Mapping[str, Said]) -> str | None:
    parent = thread.get(said.parent_id or "")
    wanted = normalize_for_match(quote.text)
    if parent is not None and (
        (wanted and wanted in normalize_for_match(parent.text))
        or (quote.quoted_author and name_key(quote.quoted_author) == name_key(parent.author))
    ):
        return parent.comment_id
    # Thread order is not time order (replies nest, top-level comments are ranked).
    earlier = sorted(
        (c for c in thread.values() if c.posted and said.posted and c.posted < said.posted),
        key=lambda c: c.posted or "",
    )
    return attribute_quote(
        quote.quoted_author, quote.text, [(c.comment_id, c.author, c.text) for c in earlier]
    )
