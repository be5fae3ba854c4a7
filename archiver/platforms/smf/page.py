"""A Simple Machines Forum (SMF 2) topic page, default "Core" and "Curve" themes.

Markup read (SMF 2.0 Core as in the shared corpus; Curve and 2.1 from their templates):
- a post's elements carry its id (`ul#msg_ID_extra_info`, `h5#subject_ID`, `div#msg_ID`):
  the post is the `.windowbg`/`.windowbg2`/`.post_wrapper` block around them; its author
  is the poster column's `h4`, its date the `.keyinfo .smalltext` line ("« Reply #3 on:
  September 19, 2007, 02:57:03 PM »"), its body `div.inner`, its last edit `#modified_ID`;
- a quote is a `div.quoteheader` ("Quote from: X on DATE", linking `…msgID.html#msgID`)
  then a `blockquote` (SMF 2.1: the header is the blockquote's `cite`);
- the topic is `topic,ID.OFFSET.html` (or `?topic=ID.OFFSET`); `topic,ID.0/all.html`,
  `topic,ID.msgN.html` and `prev_next` links are other views, never followed;
- SMF prints dates in the forum's (or guest's) offset without saying which: read as UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from lxml import etree
from lxml.html import HtmlElement
from scrapy.http import HtmlResponse, TextResponse

from archiver.extract.dates import capture_time, parse_site_date
from archiver.extract.html import Doc, first, has_class, markup
from archiver.extract.quoting import quote_header
from archiver.extract.structured import site_of
from archiver.extract.text import clean_text
from archiver.extract.threads import Own, Shape, Slot, Slots, own_parts
from archiver.extract.urls import absolute
from archiver.items import Item
from archiver.platforms.forum.thread import (
    ForumPost,
    ForumQuote,
    ForumThread,
    page_number,
    read_posts,
    text_without,
    topic_items,
    without_session,
)

SHAPE = Shape(
    comment_id=re.compile(r"^(?:msg_|subject_)(\d+)"),
    permalink="#msg",
    slots=Slots(
        Slot("author", (".poster a",)),
        Slot("date", ("div.smalltext", "a.smalltext")),
        Slot("body", ("div.inner",)),
    ),
    wrappers=(".post_wrapper", ".windowbg", ".windowbg2"),
)
# topic,38573.15.html and index.php?topic=38573.15 (a board: board,2.40.html, ?board=2.40)
_PAGE = re.compile(r"[/?&;](topic|board)[,=](\d+)\.(\d+)(?:\.html)?(?:[?&;#]|$)")
_QUOTE = f"self::blockquote or self::div[{has_class('quote')}]"
_QUOTES = etree.XPath(f".//*[{_QUOTE}]")
_IN_QUOTE = etree.XPath(f"boolean(ancestor::*[{_QUOTE}])")
_HEADERS = etree.XPath(
    f".//*[{has_class('quoteheader')} or {has_class('quotefooter')} or {has_class('codeheader')}]"
)
_CITE = etree.XPath("./cite")
_MSG = re.compile(r"msg[=_]?(\d+)")
_EDITED = re.compile(r"Last Edit:\s*(.+?)(?:\s+by\s+.*)?$", re.IGNORECASE)


def locate(url: str) -> tuple[str, str, int] | None:
    """("thread", topic id, offset) for a topic page, ("board", id, offset) for a board's."""
    found = _PAGE.search(url)
    if found is None or "action=" in url:  # ?action=printpage;topic=1.0 is no topic page
        return None
    kind = "thread" if found.group(1) == "topic" else "board"
    return kind, found.group(2), int(found.group(3))


def topic_id(doc: Doc, url: str) -> str | None:
    """The topic a page shows: its canonical URL, its quick reply's `topic`, its own URL."""
    hidden = doc.attr("input", "value", name="topic")
    candidates = [doc.attr("link", "href", rel="canonical"), f"?topic={hidden}.0", url]
    for candidate in filter(None, candidates):
        found = locate(candidate)
        if found and found[0] == "thread":
            return found[1]
    return None


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A topic page: the topic (its first post the body, on page 1), then each reply."""
    if not isinstance(response, HtmlResponse):
        return
    doc = Doc(response.selector.root)
    now = capture_time(response)
    parts = [(o.comment_id, o) for o in own_parts(doc, SHAPE) if o.best("body") is not None]
    posts, errors = read_posts(parts, lambda own: _post(own, now), response.url)
    here = locate(response.url)
    key = topic_id(doc, response.url) if posts else None
    thread = _thread(doc, response.url, key, here) if key is not None else None
    yield from topic_items(response.url, here, thread, posts, errors)


def _thread(doc: Doc, url: str, key: str, here: tuple[str, str, int] | None) -> ForumThread:
    offsets = []
    for href in doc.root.xpath("//a/@href"):
        found = locate(absolute(url, href) or "")
        if found and found[:2] == ("thread", key):
            offsets.append(found[2])
    offset = here[2] if here and here[:2] == ("thread", key) else None
    canonical = doc.attr("link", "href", rel="canonical")
    heading = first("#top_subject", doc.root)
    title = clean_text(heading.text_content()) if heading is not None else None
    if title:  # "Topic: TITLE  (Read 11186 times)"
        title = re.sub(r"^Topic:\s*|\s*\(Read [\d,.]+ times\)$", "", title)
    return ForumThread(
        site=site_of(url),
        thread_id=key,
        url=url,
        page=page_number(offset, offsets),
        title=title or clean_text(" ".join(doc.texts("title"))),
        canonical_url=without_session(canonical) if canonical else None,
    )


def _post(own: Own, now: datetime) -> ForumPost:
    body = own.best("body")
    # the poster column's name: a profile link, or plain text for a guest's post
    author = own.best("author")
    if author is None:
        author = next(iter(own.top.xpath(".//h4")), None)
    date = own.best("date")
    edited = own.top.xpath(f".//*[@id='modified_{own.comment_id}']")
    return ForumPost(
        post_id=own.comment_id,
        author=clean_text(own.string(author)) if author is not None else None,
        posted=_date(own.string(date), now) if date is not None else None,
        body_html=markup(body),
        body_text=text_without(body, _QUOTES, _HEADERS),
        quotes=[_quote(q) for q in _QUOTES(body) if not _IN_QUOTE(q)],
        updated=_edited(edited[0].text_content(), now) if edited else None,
    )


def _date(text: str, now: datetime) -> str | None:
    """ "« Reply #3 on: September 19, 2007, 02:57:03 PM »", "« on: Today at 01:08:14 PM »"."""
    text = " ".join(text.split()).strip("«» ")
    return parse_site_date(text.split("on:", 1)[-1].strip(), now=now)


def _edited(text: str, now: datetime) -> str | None:
    found = _EDITED.search(" ".join(text.split()).strip("«» "))
    return parse_site_date(found.group(1), now=now) if found else None


def _quote(block: HtmlElement) -> ForumQuote:
    """A quote and its header: the quoted poster, the quoted post's `msgID`, the words."""
    cites = _CITE(block)
    header = cites[0] if cites else block.getprevious()
    if header is not None and header is not cites[:1] and not cites:
        header = header if "quoteheader" in (header.get("class") or "") else None
    line = " ".join(header.text_content().split()) if header is not None else ""
    links = header.xpath(".//a/@href") if header is not None else []
    found = next(filter(None, map(_MSG.search, links)), None)
    return ForumQuote(
        text_without(block, _QUOTES, _HEADERS, _CITE),
        quote_header(line) if line else None,
        found.group(1) if found else None,
    )
