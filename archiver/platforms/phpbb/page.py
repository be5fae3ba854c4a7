"""A phpBB topic page: phpBB 3 (prosilver and its descendants) and phpBB 2 (subSilver tables).

Markup read (phpBB 3.0 and 2 as in the shared corpus; 3.1+ from its templates):
- phpBB 3: a post is `div#pID.post`; its author `.author strong` (3.1+ `.author
  a.username`), its date the `.author` line's text ("by X » Wed Jan 02, 2013 7:14 pm";
  3.1+ `time[datetime]`), its body `div.content`; a quote is a `blockquote` whose `cite`
  names the poster ("X wrote:"; 3.1+ links the quoted post: `blockquote[cite$="p=ID"]`);
- phpBB 2: each post is a table row holding `span.name > a[name=ID]` (the post id, also
  as an `id` in some templates), the "Posted: <date>" line after the post's `p=ID`
  link, and `.postbody`; a quote is a table: a "X wrote:" row above `td.quote`;
- the topic id is the `t=` of the page's own search form, reply link or title link;
  pages are `viewtopic.php?t=ID&start=N`; "View next topic" (`view=next`), post
  permalinks (`p=ID`) and actions are other URLs, never followed;
- dates print in the board's zone, which the footer may give ("All times are UTC + 1
  hour", 3.1+ `UTC+01:00` titled with a zone name); else UTC.
Old boards serve ISO-8859-1 (phpBB 2's default): the page decodes by its header, else
its `<meta>` charset, as a browser does (`archiver.extract.responses`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from lxml import etree
from lxml.html import HtmlElement
from scrapy.http import HtmlResponse, TextResponse

from archiver.extract.dates import capture_time, iso_or_none, page_languages, parse_site_date
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
    top_level,
    topic_items,
)

SHAPE = Shape(
    comment_id=re.compile(r"^p(\d+)$"),
    permalink="#p",
    slots=Slots(
        Slot("author", (".author a.username", ".author a.username-coloured", ".author strong")),
        Slot("date", ("time", ".author p.author", "div.author", "p.author")),
        Slot("body", ("div.content",)),
    ),
)
# Query keys a plain topic page may carry; any other (view=next, p=, mode=, watch=) is
# another page or an action.
_TOPIC_KEYS = frozenset({"t", "f", "start", "sid", "postdays", "postorder", "highlight", "hilit"})
_FORUM_KEYS = frozenset({"f", "start", "sid", "topicdays", "st", "sk", "sd"})
_QUOTES = etree.XPath(".//blockquote | .//table[.//td[@class='quote']]")
_IN_QUOTE = etree.XPath("boolean(ancestor::blockquote or ancestor::td[@class='quote'])")
# A code box's "Code: Select all" title: the board's button, not what the poster wrote.
_CHROME = etree.XPath(f".//dl[{has_class('codebox')}]/dt")
_CITES = etree.XPath("./div/cite | ./cite")
_TOPIC_LINKS = etree.XPath(
    "//a[contains(@href, 'mode=reply')]/@href | //a[@class='maintitle']/@href"
    " | //*[@class='maintitle']/a/@href | //h2/a[contains(@href, 'viewtopic')]/@href"
    " | //link[contains(@href, 'feed.php') and contains(@href, 't=')]/@href"
)
# The topic's title, best first: phpBB 2's title link (its `span.maintitle` is the board's
# name), then phpBB 3's heading.
_TITLES = ("a.maintitle", ".maintitle a", "h2.topic-title", "h2")
_POST_ID = re.compile(r"[?&;]p=(\d+)")
_COUNT = re.compile(r"(\d[\d,.]*)\s+posts?\b", re.IGNORECASE)
_ZONE_NAME = etree.XPath(
    "//*[contains(., 'All times are')]/descendant-or-self::*[@title][1]/@title"
)
_ALL_TIMES = re.compile(
    r"All times are\s+(?:UTC|GMT)\s*(?:(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::00)?(?:\s*hours?)?)?",
    re.IGNORECASE,
)
_WROTE = re.compile(r"\s+(?:wrote|schrieb|a écrit|escribió|ha scritto)\s*:?\s*$", re.IGNORECASE)


def locate(url: str) -> tuple[str, str, int] | None:
    """("thread", topic id, start) for viewtopic.php?t=ID&start=N; ("forum", …) for viewforum."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    page = parts.path.rsplit("/", 1)[-1]
    for name, kind, keys, key in (
        ("viewtopic.php", "thread", _TOPIC_KEYS, "t"),
        ("viewforum.php", "forum", _FORUM_KEYS, "f"),
    ):
        if page != name or not set(query) <= keys or not query.get(key, [""])[0].isdigit():
            continue
        if query.get("postorder", ["asc"])[0] != "asc":
            return None  # newest first: the same posts on other pages
        start = query.get("start", ["0"])[0]
        return kind, query[key][0], int(start) if start.isdigit() else 0
    return None


