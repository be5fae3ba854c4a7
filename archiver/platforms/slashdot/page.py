"""Slashdot story pages of every era (2007-2025): a story with all the comments it carries.

Eras, as seen in the real pages of the corpus:
- 2007 "classic": story `div.article` ("Posted by X on Fri Jul 06, 2007 08:52 AM");
  `ul#commentlisting` holds full comments (`li#tree_CID.comment`) and, for the rest
  above the threshold, one-line stubs `li > a[href$="pid=PARENT#CID"]` followed by
  "by user (Score:1) Friday July 06, @08:58AM" (no body); comments below the
  threshold are only behind "N replies beneath your current threshold" links to
  `comments.pl?...threshold=-1...pid=CID`. No script data.
- 2008 early D2: the same story markup; full, oneline and hidden `li#tree_CID`; the
  thread's data in plain script variables `comments = {...}`, `discussion_id = N`,
  `more_comments_num = N` (comments the page lacks, fetched by AJAX).
- 2013-2025 D2: story `article[data-fhtype=story]`; the same comment markup; data in
  `D2.comments({...})`, `D2.discussion_id(N)`, `D2.more_comments_num(N)`.

The data blob (a JavaScript object literal: unquoted keys, `undefined` values) lists
every comment the page knows, hidden ones included: its `pid` (0 at top level) gives
the tree, `points` the score, `uid` the author's user id. It is read first; the HTML
markup fills in what it lacks (author, date, body) and stands in for it when there
is none or it cannot be read. A hidden comment shows no author: its `uid` is matched
with the name another comment by the same user shows.

Dates: "on Tuesday December 31, 2013 @09:50AM"; before ~2010 comments (and 2008
stories) print no year ("on Friday July 06, @08:55AM"): it is the year, next to the
story's, on which that date falls on the weekday printed. Times are read as US
Eastern: what anonymous readers were shown (the 2013 story id 13/12/31/1437227 was
made at 14:37 UTC and is printed "@09:37AM").

Quotes are `div.quote` without attribution; the moderation label after the score
("Score:5, Insightful") is kept as the comment's moderation note. A comment's
subject is not stored: the Comment item has no field for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from archiver.extract.dates import capture_time
from archiver.extract.text import clean_text, html_to_text, normalize_for_match
from archiver.items import Article, Comment, FetchError, Item, Quote
from archiver.platforms.slashdot.data import comment_data, discussion_id, more_comments
from archiver.platforms.slashdot.dates import site_date

SITE = "slashdot"
# Comment pages other than the story's own (comments.pl): numbered 2, so the
# store never takes their comments for page 1's (its vanished-comment check).
COMMENT_PAGE = 2

_SCORE = re.compile(r"Score:\s*(-?\d+)")
_MODERATION = re.compile(r"Score:\s*-?\d+\s*,\s*([^)]+)\)")
_USER_ID = re.compile(r"\s*\(\s*\d+\s*\)\s*$")  # "vigmeister (1112659)"
_STUB_HREF = re.compile(r"[?&]pid=(\d+)#(\d+)$")
_STORY_DATE_IN_URL = re.compile(r"(?:/|sid=)(\d{2})/(\d{2})/(\d{2})/\d+")


@dataclass
class _Entry:
    """One comment as the page's sources tell it: data blob first, then the markup."""

    cid: str
    node: Selector | None = None  # li#tree_CID
    stub: Selector | None = None  # a classic one-line link
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Thread:
    article_id: str
    story_text: str  # the story's text, normalized, to tell its quotes from a comment's
    names: dict[str, str]  # author name by user id
    reference: date  # the story's day: the year of dates printed without one
    page: int


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A story page yields its story, then every comment it carries with its quotes.

    A comments.pl page (a subtree, or the classic view) yields a stub of its story
    and its comments. If reading the comments fails, the story is still yielded,
    followed by a parse_error.
    """
    discussion = discussion_id(response.text)
    listing = response.css("ul#commentlisting")
    story = _story(response, discussion)
    if story is None and not (listing and discussion):
        return  # a listing page: the spider follows its links
    if story is None:
        story = _story_stub(response, discussion or "")
    yield story
    try:
        comments = list(_comments(response, story))
    except Exception as error:  # noqa: BLE001 - the story is read; say what failed, go on
        yield FetchError(response.url, "parse_error", f"comments: {type(error).__name__}: {error}")
        return
    yield from comments


def further_comment_pages(response: TextResponse) -> list[str]:
    """Pages holding comments this page does not: ranked by the page's era.

    Without a data blob (classic), comments below the threshold are only behind
    "N replies beneath your current threshold" links. A D2 page lists hidden ones
    in its data, so those links add nothing; but when it says comments are missing
    (more_comments_num) its classic view's link, if it has one, lists them.
    """
    listing = response.css("ul#commentlisting")
    if not comment_data(response.text):
        hrefs = listing.xpath(".//li/b/a[contains(@href, 'threshold=-1')]/@href").getall()
    elif more_comments(response.text):
        hrefs = response.css("a[href*='no_d2=1']::attr(href)").getall()
    else:
        hrefs = []
    return list(dict.fromkeys(response.urljoin(h) for h in hrefs))


def _story(response: TextResponse, discussion: str | None) -> Article | None:
    """The story, in D2 `article` markup or the classic `div.article`; None on other pages."""
    d2 = response.css("article[data-fhtype='story']")
    classic = response.css("div.article")
    if d2 and discussion:
        story = d2[0]
        title = story.css(".story span[id^='title-'] > a")
        body = story.css("div.body div.p")
        byline = story.css("header .story-byline, header div.details")[:1]
        posted = (
            story.css("header time::attr(datetime)").get() or story.css("header time::text").get()
        )
    elif classic and discussion:
        story = classic[0]
        title = story.css("div.title h3")
        body = story.css("div.body div.intro")
        byline = story.css("div.details")[:1]
        posted = byline.xpath("string()").get()
    else:
        return None
    reference = _story_day(response)
    return Article(
        site=SITE,
        site_article_id=discussion,
        url=response.url,
        canonical_url=response.css('link[rel="canonical"]::attr(href)').get(),
        title=clean_text(title[:1].xpath("string()").get()),
        author=_byline_author(byline),
        published=site_date(posted, reference or capture_time(response).date()),
        body_html=body[:1].get(),
        body_text=html_to_text(body[0]) if body else None,
        tags=story.css("span.topic img::attr(alt), div.topic img::attr(alt)").getall(),
        comment_count=_comment_count(response),
    )


def _story_stub(response: TextResponse, discussion: str) -> Article:
    """A comments.pl page's story: known by its discussion id and its title link."""
    title = response.css(".escape-link a, div.commentBox > a[href*='sid=']")[:1]
    return Article(
        site=SITE,
        site_article_id=discussion,
        url=response.url,
        title=clean_text(title.xpath("string()").get()),
        comment_count=_comment_count(response),
        stub=True,
    )


