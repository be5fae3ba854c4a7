"""Any WordPress site, from its root URL (or one post's URL): posts and all their comment pages.

Markup this parser reads (each seen in the real pages of the shared corpus):
- core comment walker: `li#comment-ID > article#div-comment-ID` (HTML5) or
  `> div#div-comment-ID` (old markup, body loose in `div.comment-body`), replies
  nested in `ol/ul.children`; themes with `li#li-comment-ID > article#comment-ID`;
  old themes with a bare `li#comment-ID` signed by `<cite>Comment by X — date</cite>`;
  the Epoch plugin's nested `div#comment-ID[data-comment-id]`.
- a comment id may be repeated on an inner element (Epoch's "Report" span): the
  outermost element carrying it is the comment, and nesting gives the parent.
- "recent comments" widgets reuse the same markup for other posts' comments: a
  comment whose permalink points at another page is not this post's.
- `time[datetime]` is often absent, date-only or a literal "comment_date"; then the
  visible date is read in the page's language and its country's time zone.
- the post page shows comment page 1 (oldest first) or the last one (newest
  first); its own number is read from the comment navigation.

The post's id (`body.postid-ID`, shortlink `?p=ID`, the comment form's
`comment_post_ID`) keys the article, so every comment page maps to one article.
Sites are keyed on their blog root (`lemire.me/blog`): comment ids are per blog.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import cache, cached_property
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import (
    capture_time,
    iso_or_none,
    parse_site_date,
    to_utc_iso,
    within,
)
from archiver.extract.quoting import take_quotes
from archiver.extract.text import clean_text, html_to_text, normalize_for_match
from archiver.items import Article, Comment, FetchError, Item

COMMENT_ID = re.compile(r"^(?:li-|div-)?comment-(\d+)$")
COMMENT_PAGE = re.compile(r"/comment-page-(\d+)/?$")
POST_ID_CLASS = re.compile(r"\bpostid-(\d+)\b")
REST_POST = re.compile(r"/wp/v2/posts/(\d+)")
COUNT = re.compile(
    r"(\d+)\s+(?:comments?|kommentare?|antworten|ergänzungen|thoughts?|responses?|replies"
    r"|commentaires?|réactions?)|(?:comments|kommentare)\s*\((\d+)\)",
    re.IGNORECASE,
)
DATE_TEXT = re.compile(
    r"(?:\d{1,2}\.\s?(?:\d{1,2}\.?|[^\W\d_]{3,}\.?)\s?,?\s?\d{2,4}"
    r"|[A-Z][a-z]+\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{4}-\d{2}-\d{2})"
    r"(?:\s*(?:um|at|à|@|,|-|–)?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?",
    re.IGNORECASE,
)
SIGNED_BY = re.compile(r"^(?:comment by|kommentar von|posted by)\s+(.+?)\s+[—–-]", re.IGNORECASE)

AUTHOR = (
    ".comment-author .fn",
    ".fn",
    ".epoch-author-link",
    ".comment-author strong",
    ".comment-author b",
    "li.comment-author",
)
BODY = (
    ".comment-content",
    ".comment-text",
    ".comment_text",
    ".epoch-comment-content",
    ".entry-content",
    ".comment-body",
)
# Parts of a comment that are not what the commenter wrote.
CHROME = (
    ".comment-author, .comment-meta, .commentmetadata, .comment-metadata, .reply, .comment-util,"
    " .comment-reply-link, .comment-edit-link, .pmcc-comments-report-link, .avatar, .says,"
    " .epoch-comment-meta, .epoch-comment-actions, script"
)
ARTICLE_BODY = (
    ".entry-content",
    ".post-content",
    ".storycontent",
    "[itemprop=articleBody]",
    "#articleContent",
    ".entry",
)
ENTRY_DATE = "time.entry-date::attr(datetime), time.published::attr(datetime)"
# Around a post's text in a theme that does not wrap it: not part of it.
POST_CHROME = "header, footer, h1, .entry-meta, #comments, .comments, script, style, form"
# Where a comment's date is printed, in the order themes put it.
DATE_PLACES = (
    ".comment-metadata, .commentmetadata, .comment-meta, .comment-time, .comment-date, .date,"
    " .epoch-comment-meta, .comment-author, cite"
)
# Countries' time zones for the visible dates of pages in these languages.
ZONES = {
    "de": "Europe/Berlin",
    "de-at": "Europe/Vienna",
    "de-ch": "Europe/Zurich",
    "fr": "Europe/Paris",
    "fr-be": "Europe/Brussels",
    "fr-ch": "Europe/Zurich",
    "nl": "Europe/Amsterdam",
    "it": "Europe/Rome",
    "es": "Europe/Madrid",
    "en-gb": "Europe/London",
}
TLD_LANGUAGES = {"de": "de", "at": "de-at", "ch": "de-ch", "fr": "fr", "nl": "nl", "it": "it"}


# Parsel translates CSS to XPath and wraps every node in a Selector on each `.css()`
# call, most of what this parser cost: these queries are compiled once and run on lxml.
_TRANSLATOR = HTMLTranslator()
_STRING = etree.XPath("string()", smart_strings=False)
_TEXTS = etree.XPath("text()", smart_strings=False)
_IDS = etree.XPath("//@id")
_IN_COMMENTS = etree.XPath(
    "ancestor::*[@id='comments' or starts-with(@id, 'comment-') or starts-with(@id, 'li-comment-')]"
)
# The element named `current` beside links to comment pages, found from those links:
# testing every element's class first cost ~0.5 ms a page.
_CURRENT_PAGE = etree.XPath(
    "//a[contains(@href, 'comment-page-')]/../*[contains(@class, 'current')]/text()",
    smart_strings=False,
)
# Where themes show the comment navigation: as parsel's translation of `.nav-previous a,
# a.prev` (`.nav-next a, a.next`), but testing class attributes rather than every
# element's, which halves the cost of these page-wide queries.
_HAS_CLASS = "contains(concat(' ', normalize-space(.), ' '), ' {} ')"
_OLDER, _NEWER = (
    etree.XPath(
        f"//@class[{_HAS_CLASS.format(f'nav-{way}')}]/../descendant::a"
        f" | //a/@class[{_HAS_CLASS.format(link)}]/.."
    )
    for way, link in (("previous", "prev"), ("next", "next"))
)
_PERMALINK_PARAGRAPH = etree.XPath(".//p[.//a[contains(@href, $fragment)]]")
_DIGITS = re.compile(r"\d+")
_TIME_OF_DAY = re.compile(r"\d{2}:\d{2}")
_XML_SPACES = str.maketrans("\t\n\r", "   ")  # what CSS class matching splits on


@cache
def _css(query: str) -> etree.XPath:
    """A CSS query compiled once; it matches exactly what parsel's `.css()` matches."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(query), smart_strings=False)