def topic_id(doc: Doc, url: str) -> str | None:
    """The topic a page shows: its search form's `t`, its reply, title or feed link, its URL;
    None on a forum listing (`viewforum.php`), whose topic links name many."""
    here = locate(url)
    if here is not None and here[0] == "forum":
        return None
    hidden = doc.attr("input", "value", name="t")
    if hidden and hidden.isdigit():
        return hidden
    for href in [*_TOPIC_LINKS(doc.root), url]:
        found = parse_qs(urlsplit(href).query).get("t", [""])[0]
        if found.isdigit():
            return found
    return None


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A topic page: the topic (its first post the body, on page 1), then each reply."""
    if not isinstance(response, HtmlResponse):
        return
    doc = Doc(response.selector.root)
    dates = _Dates(capture_time(response), _board_zone(doc), _languages(doc))
    parts = [(o.comment_id, o) for o in own_parts(doc, SHAPE) if o.best("body") is not None]
    if parts:
        posts, errors = read_posts(parts, lambda own: _post(own, dates), response.url)
    else:  # phpBB 2's table rows
        rows = _old_rows(doc)
        posts, errors = read_posts(rows, lambda row: _old_post(row, dates), response.url)
    here = locate(response.url)
    key = topic_id(doc, response.url) if posts else None
    thread = _thread(doc, response.url, key, here) if key is not None else None
    yield from topic_items(response.url, here, thread, posts, errors)


def _thread(doc: Doc, url: str, key: str, here: tuple[str, str, int] | None) -> ForumThread:
    offset = here[2] if here and here[0] == "thread" else None
    offsets = []
    for href in doc.root.xpath("//a/@href"):
        found = locate(absolute(url, href) or "")
        if found and found[:2] == ("thread", key):
            offsets.append(found[2])
    paging = first(".pagination, .paging", doc.root)
    counted = _COUNT.search(" ".join(paging.itertext())) if paging is not None else None
    headings = (first(selector, doc.root) for selector in _TITLES)
    heading = next((h for h in headings if h is not None), None)
    return ForumThread(
        site=site_of(url),
        thread_id=key,
        url=url,
        page=page_number(offset, offsets),
        title=clean_text(heading.text_content()) if heading is not None else _title(doc),
        comment_count=int(re.sub(r"\D", "", counted.group(1))) - 1 if counted else None,
    )


def _title(doc: Doc) -> str | None:
    """The page title less the board's name: "Board :: View topic - Title"."""
    title = clean_text(" ".join(doc.texts("title"))) or ""
    return clean_text(re.split(r"View topic\s*-\s*", title, maxsplit=1)[-1]) or None


@dataclass(frozen=True)
class _Dates:
    """How the page's dates read: the capture time, the board's zone, the page's languages."""

    now: datetime
    zone: str
    languages: tuple[str, ...]


def _post(own: Own, dates: _Dates) -> ForumPost:
    body = own.best("body")
    author = own.best("author")
    return ForumPost(
        post_id=own.comment_id,
        author=clean_text(own.string(author)) if author is not None else None,
        posted=_date(own.best("date"), dates),
        body_html=markup(body),
        body_text=text_without(body, _QUOTES, _CHROME),
        quotes=[_quote(q) for q in top_level(_QUOTES(body), _IN_QUOTE)],
    )


