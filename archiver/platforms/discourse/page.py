"""Discourse forums through their JSON API: a topic with all its posts, or a category.

How a topic maps onto the archive:
- The topic is the Article (site id: topic id) and post #1 is its body, not a
  Comment; every later post is a Comment whose site id is the post id. A reply
  to post #1 or a quote of it is therefore a reply to / quote of the article.
- `site` is the forum's host, so two forums' topic ids never collide.
- `/t/ID.json` carries the topic's metadata, its first posts and
  `post_stream.stream`, the ids of all its posts; the spider fetches the others
  in batches, `/t/ID/posts.json?post_ids[]=…`, ids sorted so a recrawl asks for
  the same URLs. A batch carries posts only, so it yields a stub Article.
- Posts are yielded by post number, with their post number as index, so the
  thread reads in post order. Page 1 holds the posts of the topic's own JSON and
  page 2 those of the batches: the store's check for vanished comments compares a
  topic page only with the posts it showed last time, never with the batches.
- `reply_to_post_number` and a quote's `data-post` are post numbers; they become
  post ids only when the numbered post is in the same response. Otherwise the
  parent is unknown (None) and a quote keeps its author and text, which the
  store matches against earlier comments.
- Score is the like count; a deleted post keeps its row (`deleted`), a hidden
  (flagged) post is marked in `moderation`; a small-action post ("closed the
  topic") has an empty body and its action code as moderation note.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import TextResponse

from archiver.extract.dates import parse_iso
from archiver.extract.structured import site_of
from archiver.extract.text import html_to_text, normalize_for_match
from archiver.items import Article, Comment, Item, Quote

LIKE = 2  # actions_summary id of a like
SMALL_ACTION = 3  # post_type of "closed the topic", "split this topic"…
# /t/ID, /t/ID/N, /t/slug/ID, /t/slug/ID/N (a leading number is the id, not a slug).
_TOPIC_PATH = re.compile(r"^/t/(?:(\d+)|[^/]+/(\d+))(?:/\d+)?(?:\.json)?/?$")
_TOP_LEVEL_QUOTES = "//aside[contains(concat(' ', @class, ' '), ' quote ')][not(ancestor::aside)]"
# Lightbox captions ("image.png 800×600 52 KB") are chrome, not what the poster wrote.
_CAPTIONS = "//div[contains(@class, 'lightbox-wrapper')]//div[@class='meta']"


@dataclass(frozen=True)
class _Topic:
    site: str
    topic_id: str
    ids_by_number: dict[int, str]  # post number -> post id, for the posts of this response
    page: int  # 1: the topic's own JSON; 2: a batch of its other posts
    first_post_text: str  # post #1, normalized, to recognize quotes of the article


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A topic (or a batch of its posts) yields its article, then its posts as comments."""
    data = read_json(response)
    posts = sorted(data.get("post_stream", {}).get("posts", []), key=lambda p: p["post_number"])
    if not posts:
        return  # a category or other listing: the spider follows its topics
    topic_id = str(data.get("id") or posts[0]["topic_id"])
    first = next((p for p in posts if p["post_number"] == 1), None)
    yield _article(response, data, topic_id, first, posts[0])
    topic = _Topic(
        site=site_of(response.url),
        topic_id=topic_id,
        ids_by_number={p["post_number"]: str(p["id"]) for p in posts},
        page=1 if "title" in data else 2,
        first_post_text=normalize_for_match(_text(first["cooked"])) if first else "",
    )
    for post in posts:
        if post["post_number"] > 1:
            yield from _post(post, topic)


def read_json(response: TextResponse) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}  # an HTML page (a login wall, an error page): nothing to read
    return data if isinstance(data, dict) else {}


def _article(
    response: TextResponse,
    data: dict[str, Any],
    topic_id: str,
    first: dict[str, Any] | None,
    any_post: dict[str, Any],
) -> Article:
    slug = data.get("slug") or any_post.get("topic_slug") or "-"
    canonical = _origin(response.url) + f"/t/{slug}/{topic_id}"
    if "title" not in data:
        # A batch of posts: the topic's own page fills the row; this one only
        # creates it, with post #1 when the batch happens to hold it.
        return Article(
            site_of(response.url),
            topic_id,
            canonical,
            author=(first or {}).get("username"),
            published=parse_iso(first.get("created_at")) if first else None,
            body_html=first["cooked"] if first else None,
            body_text=_text(first["cooked"]) if first else None,
            stub=True,
        )
    creator = data.get("details", {}).get("created_by", {}).get("username")
    posts_count = data.get("posts_count")
    return Article(
        site=site_of(response.url),
        site_article_id=topic_id,
        url=response.url,
        canonical_url=canonical,
        title=data["title"],
        author=creator or (first or {}).get("username"),
        published=parse_iso(data.get("created_at")),
        updated=parse_iso(first.get("updated_at")) if first else None,
        body_html=first["cooked"] if first else None,
        body_text=_text(first["cooked"]) if first else None,
        tags=[t["name"] if isinstance(t, dict) else t for t in data.get("tags") or []],
        comment_count=posts_count - 1 if isinstance(posts_count, int) else None,
    )


