"""Lemmy and Lemmy-compatible PieFed: a post (`/api/v3/post?id=`) and its comment list pages.

How a post maps onto the archive:
- The post is the Article (site id: the post id on this instance; site: the instance's
  host, since ids are per instance), its Markdown body rendered to HTML, the link it
  shares `link_url`, its community a tag. Its JSON holds no comment: the article row is
  said to be page 0, so that a post re-read never marks its comments vanished.
- `/comment/list?post_id=N&page=P` (Lemmy `/api/v3`, PieFed `/api/alpha`, the same
  shape) is comment page P: `comments[]` of views (`comment`, `counts`, `creator`,
  `post`). A list page yields a stub article (the post's own JSON fills the row), so a
  page that shows other comments than last time (sorted by score, new ones) marks none
  vanished. A cursor page (`page_cursor=`) has no number: it is page 2.
- Parents come only from `comment.path`, "0.<ancestor ids>.<own id>": the parent is the
  id before the comment's own. It is kept even when that comment is not in the response
  (another page, or not fetched): the store links it once it arrives.
- Lemmy names fields `content`, `creator.name`, `creator.display_name`, `post.name`;
  PieFed `body`, `creator.user_name`, `creator.title`, `post.title`. A creator from
  another instance is `name@host` (from `actor_id`), as Lemmy shows them.
- Score is `counts.score`; a deleted (by its author) or removed (by a moderator) comment
  keeps its row, `deleted`, with that word as `moderation`.
- Bad input is a `parse_error` row: a body that is no JSON or not the expected shape;
  a `next_page` cursor equal to the page's own (it would loop) is a `cursor_loop` row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from markdown_it import MarkdownIt
from scrapy.http import TextResponse

from archiver.extract.dates import iso_or_none
from archiver.extract.jsonapi import (
    NOT_JSON,
    Said,
    as_dict,
    number,
    read_json,
    said_items,
    split_body,
    text,
    unexpected,
)
from archiver.extract.structured import site_of
from archiver.extract.text import html_to_text, normalize_for_match
from archiver.items import Article, FetchError, Item

# Lemmy renders Markdown without raw HTML; so does this (the store sanitizes it anyway).
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_API_PATH = re.compile(r"^(?P<api>.*/api/(?:v\d+|alpha))/(?P<call>post|post/list|comment/list)/?$")
CURSOR_LOOP = "cursor_loop"


def api_call(url: str) -> tuple[str, str] | None:
    """The API root ("/api/v3", "/api/alpha") and call ("post", "comment/list"…) of a URL."""
    found = _API_PATH.match(urlsplit(url).path)
    return (found.group("api"), found.group("call")) if found else None


def query(url: str, name: str) -> str | None:
    return text((parse_qs(urlsplit(url).query).get(name) or [""])[0])


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A post's JSON or a page of its comments; a post listing yields nothing."""
    call = api_call(response.url)
    data = read_json(response)
    if call is None:
        return
    if data is NOT_JSON or not isinstance(data, dict):
        yield unexpected(response, f"no Lemmy {call[1]} JSON")
    elif call[1] == "post":
        yield from _post(response, data)
    elif call[1] == "comment/list":
        yield from _comment_list(response, data)


def _post(response: TextResponse, data: dict[str, Any]) -> Iterator[Item]:
    view = as_dict(data.get("post_view"))
    post = as_dict(view.get("post"))
    if number(post.get("id")) is None:
        yield unexpected(response, "no post_view.post.id in the post JSON")
        return
    site = site_of(response.url)
    body_html = _markdown(text(post.get("body")))
    community = as_dict(view.get("community"))
    yield Article(
        site=site,
        site_article_id=str(post["id"]),
        url=response.url,
        canonical_url=on_host(response.url, f"/post/{post['id']}"),
        title=text(post.get("name")) or text(post.get("title")),
        author=_person(as_dict(view.get("creator")), site),
        published=iso_or_none(text(post.get("published"))),
        updated=iso_or_none(text(post.get("updated"))),
        body_html=body_html or None,
        body_text=html_to_text(body_html) if body_html else None,
        tags=[f"c/{name}"] if (name := text(community.get("name"))) else [],
        comment_count=number(as_dict(view.get("counts")).get("comments")),
        link_url=text(post.get("url")),
        page=0,  # no comment on it: see the module's docstring
    )


