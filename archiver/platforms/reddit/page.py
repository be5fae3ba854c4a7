"""Reddit: a thread's JSON, its `/api/morechildren` expansions, and new-Reddit HTML pages.

How a thread maps onto the archive:
- The post (`t3`) is the Article (site id: its base-36 id; site: `reddit.com` for any
  reddit host, else the host, so a mirror's ids stay apart). Comments (`t1`) are keyed
  on their ids; `parent_id` is a fullname: `t1_ID` names the parent comment, `t3_ID`
  the post (a top-level comment, no parent).
- `/comments/ID/.json` is page 1: `[post listing, comments listing]`, replies nested in
  `replies`, read depth first (the order Reddit shows). Unloaded branches are `more`
  stubs whose `children` ids the spider fetches through `/api/morechildren`; its answer
  (`{"json": {"data": {"things": [...]}}}`) is flat and read by `parent_id` alone.
  Morechildren answers and a comment's own permalink JSON are page 2, with a stub
  article: they show part of a thread, so they never mark other comments vanished.
- A comment whose body is `[deleted]` (by its author) or `[removed]` (by moderators)
  keeps its row with its text as shown, `deleted` and that word as `moderation`; an
  author `[deleted]` is an account gone, so the author is unknown (None).
- Score is the score shown, None when hidden. Dates are `created_utc` (epoch, UTC).
- New-Reddit HTML (2018-2023) renders its comments from the inline `window.___r`
  state: `comments.models["t1_ID"]` (author, `parentId`, `created`, `isDeleted`,
  `deletedBy`, rich-text `media`), in the order of the page's thread links. Old-Reddit
  HTML is not read (no sample was found): such a page, or a new one without that state,
  yields its article from OpenGraph and a `parse_error` row saying its comments were
  not read.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from scrapy.http import TextResponse

from archiver.extract.jsonapi import (
    NOT_JSON,
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
from archiver.extract.text import html_to_text, normalize_for_match
from archiver.items import Article, FetchError, Item

# /r/SUB/comments/ID[/slug[/COMMENT]], /comments/ID[/…]
_THREAD_PATH = re.compile(r"/comments/([a-z0-9]+)(?:/[^/]*(?:/([a-z0-9]+))?)?/?(?:\.json)?$")
MORECHILDREN = "/api/morechildren"
GONE = ("[deleted]", "[removed]")


@dataclass(frozen=True)
class _Thread:
    site: str
    link_id: str  # the post's id, without t3_
    page: int  # 1: the thread's own JSON or page; 2: a part of it
    article_text: str  # the post's text, normalized, to tell its quotes from a comment's


def site_key(url: str) -> str:
    host = site_of(url)
    return "reddit.com" if host == "reddit.com" or host.endswith(".reddit.com") else host


def thread_ids(url: str) -> tuple[str | None, str | None]:
    """The post id a thread URL names, and the comment a permalink focuses on."""
    found = _THREAD_PATH.search(urlsplit(url).path)
    return (found.group(1), found.group(2)) if found else (None, None)


def bare_id(fullname: object) -> str | None:
    """`t1_abc` → `abc`; a fullname of a post (`t3_…`) names no comment: None."""
    value = text(fullname)
    if not value or value.startswith("t3_"):
        return None
    return value.split("_", 1)[1] if re.match(r"t\d_", value) else value


def link_of(url: str) -> str | None:
    """The post a morechildren URL asks about: its `link_id` (`t3_ID`) as a bare id."""
    value = text((parse_qs(urlsplit(url).query).get("link_id") or [""])[0]) or ""
    return value.removeprefix("t3_") or None


def is_morechildren(url: str) -> bool:
    return urlsplit(url).path.rstrip("/").endswith(MORECHILDREN)


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A thread's JSON, a morechildren answer or a thread's HTML page; listings yield nothing."""
    if is_morechildren(response.url):
        yield from _morechildren(response)
        return
    data = read_json(response)
    if data is NOT_JSON:
        if urlsplit(response.url).path.endswith(".json"):
            yield unexpected(response, "no Reddit JSON")
        elif thread_ids(response.url)[0]:
            yield from _html_page(response)
        return
    if isinstance(data, dict) and as_dict(data.get("data")).get("children") is not None:
        return  # a subreddit listing: the spider follows its posts
    if not (isinstance(data, list) and len(data) == 2):
        yield unexpected(response, "no Reddit thread listing [post, comments]")
        return
    yield from _thread_json(response, data)


def children(listing: object) -> list[dict[str, Any]]:
    """A Listing's things (`{"kind", "data"}` dicts); [] for "" or anything else."""
    things = as_list(as_dict(as_dict(listing).get("data")).get("children"))
    return [t for t in things if isinstance(t, dict) and isinstance(t.get("data"), dict)]