def _first(query: str, node: HtmlElement) -> Any:  # noqa: ANN401 - an element or a string
    found = _css(query)(node)
    return found[0] if found else None


# Tags whose elements the page-wide lookups read: one walk finds them all.
_LOOKED_UP = ("html", "body", "title", "link", "meta", "script", "input")


class _Doc:
    """A page's tree with the elements many lookups read, each found once."""

    def __init__(self, root: HtmlElement) -> None:
        self.root = root

    @cached_property
    def tags(self) -> dict[str, list[HtmlElement]]:
        """Elements of the looked-up tags, in page order."""
        found: dict[str, list[HtmlElement]] = {tag: [] for tag in _LOOKED_UP}
        for element in self.root.iter(*_LOOKED_UP):
            found[element.tag].append(element)
        return found

    @cached_property
    def with_ids(self) -> list[tuple[str, HtmlElement]]:
        """Every element with an id, in page order."""
        return [(str(value), value.getparent()) for value in _IDS(self.root)]

    @cached_property
    def ids(self) -> dict[str, list[HtmlElement]]:
        """Elements by id, in page order."""
        found: dict[str, list[HtmlElement]] = {}
        for value, element in self.with_ids:
            found.setdefault(value, []).append(element)
        return found

    def attr(self, tag: str, name: str, /, **wanted: str) -> str | None:
        """`tag[k="v"]::attr(name)`: the first value among the tag's elements with these k=v."""
        return next(iter(self.attrs(tag, name, **wanted)), None)

    def attrs(self, tag: str, name: str, /, **wanted: str) -> list[str]:
        found = (e.get(name) for e in self.tags[tag] if _has(e, wanted))
        return [value for value in found if value is not None]

    def texts(self, tag: str, /, **wanted: str) -> list[str]:
        """`tag[k="v"]::text`: the text nodes of the tag's elements with these k=v."""
        return [text for e in self.tags[tag] if _has(e, wanted) for text in _TEXTS(e)]


def _has(element: HtmlElement, attributes: dict[str, str]) -> bool:
    return all(element.get(name) == value for name, value in attributes.items())


def _html(element: HtmlElement) -> str:
    """The element's markup, as parsel's `Selector.get()` gives it."""
    return etree.tostring(element, method="html", encoding="unicode", with_tail=False)