def _date(place: HtmlElement | None, dates: _Dates) -> str | None:
    if place is None:
        return None
    machine = iso_or_none(place.get("datetime"))
    if machine:
        return machine
    text = " ".join(place.text_content().split())
    text = text.rsplit("»", 1)[-1].split("Post subject:", 1)[0]  # "by X » date"
    text = text.replace("Posted:", "")
    return parse_site_date(text, now=dates.now, tz=dates.zone, languages=dates.languages)


def _quote(block: HtmlElement) -> ForumQuote:
    """A blockquote (phpBB 3) or quote table (phpBB 2): its poster, its post, its words."""
    if block.tag == "table":
        words = block.xpath(".//td[@class='quote']")[0]
        header = " ".join(block.xpath("string(.//tr[1])").split())
        return ForumQuote(text_without(words, _QUOTES), _poster(header), None)
    cites = _CITES(block)
    header = " ".join(cites[0].text_content().split()) if cites else ""
    member = cites[0].xpath(".//a[contains(@href, 'viewprofile')]") if cites else []
    author = clean_text(member[0].text_content()) if member else _poster(header)
    linked = [block.get("cite") or "", *(cites[0].xpath(".//a/@href") if cites else [])]
    ids = [cites[0].xpath("string(.//a/@data-post-id)")] if cites else []
    ids += [m.group(1) for m in map(_POST_ID.search, linked) if m]
    return ForumQuote(
        text_without(block, _QUOTES, _CITES, _CHROME), author, next(filter(None, ids), None)
    )


def _poster(header: str) -> str | None:
    """ "X wrote:" (or another language's verb) is X; a bare "Quote:" names nobody."""
    name = quote_header(header) or clean_text(_WROTE.sub("", header))
    return name if name and header != name and name.casefold() not in ("quote", "zitat") else None


def _old_rows(doc: Doc) -> list[tuple[str, HtmlElement]]:
    """phpBB 2's posts: (post id, the table row around its `span.name > a[name]` anchor)."""
    rows = []
    for anchor in doc.root.xpath("//span[@class='name']/a[@name or @id]"):
        post_id = anchor.get("name") or anchor.get("id") or ""
        row = anchor.xpath("ancestor::tr[1]")
        if post_id.isdigit() and row and row[0].xpath(".//*[@class='postbody']"):
            rows.append((post_id, row[0]))
    return rows


def _old_post(row: HtmlElement, dates: _Dates) -> ForumPost:
    anchor = row.xpath(".//span[@class='name']/a[@name or @id]")[0]
    post_id = anchor.get("name") or anchor.get("id")
    body = row.xpath(".//*[@class='postbody']")[0]
    link = row.xpath(f".//a[contains(@href, 'p={post_id}')]")  # "Posted:" follows it
    return ForumPost(
        post_id=post_id,
        author=clean_text(anchor.getparent().text_content()),
        posted=_date(link[0].getparent() if link else None, dates),
        body_html=markup(body),
        body_text=text_without(body, _QUOTES, _CHROME),
        quotes=[_quote(q) for q in top_level(_QUOTES(body), _IN_QUOTE)],
    )


def _languages(doc: Doc) -> tuple[str, ...]:
    return page_languages(doc.root.get("lang") or doc.root.get("xml:lang"))


def _board_zone(doc: Doc) -> str:
    """The zone the board prints its dates in, as its footer says; else UTC."""
    named = _ZONE_NAME(doc.root)
    if named and "/" in named[0]:
        return named[0]
    footer = " ".join(doc.root.xpath("//*[contains(text(), 'All times are')]/text()"))
    found = _ALL_TIMES.search(" ".join(footer.split()))
    if not found or not found.group("hours") or int(found.group("hours")) == 0:
        return "UTC"
    # Etc/GMT zones count the other way: UTC+1 is Etc/GMT-1.
    sign = "-" if found.group("sign") == "+" else "+"
    return f"Etc/GMT{sign}{int(found.group('hours'))}"
