"""Lobsters (lobste.rs and its mirrors): a story's JSON (`/s/ID.json`) or its HTML page.

How a story maps onto the archive:
- The story is the Article (site id: its short id; site: the host), its description
  the body, the link it submits `link_url`. Comments are keyed on their short ids.
- The JSON is the comments source. Its `comments[]` come flat in thread order with
  `parent_comment` (a short id, null at the top), the time each was written
  (`created_at`, even when edited later), `is_deleted` and `is_moderated`. The spider
  fetches the HTML page first (what a reader and replay see) and its JSON after, so
  the JSON's comment rows are the ones saved last, live and in `reparse` alike, while
  the article row keeps the page as its source (the JSON's article is not `own_page`).
- The HTML page gives the same tree from its nesting (`li.comments_subtree` holding
  `div.comment#c_ID`, replies in the next `ol.comments`), for a story archived only
  as a page. What it cannot give: an edited comment's byline shows the edit time
  only, so its `posted` stays unknown (None) there.
- Quotes are `<blockquote>`s with no attribution: a quote of the story's text is of
  the article, else it is linked to the comment holding its text (the parent first).
- Score is the score shown; a deleted comment keeps its row (`deleted`), a moderated
  one is marked in `moderation`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from archiver.extract.dates import iso_or_none
from archiver.extract.html import has_class
from archiver.extract.jsonapi import (
    NOT_JSON,
    Body,
    Said,
    as_dict,
    as_list,
    epoch_iso,
    number,
    read_json,
    said_items,
    split_body,
    text,
    unexpected,
)
from archiver.extract.structured import site_of
from archiver.extract.text import clean_text, html_to_text, normalize_for_match
from archiver.items import Article, Item

# /s/ID, /s/ID/slug, /s/ID.json
STORY_PATH = re.compile(r"^/s/([A-Za-z0-9]+)(?:\.json|/[^/]*)?/?$")
_COMMENT = f"div[{has_class('comment')}][@data-shortid]"
_SUBTREE = f"li[{has_class('comments_subtree')}]"


def story_id(url: str) -> str | None:
    found = STORY_PATH.match(urlsplit(url).path)
    return found.group(1) if found else None


def is_json(response: Response) -> bool:
    return urlsplit(response.url).path.endswith(".json")


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A story (JSON or HTML) yields its article, then its comments and their quotes."""
    if is_json(response):
        yield from _from_json(response)
    elif story_id(response.url):
        yield from _from_html(response)
    # a listing (front page, /newest, /page/N): the spider follows its stories


# --- JSON ---------------------------------------------------------------------


def _from_json(response: TextResponse) -> Iterator[Item]:
    data = read_json(response)
    if isinstance(data, list):
        return  # a listing (/hottest.json, /newest.json)
    story = as_dict(data)
    if data is NOT_JSON or not text(story.get("short_id")) or "comments" not in story:
        yield unexpected(response, "no Lobsters story JSON")
        return
    site = site_of(response.url)
    article = _json_article(response, story, site)
    yield article
    rows = [
        c for c in as_list(story.get("comments")) if isinstance(c, dict) and text(c.get("short_id"))
    ]
    article_text = normalize_for_match(article.body_text or "")
    authors = {a for a in (_username(c.get("commenting_user")) for c in rows) if a}
    read = [
        (c, split_body(text(c.get("comment")) or "", site, article_text, authors)) for c in rows
    ]
    thread = {s.comment_id: s for s in (_said_json(c, body) for c, body in read)}
    for index, (row, body) in enumerate(read, 1):
        said = thread[str(row["short_id"]).strip()]
        yield from said_items(
            said,
            body,
            thread,
            site=site,
            site_article_id=article.site_article_id,
            index=index,
            score=number(row.get("score")),
            deleted=row.get("is_deleted") is True,
            moderation="moderated" if row.get("is_moderated") is True else None,
        )


def _json_article(response: TextResponse, story: dict[str, Any], site: str) -> Article:
    short_id = str(story["short_id"]).strip()
    body_html = text(story.get("description")) or None
    return Article(
        site=site,
        site_article_id=short_id,
        url=response.url,
        canonical_url=_local(response.url, text(story.get("comments_url")), short_id),
        title=text(story.get("title")),
        author=_username(story.get("submitter_user")),
        published=iso_or_none(text(story.get("created_at"))),
        body_html=body_html,
        body_text=html_to_text(body_html) if body_html else None,
        tags=[t for t in as_list(story.get("tags")) if isinstance(t, str)],
        comment_count=number(story.get("comment_count")),
        link_url=text(story.get("url")),
        own_page=False,  # the story page is the row's source (replay opens it), when there is one
    )