@dataclass(frozen=True)
class _Thread:
    site: str
    post_id: str
    page: int
    article_text: str
    zone: str
    languages: tuple[str, ...]
    now: datetime
    authors: frozenset[str]  # the page's commenters, whom quotes may name


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A post page (or one of its comment pages) yields the article, then its comments."""
    if not isinstance(response, HtmlResponse):
        return
    doc = _Doc(response.selector.root)
    post_id = _post_id(doc)
    if post_id is None:
        return  # a listing page: the spider follows its links
    site = _site(doc, response.url)
    page = _page_number(doc, response.url)
    article = _article(doc, response.url, site, post_id)
    # A further comment page repeats the post; its capture is the post page's.
    article.stub = COMMENT_PAGE.search(urlsplit(response.url).path) is not None
    yield article
    post_path = _post_path(response.url)
    joined: dict[str, bool] = {}
    comments = [own for own in _own_parts(doc) if not _elsewhere(own, post_path, joined)]
    language = _language(doc, response.url)
    names = [_author(own) for own in comments]  # once: every comment's quotes may name them
    thread = _Thread(
        site=site,
        post_id=post_id,
        page=page,
        article_text=normalize_for_match(article.body_text or ""),
        zone=_zone(language),
        languages=tuple(dict.fromkeys((language.split("-")[0], "en"))),
        now=capture_time(response),
        authors=frozenset(filter(None, names)),
    )
    for index, (own, name) in enumerate(zip(comments, names, strict=True), start=1):
        yield from _comment(own, name, thread, index)


def post_id_of(response: TextResponse) -> str | None:
    """The WordPress post id of a single post's page; None on a listing page."""
    return _post_id(_Doc(response.selector.root))


def _post_id(doc: _Doc) -> str | None:
    found = POST_ID_CLASS.search(doc.attr("body", "class") or "")
    if found:
        return found.group(1)
    shortlink = doc.attr("link", "href", rel="shortlink") or ""
    from_shortlink = parse_qs(urlsplit(shortlink).query).get("p", [None])[0]
    rest = REST_POST.search(
        doc.attr("link", "href", rel="alternate", type="application/json") or ""
    )
    return (
        from_shortlink
        or (rest.group(1) if rest else None)
        or doc.attr("input", "value", name="comment_post_ID")
        or _first("a.comment-reply-link::attr(data-postid)", doc.root)
    )


def site_of(response: TextResponse) -> str:
    """The blog's root without scheme or "www." ("lemire.me/blog"): comment ids are per blog."""
    return _site(_Doc(response.selector.root), response.url)


def _site(doc: _Doc, url: str) -> str:
    api = doc.attr("link", "href", rel="https://api.w.org/")
    found = urlsplit(urljoin(url, api.split("wp-json")[0]) if api else url)
    path = found.path.rstrip("/") if api else ""
    return (found.hostname or "").removeprefix("www.") + path


def comment_page_number(response: TextResponse) -> int:
    """Which comment page this is; a post page without one in its URL may show the last."""
    return _page_number(_Doc(response.selector.root), response.url)


def _page_number(doc: _Doc, url: str) -> int:
    found = COMMENT_PAGE.search(urlsplit(url).path)
    if found:
        return int(found.group(1))
    cpage = parse_qs(urlsplit(url).query).get("cpage")
    if cpage and cpage[0].isdigit():
        return int(cpage[0])
    current = next(filter(None, map(_DIGITS.search, _CURRENT_PAGE(doc.root))), None)
    if current:
        return int(current.group(0))
    older = _comment_link_number(doc, _OLDER)
    newer = _comment_link_number(doc, _NEWER)
    return older + 1 if older else newer - 1 if newer else 1


def _comment_link_number(doc: _Doc, links: etree.XPath) -> int | None:
    for link in links(doc.root):
        href = link.get("href")
        found = COMMENT_PAGE.search(urlsplit(href).path) if href is not None else None
        if found:
            return int(found.group(1))
    return None


def _article(doc: _Doc, url: str, site: str, post_id: str) -> Article:
    root = doc.root
    scope = next(iter(doc.ids.get(f"post-{post_id}", [])), None)
    for place in ("article.post", "div.post"):
        scope = _first(place, root) if scope is None else scope
    node = root if scope is None else scope
    ld = _json_ld(doc)
    body = _outside_comments(node, ARTICLE_BODY)
    if body is None:
        body = _outside_comments(root, ARTICLE_BODY)
    if body is None:
        body = _bare_body(scope)
    return Article(
        site=site,
        site_article_id=post_id,
        url=url,
        canonical_url=doc.attr("link", "href", rel="canonical"),
        title=_first_text(node, ("h1.entry-title", "h1.post-title"))
        or (_first_text(node, ("h1",)) if scope is not None else None)
        or _meta(doc, "og:title")
        or _first_text(node, (".entry-title",))
        or clean_text(ld.get("headline"))
        or _first_text(node, ("a[rel~=bookmark]::attr(title)", "h1"))
        or clean_text(next(iter(doc.texts("title")), None)),
        author=_ld_name(ld.get("author"))
        or clean_text(doc.attr("meta", "content", name="author"))
        or _first_text(node, (".author .fn", ".author.vcard", "a[rel=author]")),
        published=iso_or_none(_meta(doc, "article:published_time"))
        or iso_or_none(ld.get("datePublished"))
        or iso_or_none(_first(ENTRY_DATE, node)),
        updated=iso_or_none(_meta(doc, "article:modified_time"))
        or iso_or_none(ld.get("dateModified")),
        body_html=_html(body) if body is not None else None,
        body_text=html_to_text(Selector(root=body)) if body is not None else None,
        tags=list(
            dict.fromkeys(
                doc.attrs("meta", "content", property="article:tag")
                or [t.strip() for t in _css("a[rel~=tag]::text")(node) if t.strip()]
            )
        ),
        comment_count=_displayed_count(doc),
    )