def _byline_author(byline: SelectorList) -> str | None:
    """The byline's name: "Posted by <a>name</a>", or plain text (2024)."""
    linked = byline.xpath(".//a[not(ancestor::span[@class='dept-text'])]").xpath("string()")
    if linked:
        return clean_text(linked.get())
    text = " ".join(byline.xpath(".//text()[not(ancestor::time)]").getall())
    found = re.search(r"Posted\s+by\s+(.+?)\s+(?:on\s|from\s|$)", " ".join(text.split()) + " ")
    return clean_text(found.group(1)) if found else None


def _comment_count(response: TextResponse) -> int | None:
    """The total the page prints: `span.totalcommentcnt`, or classic "<b>509</b> comments"."""
    shown = response.css("span.totalcommentcnt::text").get()
    if not shown:
        shown = response.xpath(
            "//div[@class='commentBox']/b[following-sibling::text()[1][starts-with("
            "normalize-space(), 'comments')]]/text()"
        ).get()
    return int(shown) if shown and shown.strip().isdigit() else None


def _story_day(response: TextResponse) -> date | None:
    """The story's day from its URL (/07/07/06/1333257.shtml, article.pl?sid=07/07/06/...)."""
    sources = [response.url, response.css('link[rel="canonical"]::attr(href)').get() or ""]
    sources += response.css("a[href*='article.pl?sid=']::attr(href)").getall()[:1]
    for source in sources:
        found = _STORY_DATE_IN_URL.search(source)
        if found:
            year, month, day = (int(g) for g in found.groups())
            try:
                return date(2000 + year, month, day)
            except ValueError:
                continue
    return None


def _comments(response: TextResponse, story: Article) -> Iterator[Item]:
    """Every comment of the page, in page order; data-only ones (no markup) after."""
    entries = _entries(response)
    thread = _Thread(
        article_id=story.site_article_id,
        story_text=normalize_for_match(story.body_text or ""),
        names=_names_by_uid(entries),
        reference=_story_day(response) or capture_time(response).date(),
        page=COMMENT_PAGE if story.stub else 1,
    )
    for index, entry in enumerate(entries, start=1):
        yield from _comment(entry, index, thread)


def _entries(response: TextResponse) -> list[_Entry]:
    """The comments' sources joined by id: markup in document order, then the data blob's rest."""
    data = comment_data(response.text)
    entries: dict[str, _Entry] = {}
    listing = response.css("ul#commentlisting")
    marked = listing.xpath(".//li[starts-with(@id, 'tree_')] | .//li/a[contains(@href, 'pid=')]")
    for element in marked:
        if element.root.tag == "li":
            cid = (element.attrib.get("id") or "").removeprefix("tree_")
            kind = "node"
        else:
            stub = _STUB_HREF.search(element.attrib.get("href") or "")
            if not stub or element.xpath("preceding-sibling::*"):
                continue  # not a one-line comment: a link inside some other item
            cid, kind = stub.group(2), "stub"
        if not cid.isdigit():
            continue
        entry = entries.setdefault(cid, _Entry(cid, data=data.get(cid, {})))
        if kind == "node" and entry.node is None:
            entry.node = element
        elif kind == "stub" and entry.stub is None:
            entry.stub = element
    for cid, values in data.items():
        entries.setdefault(cid, _Entry(cid, data=values))
    return list(entries.values())


