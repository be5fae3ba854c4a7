"""What site parsers yield: plain dataclasses keyed on the site's own ids.

Parsers know nothing of database row ids; the store resolves site ids to rows.
`capture` is the WARC-Record-ID of the response the item was read from; the
spider (live) or `reparse` (offline) fills it in, never the parser.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Article:
    site: str
    site_article_id: str
    url: str
    title: str | None = None
    canonical_url: str | None = None
    author: str | None = None
    published: str | None = None  # UTC ISO 8601
    updated: str | None = None
    body_html: str | None = None
    body_text: str | None = None
    tags: list[str] = field(default_factory=list)
    comment_count: int | None = None  # as the site displays it
    link_url: str | None = None  # what a link-aggregator story points at (HN)
    stub: bool = False  # only known from a link (e.g. a comment permalink's "on:" story)
    page: int = 1  # comment page it was read from; page 1 is the article's own page
    #: read from the article's own URL, whatever comment page that shows (a newest-first
    #: WordPress post shows its last); None: the page it was read from says (page 1)
    own_page: bool | None = None
    capture: str | None = None


@dataclass
class Comment:
    site: str
    site_comment_id: str
    site_article_id: str
    author: str | None
    posted: str | None  # UTC ISO 8601
    body_html: str
    body_text: str
    parent_site_comment_id: str | None = None
    page: int = 1  # comment page of the thread this comment was read from
    index: int = 0  # 1-based order within that page
    score: int | None = None
    deleted: bool = False
    moderation: str | None = None  # the site's moderation note, if any
    capture: str | None = None


@dataclass
class Quote:
    """A comment quoting another comment, the article, or something else."""

    site: str
    site_comment_id: str  # the quoting comment
    text: str
    kind: str = "comment"  # comment | article | external
    quoted_site_comment_id: str | None = None  # when the markup names it
    quoted_author: str | None = None
    ordinal: int = 1  # 1-based order of the quote within its comment
    capture: str | None = None


@dataclass
class ReplyLink:
    """An explicit reply marker; parent links come from Comment.parent_site_comment_id."""

    site: str
    site_comment_id: str
    target_site_comment_id: str
    kind: str = "reply"
    capture: str | None = None


@dataclass
class FetchError:
    url: str
    error: str  # short machine-readable kind: http_404, parse_error, timeout...
    detail: str = ""
    capture: str | None = None
    attempts: int = 1  # requests made before giving up, retries included


@dataclass
class PageDone:
    """One response done: the items read from it, saved at once; then its capture is processed.

    A page travels as this one item, not as one item per comment: Scrapy's per-item
    machinery and one transaction per page cost less than per-comment round trips.
    `fingerprint` digests what was parsed (None when nothing of a thread was), so
    a recrawl tells a changed thread from changed page chrome; `seen` lists, per
    article page, the comment ids it held, so comments that vanish are noticed.
    """

    url: str
    fingerprint: str | None = None
    seen: list[tuple[str, str, int, list[str]]] = field(default_factory=list)
    capture: str | None = None
    items: list[Article | Comment | Quote | ReplyLink | FetchError] = field(default_factory=list)
    links_skipped: int = 0  # links of the page that are no web page (javascript:, mailto:...)


Item = Article | Comment | Quote | ReplyLink | FetchError | PageDone


def item_to_dict(item: Item) -> dict[str, Any]:
    """A JSON-ready dict with the item's type, as golden files store it."""
    return {"type": type(item).__name__, **asdict(item)}
