"""Structured data any spider can read: JSON-LD, microdata and OpenGraph.

Two uses: article metadata when a site's own markup lacks it (title, author,
dates, canonical URL, tags, displayed comment count), and comment threads that
a page publishes as schema.org `Comment` objects, nested through `comment` or
linked through `parentItem`. Everything here is a pure function of a parsel
`Selector`; dates come back in the store's UTC ISO 8601 (a date without an
offset is read as UTC, since nothing on a generic page says otherwise).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from archiver.extract.dates import iso_or_none
from archiver.extract.text import html_to_text
from archiver.extract.urls import absolute, original_url

ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "BlogPosting",
    "TechArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "DiscussionForumPosting",
    "SocialMediaPosting",
    "LiveBlogPosting",
}
COMMENT_TYPES = {"Comment", "Answer"}
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/")


# --- raw extraction ---------------------------------------------------------


def json_ld_objects(page: Selector) -> list[dict[str, Any]]:
    """Every top-level JSON-LD object of the page, `@graph` members included."""
    found: list[dict[str, Any]] = []
    for script in page.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(script)
        except json.JSONDecodeError:
            continue  # a broken block must not hide the others
        for node in data if isinstance(data, list) else [data]:
            if not isinstance(node, dict):
                continue
            graph = node.get("@graph")
            if isinstance(graph, list):
                found.extend(g for g in graph if isinstance(g, dict))
            else:
                found.append(node)
    return found


def microdata_items(page: Selector) -> list[dict[str, Any]]:
    """Top-level microdata items as JSON-LD-like dicts ("@type", properties, nested items)."""
    roots = page.xpath("//*[@itemscope and not(@itemprop)]")
    return [_microdata_item(root) for root in roots]


def _microdata_item(scope: Selector) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": _short_type(scope.attrib.get("itemtype", ""))}
    if "itemid" in scope.attrib:
        item["@id"] = scope.attrib["itemid"]
    # Properties whose nearest enclosing itemscope is this one (nested items own theirs).
    depth = len(scope.xpath("ancestor-or-self::*[@itemscope]"))
    for prop in scope.xpath(".//*[@itemprop]"):
        if len(prop.xpath("ancestor::*[@itemscope]")) != depth:
            continue
        value = _microdata_item(prop) if "itemscope" in prop.attrib else _microdata_value(prop)
        for name in prop.attrib["itemprop"].split():
            item.setdefault(name, []).append(value)
    return {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in item.items()}


def _microdata_value(prop: Selector) -> str:
    tag = prop.root.tag
    for attribute in ("content", "datetime"):
        if attribute in prop.attrib:
            return prop.attrib[attribute].strip()
    if tag in ("a", "link", "area") and "href" in prop.attrib:
        return prop.attrib["href"]
    if tag in ("img", "audio", "video", "source") and "src" in prop.attrib:
        return prop.attrib["src"]
    return html_to_text(prop)


def open_graph(page: Selector) -> dict[str, list[str]]:
    """`og:*`, `article:*` and plain named `<meta>` values by lowercased key."""
    found: dict[str, list[str]] = {}
    for meta in page.css("meta[content]"):
        key = meta.attrib.get("property") or meta.attrib.get("name")
        if key and meta.attrib["content"].strip():
            found.setdefault(key.strip().lower(), []).append(meta.attrib["content"].strip())
    return found


def site_of(url: str) -> str:
    """The site key of a platform spider's page (a forum, any article): its host, no "www.";
    a Wayback capture's is the archived page's."""
    return (urlsplit(original_url(url)).hostname or "").lower().removeprefix("www.")


# --- article metadata -------------------------------------------------------


@dataclass
class ArticleMeta:
    """What structured data says about the page's article; None where it says nothing."""

    title: str | None = None
    author: str | None = None
    published: str | None = None
    updated: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    comment_count: int | None = None


def article_metadata(page: Selector, base_url: str) -> ArticleMeta:
    """Article metadata by precedence: JSON-LD, then microdata, then OpenGraph and <meta>."""
    items = [i for i in json_ld_objects(page) + microdata_items(page) if _is(i, ARTICLE_TYPES)]
    meta = open_graph(page)
    canonical = page.css('link[rel="canonical"]::attr(href)').get()
    return ArticleMeta(
        title=_first(_text(i.get("headline") or i.get("name")) for i in items)
        or _first_meta(meta, "og:title", "twitter:title", "dc.title")
        or _clean(page.css("title::text").get()),
        author=_first(_person(i.get("author")) for i in items)
        or _first_meta(meta, "author", "article:author", "dc.creator"),
        published=iso_or_none(
            _first(_text(i.get("datePublished") or i.get("dateCreated")) for i in items)
            or _first_meta(meta, "article:published_time", "date", "dc.date")
            or page.css("article time[datetime]::attr(datetime)").get()
        ),
        updated=iso_or_none(
            _first(_text(i.get("dateModified")) for i in items)
            or _first_meta(meta, "article:modified_time", "og:updated_time")
        ),
        canonical_url=_absolute(base_url, canonical or _first_meta(meta, "og:url")),
        description=_first(_text(i.get("description")) for i in items)
        or _first_meta(meta, "og:description", "description"),
        tags=_tags(items, meta),
        comment_count=_first(_int(i.get("commentCount")) for i in items),
    )


def _tags(items: list[dict[str, Any]], meta: dict[str, list[str]]) -> list[str]:
    for item in items:
        keywords = item.get("keywords")
        if keywords:
            return _split_keywords(keywords)
    if "article:tag" in meta:
        return meta["article:tag"]
    return _split_keywords(meta.get("keywords", [""])[0])