def walk(things: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every thing depth first: a comment, then its replies."""
    for thing in things:
        yield thing
        if thing.get("kind") == "t1":
            yield from walk(children(thing["data"].get("replies")))


# --- JSON ---------------------------------------------------------------------


def _thread_json(response: TextResponse, data: list[Any]) -> Iterator[Item]:
    post = next((t["data"] for t in children(data[0]) if t.get("kind") == "t3"), None)
    if post is None or not text(post.get("id")):
        yield unexpected(response, "no post (t3) in the thread listing")
        return
    link_id, focus = thread_ids(response.url)
    site = site_key(response.url)
    article = _post_article(response, post, site, stub=focus is not None)
    yield article
    thread = _Thread(site, article.site_article_id, 2 if focus else 1, _folded(article.body_text))
    yield from _comments([t for t in walk(children(data[1])) if t.get("kind") == "t1"], thread)


def _morechildren(response: TextResponse) -> Iterator[Item]:
    data = read_json(response)
    answer = as_dict(as_dict(data).get("json"))
    things = as_list(as_dict(answer.get("data")).get("things"))
    errors = as_list(answer.get("errors"))
    link_id = link_of(response.url)
    if data is NOT_JSON or not answer or errors or not things or not link_id:
        what = f"morechildren answered errors {errors}" if errors else "no morechildren things"
        yield unexpected(response, what)
        return
    site = site_key(response.url)
    url = _on(response.url, f"/comments/{link_id}/")
    yield Article(site, link_id, url, stub=True, page=2)
    comments = [t for t in things if isinstance(t, dict) and t.get("kind") == "t1"]
    yield from _comments(
        [t for t in comments if isinstance(t.get("data"), dict)], _Thread(site, link_id, 2, "")
    )


def _comments(things: list[dict[str, Any]], thread: _Thread) -> Iterator[Item]:
    rows = [t["data"] for t in things if text(t["data"].get("id"))]
    authors = {a for a in (_author(r.get("author")) for r in rows) if a}
    read = [(r, split_body(_body_html(r), thread.site, thread.article_text, authors)) for r in rows]
    said = {
        str(r["id"]): Said(
            str(r["id"]), bare_id(r.get("parent_id")), _author(r.get("author")),
            epoch_iso(r.get("created_utc")), body.text,
        )
        for r, body in read
    }  # fmt: skip
    for index, (row, body) in enumerate(read, 1):
        one = said[str(row["id"])]
        gone = text(row.get("body")) if text(row.get("body")) in GONE else None
        yield from said_items(
            one,
            body,
            said,
            site=thread.site,
            site_article_id=thread.link_id,
            page=thread.page,
            index=index,
            score=None if row.get("score_hidden") is True else number(row.get("score")),
            deleted=gone is not None,
            moderation=gone.strip("[]") if gone else None,
        )


def _post_article(response: TextResponse, post: dict[str, Any], site: str, stub: bool) -> Article:
    body_html = _unescaped(text(post.get("selftext_html")))
    permalink = text(post.get("permalink"))
    subreddit = text(post.get("subreddit"))
    return Article(
        site=site,
        site_article_id=str(post["id"]).strip(),
        url=response.url,
        canonical_url=_on(response.url, urlsplit(permalink).path) if permalink else None,
        title=text(post.get("title")),
        author=_author(post.get("author")),
        published=epoch_iso(post.get("created_utc")),
        body_html=body_html,
        body_text=html_to_text(body_html) if body_html else None,
        tags=[f"r/{subreddit}"] if subreddit else [],
        comment_count=number(post.get("num_comments")),
        link_url=None if post.get("is_self") is True else text(post.get("url")),
        stub=stub,
        page=2 if stub else 1,
    )


def _body_html(row: dict[str, Any]) -> str:
    """`body_html` is entity-escaped unless asked `raw_json=1`; without it, the Markdown
    source as plain paragraphs."""
    found = _unescaped(text(row.get("body_html")))
    if found:
        return found
    source = text(row.get("body")) or ""
    return "".join(f"<p>{html.escape(p)}</p>" for p in re.split(r"\n\s*\n", source) if p.strip())


def _unescaped(value: str | None) -> str | None:
    return html.unescape(value) if value and value.lstrip().startswith("&lt;") else value


def _author(name: object) -> str | None:
    found = text(name)
    return None if found in GONE else found


def _folded(value: str | None) -> str:
    return normalize_for_match(value or "")


def _on(url: str, path: str) -> str:
    """`path` on the host `url` came from: a mirror's links stay on the mirror."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


# --- new-Reddit HTML ------------------------------------------------------------


def _html_page(response: TextResponse) -> Iterator[Item]:
    link_id, focus = thread_ids(response.url)
    site = site_key(response.url)
    state = _state(response)
    posts = as_dict(as_dict(state.get("posts")).get("models"))
    post = as_dict(posts.get(f"t3_{link_id}"))
    if not post:
        yield _og_article(response, site, link_id or "")
        detail = "no window.___r state holding this post (not a new-Reddit page): comments not read"
        yield FetchError(response.url, "parse_error", detail)
        return
    body_html = _rich_html(
        as_dict(as_dict(post.get("media")).get("richtextContent")).get("document")
    )
    permalink = text(post.get("permalink"))
    article = Article(
        site=site,
        site_article_id=link_id or "",
        url=response.url,
        canonical_url=_on(response.url, urlsplit(permalink).path) if permalink else None,
        title=text(post.get("title")),
        author=_author(post.get("author")),
        published=epoch_iso(_seconds(post.get("created"))),
        body_html=body_html or None,
        body_text=html_to_text(body_html) if body_html else None,
        tags=[f"r/{name}" for name in re.findall(r"^/r/([^/]+)/", urlsplit(permalink or "").path)],
        comment_count=number(post.get("numComments")),
        link_url=text(as_dict(post.get("source")).get("url")),
        stub=focus is not None,
        page=2 if focus else 1,
    )
    yield article
    thread = _Thread(site, article.site_article_id, article.page, _folded(article.body_text))
    models = as_dict(as_dict(state.get("comments")).get("models"))
    ordered = _thread_order(state, models)
    rows = [
        as_dict(models[key])
        for key in ordered
        if as_dict(models[key]).get("postId") == f"t3_{link_id}"
    ]
    yield from _comments([{"kind": "t1", "data": _as_t1(row)} for row in rows], thread)


def _state(response: TextResponse) -> dict[str, Any]:
    """The inline `window.___r = {…};` new Reddit renders from; {} when there is none."""
    for script in response.xpath("//script[contains(., 'window.___r')]/text()").getall():
        start = script.find("{", script.find("window.___r"))
        try:
            return as_dict(json.JSONDecoder().raw_decode(script, start)[0])
        except ValueError:
            continue
    return {}


def _thread_order(state: dict[str, Any], models: dict[str, Any]) -> list[str]:
    """The comments' keys in the page's order (its prev/next thread links), then any left."""
    link_sets = as_dict(as_dict(state.get("commentsPage")).get("keyToCommentThreadLinkSets"))
    links = as_dict(next(iter(link_sets.values()), {})) if link_sets else {}
    key = next((k for k, v in links.items() if not as_dict(v).get("prev")), None)
    ordered: list[str] = []
    while key is not None and key not in ordered and len(ordered) <= len(links):
        if key in models:
            ordered.append(key)
        key = text(as_dict(as_dict(links.get(key)).get("next")).get("id"))
    return ordered + [k for k in models if k not in ordered]


def _as_t1(row: dict[str, Any]) -> dict[str, Any]:
    """A new-Reddit comment model in the JSON API's field names."""
    gone = {"user": "[deleted]", "moderator": "[removed]", "admin": "[removed]"}
    deleted = row.get("isDeleted") is True
    return {
        "id": bare_id(row.get("id")),
        "parent_id": text(row.get("parentId")),
        "link_id": text(row.get("postId")),
        "author": text(row.get("author")),
        "created_utc": _seconds(row.get("created")),
        "body": gone.get(str(row.get("deletedBy")), "[deleted]") if deleted else None,
        "body_html": _rich_html(
            as_dict(as_dict(row.get("media")).get("richtextContent")).get("document")
        ),
        "score": row.get("score"),
        "score_hidden": row.get("isScoreHidden"),
    }


def _seconds(value: object) -> int | None:
    """new Reddit's `created`: seconds for comments, milliseconds for posts."""
    found = number(value)
    return found // 1000 if found is not None and found > 100_000_000_000 else found


_BLOCKS = {"par": "p", "blockquote": "blockquote", "li": "li", "h": "h3"}


def _rich_html(nodes: object) -> str:
    """Reddit's rich-text JSON (rtjson) as HTML: paragraphs, quotes, lists, code, links."""
    out = []
    for node in as_list(nodes):
        node = as_dict(node)
        kind, words = node.get("e"), html.escape(text(node.get("t")) or "", quote=False)
        inner = _rich_html(node.get("c"))
        if kind in ("text", "raw"):
            out.append(
                html.escape(node.get("t") or "", quote=False)
                if isinstance(node.get("t"), str)
                else ""
            )
        elif kind == "link":
            href = html.escape(text(node.get("u")) or "")
            out.append(f'<a href="{href}">{words or inner}</a>')
        elif kind in ("u/", "r/"):
            out.append(f"{kind}{words}")
        elif kind == "code":
            lines = [
                html.escape(as_dict(c).get("t") or "", quote=False) for c in as_list(node.get("c"))
            ]
            out.append("<pre><code>" + "\n".join(lines) + "</code></pre>")
        elif kind == "list":
            tag = "ol" if node.get("o") else "ul"
            out.append(f"<{tag}>{inner}</{tag}>")
        elif kind == "hr":
            out.append("<hr>")
        elif kind in _BLOCKS:
            out.append(f"<{_BLOCKS[kind]}>{inner}</{_BLOCKS[kind]}>")
        else:  # spoilers, tables, media: their words
            out.append(inner or words)
    return "".join(out)


def _og_article(response: TextResponse, site: str, link_id: str) -> Article:
    title = response.xpath("//meta[@property='og:title']/@content").get()
    return Article(
        site,
        link_id,
        response.url,
        title=text(title) or text(response.xpath("//title/text()").get()),
    )


__all__ = [
    "bare_id",
    "children",
    "is_morechildren",
    "link_of",
    "parse_page",
    "site_key",
    "thread_ids",
    "walk",
]
