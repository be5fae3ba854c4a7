"""A WordPress page (a post, or one of its comment pages): its article, then its comments.

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
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse

from archiver.extract.dates import capture_time, iso_or_none, parse_site_date
from archiver.extract.html import STRING, TEXTS, Doc, classes, css, first, markup
from archiver.extract.quoting import HEADER_VERBS, take_quotes
from archiver.extract.text import clean_text, html_to_text, normalize_for_match
from archiver.extract.threads import Own, Shape, Slot, Slots, own_parts, remove
from archiver.extract.urls import absolute, original_url, page_key
from archiver.items import Article, Comment, Item

COMMENT_ID = re.compile(r"^(?:li-|div-)?comment-(\d+)$")
COMMENT_PAGE = re.compile(r"/comment-page-(\d+)/?$")
POST_ID_CLASS = re.compile(r"\bpostid-(\d+)\b")
REST_POST = re.compile(r"/wp/v2/posts/(\d+)")
POST_ELEMENT = re.compile(r"^post-(\d+)$")
COUNT = re.compile(
    r"(\d+)\s+(?:comments?|kommentare?|antworten|ergänzungen|thoughts?|responses?|replies"
    r"|commentaires?|réactions?)|(?:comments|kommentare)\s*\((\d+)\)",
    re.IGNORECASE,
)
DATE_TEXT = re.compile(
    r"(?:\d{1,2}\.\s?(?:\d{1,2}\.?|[^\W\d_]{3,}\.?)\s?,?\s?\d{2,4}"
    r"|[A-Z][a-z]+\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{4}-\d{2}-\d{2})"
    r"(?:\s*(?:um|at|à|@|,|-|–|/{1,2})?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?",
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
    # other themes' and plugins' name elements, after those above so their pages keep theirs
    ".comment-author-name",
    ".comment__author-name",
    ".comment__author",
    ".comment-name",
    ".comment_author",
    ".wpd-comment-author",
    ".wc-comment-author",
    ".author_name",
    ".authorname",
    ".comment-author cite",
    ".comment-author",  # a bare name, maybe with the date inside: its first words
    "span.author",
    "a.url",  # a pingback's: the linking post's title, as WordPress prints it
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
    " .epoch-comment-meta, .comment-author, cite, .comment_date, .wc-comment-date,"
    " .wpd-comment-date, .comment__time, .time, .comment-link, .comment-permalink"
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


SHAPE = Shape(
    comment_id=COMMENT_ID,
    permalink="#comment-",
    slots=Slots(
        Slot("author", AUTHOR),
        Slot("epoch-author", (".epoch-comment-author",), every=True),
        Slot("body", BODY),
        Slot("date", (DATE_PLACES,), every=True),
        Slot("cite", ("cite",)),
        Slot("moderation", (".comment-awaiting-moderation",)),
        Slot("time", ("time",), every=True),
        Slot("heading", (".comment_title", ".comment-header")),
    ),
)
CHROME_SLOTS = Slots(Slot("chrome", (CHROME,)))

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


# How themes bend the core walker's shape (archiver/extract/threads.py): ids on an inner
# element, replies' lists printed after their parent, pingbacks without ids.
DEPTH_CLASS = re.compile(r"(?:\w*comment[_-])?(?:depth|level)-(\d+)")
THREAD = replace(
    SHAPE,
    wrappers=("li", ".comment"),
    depth=DEPTH_CLASS,
    keyless=("li.pingback", "li.trackback"),
)


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
    doc = Doc(response.selector.root)
    post_id = _post_id(doc)
    if post_id is None:
        return  # a listing page: the spider follows its links
    site = _site(doc, response.url)
    page = _page_number(doc, response.url)
    article = _article(doc, response.url, site, post_id)
    # A further comment page repeats the post; its capture is the post page's.
    article.stub = COMMENT_PAGE.search(urlsplit(response.url).path) is not None
    yield article
    this_post = post_path(response.url), response.url
    joined: dict[str, bool] = {}
    comments = [own for own in own_parts(doc, THREAD) if not _elsewhere(own, this_post, joined)]
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
    return _post_id(Doc(response.selector.root))


def _post_id(doc: Doc) -> str | None:
    """The post's id, ranked: what WordPress prints for a single post first, then what a
    theme or a stripped copy (no head, a look-alike CMS) still shows; None on a listing."""
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
        or first("a.comment-reply-link::attr(data-postid)", doc.root)
        or _only_post_element(doc)
        or _post_path_key(doc)
    )


def _only_post_element(doc: Doc) -> str | None:
    """The number of the page's one `#post-N` element: a listing shows several."""
    numbers = {found.group(1) for value, _ in doc.with_ids if (found := POST_ELEMENT.match(value))}
    return numbers.pop() if len(numbers) == 1 else None


