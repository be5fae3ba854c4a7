"""Hacker News (news.ycombinator.com): stories and their comment threads, 2007 to today.

Markup quirks worked around here, by era:

- The thread is a flat list of table rows, one per comment: `tr.athing.comtr[id]`
  since mid-2015, a bare `<tr><td><table>` before. Every era puts a row's spacer
  (`td.ind`, or the first cell) and its body (`span.comment`, later
  `div.comment`) in one inner `tr`, so a comment is found from its body, never
  from row classes. The tree exists only as depths: `td.ind[indent]` (2022+) or
  the spacer image's width, 40 px a level (every era); parents are rebuilt with
  a stack. The `parent` link is read only where the depths cannot tell (a
  continuation page opening inside a subtree, the comment of a permalink page).
- Before 2015 a comment's id is in no attribute of its row: it is read from the
  vote arrow (`a#up_ID`), else its own `item?id=ID` link, else `reply?id=ID`. A
  deleted comment of that era shows an empty header and no id at all: it cannot
  be recorded, and its replies' parent stays unknown.
- Comment text is `span.commtext` (2019, 2023), `div.commtext` (2026), a bare
  `span.c00` (2018) or `span.comment > font[color]` (before 2015): the body is the
  comment element, unwrapped while it holds nothing but one such wrapper.
  Paragraphs are separated by `<p>` tags that are never closed, and the first
  paragraph has no tag at all.
- Quotes have no markup: a paragraph starting with ">", often inside `<i>`.
- `span.age[title]` is UTC without a zone ("2023-07-21T18:04:01"); 2026 pages add
  the epoch after it. Before 2022 there is no title: only "3 hours ago" (or "on
  Jan 3, 2013") as text, read relative to the capture time, so to the unit shown.
- The story: `table.fatitem` since 2016, the first table before; its title link
  is `span.titleline > a` (2022+), `a.storylink` (2016-2021) or the bare first
  link of `td.title`; its one `td.subtext` row tells an item page from a listing.
  A comment permalink page has no subtext: its comment heads the page, with an
  "on: <story>" link.
- Authors: `a.hnuser`, before 2016 any `a[href*=user?id=]`; new accounts' names
  are wrapped in `<font color=#3c963c>`, so names are read as the link's string.
- Long threads continue on `item?id=ID&p=N` ("More", `a.morelink`); in 2011-2013
  on `x?fnid=TOKEN` pages titled "more comments" with no story header, whose
  story is known only if a vote or reply link's `goto`/`whence` names it.
- A deleted comment loses its author and its body becomes "[deleted]"; dead and
  flagged ones show "[dead]" or "[flagged]" in the header (logged in) or as the
  whole body (logged out).
- Wayback Machine captures prefix every link with `web.archive.org/web/TS/`;
  links are unwrapped before they are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from archiver.extract.dates import capture_time, iso_or_none, parse_site_date
from archiver.extract.html import has_class
from archiver.extract.page import read_alone
from archiver.extract.text import clean_text, html_to_text, normalize_for_match
from archiver.extract.urls import original_url
from archiver.items import Article, Comment, Item, Quote
from archiver.platforms.hackernews import text as comment_text

SITE = "hackernews"
_COMMENT_COUNT = re.compile(r"(\d+)\s*comments?")
_MARKERS = ("deleted", "dead", "flagged")
# A row's age as text, where no span.age[title] gives the moment: "3 hours ago", "on Jan 3, 2013".
_AGE_TEXT = re.compile(
    r"\d+\s+(?:second|minute|hour|day|week|month|year)s?\s+ago"
    r"|\bon\s+[A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4}"
)
_SPACER_PX = 40  # the spacer image's width per level of depth


@dataclass(frozen=True)
class _Thread:
    story_id: str
    page: int
    story_text: str  # the story's own text, normalized, to tell its quotes from a comment's
    now: datetime  # the capture time, which relative ages count back from
    url: str  # the page's, for the row of a comment that cannot be read

    @classmethod
    def of(cls, response: TextResponse, story_id: str, first: int, story_text: str) -> _Thread:
        page = _page(response, first)
        return cls(story_id, page, story_text, capture_time(response), response.url)


@dataclass(frozen=True)
class _Row:
    """One comment's inner table row: spacer, vote arrow, header and body."""

    tr: Selector
    body: Selector  # the .comment element
    comment_id: str | None  # None for an old deleted comment, which shows no id
    depth: int


