"""Hacker News (news.ycombinator.com): stories and their comment threads.

Markup quirks worked around here:

- The thread is a flat table, one `tr.athing.comtr` per comment; the tree exists
  only as `td.ind[indent]` depths, so parents are rebuilt with a stack. The
  `parent` link in `span.navs` is read only where the indents cannot tell (a
  continuation page opening inside a subtree, the comment of a permalink page).
- Comment text is `span.commtext` (2023) or `div.commtext` (2026). Paragraphs are
  separated by `<p>` tags that 2026 pages never close, and the first paragraph
  has no tag at all.
- Quotes have no markup: a paragraph starting with ">", often inside `<i>`.
- `span.age[title]` is UTC without a zone ("2023-07-21T18:04:01"); 2026 pages add
  the epoch after it ("2026-05-31T22:59:50 1780268390").
- The 2023 story row lacks the `submission` class. A comment permalink page puts
  the comment itself in `table.fatitem`, with an "on: <story>" link.
- A deleted comment loses its author and its body becomes "[deleted]"; dead and
  flagged ones show "[dead]" or "[flagged]" in the header (logged in) or as the
  whole body (logged out).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import parse_iso
from archiver.extract.text import html_to_text, normalize_for_match
from archiver.items import Article, Comment, Item, Quote

SITE = "hackernews"
_COMMENT_COUNT = re.compile(r"(\d+)\s*comments?")
_QUOTE_MARK = re.compile(r"^\s*>", re.MULTILINE)
_MARKERS = ("deleted", "dead", "flagged")
# Inline nodes between these elements form one paragraph; HN emits only <p> and <pre>.
_BLOCKS = {"p", "pre", "div", "blockquote", "ul", "ol"}


@dataclass(frozen=True)
class _Thread:
    story_id: str
    page: int
    story_text: str  # the story's own text, normalized, to tell its quotes from a comment's


class _Paragraph(NamedTuple):
    html: str
    text: str
    quote: bool


def parse_page(response: TextResponse) -> Iterator[Item]:
    """The story (or, on a comment permalink, a stub of it) and the comments of an item page."""
    fat = response.css("table.fatitem tr.athing")
    if not fat:
        return  # a listing page: the spider follows its links
    if fat[0].css("span.titleline"):
        story = _story(response, fat[0])
        yield story
        thread = _Thread(story.site_article_id, _page(response), _normalized(story.body_text))
        yield from _comments(response.css("tr.athing.comtr"), thread, root=None)
    else:
        yield from _permalink(response, fat[0])


def _story(response: TextResponse, row: Selector) -> Article:
    story_id = row.attrib["id"]
    subtext = response.css("table.fatitem td.subtext")
    title = row.css("span.titleline > a")
    body_html = _inner_html(response.css("table.fatitem div.toptext")) or None
    return Article(
        site=SITE,
        site_article_id=story_id,
        url=response.url,
        title=title.xpath("string()").get(),
        canonical_url=_absolute(response, response.css("link[rel=canonical]::attr(href)").get()),
        author=subtext.css("a.hnuser::text").get(),
        published=_age(subtext),
        body_html=body_html,
        body_text=html_to_text(body_html) if body_html else None,
        comment_count=_comment_count(subtext),
        link_url=_link_url(response, title.attrib.get("href"), story_id),
    )


def _permalink(response: TextResponse, row: Selector) -> Iterator[Item]:
    """A comment's own page: a stub of its story, the comment, then its replies."""
    story_link = row.css("span.onstory a")
    story_id = _link_id(story_link.attrib["href"])
    yield Article(
        site=SITE,
        site_article_id=story_id,
        url=response.urljoin(f"item?id={story_id}"),
        title=story_link.xpath("string()").get(),
        stub=True,
    )
    # The story text is not on this page, so every quote counts as a comment's.
    thread = _Thread(story_id, _page(response), story_text="")
    yield from _comment_items(row, _nav_parent(row, story_id), 1, thread)
    yield from _comments(response.css("tr.athing.comtr"), thread, root=row.attrib["id"], start=2)


def _comments(
    rows: SelectorList, thread: _Thread, root: str | None, start: int = 1
) -> Iterator[Item]:
    """Thread rows in page order; `root` is the parent of the rows at depth 0."""
    stack: list[str | None] = []  # stack[d]: the latest row seen at depth d
    for index, row in enumerate(rows, start):
        depth = int(row.css("td.ind::attr(indent)").get() or 0)
        del stack[depth:]
        stack.extend([None] * (depth - len(stack)))
        parent = stack[depth - 1] if depth else root
        if parent is None and depth:  # its parent is on an earlier page
            parent = _nav_parent(row, thread.story_id)
        stack.append(row.attrib["id"])
        yield from _comment_items(row, parent, index, thread)