def _comment_list(response: TextResponse, data: dict[str, Any]) -> Iterator[Item]:
    if not isinstance(data.get("comments"), list):
        yield unexpected(response, "no comments[] in the comment list")
        return
    views = [
        v
        for v in data["comments"]
        if number(as_dict(as_dict(v).get("comment")).get("id")) is not None
    ]
    site = site_of(response.url)
    post_id = query(response.url, "post_id") or next(
        (str(p) for v in views if (p := number(v["comment"].get("post_id"))) is not None), None
    )
    if post_id is None:
        return  # an empty page of no named post: nothing to read
    post = next((as_dict(v.get("post")) for v in views if as_dict(v.get("post"))), {})
    url = on_host(response.url, f"/post/{post_id}")
    title = text(post.get("name")) or text(post.get("title"))
    yield Article(site, post_id, url, title=title, stub=True, page=page_number(response.url))
    post_text = normalize_for_match(html_to_text(_markdown(text(post.get("body")))))
    yield from _comments(views, site, post_id, page_number(response.url), post_text)
    if looping(response.url, data.get("next_page")):
        detail = f"next_page {data.get('next_page')!r} is this page's own cursor: not followed"
        yield FetchError(response.url, CURSOR_LOOP, detail)


def _comments(
    views: list[dict[str, Any]], site: str, post_id: str, page: int, post_text: str
) -> Iterator[Item]:
    authors = {a for a in (_person(as_dict(v.get("creator")), site) for v in views) if a}
    bodies = (_markdown(_content(v["comment"])) for v in views)
    read = [
        (v, split_body(body, site, post_text, authors))
        for v, body in zip(views, bodies, strict=True)
    ]
    thread = {s.comment_id: s for s in (_said(v, body.text, site) for v, body in read)}
    for index, (view, body) in enumerate(read, 1):
        comment = view["comment"]
        said = thread[str(comment["id"])]
        gone = "removed" if comment.get("removed") is True else None
        gone = "deleted" if comment.get("deleted") is True else gone
        yield from said_items(
            said,
            body,
            thread,
            site=site,
            site_article_id=post_id,
            page=page,
            index=index,
            score=number(as_dict(view.get("counts")).get("score")),
            deleted=gone is not None,
            moderation=gone,
        )


def _said(view: dict[str, Any], body_text: str, site: str) -> Said:
    comment = view["comment"]
    return Said(
        comment_id=str(comment["id"]),
        parent_id=parent_of(text(comment.get("path")), str(comment["id"])),
        author=_person(as_dict(view.get("creator")), site),
        posted=iso_or_none(text(comment.get("published"))),
        text=body_text,
    )


def parent_of(path: str | None, own_id: str) -> str | None:
    """The parent's id in a comment's `path` ("0.12.34": 34's parent is 12; "0.12": none)."""
    ids = [i for i in (path or "").split(".") if i.isdigit() and i != "0"]
    if ids and ids[-1] == own_id:
        ids.pop()
    return ids[-1] if ids else None


def _content(comment: dict[str, Any]) -> str | None:
    return text(comment.get("content")) or text(comment.get("body"))


def _person(creator: dict[str, Any], site: str) -> str | None:
    """A creator as Lemmy shows them: their name, `@host` when from another instance."""
    name = text(creator.get("name")) or text(creator.get("user_name"))
    host = urlsplit(text(creator.get("actor_id")) or "").hostname
    if name and host and host.removeprefix("www.") != site and creator.get("local") is not True:
        return f"{name}@{host}"
    return name


def _markdown(source: str | None) -> str:
    return _MARKDOWN.render(source).strip() if source else ""


def page_number(url: str) -> int:
    """The comment page a list URL asks for: its `page`, 2 for a cursor page."""
    page = query(url, "page")
    if page and page.isdigit():
        return max(int(page), 1)
    return 2 if query(url, "page_cursor") else 1


def looping(url: str, next_page: object) -> bool:
    """A `next_page` that names the page itself (or, numbered, an earlier one)."""
    cursor = text(next_page) if not isinstance(next_page, int) else str(next_page)
    if not cursor:
        return False
    own = query(url, "page_cursor") or query(url, "page") or "1"
    if cursor.isdigit() and own.isdigit():
        return int(cursor) <= int(own)
    return cursor == own


def on_host(url: str, path: str) -> str:
    """`path` on the host `url` came from: a mirror's links stay on the mirror."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


__all__ = ["api_call", "looping", "on_host", "page_number", "parent_of", "parse_page", "query"]