def _post_path_key(doc: Doc) -> str | None:
    """Last resort, for a page that says it is one article: its canonical path as its key."""
    url = doc.attr("link", "href", rel="canonical") or _meta(doc, "og:url")
    single = _meta(doc, "og:type") == "article" or bool(doc.ids.get("respond"))
    path = urlsplit(url).path.strip("/") if url else ""
    return f"path:{path}" if single and path else None


def blog_root(response: TextResponse) -> str:
    """The blog's root without scheme or "www." ("lemire.me/blog"): comment ids are per blog."""
    return _site(Doc(response.selector.root), response.url)


def _site(doc: Doc, url: str) -> str:
    api = doc.attr("link", "href", rel="https://api.w.org/")
    url = original_url(url)  # a Wayback capture's site is the archived blog's
    found = urlsplit(urljoin(url, original_url(api.split("wp-json")[0])) if api else url)
    path = found.path.rstrip("/") if api else ""
    return (found.hostname or "").removeprefix("www.") + path


def comment_page_number(response: TextResponse) -> int:
    """Which comment page this is; a post page without one in its URL may show the last."""
    return _page_number(Doc(response.selector.root), response.url)


def _page_number(doc: Doc, url: str) -> int:
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


def _comment_link_number(doc: Doc, links: etree.XPath) -> int | None:
    for link in links(doc.root):
        href = link.get("href")
        found = COMMENT_PAGE.search(urlsplit(href).path) if href is not None else None
        if found:
            return int(found.group(1))
    return None


def _article(doc: Doc, url: str, site: str, post_id: str) -> Article:
    root = doc.root
    scope = next(iter(doc.ids.get(f"post-{post_id}", [])), None)
    for place in ("article.post", "div.post"):
        scope = first(place, root) if scope is None else scope
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
        or _first_text(node, ("a[rel~=bookmark]", "a[rel~=bookmark]::attr(title)", "h1"))
        or clean_text(next(iter(doc.texts("title")), None)),
        author=_ld_name(ld.get("author"))
        or clean_text(doc.attr("meta", "content", name="author"))
        or _first_text(node, (".author .fn", ".author.vcard", "a[rel=author]")),
        published=iso_or_none(_meta(doc, "article:published_time"))
        or iso_or_none(ld.get("datePublished"))
        or iso_or_none(first(ENTRY_DATE, node)),
        updated=iso_or_none(_meta(doc, "article:modified_time"))
        or iso_or_none(ld.get("dateModified")),
        body_html=markup(body) if body is not None else None,
        body_text=html_to_text(Selector(root=body)) if body is not None else None,
        tags=list(
            dict.fromkeys(
                doc.attrs("meta", "content", property="article:tag")
                or [t.strip() for t in css("a[rel~=tag]::text")(node) if t.strip()]
            )
        ),
        comment_count=_displayed_count(doc),
    )


def _json_ld(doc: Doc) -> dict[str, Any]:
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


def _meta(doc: Doc, prop: str) -> str | None:
    return clean_text(doc.attr("meta", "content", property=prop))


def _outside_comments(node: HtmlElement, classes: tuple[str, ...]) -> HtmlElement | None:
    """The first element of these classes that is not part of a comment."""
    for name in classes:
        for found in css(name)(node):
            if found.tag not in ("li", "blockquote", "article") and not _IN_COMMENTS(found):
                return found
    return None


def _bare_body(scope: HtmlElement | None) -> HtmlElement | None:
    """A theme that puts the post's paragraphs straight in its container: all but the chrome."""
    if scope is None or scope.tag not in ("article", "div"):
        return None
    tree = copy.deepcopy(scope)
    remove(css(POST_CHROME)(tree))
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
    return "comments-title" in classes(element) or "comments__headline" in (
        element.get("class") or ""
    )