def _json_ld(doc: _Doc) -> dict[str, Any]:
    """The page's JSON-LD Article (NewsArticle, BlogPosting...), flattened out of @graph."""
    for script in doc.texts("script", type="application/ld+json"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        nodes = data.get("@graph", [data]) if isinstance(data, dict) else data
        for node in nodes if isinstance(nodes, list) else []:
            kind = node.get("@type") if isinstance(node, dict) else None
            if isinstance(kind, str) and kind.endswith(("Article", "BlogPosting", "Posting")):
                return node
    return {}


def _ld_name(author: Any) -> str | None:  # noqa: ANN401 - JSON-LD: a name, an object or a list
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    return clean_text(author) if isinstance(author, str) else None


def _meta(doc: _Doc, prop: str) -> str | None:
    return clean_text(doc.attr("meta", "content", property=prop))


def _outside_comments(node: HtmlElement, classes: tuple[str, ...]) -> HtmlElement | None:
    """The first element of these classes that is not part of a comment."""
    for name in classes:
        for found in _css(name)(node):
            if found.tag not in ("li", "blockquote", "article") and not _IN_COMMENTS(found):
                return found
    return None


def _bare_body(scope: HtmlElement | None) -> HtmlElement | None:
    """A theme that puts the post's paragraphs straight in its container: all but the chrome."""
    if scope is None or scope.tag not in ("article", "div"):
        return None
    tree = copy.deepcopy(scope)
    for part in _css(POST_CHROME)(tree):
        if part.getparent() is not None:
            part.getparent().remove(part)
    return tree


# Where themes show the comment count: `.comments-title, [class*='comments__headline'],
# h2, h3, h4, a[href$='#comments']`, found in page order by plain substring tests that
# are cheaper than CSS's (less than half the cost), then narrowed by `_count_place`.
_COUNT_PLACES = etree.XPath(
    "//@class[contains(., 'comments')]/.. | //h2 | //h3 | //h4"
    " | //a/@href[contains(., '#comments')]/.."
)


def _count_place(element: HtmlElement) -> bool:
    if element.tag in ("h2", "h3", "h4"):
        return True
    if element.tag == "a" and (element.get("href") or "").endswith("#comments"):
        return True
    return "comments-title" in _classes(element) or "comments__headline" in (
        element.get("class") or ""
    )


def _displayed_count(doc: _Doc) -> int | None:
    """The comment count the page shows ("91 Ergänzungen", "There are 13 comments")."""
    epoch = next((t for e in doc.ids.get("epoch-count", []) for t in _TEXTS(e)), None)
    if epoch and epoch.strip().isdigit():
        return int(epoch)
    for heading in filter(_count_place, _COUNT_PLACES(doc.root)):
        found = COUNT.search(" ".join(_STRING(heading).split()))
        if found:
            return int(found.group(1) or found.group(2))
    return None


# --- each comment's own part -------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """One simple CSS selector ("li.x", ".x", ".x tag", ".x .y") a comment's part is read by."""

    key: str  # the query it belongs to
    tag: str | None
    cls: str | None
    within: str | None  # the class of an ancestor inside the same comment
    every: bool  # keep every hit, not just the first


_SIMPLE = re.compile(r"(?:\.([\w-]+) )?([a-z]+)?(?:\.([\w-]+))?")


def _rules(key: str, selectors: str, every: bool = False) -> list[_Rule]:
    rules = []
    for selector in selectors.split(","):
        found = _SIMPLE.fullmatch(selector.strip())
        if not found or not (found.group(2) or found.group(3)):
            raise ValueError(f"not a simple selector: {selector!r}")
        rules.append(_Rule(key, found.group(2), found.group(3), found.group(1), every))
    return rules


class _Rules:
    """Simple selectors indexed by the class they need, else by their tag."""

    def __init__(self, rules: list[_Rule]) -> None:
        self.by_class: dict[str, tuple[_Rule, ...]] = {}
        self.by_tag: dict[str, tuple[_Rule, ...]] = {}
        for rule in rules:
            index = self.by_class if rule.cls else self.by_tag
            key = rule.cls or rule.tag or ""
            index[key] = (*index.get(key, ()), rule)
        within = {rule.within for rule in rules if rule.within}
        if len(within) > 1:  # the walk tracks one ancestor class
            raise ValueError(f"rules within more than one class: {within}")
        self.within = within.pop() if within else None

    def met(self, tag: str, classes: list[str], inside: bool) -> list[_Rule]:
        """The rules an element meets; `inside`: an ancestor has the class `within` names."""
        found = [r for r in self.by_tag.get(tag, ()) if r.within is None or inside]
        for name in classes:
            if name in self.by_class:  # few of an element's classes are looked for
                found += (
                    r
                    for r in self.by_class[name]
                    if (r.tag is None or r.tag == tag) and (r.within is None or inside)
                )
        return found


def _classes(element: HtmlElement) -> list[str]:
    """Its class names as CSS matches them: split on XML's spaces only."""
    found = element.get("class")
    return found.translate(_XML_SPACES).split(" ") if found else []


_PART_RULES = _Rules(
    [
        *(rule for selector in AUTHOR for rule in _rules(selector, selector)),
        *_rules(".epoch-comment-author", ".epoch-comment-author", every=True),
        *(rule for selector in BODY for rule in _rules(selector, selector)),
        *_rules(DATE_PLACES, DATE_PLACES, every=True),
        *_rules("cite", "cite"),
        *_rules(".comment-awaiting-moderation", ".comment-awaiting-moderation"),
        *_rules("time", "time", every=True),
    ]
)
_CHROME_RULES = _Rules(_rules(CHROME, CHROME))


@dataclass(eq=False)
class _Own:
    """A comment's element less the replies nested in it, as the hits of its queries."""

    element: HtmlElement
    comment_id: str
    parent: str | None = None
    walked: bool = False
    first: dict[str, HtmlElement] = field(default_factory=dict)
    every: dict[str, list[HtmlElement]] = field(default_factory=dict)
    cuts: set[HtmlElement] = field(default_factory=set)  # elements of other comments in it
    holders: set[HtmlElement] = field(default_factory=set)  # its elements holding a cut
    links: list[str] = field(default_factory=list)  # hrefs to it, from anywhere in its element

    def record(self, element: HtmlElement, rule: _Rule) -> None:
        if not rule.every:
            self.first.setdefault(rule.key, element)
            return
        hits = self.every.setdefault(rule.key, [])
        if not hits or hits[-1] is not element:  # one element may meet two of the rules
            hits.append(element)

    def cut(self, element: HtmlElement) -> None:
        self.cuts.add(element)
        for ancestor in element.iterancestors():
            self.holders.add(ancestor)
            if ancestor is self.element:
                break


def _own_parts(doc: _Doc) -> list[_Own]:
    """Each comment's own part in page order, with its parent: one walk over the comments.

    A comment's element is the outermost one carrying its id; what carries another
    comment's id inside it (its replies) is not its own. The walk visits each element
    once, where copying each comment less its replies cost O(comments × depth).
    """
    marks: dict[HtmlElement, str] = {}
    parts: dict[str, _Own] = {}
    for value, element in doc.with_ids:
        found = COMMENT_ID.match(value)
        if found:
            marks[element] = found.group(1)
            if found.group(1) not in parts:
                parts[found.group(1)] = _Own(element, found.group(1))
    by_element = {own.element: own for own in parts.values()}
    for own in parts.values():
        if not own.walked:
            _walk(own.element, by_element, marks, parts)
    return list(parts.values())


def _walk(
    top: HtmlElement,
    by_element: dict[HtmlElement, _Own],
    marks: dict[HtmlElement, str],
    parts: dict[str, _Own],
) -> None:
    """Give each element under `top` to the comment whose own part it is.

    The hottest loop of the parser (~500 elements a page): it calls no function per
    element, which would double its cost.
    """
    by_class, by_tag, opening = _PART_RULES.by_class, _PART_RULES.by_tag, _PART_RULES.within
    stack: list[tuple[_Own | None, _Own | None, bool]] = []
    container: _Own | None = None  # the innermost comment element around
    own: _Own | None = None  # the comment whose own part this is (None: another's reply)
    within = False  # under an element of the `opening` class in that comment
    for event, element in etree.iterwalk(top, events=("start", "end")):
        if event == "end":
            container, own, within = stack.pop()
            continue
        stack.append((container, own, within))
        mark = marks.get(element)
        if mark is not None:
            part = by_element.get(element)
            if part is not None:
                if own is not None:
                    own.cut(element)
                part.parent = container.comment_id if container else None
                part.walked = True
                container = own = part
                within = False
            elif own is not None and mark != own.comment_id:
                own.cut(element)
                own = None
        tag = element.tag
        if tag == "a" and container is not None:
            _link(element, container, parts)
        if own is None:
            continue
        rules = by_tag.get(tag, ())
        classes = element.get("class")
        if classes:
            names = classes.translate(_XML_SPACES).split(" ")
            for name in names:
                if name in by_class:
                    rules += by_class[name]
            opens = opening in names
        else:
            opens = False
        for rule in rules:
            if (rule.tag is None or rule.tag == tag) and (rule.within is None or within):
                own.record(element, rule)
        within = within or opens


def _link(link: HtmlElement, container: _Own, parts: dict[str, _Own]) -> None:
    """A link to a comment's permalink, kept for that comment if it lies inside it."""
    href = link.get("href")
    target = parts.get(href.rpartition("#comment-")[2]) if href and "#comment-" in href else None
    around: _Own | None = container
    while target is not None and around is not None:
        if around is target:
            target.links.append(href)  # type: ignore[arg-type]
            return
        around = parts.get(around.parent) if around.parent else None


def _own_string(element: HtmlElement, own: _Own) -> str:
    """XPath's string() of an element as the comment's own part holds it."""
    if element not in own.holders:
        return _STRING(element)
    return "".join(_own_texts(element, own, "descendant::text()"))


def _own_texts(element: HtmlElement, own: _Own, query: str = "text()") -> list[str]:
    """The text nodes a query finds in the element, less those of other comments."""
    if element not in own.holders:
        return element.xpath(query, smart_strings=False)
    texts = []
    for text in element.xpath(query):
        holder = text.getparent()  # for a tail, the element it follows
        chain = [holder, *holder.iterancestors()]
        if own.cuts.isdisjoint(chain[: chain.index(element)]):
            texts.append(str(text))
    return texts


def _own_copy(element: HtmlElement, own: _Own) -> HtmlElement:
    """A copy of an element of the comment, less the other comments' elements inside it."""
    tree = copy.deepcopy(element)
    if element not in own.holders:
        return tree
    paths = []
    for cut in own.cuts:
        path = [cut, *cut.iterancestors()]
        if element in path:
            nodes = path[: path.index(element) + 1]
            paths.append([parent.index(child) for child, parent in itertools.pairwise(nodes)])
    found = []
    for path in paths:
        node = tree
        for position in reversed(path):
            node = node[position]
        found.append(node)
    for node in found:
        node.getparent().remove(node)
    return tree


def _elsewhere(own: _Own, post_path: str, joined: dict[str, bool]) -> bool:
    """A widget's comment on another post: its permalink leads elsewhere."""
    return bool(own.links) and all(_leads_elsewhere(h, post_path, joined) for h in own.links)


def _leads_elsewhere(href: str, post_path: str, joined: dict[str, bool]) -> bool:
    # The joined path does not depend on the fragment: the comments' permalinks share one join.
    before = href.split("#", 1)[0]
    if before not in joined:
        joined[before] = _post_path(urljoin(f"http://x{post_path}", href)) != post_path
    return joined[before]


def _post_path(url: str) -> str:
    """A post's path without its comment page, so all its pages compare equal."""
    return COMMENT_PAGE.sub("/", urlsplit(url).path).rstrip("/") + "/"


def _comment(own: _Own, author: str | None, thread: _Thread, index: int) -> Iterator[Item]:
    body = _body(own)  # a copy, ours to change: its markup is kept before quotes leave it
    body_html = _html(body)
    quotes = list(take_quotes(body, thread.article_text, thread.site, thread.authors))
    pending = own.first.get(".comment-awaiting-moderation")
    moderation = clean_text(_own_string(pending, own)) if pending is not None else None
    yield Comment(
        site=thread.site,
        site_comment_id=own.comment_id,
        site_article_id=thread.post_id,
        author=author,
        posted=_posted(own, thread),
        body_html=body_html,
        body_text=html_to_text(Selector(root=body)),
        parent_site_comment_id=own.parent,
        page=thread.page,
        index=index,
        moderation=moderation,
    )
    for ordinal, quote in enumerate(quotes, start=1):
        quote.site_comment_id = own.comment_id
        quote.ordinal = ordinal
        yield quote


def _body(own: _Own) -> HtmlElement:
    """What the commenter wrote, without the theme's author line, dates and buttons."""
    found = next((own.first[s] for s in BODY if s in own.first), None)
    tree = _own_copy(own.element if found is None else found, own)
    chrome = [
        e for e in tree.iter(etree.Element) if _CHROME_RULES.met(e.tag, _classes(e), inside=False)
    ]
    if found is None:  # an old theme: the body is loose, signed in the paragraph of its permalink
        chrome += _PERMALINK_PARAGRAPH(tree, fragment=f"#comment-{own.comment_id}")
    for part in chrome:
        if part.getparent() is not None:
            part.getparent().remove(part)
    return tree


def _author(own: _Own) -> str | None:
    for selector in AUTHOR:
        found = own.first.get(selector)
        name = clean_text(_own_string(found, own)) if found is not None else None
        if name:
            return name
    epoch = own.every.get(".epoch-comment-author", [])
    name = clean_text(" ".join(text for e in epoch for text in _own_texts(e, own)))
    if name:
        return name.strip("· ")
    cite = own.first.get("cite")
    signed = SIGNED_BY.match(clean_text(_own_string(cite, own) if cite is not None else None) or "")
    return signed.group(1) if signed else None


def _posted(own: _Own, thread: _Thread) -> str | None:
    """`time[datetime]` when it holds a time of day, else the date the page prints."""
    for time in own.every.get("time", []):
        value = time.get("datetime")
        if value is not None and _TIME_OF_DAY.search(value):
            moment = iso_or_none(value, thread.zone)
            if moment:
                return moment
    for place in own.every.get(DATE_PLACES, []):
        found = DATE_TEXT.search(" ".join(_own_string(place, own).split()))
        if found:
            return parse_site_date(
                _date_words(found.group(0)),
                now=thread.now,
                tz=thread.zone,
                languages=thread.languages,
            )
    return None


def _date_words(text: str) -> str:
    """ "17.07, 2011 @ 13:04" and "March 11th, 2015 at 02:57" as dateparser reads them."""
    text = re.sub(r"(\d{1,2}\.\d{1,2}),\s*(\d{4})", r"\1.\2", text)
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)
    return re.sub(r"\s+(?:um|at|à|@|-|–)\s+", " ", text)