def _split_keywords(value: Any) -> list[str]:  # noqa: ANN401 - JSON-LD: a string or a list
    values = value if isinstance(value, list) else str(value).split(",")
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


# --- schema.org comment threads ---------------------------------------------


@dataclass
class SchemaComment:
    """One schema.org Comment, its parent resolved to another comment's id (or None)."""

    site_comment_id: str
    parent_site_comment_id: str | None
    author: str | None
    posted: str | None
    text: str
    score: int | None = None


def schema_comments(page: Selector, base_url: str) -> list[SchemaComment]:
    """Comments the page declares in JSON-LD or microdata, in document (pre-)order."""
    found: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for root in json_ld_objects(page) + microdata_items(page):
        found.extend(_walk_comments(root, parent=None))
    ids = {id(node): _comment_id(node, base_url) for node, _ in found}
    by_ref = {ref: ids[id(node)] for node, _ in found for ref in _refs(node, base_url)}
    comments: list[SchemaComment] = []
    for node, parent in found:
        own = ids[id(node)]
        parent_id = ids[id(parent)] if parent is not None else None
        if parent_id is None:  # a flat list: the parent is named by `parentItem`
            parent_id = _first(by_ref.get(r) for r in _refs(node.get("parentItem"), base_url))
        comments.append(
            SchemaComment(
                site_comment_id=own,
                parent_site_comment_id=parent_id if parent_id != own else None,
                author=_person(node.get("author")),
                posted=iso_or_none(_text(node.get("dateCreated") or node.get("datePublished"))),
                text=_multiline(node.get("text")),
                score=_int(node.get("upvoteCount")),
            )
        )
    return comments


def _walk_comments(
    node: Any,  # noqa: ANN401 - any JSON value
    parent: dict[str, Any] | None,
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(comment, enclosing comment) pairs anywhere under `node`, parents first."""
    if isinstance(node, list):
        for child in node:
            yield from _walk_comments(child, parent)
        return
    if not isinstance(node, dict):
        return
    is_comment = _is(node, COMMENT_TYPES)
    if is_comment:
        yield node, parent
    for key, value in node.items():
        if key != "parentItem":  # a reference up the thread, not a child
            yield from _walk_comments(value, node if is_comment else parent)


def _comment_id(node: dict[str, Any], base_url: str) -> str:
    """The comment's own id: `identifier`, `@id` or `url`; else a digest of its content."""
    for key in ("identifier", "@id", "url"):
        value = _text(node.get(key))
        if value:
            return _absolute(base_url, value) if key != "identifier" else value  # type: ignore[return-value]
    content = (
        "\x1f".join(_text(node.get(k)) or "" for k in ("dateCreated", "datePublished", "text"))
        + "\x1f"
        + (_person(node.get("author")) or "")
    )
    return "sha1:" + hashlib.sha1(content.encode()).hexdigest()[:16]


def _refs(node: Any, base_url: str) -> list[str]:  # noqa: ANN401 - any JSON value
    """The strings a comment can be referred to by (`@id`, `url`, `identifier`)."""
    if isinstance(node, str):
        return [_absolute(base_url, node) or node, node]
    if not isinstance(node, dict):
        return []
    values = [_text(node.get(k)) for k in ("@id", "url", "identifier")]
    return [r for v in values if v for r in (_absolute(base_url, v) or v, v)]


# --- small readers ----------------------------------------------------------


def _is(item: dict[str, Any], types: set[str]) -> bool:
    declared = item.get("@type")
    names = declared if isinstance(declared, list) else [declared]
    return any(isinstance(n, str) and _short_type(n) in types for n in names)


def _short_type(value: str) -> str:
    for prefix in _SCHEMA_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value.strip()


def _text(value: Any) -> str | None:  # noqa: ANN401 - any JSON value
    """A plain string from a JSON-LD value (a string, a list of them, or {"@value": …})."""
    if isinstance(value, list):
        return _first(_text(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("@value") or value.get("name"))
    if isinstance(value, str | int | float) and str(value).strip():
        return " ".join(str(value).split())
    return None


def _multiline(value: Any) -> str:  # noqa: ANN401 - any JSON value
    """A comment's text with its line breaks (paragraphs) kept, spaces tidied per line."""
    if isinstance(value, list | dict):
        value = _text(value) if isinstance(value, dict) else "\n\n".join(map(_multiline, value))
    lines = (" ".join(line.split()) for line in str(value or "").splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _person(value: Any) -> str | None:  # noqa: ANN401 - any JSON value
    """A Person/Organization's name, or a bare name string; several authors joined by ', '."""
    if isinstance(value, list):
        names = [n for n in (_person(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("alternateName"))
    return _text(value)


def _int(value: Any) -> int | None:  # noqa: ANN401 - any JSON value
    text = _text(value)
    return int(text) if text and text.isdigit() else None


def _first(values: Iterator[Any]) -> Any:  # noqa: ANN401 - first of any iterable of values
    return next((v for v in values if v not in (None, "", [])), None)


def _first_meta(meta: dict[str, list[str]], *keys: str) -> str | None:
    return _first(_clean(meta[k][0]) for k in keys if k in meta)


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) or None if value else None


def _absolute(base_url: str, href: str | None) -> str | None:
    return absolute(base_url, href) if href else None


__all__ = [
    "ArticleMeta",
    "SchemaComment",
    "article_metadata",
    "json_ld_objects",
    "microdata_items",
    "open_graph",
    "schema_comments",
    "site_of",
]
