"""Each comment of a WordPress page: its thread's shape and slots, author, date and body.

Markup read (each seen in the real pages of the shared corpus):
- core comment walker: `li#comment-ID > article#div-comment-ID` (HTML5) or
  `> div#div-comment-ID` (old markup, body loose in `div.comment-body`), replies
  nested in `ol/ul.children`; themes with `li#li-comment-ID > article#comment-ID`;
  old themes with a bare `li#comment-ID` signed by `<cite>Comment by X — date</cite>`;
  the Epoch plugin's nested `div#comment-ID[data-comment-id]`; wpDiscuz, Genesis and
  other themes' author and date slots, ranked after the core walker's; a theme's
  namespaced class (Astra's `ast-comment-content`, block themes'
  `wp-block-comment-author-name`) meets the slot of the plain name it ends with.
- a comment id may be repeated on an inner element (Epoch's "Report" span): the
  outermost element carrying it is the comment, and nesting gives the parent.
- `time[datetime]` is often absent, date-only or a literal "comment_date"; then the
  visible date is read in the page's language and its country's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from lxml import etree
from lxml.html import HtmlElement

from archiver.extract.dates import iso_or_none, parse_site_date
from archiver.extract.html import markup, remove
from archiver.extract.quoting import HEADER_VERBS, take_quotes
from archiver.extract.text import clean_text, html_to_text
from archiver.extract.threads import Own, Shape, Slot, Slots
from archiver.items import Comment, Item

COMMENT_ID = re.compile(r"^(?:li-|div-)?comment-(\d+)$")


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
    "ca": "Europe/Madrid",
    "pt": "Europe/Lisbon",
    "pt-br": "America/Sao_Paulo",
    "pl": "Europe/Warsaw",
    "cs": "Europe/Prague",
    "sv": "Europe/Stockholm",
    "da": "Europe/Copenhagen",
    "tr": "Europe/Istanbul",
    "en-gb": "Europe/London",
}


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


_PERMALINK_PARAGRAPH = etree.XPath(".//p[.//a[contains(@href, $fragment)]]")


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
class Thread:
    site: str
    post_id: str
    page: int
    article_text: str
    zone: str
    languages: tuple[str, ...]
    now: datetime
    authors: frozenset[str]  # the page's commenters, whom quotes may name


def comment_items(own: Own, author: str | None, thread: Thread, index: int) -> Iterator[Item]:
    body = _body(own)  # ours to change when it holds quotes: its markup is kept before they go
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
        body_text=html_to_text(body),
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
    if found is not None and _as_written(own, found):
        return found  # nothing to take out: the page's own element, which no one changes
    tree = own.copy(own.element if found is None else found)
    chrome = [e for e in tree.iter(etree.Element) if CHROME_SLOTS.met(e)]
    if found is None:  # an old theme: the body is loose, signed in the paragraph of its permalink
        chrome += _PERMALINK_PARAGRAPH(tree, fragment=f"#comment-{own.comment_id}")
    remove(chrome)
    return tree


def _as_written(own: Own, body: HtmlElement) -> bool:
    """A body holding no chrome, quote or reply: most comments, kept without a copy."""
    return body not in own.holders and not any(
        e.tag == "blockquote" or CHROME_SLOTS.met(e) for e in body.iter(etree.Element)
    )


def author_of(own: Own) -> str | None:
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


def _posted(own: Own, thread: Thread) -> str | None:
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


def _site_date(text: str, thread: Thread) -> str | None:
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


def zone_of(language: str) -> str:
    """The time zone of dates printed without one: the language's country, else UTC."""
    return ZONES.get(language) or ZONES.get(language.split("-")[0]) or "UTC"
