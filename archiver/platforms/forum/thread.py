"""What forum engines share: a thread page's posts as the archive's items.

How a forum thread maps onto the archive (as Discourse topics do):
- The thread is the Article (site: the forum's host; site id: the thread id) and its
  first post is the article's body, not a Comment; every later post is a Comment whose
  site id is the post id. A quote of the first post is a quote of the article.
- A later page of the thread shows the title but not the first post: it yields the
  article without a body (the store keeps the first page's) and its posts on their
  page number, so positions run on across pages.
- Forums print no reply tree: a post's parent is None, and whom it answers is in its
  quotes. A quote naming its source post (XenForo `data-source`, phpBB3's `cite=`, SMF's
  `#msgN` link) keeps that id even when the post is on another page: the store links it
  when the post arrives. A quote naming only an author is matched on the page by its
  text (`attribute_quote`), else left to the store, which searches the whole thread.
- A page whose URL names a thread but which shows no post (an empty body, a login wall
  or error page served with 200) is a `parse_error` row, not silence.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from math import gcd
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from archiver.extract.page import read_alone
from archiver.extract.quoting import attribute_quote, drop
from archiver.extract.text import html_to_text, normalize_for_match
from archiver.items import Article, Comment, FetchError, Item, Quote

# Session ids guests get in every link (phpBB's sid=, SMF's PHPSESSID=): not part of a page.
_SESSION = re.compile(r"(^|[&;])(?:sid|PHPSESSID)=[^&;#]*", re.IGNORECASE)
_SEPARATORS = re.compile(r"[&;]{2,}")
Part = TypeVar("Part")  # a post's markup, as an engine finds it


@dataclass
class ForumQuote:
    text: str  # the quoted words, without the quotes nested in them
    author: str | None = None
    post_id: str | None = None  # the quoted post, when the markup names it


@dataclass
class ForumPost:
    post_id: str
    author: str | None
    posted: str | None  # UTC ISO 8601
    body_html: str  # as printed, quotes included
    body_text: str  # the poster's own words, quotes taken out
    quotes: list[ForumQuote] = field(default_factory=list)
    updated: str | None = None


@dataclass
class ForumThread:
    site: str
    thread_id: str
    url: str
    page: int  # 1 holds the first post, the article's body
    title: str | None = None
    canonical_url: str | None = None
    comment_count: int | None = None  # replies, when the page counts them


def thread_items(thread: ForumThread, posts: list[ForumPost]) -> Iterator[Item]:
    """The thread as an Article (the first post its body on page 1), then each reply."""
    first = posts[0] if thread.page == 1 and posts else None
    yield Article(
        site=thread.site,
        site_article_id=thread.thread_id,
        url=thread.url,
        title=thread.title,
        canonical_url=thread.canonical_url,
        author=first.author if first else None,
        published=first.posted if first else None,
        updated=first.updated if first else None,
        body_html=first.body_html if first else None,
        body_text=first.body_text if first else None,
        comment_count=thread.comment_count,
    )
    earlier = [(first.post_id, first.author, first.body_text)] if first else []
    for index, post in enumerate(posts[1:] if first else posts, start=1):
        yield Comment(
            site=thread.site,
            site_comment_id=post.post_id,
            site_article_id=thread.thread_id,
            author=post.author,
            posted=post.posted,
            body_html=post.body_html,
            body_text=post.body_text,
            page=thread.page,
            index=index,
        )
        for ordinal, quote in enumerate(post.quotes, start=1):
            yield _quote(quote, post.post_id, ordinal, thread.site, first, earlier)
        earlier.append((post.post_id, post.author, post.body_text))


def _quote(
    quote: ForumQuote,
    post_id: str,
    ordinal: int,
    site: str,
    first: ForumPost | None,
    earlier: list[tuple[str, str | None, str]],
) -> Quote:
    quoted = quote.post_id or _holding(quote, earlier)
    if first is not None and quoted == first.post_id:
        return Quote(site, post_id, quote.text, "article", None, quote.author, ordinal)
    return Quote(site, post_id, quote.text, "comment", quoted, quote.author, ordinal)


def _holding(quote: ForumQuote, earlier: list[tuple[str, str | None, str]]) -> str | None:
    """The earlier post on the page that holds the quoted words; None leaves it to the store,
    which also knows the thread's earlier pages."""
    found = attribute_quote(quote.author, quote.text, earlier)
    wanted = normalize_for_match(quote.text)
    bodies = {post_id: body for post_id, _, body in earlier}
    if found is None or not wanted or wanted not in normalize_for_match(bodies[found]):
        return None
    return found


def empty_thread_page(url: str) -> FetchError:
    """A thread's URL answered by a page without posts: a login wall, an error page, nothing."""
    return FetchError(url, "parse_error", "a thread page without any post")


def topic_items(
    url: str,
    here: tuple[str, str, int] | None,
    thread: ForumThread | None,
    posts: list[ForumPost],
    errors: list[FetchError],
) -> Iterator[Item]:
    """A topic page's items once its posts are read (phpBB, SMF): its topic and posts;
    without a topic, a parse_error for posts that name none, or an empty thread page
    where `here` (the URL's own reading) is a thread; then the posts' own errors."""
    if thread is not None:
        yield from thread_items(thread, posts)
    elif posts:
        yield FetchError(url, "parse_error", "posts without a topic id")
    elif here and here[0] == "thread":
        yield empty_thread_page(url)
    yield from errors


def page_number(offset: int | None, offsets: Iterable[int]) -> int:
    """A thread page's number from its post offset (phpBB's `start=`, SMF's `topic=ID.N`)
    and the offsets its page links name: posts per page is their greatest common divisor."""
    if not offset:
        return 1
    step = reduce(gcd, (o for o in offsets if o > 0), offset)
    return offset // step + 1


def without_session(url: str) -> str:
    """The URL without a guest's session id, so each page has one URL whoever fetched it."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = _SESSION.sub(r"\1", parts.query)
    query = _SEPARATORS.sub(lambda run: run.group(0)[-1], query).strip("&;")
    return urlunsplit(parts._replace(query=query))


def read_posts(
    parts: Iterable[tuple[str, Part]], read: Callable[[Part], ForumPost], url: str
) -> tuple[list[ForumPost], list[Item]]:
    """Each (post id, its markup) read alone: a post whose markup cannot be read is a
    `parse_error` row naming it, and costs only itself."""
    posts: list[ForumPost] = []
    errors: list[Item] = []
    for post_id, part in parts:
        found = read_alone(lambda part=part: [read(part)], url, f"post {post_id}")
        posts += [p for p in found if isinstance(p, ForumPost)]
        errors += [e for e in found if isinstance(e, FetchError)]
    return posts, errors


def text_without(element: HtmlElement, *queries: etree.XPath) -> str:
    """The text of a copy of `element` without what the queries find in it (quotes, chrome)."""
    tree = copy.deepcopy(element)
    tree.tail = None  # what follows a quote is the reply to it
    for query in queries:
        for found in query(tree):
            if found.getparent() is not None and found is not tree:
                drop(found)
    return html_to_text(Selector(root=tree))


def top_level(found: list[HtmlElement], inside: etree.XPath) -> list[HtmlElement]:
    """The hits not nested in another quote (`inside` tests an element's ancestors)."""
    return [element for element in found if not inside(element)]