def _displayed_count(doc: Doc) -> int | None:
    """The comment count the page shows ("91 Ergänzungen", "There are 13 comments")."""
    epoch = next((t for e in doc.ids.get("epoch-count", []) for t in TEXTS(e)), None)
    if epoch and epoch.strip().isdigit():
        return int(epoch)
    for heading in filter(_count_place, _COUNT_PLACES(doc.root)):
        found = COUNT.search(" ".join(STRING(heading).split()))
        if found:
            return int(found.group(1) or found.group(2))
    return None


def _elsewhere(own: Own, this_post: tuple[str, str], joined: dict[str, bool]) -> bool:
    """A widget's comment on another post: its permalink leads elsewhere."""
    return bool(own.links) and all(_leads_elsewhere(h, this_post, joined) for h in own.links)


def _leads_elsewhere(href: str, this_post: tuple[str, str], joined: dict[str, bool]) -> bool:
    """`this_post`: the page's post path and its URL, which relative links are joined to."""
    # The joined path does not depend on the fragment: the comments' permalinks share one join.
    before = href.split("#", 1)[0]
    if before not in joined:
        path, url = this_post
        target = absolute(url, before or url)
        joined[before] = target is not None and post_path(target) != path
    return joined[before]


def post_path(url: str) -> str:
    """A post's path without its comment page, as its identity (`extract.urls.page_key`), so
    all its pages' links compare equal however they are spelled or archived."""
    path = urlsplit(page_key(url)).path
    return COMMENT_PAGE.sub("/", path.rstrip("/") + "/").rstrip("/") + "/"


def _comment(own: Own, author: str | None, thread: _Thread, index: int) -> Iterator[Item]:
    body = _body(own)  # a copy, ours to change: its markup is kept before quotes leave it
    body_html = markup(body)
    quotes = list(take_quotes(body, thread.article_text, thread.site, thread.authors))
    pending = own.best("moderation")
    moderation = clean_text(own.string(pending)) if pending is not None else None
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


def _body(own: Own) -> HtmlElement:
    """What the commenter wrote, without the theme's author line, dates and buttons."""
    found = own.best("body")
    tree = own.copy(own.element if found is None else found)
    chrome = [e for e in tree.iter(etree.Element) if CHROME_SLOTS.met(e)]
    if found is None:  # an old theme: the body is loose, signed in the paragraph of its permalink
        chrome += _PERMALINK_PARAGRAPH(tree, fragment=f"#comment-{own.comment_id}")
    remove(chrome)
    return tree


def _author(own: Own) -> str | None:
    """The name the theme prints, by its ranked slots, else where old themes sign."""
    for found in own.ranked("author"):
        name = _name(_first_words(own, found) if _is_container(found) else own.string(found))
        if name:
            return name
    epoch = own.hits("epoch-author")
    name = clean_text(" ".join(text for e in epoch for text in own.texts(e)))
    if name:
        return name.strip("· ")
    cite = own.best("cite")
    if cite is not None and not _QUOTED(cite):
        text = clean_text(own.string(cite)) or ""
        signed = SIGNED_BY.match(text)
        name = signed.group(1) if signed else _name(_first_words(own, cite))
        if name:
            return name
    heading = own.best("heading")
    if heading is not None:
        return _name(next((own.string(e) for e in heading if _names_someone(own, e)), None))
    return _byline(own)


def _is_container(element: HtmlElement) -> bool:
    """A comment-author box rather than a name element: its name is its first words."""
    return element.tag not in ("a", "b", "strong", "cite", "span") or bool(len(element))


def _first_words(own: Own, element: HtmlElement) -> str | None:
    """The first text in an element: a name printed before the date and buttons beside it."""
    if clean_text(element.text):
        return element.text
    for child in element:
        if _names_someone(own, child):
            return own.string(child)
        if clean_text(child.tail):
            return child.tail
    return None


def _names_someone(own: Own, element: HtmlElement) -> bool:
    return (
        isinstance(element.tag, str)
        and element.tag not in ("time", "img", "br", "script", "noscript", "i", "svg")
        and bool(clean_text(own.string(element)))
        and not _is_date(own.string(element))
    )


def _byline(own: Own) -> str | None:
    """ "NAME, DATE" with no name element: what precedes the comment's date or permalink."""
    for place in own.hits("time") + own.hits("date"):
        before = place.getprevious()
        text = own.string(before) if before is not None else (place.getparent().text or "")
        if before is not None and before.tag not in ("a", "span", "strong", "b", "cite"):
            continue
        name = _name(text)
        if name and not _is_date(name):
            return name
    return None


