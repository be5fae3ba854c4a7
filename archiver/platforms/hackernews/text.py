"""A Hacker News comment's text: its body unwrapped, its paragraphs, its ">" quotes.

Paragraphs are separated by `<p>` tags that are never closed, and the first has
no tag at all; quotes have no markup: a paragraph starting with ">".
"""

from __future__ import annotations

import re
from html import escape
from typing import NamedTuple

from parsel import Selector, SelectorList

from archiver.extract.html import has_class

_QUOTE_MARK = re.compile(r"^\s*>", re.MULTILINE)
# Inline nodes between these elements form one paragraph; HN emits only <p> and <pre>.
_BLOCKS = {"p", "pre", "div", "blockquote", "ul", "ol"}
# Elements HN wraps a comment's text in, for its class or its grey shade.
_WRAPPERS = {"span", "font", "div"}


class Paragraph(NamedTuple):
    html: str
    text: str
    quote: bool


def unwrapped(element: Selector) -> Selector:
    """The comment element, unwrapped while its one child is a class or shade wrapper."""
    while True:
        children = element.xpath(f"*[not(self::div[{has_class('reply')}])]")
        loose_text = element.xpath("text()[normalize-space()]")
        if len(children) != 1 or loose_text or children[0].root.tag not in _WRAPPERS:
            return element
        element = children[0]


def paragraphs(body: Selector) -> list[Paragraph]:
    """The body's paragraphs: each block element, and each run of inline nodes between them."""
    paragraphs: list[Paragraph] = []
    run: list[Selector] = []
    # Older pages nest the "reply" link inside the comment text.
    for node in body.xpath("node()[not(self::div[contains(@class, 'reply')])]"):
        if is_text(node) or node.root.tag not in _BLOCKS:
            run.append(node)
            continue
        if run:
            paragraphs.append(_paragraph(run))
            run = []
        paragraphs.append(_paragraph([node]))
    if run:
        paragraphs.append(_paragraph(run))
    return paragraphs


def _paragraph(nodes: list[Selector]) -> Paragraph:
    html = "".join(node_html(node) for node in nodes)
    text = "".join(node.root if is_text(node) else node.xpath("string()").get() for node in nodes)
    code = not is_text(nodes[0]) and nodes[0].root.tag == "pre"  # "> " there is a prompt
    return Paragraph(html, text, quote=not code and text.lstrip().startswith(">"))


def is_text(node: Selector) -> bool:
    return isinstance(node.root, str)


def node_html(node: Selector) -> str:
    # parsel hands text nodes back unescaped; escape them again to keep valid HTML.
    return escape(node.get(), quote=False) if is_text(node) else node.get()


def inner_html(element: SelectorList) -> str:
    return "".join(node_html(node) for node in element.xpath("node()")).strip()


def unquote(text: str) -> str:
    """Quoted text without its ">" marks; a multi-line quote has one mark per line."""
    return " ".join(_QUOTE_MARK.sub("", text).split())