def _feed_date(item: Selector) -> str | None:
    """An RSS item's pubDate (RFC 822) or an Atom entry's published date, in UTC ISO."""
    rss = item.xpath("pubDate/text()").get()
    if rss:
        try:
            return to_utc_iso(parsedate_to_datetime(rss))
        except (TypeError, ValueError):
            return None
    return iso_or_none(item.xpath("published/text()").get())


def _language(doc: _Doc, url: str) -> str:
    """The page's language ("de-de"): html@lang, og:locale, else the country's domain."""
    lang = doc.attr("html", "lang") or _meta(doc, "og:locale") or ""
    if lang:
        return lang.replace("_", "-").lower()
    tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1]
    return TLD_LANGUAGES.get(tld, "en")


def _zone(language: str) -> str:
    """The time zone of dates printed without one: the language's country, else UTC."""
    return ZONES.get(language) or ZONES.get(language.split("-")[0]) or "UTC"


def _first_text(node: HtmlElement, selectors: tuple[str, ...]) -> str | None:
    for selector in selectors:
        found = _css(selector)(node)
        value = (found[0] if "::attr" in selector else _STRING(found[0])) if found else None
        if clean_text(value):
            return clean_text(value)
    return None


class WordpressSpider(NewsSpider):
    """Posts from sitemaps, the REST API, the feed and home pagination; then their comment pages."""

    name = "wordpress"
    parse_page = staticmethod(parse_page)
    article_links = ".entry-title a::attr(href), a[rel~='bookmark']::attr(href)"
    next_listing = "a.next.page-numbers::attr(href), .nav-previous a::attr(href)"
    listing_dates = "[id^='post-'] time.entry-date::attr(datetime)"

    def follow(self, response: Response) -> Iterator[Request]:
        if isinstance(response, TextResponse):
            yield from (r for r in self._links(response) if r is not None)

    def _links(self, response: TextResponse) -> Iterator[Request | None]:
        kind = response.meta.get("wordpress")
        if kind == "sitemap":
            yield from self._from_sitemap(response)
        elif kind == "feed":
            yield from self._from_feed(response)
        elif kind == "rest":
            yield from self._from_rest(response)
        elif post_id_of(response) is not None:
            yield from self._comment_pages(response)
        elif not self._listing_too_old(response):
            yield from self._from_listing(response)

    def _request(
        self, response: Response, url: str, kind: str | None = None, **meta: Any
    ) -> Request | None:
        """A request for a page worth fetching: never a reply form or a comment feed.

        `kind` is what the page is to this spider (sitemap, feed, rest; None for HTML).
        """
        url = response.urljoin(url).split("#")[0]
        query = parse_qs(urlsplit(url).query)
        if "replytocom" in query or (kind != "feed" and re.search(r"/feed/?$", urlsplit(url).path)):
            self.crawler.stats.inc_value("archiver/wordpress/not_followed")
            return None
        link = (
            "listing" if kind else "comments" if COMMENT_PAGE.search(urlsplit(url).path) else None
        )
        request = self.request(url, link or meta.pop("link", "article"))
        request.meta.update(wordpress=kind, **meta)
        return request

    def _comment_pages(self, response: TextResponse) -> Iterator[Request | None]:
        """The post's other comment pages, from its comment navigation; never permalinks."""
        own = comment_page_number(response)
        post = _post_path(response.url)
        # Only links naming a comment page, not permalinks: joining a page's hundreds of
        # other links cost ~20 ms a page.
        links = "a[href*='comment-page-']:not([href*='#comment-'])::attr(href)"
        for href in response.css(links).getall():
            url = response.urljoin(href)
            found = COMMENT_PAGE.search(urlsplit(url).path)
            if (
                found
                and int(found.group(1)) != own
                and _post_path(url) == post
                and not urlsplit(url).fragment.startswith("comment-")
            ):
                yield self._request(response, url)

    def _from_listing(self, response: TextResponse) -> Iterator[Request | None]:
        entries = response.css("article[id^='post-'], div[id^='post-']")
        for entry in entries:
            published = iso_or_none(entry.css(self.listing_dates.split("] ", 1)[1]).get())
            link = entry.css(self.article_links).get()
            if link and within(published, self.since):
                yield self._request(response, link)
        if not entries:
            for href in response.css(self.article_links).getall():
                yield self._request(response, href)
        for href in response.css(self.next_listing).getall():
            yield self._request(response, href, link="listing")
        if response.meta.get("link") == "start":
            yield from self._discover(response)

    def _discover(self, response: TextResponse) -> Iterator[Request | None]:
        """From the site's home page: the feed, and the first post index that answers.

        Core's `wp-sitemap.xml`, else Yoast's `sitemap_index.xml`, else the REST API;
        one that is missing is recorded as a fetch error (as `reparse` would record
        its capture) and the next is tried.
        """
        api = response.css('link[rel="https://api.w.org/"]::attr(href)').get()
        root = response.urljoin(api.split("wp-json")[0] if api else "/")
        indexes: list[tuple[str, str, dict[str, Any]]] = [
            (urljoin(root, "wp-sitemap.xml"), "sitemap", {}),
            (urljoin(root, "sitemap_index.xml"), "sitemap", {}),
        ]
        if api:
            endpoint = urljoin(response.urljoin(api), "wp/v2/posts")
            indexes.append((self._rest_url(endpoint, 1), "rest", {"endpoint": endpoint, "page": 1}))
        yield self._index_request(response, indexes)
        feed = response.css('link[rel="alternate"][type="application/rss+xml"]::attr(href)').get()
        if feed:
            yield self._request(response, feed, "feed")

    def _index_request(
        self, response: Response, indexes: list[tuple[str, str, dict[str, Any]]]
    ) -> Request | None:
        if not indexes:
            return None
        (url, kind, meta), rest = indexes[0], indexes[1:]
        request = self._request(response, url, kind, **meta, fallbacks=rest)
        if request is not None:
            request.errback = self._on_index_error
        return request

    def _rest_url(self, endpoint: str, page: int) -> str:
        query = {"per_page": 100, "page": page, "_fields": "id,link"}
        if self.since:
            query["after"] = self.since.isoformat()
        return f"{endpoint}?{urlencode(query)}"

    def _from_rest(self, response: TextResponse) -> Iterator[Request | None]:
        try:
            posts = json.loads(response.text)
        except ValueError:
            return
        for post in posts if isinstance(posts, list) else []:
            if isinstance(post, dict) and post.get("link"):
                yield self._request(response, post["link"])
        page, endpoint = response.meta["page"], response.meta["endpoint"]
        if page < int(response.headers.get("X-WP-TotalPages", b"1") or 1):
            url = self._rest_url(endpoint, page + 1)
            yield self._request(response, url, "rest", endpoint=endpoint, page=page + 1)

    def _from_sitemap(self, response: TextResponse) -> Iterator[Request | None]:
        """Post URLs of a sitemap (core `wp-sitemap.xml` or Yoast's `sitemap_index.xml`)."""
        try:
            sitemap = Sitemap(response.body)
        except (ValueError, TypeError, AttributeError):
            return
        for entry in sitemap:
            loc = entry.get("loc", "")
            if sitemap.type == "sitemapindex":
                # Posts only: users, taxonomies and pages hold no comment threads worth a walk.
                if re.search(r"posts-post-|/post-sitemap", loc):
                    yield self._request(response, loc, "sitemap")
            elif within(iso_or_none(entry.get("lastmod")), self.since):
                yield self._request(response, loc)

    def _from_feed(self, response: TextResponse) -> Iterator[Request | None]:
        """Post links of an RSS or Atom feed, skipping those published before `--since`."""
        feed = Selector(text=response.text, type="xml")
        feed.remove_namespaces()
        for item in feed.xpath("//item | //entry"):
            link = item.xpath("link/text() | link[not(@rel) or @rel='alternate']/@href").get()
            if link and link.strip() and within(_feed_date(item), self.since):
                yield self._request(response, link.strip())

    def _on_index_error(self, failure: Failure) -> Iterator[FetchError | Request]:
        """A post index that is missing or closed: record it, then try the next one."""
        yield from self.on_error(failure)
        response = getattr(failure.value, "response", None)
        if response is not None and response.status in (401, 403, 404, 410):
            request = self._index_request(response, failure.request.meta.get("fallbacks", []))
            if request is not None:
                yield request