def _said_json(row: dict[str, Any], body: Body) -> Said:
    return Said(
        comment_id=str(row["short_id"]).strip(),
        parent_id=text(row.get("parent_comment")),
        author=_username(row.get("commenting_user")),
        posted=iso_or_none(text(row.get("created_at"))),
        text=body.text,
    )


def _username(user: object) -> str | None:
    """`commenting_user` / `submitter_user`: a name (2025), or an object with one (older)."""
    return text(user) or text(as_dict(user).get("username"))


def _local(url: str, canonical: str | None, short_id: str) -> str:
    """The story's page on the host this response came from (a mirror's own, not lobste.rs)."""
    parts = urlsplit(url)
    path = urlsplit(canonical).path if canonical else f"/s/{short_id}"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


# --- HTML ---------------------------------------------------------------------


def _from_html(response: TextResponse) -> Iterator[Item]:
    site = site_of(response.url)
    story = response.xpath(f"//li[{has_class('story')}][@data-shortid]")
    short_id = story.xpath("@data-shortid").get() or story_id(response.url) or ""
    article = _html_article(response, story, site, short_id)
    yield article
    nodes = response.xpath(f"//ol[@id='story_comments']//{_COMMENT}")
    article_text = normalize_for_match(article.body_text or "")
    authors = {a for a in (_html_author(n) for n in nodes) if a}
    read = [(n, split_body(_inner(n), site, article_text, authors)) for n in nodes]
    thread = {s.comment_id: s for s in (_said_html(n, body) for n, body in read)}
    for index, (node, body) in enumerate(read, 1):
        said = thread[node.attrib["data-shortid"]]
        classes = node.attrib.get("class", "").split()
        yield from said_items(
            said,
            body,
            thread,
            site=site,
            site_article_id=short_id,
            index=index,
            score=_int(node.xpath(f"./div[{has_class('voters')}]/a[{has_class('upvoter')}]")),
            deleted="deleted" in classes,
            moderation="moderated" if "moderated" in classes else None,
        )


def _html_article(response: TextResponse, story: Any, site: str, short_id: str) -> Article:  # noqa: ANN401 - a parsel SelectorList
    link = story.xpath(f".//a[{has_class('u-url')}]")
    href = response.urljoin(link.xpath("@href").get() or "")
    byline = story.xpath(f".//div[{has_class('byline')}]")
    body = response.xpath(f"//div[{has_class('story_text')}]")
    body_html = body.xpath("./node()").getall()
    count = story.xpath(f"string(.//span[{has_class('comments_label')}])").get() or ""
    found = re.search(r"(\d+)\s+comments?", count)
    return Article(
        site=site,
        site_article_id=short_id,
        url=response.url,
        canonical_url=_local(response.url, response.url, short_id),
        title=clean_text(link.xpath("string()").get()),
        author=clean_text(
            byline.xpath("./a[starts-with(@href, '/~')][normalize-space()]/text()").get()
        ),
        published=epoch_iso(byline.xpath("./time/@data-at-unix").get()),
        body_html="".join(body_html).strip() or None,
        body_text=html_to_text(body[0]) if body else None,
        tags=[t.strip() for t in story.xpath(f".//ul[{has_class('tags')}]//a/text()").getall()],
        comment_count=int(found.group(1)) if found else (0 if "discuss" in count else None),
        link_url=None if story_id(href) else href,
    )


def _said_html(node: Selector, body: Body) -> Said:
    # ancestor::li[1] is the comment's own subtree, [2] the parent's (or the story's root).
    parent = node.xpath(f"ancestor::{_SUBTREE}[2]/{_COMMENT}/@data-shortid").get()
    byline = node.xpath(f"./div[{has_class('details')}]/div[{has_class('byline')}]")
    edited = "edited" in (byline.xpath("string()").get() or "").split()
    return Said(
        comment_id=node.attrib["data-shortid"],
        parent_id=parent,
        author=_html_author(node),
        posted=None if edited else epoch_iso(byline.xpath(".//time/@data-at-unix").get()),
        text=body.text,
    )


def _html_author(node: Selector) -> str | None:
    names = node.xpath(
        f"./div[{has_class('details')}]/div[{has_class('byline')}]"
        "//a[starts-with(@href, '/~')][normalize-space()]/text()"
    )
    return clean_text(names.get())


def _inner(node: Selector) -> str:
    html = node.xpath(f"./div[{has_class('details')}]/div[{has_class('comment_text')}]/node()")
    return "".join(html.getall()).strip()


def _int(upvoter: Any) -> int | None:  # noqa: ANN401 - a parsel SelectorList
    value = (upvoter.xpath("@title").get() or upvoter.xpath("string()").get() or "").strip()
    return int(value) if re.fullmatch(r"-?\d+", value) else None


__all__ = ["parse_page", "story_id"]