def _comment_items(
    row: Selector, parent: str | None, index: int, thread: _Thread
) -> Iterator[Item]:
    """One comment and the quotes it contains."""
    comment_id = row.attrib["id"]
    head = row.css("span.comhead")
    paragraphs = _paragraphs(_comment_body(row))
    body_text = html_to_text("".join(p.html for p in paragraphs if not p.quote))
    moderation = _moderation(head, paragraphs)
    yield Comment(
        site=SITE,
        site_comment_id=comment_id,
        site_article_id=thread.story_id,
        author=head.css("a.hnuser::text").get(),
        posted=_age(head),
        body_html="".join(p.html for p in paragraphs).strip(),
        body_text=body_text,
        parent_site_comment_id=parent,
        page=thread.page,
        index=index,
        deleted=moderation is not None,
        moderation=moderation,
    )
    texts = [_unquote(p.text) for p in paragraphs if p.quote]
    for ordinal, text in enumerate(filter(None, texts), 1):
        of_story = bool(thread.story_text) and normalize_for_match(text) in thread.story_text
        yield Quote(
            site=SITE,
            site_comment_id=comment_id,
            text=text,
            kind="article" if of_story else "comment",
            ordinal=ordinal,
        )


def _comment_body(row: Selector) -> SelectorList:
    # Deleted and logged-out flagged comments have no commtext, only the bare marker.
    return row.css("div.comment > .commtext") or row.css("div.comment")


def _paragraphs(body: SelectorList) -> list[_Paragraph]:
    """The body's paragraphs: each block element, and each run of inline nodes between them."""
    paragraphs: list[_Paragraph] = []
    run: list[Selector] = []
    # Older pages nest the "reply" link inside the comment text.
    for node in body.xpath("node()[not(self::div[contains(@class, 'reply')])]"):
        if _is_text(node) or node.root.tag not in _BLOCKS:
            run.append(node)
            continue
        if run:
            paragraphs.append(_paragraph(run))
            run = []
        paragraphs.append(_paragraph([node]))
    if run:
        paragraphs.append(_paragraph(run))
    return paragraphs


def _paragraph(nodes: list[Selector]) -> _Paragraph:
    html = "".join(_node_html(node) for node in nodes)
    text = "".join(node.root if _is_text(node) else node.xpath("string()").get() for node in nodes)
    code = not _is_text(nodes[0]) and nodes[0].root.tag == "pre"  # "> " there is a prompt
    return _Paragraph(html, text, quote=not code and text.lstrip().startswith(">"))


def _is_text(node: Selector) -> bool:
    return isinstance(node.root, str)


def _node_html(node: Selector) -> str:
    # parsel hands text nodes back unescaped; escape them again to keep valid HTML.
    return escape(node.get(), quote=False) if _is_text(node) else node.get()


def _inner_html(element: SelectorList) -> str:
    return "".join(_node_html(node) for node in element.xpath("node()")).strip()


def _unquote(text: str) -> str:
    """Quoted text without its ">" marks; a multi-line quote has one mark per line."""
    return " ".join(_QUOTE_MARK.sub("", text).split())


def _moderation(head: SelectorList, paragraphs: list[_Paragraph]) -> str | None:
    header = head.xpath("string()").get() or ""
    body = "".join(p.text for p in paragraphs).strip()
    for marker in _MARKERS:
        if f"[{marker}]" in header or body == f"[{marker}]":
            return marker
    return None


def _nav_parent(row: Selector, story_id: str) -> str | None:
    """The comment id behind a row's `parent` link; None when it points at the story."""
    href = row.xpath(".//span[@class='navs']/a[normalize-space()='parent']/@href").get()
    parent = _link_id(href) if href else None
    return None if parent == story_id else parent


def _link_id(href: str) -> str:
    # Thread pages link "#ID" (or "item?id=STORY#ID"); permalink pages link "item?id=ID".
    parts = urlsplit(href)
    return parts.fragment or parse_qs(parts.query)["id"][0]


def _age(container: SelectorList) -> str | None:
    title = container.css("span.age::attr(title)").get()
    return parse_iso(title.split()[0]) if title else None


def _comment_count(subtext: SelectorList) -> int | None:
    for label in subtext.css("a::text").getall():
        if label.strip() == "discuss":
            return 0
        if found := _COMMENT_COUNT.fullmatch(label.strip()):
            return int(found[1])
    return None


def _link_url(response: TextResponse, href: str | None, story_id: str) -> str | None:
    """Where the story points; None for a self post (Ask HN) whose title links to itself."""
    if not href:
        return None
    url = response.urljoin(href)
    parts = urlsplit(url)
    if parts.path.endswith("/item") and parse_qs(parts.query).get("id") == [story_id]:
        return None
    return url


def _absolute(response: TextResponse, href: str | None) -> str | None:
    return response.urljoin(href) if href else None


def _page(response: TextResponse) -> int:
    return int(parse_qs(urlsplit(response.url).query).get("p", ["1"])[0])


def _normalized(text: str | None) -> str:
    return normalize_for_match(text) if text else ""


class HackernewsSpider(NewsSpider):
    name = "hackernews"
    default_urls = ["https://news.ycombinator.com/news"]
    # The comments link of each story (also "discuss"); the age link sits inside span.age.
    article_links = "span.subline > a[href*='item?id=']::attr(href)"
    # One "More" link serves both a listing's next page and a long thread's item?id=ID&p=2.
    next_listing = "a.morelink::attr(href)"
    comment_pages = None  # already followed through next_listing
    parse_page = staticmethod(parse_page)
