"""A SPIP article and its forum, as SPIP's own templates (squelettes-dist) print them.

How the page maps onto the archive:
- SPIP prints no id attribute on a forum message: its number is in the class names
  of the Crayons editing plugin (`forum-texte-N`, `forum-qui-N`) and in its reply
  link (`spip.php?page=forum&id_article=A&id_forum=N`, its query decoded); the
  article's number the same way (`article-texte-A`, `id_article=A`). A page
  without one is no article.
- The thread is `ul.forum > li.forum-fil`, replies in a `ul` inside their parent's
  `li`: a message's own part is what is not inside a nested `li.forum-fil`, its
  parent the nearest `li.forum-fil` around it.
- Author `.comment-author .fn` (or `.forum-qui-N`), date `abbr.date[title]` in UTC;
  the article's title, author and dates come from the page's structured data, else
  from SPIP's own markup (`.vcard.author .fn`, `abbr.published[title]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from urllib.parse import parse_qs, urlsplit

from lxml.html import HtmlElement
from scrapy.http import HtmlResponse, TextResponse

from archiver.extract.dates import iso_or_none
from archiver.extract.html import classes, has_class, markup
from archiver.extract.page import read_alone
from archiver.extract.structured import article_metadata, site_of
from archiver.extract.text import clean_text, html_to_text
from archiver.extract.urls import original_url
from archiver.items import Article, Comment, Item

_NUMBERED = re.compile(r"^(?:article|forum)-(?:texte|qui|titre)-(\d+)$")
_AUTHOR = f"//*[{has_class('author')}]//*[{has_class('fn')}]"  # SPIP's lesauteurs model
_PUBLISHED = f"//abbr[{has_class('published')}]/@title"
_MESSAGE = f"li[{has_class('forum-fil')}]"


def parse_page(response: TextResponse) -> Iterator[Item]:
    """The article, then every message of its forum in page order."""
    if not isinstance(response, HtmlResponse):
        return
    root = response.selector.root
    article_id = _article_id(root)
    if article_id is None:
        return  # a listing, a rubrique: the spider follows its links
    meta = article_metadata(response.selector, response.url)
    body = _numbered(root, "article-texte", article_id)
    site = site_of(meta.canonical_url or response.url)
    yield Article(
        site=site,
        site_article_id=article_id,
        url=response.url,
        title=meta.title,
        canonical_url=meta.canonical_url,
        author=meta.author or _first_text(root, _AUTHOR),
        published=meta.published or iso_or_none(_first_text(root, _PUBLISHED)),
        updated=meta.updated,
        body_html=markup(body) if body is not None else None,
        body_text=html_to_text(markup(body)) if body is not None else None,
        tags=meta.tags,
        comment_count=meta.comment_count,
    )
    messages = root.xpath(f"//{_MESSAGE}")
    parts = {message: _own(message) for message in messages}
    numbers = {message: _number(parts[message]) for message in messages}
    numbered = [message for message in messages if numbers[message]]
    for index, message in enumerate(numbered, start=1):
        parent = message.xpath(f"ancestor::{_MESSAGE}[1]")
        replying_to = numbers.get(parent[0]) if parent else None
        number = numbers[message]
        read = partial(_comment, parts[message], number, replying_to, site, article_id, index)
        yield from read_alone(read, response.url, f"comment {number}")


def _comment(
    own: list[HtmlElement],
    number: str,
    parent: str | None,
    site: str,
    article_id: str,
    index: int,
) -> Iterator[Comment]:
    # The Crayons element of its text, else the template's own `div.forum-texte`.
    texts = [e for e in own if f"forum-texte-{number}" in classes(e)]
    text = next(iter(texts or [e for e in own if "forum-texte" in classes(e)]), None)
    author = next(
        (e for e in own if "fn" in classes(e) or f"forum-qui-{number}" in classes(e)), None
    )
    date = next((e for e in own if e.tag == "abbr" and "date" in classes(e)), None)
    body_html = markup(text) if text is not None else ""
    yield Comment(
        site=site,
        site_comment_id=number,
        site_article_id=article_id,
        author=clean_text(author.text_content()) if author is not None else None,
        posted=iso_or_none(date.get("title")) if date is not None else None,
        body_html=body_html,
        body_text=html_to_text(body_html),
        parent_site_comment_id=parent,
        index=index,
    )


def _own(message: HtmlElement) -> list[HtmlElement]:
    """A message's elements in page order, less the replies nested in it (their `li`)."""
    found, stack = [], [message]
    while stack:
        element = stack.pop()
        found.append(element)
        stack.extend(c for c in reversed(element) if not _is_message(c))
    return found


def _is_message(element: HtmlElement) -> bool:
    return element.tag == "li" and "forum-fil" in classes(element)


def _number(own: list[HtmlElement]) -> str | None:
    """A message's number; None for one printing none (it cannot be told from another)."""
    return next(filter(None, (_number_in(e) for e in own)), None)


def _number_in(element: HtmlElement) -> str | None:
    """A forum message's number, in a Crayons class or in its reply link."""
    for name in classes(element):
        found = _NUMBERED.match(name)
        if found and name.startswith("forum-"):
            return found.group(1)
    return _query_number(element.get("href"), "id_forum")


def _article_id(root: HtmlElement) -> str | None:
    """The article's number: its Crayons text class, else the forum's reply links."""
    for name in (n for e in root.xpath("//*[@class]") for n in classes(e)):
        found = _NUMBERED.match(name)
        if found and name.startswith("article-texte-"):
            return found.group(1)
    for href in root.xpath("//a[contains(@href, 'forum')]/@href"):
        if _query_number(href, "id_forum") and (number := _query_number(href, "id_article")):
            return number
    return None


def _query_number(href: str | None, name: str) -> str | None:
    """The number a link's query gives `name` (decoded: `id%5Fforum` is `id_forum`)."""
    if not href:
        return None
    values = parse_qs(urlsplit(original_url(href)).query).get(name, [""])
    return values[0] if values[0].isdigit() else None


def _numbered(root: HtmlElement, prefix: str, number: str) -> HtmlElement | None:
    found = root.xpath(f"//*[{has_class(f'{prefix}-{number}')}]")
    return found[0] if found else None


def _first_text(root: HtmlElement, query: str) -> str | None:
    found = root.xpath(query)
    if not found:
        return None
    first = found[0]
    return clean_text(first if isinstance(first, str) else first.text_content())