def parse_page(response: TextResponse) -> Iterator[Item]:
    """The story (or, on a comment permalink, a stub of it) and the comments of an item page."""
    rows = _rows(response)
    story = _story_rows(response)
    if story is not None:
        article = _story(response, *story)
        yield article
        text = normalize_for_match(article.body_text or "")
        yield from _comments(rows, _Thread.of(response, article.site_article_id, 1, text))
    elif not rows or sum(_story_link(row.tr) is not None for row in rows) > 1:
        return  # a listing of stories, or of comments each naming its own (newcomments)
    elif _heads_page(rows[0]):
        yield from _permalink(response, rows)
    else:  # a continuation page without its story header (2011-2013 "more comments")
        yield from _comments(rows, _Thread.of(response, _continued_story(response), 2, ""))


def _story_rows(response: TextResponse) -> tuple[Selector, Selector] | None:
    """The story's title row and subtext cell; None on a listing or a comment's own page."""
    subtexts = response.xpath(f"//td[{has_class('subtext')}]")
    if len(subtexts) != 1:  # none: no story header; several: a listing
        return None
    title_row = subtexts[0].xpath("parent::tr/preceding-sibling::tr[1]")
    return (title_row[0] if title_row else subtexts[0]), subtexts[0]


def _story(response: TextResponse, row: Selector, subtext: Selector) -> Article:
    story_id = _story_id(row, subtext) or _continued_story(response)
    title = row.xpath(
        f"(.//td[{has_class('title')}]//a[not(ancestor::span[{has_class('sitebit')}"
        f" or {has_class('comhead')}])])[1]"
    )
    body_html = comment_text.inner_html(_story_text(response, subtext)) or None
    return Article(
        site=SITE,
        site_article_id=story_id,
        url=response.url,
        title=clean_text(title.xpath("string()").get()),
        canonical_url=_resolve(response, response.css("link[rel=canonical]::attr(href)").get()),
        author=_author(subtext),
        published=_posted(subtext, capture_time(response)),
        body_html=body_html,
        body_text=html_to_text(body_html) if body_html else None,
        comment_count=_comment_count(subtext),
        link_url=_link_url(response, title.attrib.get("href"), story_id),
    )


def _story_id(row: Selector, subtext: Selector) -> str | None:
    """The story's id: its row's id (2015+), else its score, vote arrow or age link."""
    candidates = [
        row.attrib.get("id"),
        *subtext.xpath(".//span[starts-with(@id, 'score_')]/@id").getall(),
        *row.xpath(".//a[starts-with(@id, 'up_')]/@id").getall(),
    ]
    for candidate in candidates:
        if candidate and (found := _id_suffix(candidate)):
            return found
    return next(filter(None, map(_link_id, subtext.xpath(".//a/@href").getall())), None)


def _story_text(response: TextResponse, subtext: Selector) -> SelectorList:
    """An Ask HN story's text: div.toptext (2016+), else the cell under the subtext row."""
    toptext = response.xpath(f"//div[{has_class('toptext')}]")
    if toptext:
        return toptext[:1]
    cells = subtext.xpath("parent::tr/following-sibling::tr/td[last()][not(.//form)]")
    return SelectorList(cell for cell in cells if cell.xpath("normalize-space()").get())[:1]


def _permalink(response: TextResponse, rows: list[_Row]) -> Iterator[Item]:
    """A comment's own page: a stub of its story, the comment, then its replies."""
    head = rows[0]
    story_link = _story_link(head.tr)
    story_id = _link_id(story_link.attrib.get("href")) if story_link else None
    if story_id:
        yield Article(
            site=SITE,
            site_article_id=story_id,
            url=urljoin(original_url(response.url), f"item?id={story_id}"),
            title=clean_text(story_link.xpath("string()").get()),
            stub=True,
        )
    # The story text is not on this page, so every quote counts as a comment's.
    thread = _Thread.of(response, story_id or _continued_story(response), 1, "")
    if head.comment_id:
        yield from _comment_items(head, _nav_parent(head.tr, thread.story_id), 1, thread)
    yield from _comments(rows[1:], thread, root=head.comment_id, start=2)