def _post(post: dict[str, Any], topic: _Topic) -> Iterator[Item]:
    """One post as a comment, then the quotes in it."""
    post_id = str(post["id"])
    cooked = post.get("cooked") or ""
    reply_to = post.get("reply_to_post_number")
    yield Comment(
        site=topic.site,
        site_comment_id=post_id,
        site_article_id=topic.topic_id,
        author=post.get("username"),
        posted=parse_iso(post.get("created_at")),
        body_html=cooked,
        body_text=_text(cooked),
        parent_site_comment_id=topic.ids_by_number.get(reply_to) if reply_to != 1 else None,
        page=topic.page,
        index=post["post_number"],
        score=_likes(post),
        deleted=bool(post.get("deleted_at") or post.get("user_deleted")),
        moderation=_moderation(post),
    )
    for ordinal, aside in enumerate(Selector(text=cooked or "<p></p>").xpath(_TOP_LEVEL_QUOTES), 1):
        yield _quote(aside, post_id, ordinal, topic)


def _quote(aside: Selector, post_id: str, ordinal: int, topic: _Topic) -> Quote:
    """An `aside.quote`: of the article (post #1), of a post, or of another topic."""
    # Only the aside's own blockquote: a quote it nests is the quoted post's quote.
    text = _text("".join(aside.xpath("./blockquote").getall()))
    author = aside.attrib.get("data-username")
    number = aside.attrib.get("data-post")
    other_topic = aside.attrib.get("data-topic") not in (None, topic.topic_id)
    if other_topic:
        kind = "external"
    elif number == "1" or (number is None and _in_article(text, topic)):
        kind = "article"
    else:
        kind = "comment"
    quoted = topic.ids_by_number.get(int(number)) if number and kind == "comment" else None
    return Quote(topic.site, post_id, text, kind, quoted, author, ordinal)


def _in_article(text: str, topic: _Topic) -> bool:
    return bool(text and topic.first_post_text) and normalize_for_match(text) in (
        topic.first_post_text
    )


def _text(cooked: str) -> str:
    """The words of a post (or of a quote): without the posts it quotes, nor image captions."""
    if not cooked:
        return ""
    tree = copy.deepcopy(Selector(text=cooked).root)
    for node in tree.xpath(_TOP_LEVEL_QUOTES + " | " + _CAPTIONS):
        node.getparent().remove(node)
    return html_to_text(Selector(root=tree))


def _likes(post: dict[str, Any]) -> int:
    return next((a.get("count", 0) for a in post.get("actions_summary", []) if a["id"] == LIKE), 0)


def _moderation(post: dict[str, Any]) -> str | None:
    if post.get("post_type") == SMALL_ACTION:
        return f"action: {post.get('action_code')}"
    if post.get("hidden"):
        return "hidden"
    if post.get("deleted_at") or post.get("user_deleted"):
        return "deleted"
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def topic_json_url(url: str) -> str:
    """Any topic URL (/t/slug/ID, /t/ID/N.json…) as the JSON of its first page, /t/ID.json."""
    parts = urlsplit(url)
    found = _TOPIC_PATH.match(parts.path)
    if found:
        return _origin(url) + f"/t/{found.group(1) or found.group(2)}.json"
    if parts.path.endswith(".json"):
        return url
    # A listing (/c/slug/ID, /latest, /top…): the same path with .json answers in JSON.
    path = parts.path.rstrip("/") or "/latest"
    return urlunsplit(parts._replace(path=path + ".json"))


def batch_urls(topic_url: str, data: dict[str, Any]) -> list[str]:
    """The posts.json URLs for the stream's posts missing from the topic page, ids sorted."""
    have = {p["id"] for p in data.get("post_stream", {}).get("posts", [])}
    missing = [i for i in data.get("post_stream", {}).get("stream", []) if i not in have]
    size = data.get("chunk_size") or 20
    base = _origin(topic_url) + f"/t/{data['id']}/posts.json?"
    return [
        base + "&".join(f"post_ids[]={i}" for i in sorted(missing[start : start + size]))
        for start in range(0, len(missing), size)
    ]
