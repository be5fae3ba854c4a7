"""A post's comments from WordPress's REST API: the second source, when the theme's fail.

`/wp-json/wp/v2/comments?post=ID&per_page=100&page=N` (or `?rest_route=/wp/v2/comments`)
lists every approved comment as a flat array: `id`, `post`, `parent` (0 at the top),
`author_name`, `date_gmt` (UTC, no zone), `content.rendered` (HTML), `link`
(`permalink#comment-ID`). Pages are counted by the `X-WP-TotalPages` header. A theme
that hides its comments' ids, or prints them in markup no slot knows, still has them
all here, with the same ids and parents as its HTML would give.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from parsel import Selector
from scrapy.http import Response

from archiver.extract.dates import iso_or_none
from archiver.extract.quoting import take_quotes
from archiver.extract.text import clean_text, html_to_text
from archiver.extract.urls import original_url
from archiver.items import Article, Comment, FetchError, Item

PER_PAGE = 100


def is_rest_comments(url: str) -> bool:
    """A comments listing of the API, either of its URL forms."""
    parts = urlsplit(url)
    route = (parse_qs(parts.query).get("rest_route") or [""])[0]
    return route.rstrip("/") == "/wp/v2/comments" or bool(_COMMENTS_PATH.search(parts.path))


_COMMENTS_PATH = re.compile(r"/wp-json/wp/v2/comments/?$")


def comments_url(api_root: str, post_id: str, page: int = 1) -> str:
    """The API page of a post's comments, oldest first (the order a thread is read in)."""
    query = {"post": post_id, "per_page": PER_PAGE, "page": page, "order": "asc"}
    if "rest_route=" in api_root:
        return f"{api_root.rstrip('/')}/wp/v2/comments&{urlencode(query)}"
    return f"{api_root.rstrip('/')}/wp/v2/comments?{urlencode(query)}"


def next_page_url(response: Response) -> str | None:
    """The next API page of the same listing, while X-WP-TotalPages says there is one."""
    query = parse_qs(urlsplit(response.url).query)
    page = (query.get("page") or ["1"])[0]
    total = (response.headers.get("X-WP-TotalPages") or b"1").decode("latin-1").strip()
    if not (page.isdigit() and total.isdigit()) or int(page) >= int(total):
        return None
    return re.sub(r"([?&]page=)\d+", rf"\g<1>{int(page) + 1}", response.url, count=1)


def rest_site_key(url: str) -> str:
    """The blog an API URL belongs to, as the post pages key it (`site_key`): the host
    without "www." and the path before `/wp-json` (or before `?rest_route=`)."""
    parts = urlsplit(original_url(url))
    path = parts.path.split("/wp-json", 1)[0].removesuffix("/index.php").rstrip("/")
    return (parts.hostname or "").removeprefix("www.") + path


def parse_rest_comments(response: Response) -> Iterator[Item]:
    """The comments of one API page, after a stub of their post (the post page is the
    article's source); what is not a list of comments yields nothing."""
    try:
        entries = json.loads(response.body)
    except ValueError:
        entries = None
    if not isinstance(entries, list):  # an HTML error page, a login wall, an error object
        detail = f"the comments API answered no list of comments: {response.body[:80]!r}"
        yield FetchError(response.url, "parse_error", detail)
        return
    site = rest_site_key(response.url)
    comments = [e for e in entries if isinstance(e, dict) and e.get("id") is not None]
    page = int((parse_qs(urlsplit(response.url).query).get("page") or ["1"])[0] or 1)
    posts = {str(e.get("post")) for e in comments if e.get("post") is not None}
    for post in sorted(posts):
        link = next((e.get("link") for e in comments if str(e.get("post")) == post), None)
        url = link.split("#", 1)[0] if isinstance(link, str) else response.url
        yield Article(site=site, site_article_id=post, url=url, stub=True, page=page)
    authors = frozenset(filter(None, (_text(e.get("author_name")) for e in comments)))
    for index, entry in enumerate(comments, start=1):
        yield from _comment(entry, site, page, index, authors)


def _comment(
    entry: dict[str, Any], site: str, page: int, index: int, authors: frozenset[str]
) -> Iterator[Item]:
    content = entry.get("content")
    html = content.get("rendered") if isinstance(content, dict) else None
    body = Selector(text=f"<div>{html if isinstance(html, str) else ''}</div>")
    tree = body.css("div")[0].root
    quotes = list(take_quotes(tree, "", site, authors))
    parent = entry.get("parent")
    comment_id = str(entry["id"])
    yield Comment(
        site=site,
        site_comment_id=comment_id,
        site_article_id=str(entry.get("post")),
        author=_text(entry.get("author_name")),
        posted=iso_or_none(_text(entry.get("date_gmt"))),
        body_html=html if isinstance(html, str) else "",
        body_text=html_to_text(Selector(root=tree)),
        parent_site_comment_id=str(parent) if parent not in (None, 0, "0") else None,
        page=page,
        index=index,
        moderation=None if entry.get("status") in (None, "approved") else str(entry["status"]),
    )
    for ordinal, quote in enumerate(quotes, start=1):
        quote.site_comment_id = comment_id
        quote.ordinal = ordinal
        yield quote


def _text(value: object) -> str | None:
    return clean_text(value) if isinstance(value, str) else None