def _heads_page(row: _Row) -> bool:
    """A comment heading its page (a permalink): in table.fatitem, or naming its story."""
    return bool(row.tr.xpath(f"ancestor::table[{has_class('fatitem')}]") or _story_link(row.tr))


def _story_link(tr: Selector) -> Selector | None:
    """The "on: <story>" link of a comment's header (never of its text, which may link an
    item after an "on:" of its own: "discussed before on: <link>")."""
    links = tr.xpath(
        f".//span[{has_class('comhead')}]//a[contains(@href, 'item?id=')]"
        "[preceding-sibling::node()[1][self::text()][contains(., 'on:')]]"
    )
    return links[0] if links else None


def _rows(response: TextResponse) -> list[_Row]:
    """Every comment row in page order, found from its body."""
    rows = []
    for body in response.xpath(f"//*[{has_class('comment')}]"):
        tr = body.xpath("ancestor::tr[1]")
        if not tr:
            continue
        athing = body.xpath(f"ancestor::tr[{has_class('athing')}][1]/@id").get()
        rows.append(_Row(tr[0], body, _row_id(tr[0], athing), _depth(tr[0])))
    return rows


def _row_id(tr: Selector, athing: str | None) -> str | None:
    """A comment's id: its row's id (2015+), else its vote arrow, own link or reply link."""
    if athing and athing.strip().isdigit():
        return athing.strip()
    arrows = tr.xpath(".//a[starts-with(@id, 'up_')]/@id | .//span[starts-with(@id, 'down_')]/@id")
    for arrow in arrows.getall():
        if found := _id_suffix(arrow):
            return found
    links = [
        *tr.xpath(f".//span[{has_class('comhead')}]//a[contains(@href, 'item?id=')]/@href"),
        *tr.xpath(".//a[contains(@href, 'reply?id=')]/@href"),
    ]
    return next(filter(None, (_link_id(link.get()) for link in links)), None)


def _depth(tr: Selector) -> int:
    """td.ind[indent] (2022+), else the spacer image's width in the row's first cell."""
    indent = (tr.xpath(f"td[{has_class('ind')}]/@indent").get() or "").strip()
    if indent.isdigit():
        return int(indent)
    width = (tr.xpath("td[1]//img/@width").get() or "").strip()
    return int(width) // _SPACER_PX if width.isdigit() else 0


def _comments(
    rows: list[_Row], thread: _Thread, root: str | None = None, start: int = 1
) -> Iterator[Item]:
    """Thread rows in page order; `root` is the parent of the rows at depth 0."""
    stack: list[str | None] = []  # stack[d]: the latest row seen at depth d
    index = start
    for row in rows:
        del stack[row.depth :]
        stack.extend([None] * (row.depth - len(stack)))
        parent = stack[row.depth - 1] if row.depth else root
        if parent is None and row.depth:  # its parent is on an earlier page, or shows no id
            parent = _nav_parent(row.tr, thread.story_id)
        stack.append(row.comment_id)
        if row.comment_id is None:
            continue
        read = partial(_comment_items, row, parent, index, thread)
        yield from read_alone(read, thread.url, f"comment {row.comment_id}")
        index += 1


def _comment_items(row: _Row, parent: str | None, index: int, thread: _Thread) -> Iterator[Item]:
    """One comment and the quotes it contains."""
    comment_id = row.comment_id
    assert comment_id is not None
    head = row.tr.xpath(f".//span[{has_class('comhead')}]")
    paragraphs = comment_text.paragraphs(comment_text.unwrapped(row.body))
    body_text = html_to_text("".join(p.html for p in paragraphs if not p.quote))
    moderation = _moderation(head, paragraphs)
    yield Comment(
        site=SITE,
        site_comment_id=comment_id,
        site_article_id=thread.story_id,
        author=_author(head),
        posted=_posted(head, thread.now),
        body_html="".join(p.html for p in paragraphs).strip(),
        body_text=body_text,
        parent_site_comment_id=parent,
        page=thread.page,
        index=index,
        deleted=moderation is not None,
        moderation=moderation,
    )
    texts = [comment_text.unquote(p.text) for p in paragraphs if p.quote]
    for ordinal, text in enumerate(filter(None, texts), 1):
        of_story = bool(thread.story_text) and normalize_for_match(text) in thread.story_text
        yield Quote(
            site=SITE,
            site_comment_id=comment_id,
            text=text,
            kind="article" if of_story else "comment",
            ordinal=ordinal,
        )


