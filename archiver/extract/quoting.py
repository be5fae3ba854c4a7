"""Who a blockquote in a comment quotes: shared by every site whose commenters quote by hand.

Commenters mark a quote in a few ways, which this module reads:
- a line just before the blockquote: "Patatt a dit :", "Dave said:", "X wrote:",
  "X schrieb:" (the line is removed from the comment's own text);
- a `<cite>` inside the blockquote (WordPress's quote block and many themes);
- a raw `(quote:ID:pseudo)` marker at the start of the quote, left by next.ink's
  migration of the old Next INpact comments (`(quote:ID:::1)` when it has no pseudo);
- a trailing "[Name]" signature inside the quote, as some German blog commenters write
  (counted only when it names one of the page's commenters).

A quote with none of these is the article's (its text is in the article), an
external source's (the line before it links out), or a comment's, which the store
then finds by its text among the earlier comments.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from lxml.html import HtmlElement
from parsel import Selector

from archiver.extract.text import html_to_text, normalize_for_match
from archiver.items import Quote

QUOTE_MARKER = re.compile(r"^\s*\(quote:(\d+)((?::[^:)]*)*)\)\s*")
SAID = re.compile(
    r"^\s*@?\s*(.+?)\s+(?:a dit|said|says|wrote|writes|schrieb|schreibt|sagte|meinte)\s*:\s*$",
    re.IGNORECASE,
)
SIGNATURE = re.compile(r"\s*\[([^\[\]]+)\]\s*$")
QUOTED_NAME = re.compile(r"[‘'“\"]([^’'”\"]{2,})[’'”\"]")
MAX_NAME = 60


def take_quotes(
    tree: HtmlElement, article_text: str, site: str, authors: Collection[str] = ()
) -> Iterator[Quote]:
    """Remove each blockquote (and its "X said:" line) from `tree`, yielding a Quote for each.

    `article_text` is the article's text as `normalize_for_match` gives it, so a
    quote of the article is told apart from a quote of a comment. `authors` are the
    commenters of the page: a "[…]" signature counts only when it names one of them.
    """
    for blockquote in tree.xpath(".//blockquote"):
        yield _quote(blockquote, article_text, site, authors)
        drop(blockquote)


def _quote(
    blockquote: HtmlElement, article_text: str, site: str, authors: Collection[str]
) -> Quote:
    quoted_id = author = None
    cited = _take_cite(blockquote)
    text = html_to_text(Selector(root=blockquote))
    marker = QUOTE_MARKER.match(text)
    if marker:
        quoted_id = marker.group(1)
        # (quote:ID:pseudo), sometimes with extra fields and no pseudo: (quote:ID:::1)
        author = (marker.group(2).split(":") + ["", ""])[1] or None
        text = text[marker.end() :].strip()
    signature = SIGNATURE.search(text) if not marker else None
    signed = _signer(signature.group(1), authors) if signature else None
    if signed:
        author = signed
        text = text[: signature.start()].strip()  # type: ignore[union-attr]
    author = author or cited
    before = blockquote.getprevious()
    said = SAID.match(before.text_content()) if before is not None else None
    if said and len(said.group(1)) <= MAX_NAME:
        author = author or said.group(1).strip()
        before.getparent().remove(before)
        return Quote(site, "", text, "comment", quoted_id, author)
    kind = "comment" if marker or author else unattributed_kind(text, article_text, before)
    return Quote(site, "", text, kind, quoted_id, author)


def _take_cite(blockquote: HtmlElement) -> str | None:
    """The name in a `<cite>` of the blockquote, removed from the quoted text."""
    for cite in blockquote.xpath(".//cite"):
        name = " ".join(cite.text_content().split()).lstrip("—–- ").strip()
        drop(cite)
        if name:
            return name
    return None


def _signer(signature: str, authors: Collection[str]) -> str | None:
    """The commenter a signature names: "[Kollege ‘Martin Holzherr’]" is Martin Holzherr."""
    signature = " ".join(signature.split())
    named = [a for a in authors if a and len(a) <= MAX_NAME and signature.endswith(a)]
    quoted = QUOTED_NAME.search(signature)
    if quoted and quoted.group(1).strip() in authors:
        return quoted.group(1).strip()
    return max(named, key=len) if named else None


def unattributed_kind(text: str, article_text: str, before: HtmlElement | None) -> str:
    """A bare blockquote quotes the article, a linked source, or (by text) a comment."""
    if text and article_text and normalize_for_match(text) in article_text:
        return "article"
    if before is not None and before.xpath(".//a[starts-with(@href, 'http')]"):
        return "external"
    return "comment"


def drop(element: HtmlElement) -> None:
    """Remove an element but keep the text that follows it."""
    parent = element.getparent()
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
