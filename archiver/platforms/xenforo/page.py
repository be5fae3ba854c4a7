"""A XenForo thread page (XenForo 2, and XenForo 1's markup where it differs).

Markup read (XenForo 2 as in the shared corpus; XenForo 1 from its templates):
- a post is `article#js-post-ID.message--post[data-author]` (XF1: `li#post-ID.message
  [data-author]`); its date `time.u-dt[data-time]` (epoch; XF1 `abbr.DateTime[data-time]`
  or `span.DateTime[title]`), its body `div.bbWrapper` (XF1 `blockquote.messageText`), the
  signature after it;
- a quote is `blockquote.bbCodeBlock--quote[data-quote=NAME][data-source="post: ID"]`, its
  words in `.bbCodeBlock-expandContent` after a "NAME said:" title (XF1
  `div.bbCodeQuote[data-author]`, source in `a.AttributionLink` `goto/post?id=ID`);
- the thread id in `html[data-content-key="thread-ID"]`, else the canonical URL
  `/threads/slug.ID/`; page N is `/threads/slug.ID/page-N`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement
from scrapy.http import HtmlResponse, TextResponse

from archiver.extract.dates import capture_time, iso_or_none, parse_site_date, to_utc_iso
from archiver.extract.html import Doc, first, has_class, markup
from archiver.extract.quoting import quote_header
from archiver.extract.structured import site_of
from archiver.extract.text import clean_text
from archiver.extract.threads import Own, Shape, Slot, Slots, own_parts
from archiver.extract.urls import absolute
from archiver.items import FetchError, Item
from archiver.platforms.forum.thread import (
    ForumPost,
    ForumQuote,
    ForumThread,
    empty_thread_page,
    read_posts,
    text_without,
    thread_items,
    top_level,
)

SHAPE = Shape(
    comment_id=re.compile(r"^(?:js-)?post-(\d+)$"),
    permalink="/post-",
    slots=Slots(
        Slot("author", (".message-name", "a.username")),
        Slot("date", ("time.u-dt", "abbr.DateTime", "span.DateTime")),
        Slot("body", ("div.bbWrapper", "blockquote.messageText")),
    ),
)
# /threads/slug.ID/, /threads/ID/page-3, also behind index.php? on boards without rewrites
_THREAD = re.compile(r"/threads/(?:[^/?#]*\.)?(\d+)/?(?:page-(\d+)/?)?$")
_FORUM = re.compile(r"/forums/(?:[^/?#]*\.)?(\d+)/?(?:page-(\d+)/?)?$")
_QUOTE = f"{has_class('bbCodeBlock--quote')} or {has_class('bbCodeQuote')}"
_QUOTES = etree.XPath(f".//*[{_QUOTE}]")
_IN_QUOTE = etree.XPath(f"boolean(ancestor::*[{_QUOTE}])")
_QUOTE_WORDS = etree.XPath(
    f".//*[{has_class('bbCodeBlock-expandContent')} or {has_class('quote')}]"
)
# What a quote block prints besides the quoted words: its title and "click to expand".
_QUOTE_CHROME = etree.XPath(
    f".//*[{has_class('bbCodeBlock-title')} or {has_class('bbCodeBlock-expandLink')}"
    f" or {has_class('attribution')} or {has_class('quoteExpand')}]"
)
_NEAREST_QUOTE = etree.XPath(f"ancestor::*[{_QUOTE}][1]")
_SOURCE_POST = re.compile(r"post:\s*(\d+)")
_GOTO_POST = re.compile(r"goto/post\?id=(\d+)")


def locate(url: str) -> tuple[str, str, int] | None:
    """("thread" or "forum", its id, its page less one) for a thread's or forum's page URL."""
    parts = urlsplit(url)
    path = parts.path
    if path.endswith("/index.php") and parts.query:  # index.php?threads/slug.1/page-2
        path = "/" + parts.query.split("&")[0]
    for kind, pattern in (("thread", _THREAD), ("forum", _FORUM)):
        found = pattern.search(path)
        if found:
            return kind, found.group(1), int(found.group(2) or 1) - 1
    return None


def thread_id(doc: Doc, url: str) -> str | None:
    """The thread a page shows: XF2's content key, else its canonical URL, else its own."""
    key = doc.root.get("data-content-key") or ""
    if key.startswith("thread-") and key[7:].isdigit():
        return key[7:]
    for candidate in (doc.attr("link", "href", rel="canonical"), url):
        found = locate(absolute(url, candidate) or "") if candidate else None
        if found and found[0] == "thread":
            return found[1]
    return None


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A thread page: the thread (its first post the body, on page 1), then each reply."""
    if not isinstance(response, HtmlResponse):
        return
    doc = Doc(response.selector.root)
    parts = [own for own in own_parts(doc, SHAPE) if own.best("body") is not None]
    here = locate(response.url)
    if not parts:
        if here and here[0] == "thread":
            yield empty_thread_page(response.url)
        return
    key = thread_id(doc, response.url)
    if key is None:
        yield FetchError(response.url, "parse_error", "posts without a thread id")
        return
    now = capture_time(response)
    posts, errors = read_posts(
        [(own.comment_id, own) for own in parts], lambda own: _post(own, now), response.url
    )
    thread = ForumThread(
        site=site_of(response.url),
        thread_id=key,
        url=response.url,
        page=_page(doc, here),
        title=_title(doc),
        canonical_url=doc.attr("link", "href", rel="canonical"),
    )
    yield from thread_items(thread, posts)
    yield from errors


def _page(doc: Doc, here: tuple[str, str, int] | None) -> int:
    if here and here[0] == "thread":
        return here[2] + 1
    current = first(".pageNav-page--current a, a.currentPage", doc.root)
    text = clean_text(current.text_content()) if current is not None else None
    return int(text) if text and text.isdigit() else 1


def _title(doc: Doc) -> str | None:
    heading = first("h1.p-title-value, .titleBar h1", doc.root)
    if heading is not None:
        return clean_text(heading.text_content())
    return doc.meta("og:title") or clean_text(" ".join(doc.texts("title")))


def _post(own: Own, now: datetime) -> ForumPost:
    body = own.best("body")
    quotes = top_level(_QUOTES(body), _IN_QUOTE)
    return ForumPost(
        post_id=own.comment_id,
        author=_author(own),
        posted=_posted(own.best("date"), now),
        body_html=markup(body),
        body_text=text_without(body, _QUOTES),
        quotes=[_quote(q) for q in quotes],
    )


def _author(own: Own) -> str | None:
    named = clean_text(own.top.get("data-author") or own.element.get("data-author"))
    if named:
        return named
    found = own.best("author")
    return clean_text(own.string(found)) if found is not None else None


def _posted(date: HtmlElement | None, now: datetime) -> str | None:
    """The epoch XenForo prints beside each date, else its ISO or titled form."""
    if date is None:
        return None
    epoch = date.get("data-time") or ""
    if epoch.isdigit():
        return to_utc_iso(datetime.fromtimestamp(int(epoch), UTC))
    return iso_or_none(date.get("datetime")) or parse_site_date(
        date.get("title") or date.text_content(), now=now
    )


def _quote(block: HtmlElement) -> ForumQuote:
    """A quote block: whose post it quotes (`data-source`, the title's link) and its words."""
    source = _SOURCE_POST.search(block.get("data-source") or "")
    links = (a.get("href") or "" for a in block.iter("a"))
    goto = next(filter(None, (_GOTO_POST.search(h) for h in links)), None)
    post_id = source.group(1) if source else goto.group(1) if goto else None
    author = clean_text(block.get("data-quote") or block.get("data-author"))
    if author is None:
        title = first(".bbCodeBlock-title, .attribution", block)
        author = quote_header(title.text_content()) if title is not None else None
    own_words = (w for w in _QUOTE_WORDS(block) if _NEAREST_QUOTE(w)[0] is block)
    words = next(own_words, block)
    return ForumQuote(text_without(words, _QUOTES, _QUOTE_CHROME), author, post_id)
