"""Fast reads of a parsed page: CSS compiled once and run on lxml, page-wide lookups done once.

Parsel translates CSS to XPath and wraps every node in a Selector on each `.css()`
call, most of what a thread parser cost: these queries are compiled once and run on
the lxml tree parsel already built.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, cached_property
from typing import Any

from lxml import etree
from lxml.html import HtmlElement
from parsel.csstranslator import HTMLTranslator

_TRANSLATOR = HTMLTranslator()
STRING = etree.XPath("string()", smart_strings=False)
TEXTS = etree.XPath("text()", smart_strings=False)
_IDS = etree.XPath("//@id")
XML_SPACES = str.maketrans("\t\n\r", "   ")  # what CSS class matching splits on


@cache
def css(query: str) -> etree.XPath:
    """A CSS query compiled once; it matches exactly what parsel's `.css()` matches."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(query), smart_strings=False)


def first(query: str, node: HtmlElement) -> Any:  # noqa: ANN401 - an element or a string
    """The first hit of a CSS query (an element, or a string for `::attr`/`::text`)."""
    found = css(query)(node)
    return found[0] if found else None


def markup(element: HtmlElement) -> str:
    """The element's markup, as parsel's `Selector.get()` gives it."""
    return etree.tostring(element, method="html", encoding="unicode", with_tail=False)


def has_class(name: str) -> str:
    """An XPath test for one class among several ("athing comtr ", "forum-fil comment odd")."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def classes(element: HtmlElement) -> list[str]:
    """Its class names as CSS matches them: split on XML's spaces only."""
    found = element.get("class")
    return found.translate(XML_SPACES).split(" ") if found else []


# Tags whose elements the page-wide lookups read: one walk finds them all.
_LOOKED_UP = ("html", "body", "title", "link", "meta", "script", "input")


class Doc:
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
        return [text for e in self.tags[tag] if _has(e, wanted) for text in TEXTS(e)]

    def meta(self, prop: str) -> str | None:
        """`<meta property=prop content=...>`, or None."""
        return self.attr("meta", "content", property=prop)


def _has(element: HtmlElement, attributes: dict[str, str]) -> bool:
    return all(element.get(name) == value for name, value in attributes.items())


def remove(elements: Iterable[HtmlElement]) -> None:
    """Take these elements (and their tails' text with them) out of their tree."""
    for element in list(elements):
        if element.getparent() is not None:
            element.getparent().remove(element)