def _moderation(head: SelectorList, paragraphs: list[comment_text.Paragraph]) -> str | None:
    header = head.xpath("string()").get() or ""
    body = "".join(p.text for p in paragraphs).strip()
    for marker in _MARKERS:
        if f"[{marker}]" in header or body == f"[{marker}]":
            return marker
    return None


def _author(header: SelectorList | Selector) -> str | None:
    """The first user link's text: a new account's name sits in a <font> inside it."""
    links = header.xpath(f".//a[{has_class('hnuser')} or contains(@href, 'user?id=')]")
    for link in links:
        if name := clean_text(link.xpath("string()").get()):
            return name
    return None


def _posted(header: SelectorList | Selector, now: datetime) -> str | None:
    """span.age[title] (2022+), else the age the header prints, counted back from `now`."""
    title = (header.xpath(f".//span[{has_class('age')}]/@title").get() or "").split()
    if title and (moment := iso_or_none(title[0])):
        return moment
    # Text node by text node: a minified header runs the name into the age ("bob_24 hours ago").
    for text in header.xpath(".//text()").getall():
        if found := _AGE_TEXT.search(" ".join(text.split())):
            return parse_site_date(found[0], now=now)
    return None


def _nav_parent(tr: Selector, story_id: str) -> str | None:
    """The comment id behind a row's `parent` link; None when it points at the story."""
    href = tr.xpath(f".//span[{has_class('comhead')}]//a[normalize-space() = 'parent']/@href").get()
    parent = _link_id(href)
    return None if parent == story_id else parent


def _link_id(href: str | None) -> str | None:
    """The item a link names: "#ID" on thread pages, else its `id` parameter."""
    if not href:
        return None
    parts = urlsplit(original_url(href))
    if parts.fragment.isdigit():
        return parts.fragment
    ids = parse_qs(parts.query).get("id", [])
    return ids[0] if ids and ids[0].isdigit() else None


def _id_suffix(value: str) -> str | None:
    """The item id in an element id such as up_3084288 or score_3083797."""
    suffix = value.rpartition("_")[2].strip()
    return suffix if suffix.isdigit() else None


def _continued_story(response: TextResponse) -> str:
    """The story of a page without its header, by its URL or a vote/reply link's target.

    When the page names no story (2011-2013 `x?fnid=` pages), the page's own URL
    stands in for it, so its comments still keep their thread's order.
    """
    url = original_url(response.url)
    if urlsplit(url).path.endswith("/item") and (story := _link_id(url)):
        return story
    for href in response.xpath("//a[contains(@href, 'goto=') or contains(@href, 'whence=')]/@href"):
        query = parse_qs(urlsplit(original_url(href.get())).query)
        for target in (*query.get("goto", []), *query.get("whence", [])):
            if urlsplit(target).path.endswith("item") and (story := _link_id(target)):
                return story
    return url


def _comment_count(subtext: Selector) -> int | None:
    for label in subtext.xpath(".//a//text()").getall():
        if label.strip() == "discuss":
            return 0
        if found := _COMMENT_COUNT.fullmatch(label.strip()):
            return int(found[1])
    return None


def _link_url(response: TextResponse, href: str | None, story_id: str) -> str | None:
    """Where the story points; None for a self post (Ask HN) whose title links to itself."""
    url = _resolve(response, href)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.path.endswith("/item") and parse_qs(parts.query).get("id") == [story_id]:
        return None
    return url


def _resolve(response: TextResponse, href: str | None) -> str | None:
    """A link as the live site had it, absolute, also from a Wayback capture."""
    if not href or not href.strip():
        return None
    return urljoin(original_url(response.url), original_url(response.urljoin(href.strip())))


def _page(response: TextResponse, default: int) -> int:
    """The thread page number in the URL (`&p=N`), else `default`."""
    page = parse_qs(urlsplit(original_url(response.url)).query).get("p", [""])[0]
    return int(page) if page.isdigit() else default


def is_thread_page(response: TextResponse) -> bool:
    """A story's page or a continuation of its thread, as opposed to a listing."""
    return bool(_rows(response) or _story_rows(response))