def _comment(entry: _Entry, index: int, thread: _Thread) -> Iterator[Item]:
    """One comment (full, oneline, hidden, stub or data only) and the quotes in its body."""
    cid, node = entry.cid, entry.node
    body = node.css(f"#comment_body_{cid}") if node is not None else SelectorList([])
    stub_line = _stub_line(entry.stub)
    score_label = stub_line
    if node is not None:
        score_label = node.css(f"#comment_score_{cid}").xpath("string()").get() or ""
    moderation = _MODERATION.search(score_label)
    details = (
        node.css(f"#comment_otherdetails_{cid}").xpath("string()").get()
        if node is not None
        else None
    )
    yield Comment(
        site=SITE,
        site_comment_id=cid,
        site_article_id=thread.article_id,
        author=_author(entry) or thread.names.get(str(entry.data.get("uid"))),
        posted=site_date(details or stub_line, thread.reference),
        body_html=body.get() or "",
        body_text=_text_without_quotes(body),
        parent_site_comment_id=_parent(entry),
        page=thread.page,
        index=index,
        score=_score(entry.data.get("points"), score_label),
        moderation=moderation.group(1).strip() if moderation else None,
    )
    quotes = [html_to_text(q) for q in body.css("div.quote")]
    for ordinal, text in enumerate(filter(None, quotes), start=1):
        of_story = bool(thread.story_text) and normalize_for_match(text) in thread.story_text
        yield Quote(SITE, cid, text, "article" if of_story else "comment", ordinal=ordinal)


def _stub_line(stub: Selector | None) -> str:
    """The text after a one-line comment's link: " by user (Score:1) Friday July 06, @08:58AM"."""
    if stub is None:
        return ""
    return " ".join(" ".join(stub.xpath("following-sibling::text()[1]").getall()).split())


def _parent(entry: _Entry) -> str | None:
    """The data's pid, else the stub link's pid=, the "Parent" link, or the enclosing list."""
    parent = entry.data.get("pid")
    if parent is None and entry.stub is not None:
        found = _STUB_HREF.search(entry.stub.attrib.get("href") or "")
        parent = found.group(1) if found else None
    if parent is None and entry.node is not None:
        own = entry.node.css(f"#comment_{entry.cid}")
        link = own.xpath(".//a[normalize-space() = 'Parent']/@href").get()
        cid = parse_qs(urlsplit(link or "").query).get("cid", [None])[0]
        enclosing = entry.node.xpath("ancestor::ul[starts-with(@id, 'commtree_')][1]/@id").get()
        parent = cid or (enclosing or "").removeprefix("commtree_") or None
    parent = str(parent) if parent is not None else ""
    return parent if parent.isdigit() and parent != "0" else None


def _score(points: Any, label: str) -> int | None:  # noqa: ANN401 - any JSON value
    if isinstance(points, int) and not isinstance(points, bool):
        return points
    found = _SCORE.search(label)
    return int(found.group(1)) if found else None


def _author(entry: _Entry) -> str | None:
    """The name after "by": a user link (without its "(uid)"), or plain text (Anonymous Coward)."""
    if entry.node is not None:
        top = entry.node.css(f"#comment_top_{entry.cid}")
        by = top.css("span.by")
        if by:
            linked = by.xpath("./a[1]").xpath("string()").get()
            return clean_text(linked or "".join(by.xpath("./text()").getall()))
        details = top.css("div.details")
        if details:
            linked = details.xpath("./a[1]").xpath("string()").get()
            plain = " ".join(details.xpath("./text()").getall()).strip()
            name = linked or re.sub(r"^by\s+", "", " ".join(plain.split()))
            return clean_text(_USER_ID.sub("", name))
    found = re.match(r"by\s+(.+?)\s+\(Score:", _stub_line(entry.stub))
    return clean_text(found.group(1)) if found else None


def _names_by_uid(entries: list[_Entry]) -> dict[str, str]:
    """User id -> name, from the comments that show their author."""
    names: dict[str, str] = {}
    for entry in entries:
        name = _author(entry)
        uid = entry.data.get("uid")
        if name and uid is not None:
            names.setdefault(str(uid), name)
    return names


def _text_without_quotes(body: SelectorList) -> str:
    if not body:
        return ""
    kept = body.xpath("node()[not(self::div[contains(@class, 'quote')])]").getall()
    return html_to_text("".join(kept))