def _name(text: str | None) -> str | None:
    """A name less what themes print around it ("X says:", "von X", "Josef,")."""
    name = clean_text(text)
    if not name:
        return None
    name = _SAYS.sub("", name).strip(" ,:|·•")
    return name if 0 < len(name) <= MAX_NAME else None


MAX_NAME = 200  # a pingback's name is its post's title
_SAYS_VERBS = sorted(
    {verb for verbs in HEADER_VERBS.values() for verb in verbs} | {"sagt", "meint", "dit"},
    key=len,
    reverse=True,
)
_SAYS = re.compile(rf"\s+(?:{'|'.join(map(re.escape, _SAYS_VERBS))})\s*:?\s*$", re.IGNORECASE)
_QUOTED = etree.XPath("boolean(ancestor::blockquote or ancestor::q)")


def _posted(own: Own, thread: _Thread) -> str | None:
    """The most precise date the page gives: a machine time of day, then the printed date.

    `time[datetime]` when it holds a time of day; else a date place's title (wpDiscuz
    prints "1 year ago" titled with the date), its text, a date-only datetime (day
    precision), then short texts such as "vor 1 Stunde", counted back from the capture.
    """
    places = own.hits("time") + own.hits("date")
    machine = [v for v in (p.get("datetime") for p in places) if v is not None]
    for value in machine:
        moment = iso_or_none(value, thread.zone) if _TIME_OF_DAY.search(value) else None
        if moment:
            return moment
    titles = [p.get("title") or "" for p in places]
    clocked = [t for t in titles if _CLOCK.search(t)]  # more precise than "1 year ago"
    printed = [own.string(p) for p in own.hits("date") + own.hits("time")]
    for text in [*clocked, *printed, *titles]:
        found = DATE_TEXT.search(" ".join(text.split()))
        moment = _site_date(found.group(0), thread) if found else None
        if moment:
            return moment
    for value in machine:
        moment = iso_or_none(value, thread.zone)
        if moment:
            return moment
    for text in _short_texts(own, places):
        moment = _site_date(text, thread)
        if moment:
            return moment
    return None


def _short_texts(own: Own, places: list[HtmlElement]) -> Iterator[str]:
    """Texts that may be a date alone ("1 year ago", "18/02/2020 à 16:42", "Март 2018"),
    in date places, in links to the comment, or loose beside the author's name."""
    links = _PERMALINK(own.element, fragment=f"#comment-{own.comment_id}")
    loose = [e.getparent() for e in own.ranked("author") if e.getparent() is not None]
    for element in [*places, *links]:
        yield from (t for t in [own.string(element), *own.texts(element)] if _datelike(t))
    for element in loose:
        yield from filter(_datelike, own.texts(element))


def _datelike(text: str) -> bool:
    return (
        bool(text.strip())
        and len(text.strip()) <= MAX_DATE_TEXT
        and _DIGIT.search(text) is not None
    )


MAX_DATE_TEXT = 40
_DIGIT = re.compile(r"\d")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_BARE_AMOUNT = re.compile(r"^\s*(\d{1,4}\s+[^\W\d_]+)\s*$")
_PERMALINK = etree.XPath(".//a[contains(@href, $fragment)]")


def _is_date(text: str) -> bool:
    return DATE_TEXT.search(text) is not None or (
        _datelike(text) and _TIME_OF_DAY.search(text) is not None
    )


def _site_date(text: str, thread: _Thread) -> str | None:
    return parse_site_date(
        _date_words(text), now=thread.now, tz=thread.zone, languages=thread.languages
    )


def _date_words(text: str) -> str:
    """ "17.07, 2011 @ 13:04" and "March 11th, 2015 at 02:57" as dateparser reads them."""
    text = re.sub(r"(\d{1,2}\.\d{1,2}),\s*(\d{4})", r"\1.\2", text)
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)
    text = re.sub(r"\s+/{1,2}\s+", " ", text)
    text = _BARE_AMOUNT.sub(r"\1 ago", text)  # "1 year" printed as a comment's age
    return re.sub(r"\s+(?:um|at|à|@|-|–)\s+", " ", text)


def _language(doc: Doc, url: str) -> str:
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
        found = css(selector)(node)
        value = (found[0] if "::attr" in selector else STRING(found[0])) if found else None
        if clean_text(value):
            return clean_text(value)
    return None
