"""The shared thread engine: a page's nested comments, each with its own part and its parent.

A platform declares its thread's shape: which element ids name a comment, how a link
to a comment's permalink ends, and the slots a comment is read by (author, body,
date...), each a ranked list of simple CSS selectors: the first that hits wins, so a
new theme is one more selector, not a branch. One walk over the page then gives each
element to the comment whose own part it is: a comment's element is the outermost one
carrying its id, and what carries another comment's id inside it (its replies) is not
its own; nesting gives the parent.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement

from archiver.extract.html import STRING, XML_SPACES, Doc, classes


@dataclass(frozen=True)
class Slot:
    """A part of a comment, read by ranked simple selectors ("li.x", ".x", ".x tag", ".x .y")."""

    name: str
    selectors: tuple[str, ...]
    every: bool = False  # keep every hit in page order, not just each selector's first


@dataclass(frozen=True)
class _Rule:
    key: tuple[str, int]  # (slot, rank)
    tag: str | None
    cls: str | None
    within: str | None  # the class of an ancestor inside the same comment
    every: bool


_SIMPLE = re.compile(r"(?:\.([\w-]+) )?([a-z]+)?(?:\.([\w-]+))?")


def _rules(slot: Slot) -> list[_Rule]:
    rules = []
    for rank, selector in enumerate(slot.selectors):
        for one in selector.split(","):
            found = _SIMPLE.fullmatch(one.strip())
            if not found or not (found.group(2) or found.group(3)):
                raise ValueError(f"not a simple selector: {one!r}")
            key = (slot.name, 0 if slot.every else rank)
            rules.append(_Rule(key, found.group(2), found.group(3), found.group(1), slot.every))
    return rules


class Slots:
    """Slots compiled to simple selectors indexed by the class they need, else by their tag."""

    def __init__(self, *slots: Slot) -> None:
        self.ranks = {slot.name: len(slot.selectors) for slot in slots}
        self.by_class: dict[str, tuple[_Rule, ...]] = {}
        self.by_tag: dict[str, tuple[_Rule, ...]] = {}
        rules = [rule for slot in slots for rule in _rules(slot)]
        for rule in rules:
            index = self.by_class if rule.cls else self.by_tag
            key = rule.cls or rule.tag or ""
            index[key] = (*index.get(key, ()), rule)
        within = {rule.within for rule in rules if rule.within}
        if len(within) > 1:  # the walk tracks one ancestor class
            raise ValueError(f"rules within more than one class: {within}")
        self.within = within.pop() if within else None

    def met(self, element: HtmlElement) -> bool:
        """Whether an element meets any selector (not counting those within an ancestor)."""
        tag = element.tag
        if any(r.within is None for r in self.by_tag.get(tag, ())):
            return True
        return any(
            (r.tag is None or r.tag == tag) and r.within is None
            for name in classes(element)
            for r in self.by_class.get(name, ())
        )


@dataclass(frozen=True)
class Shape:
    """How a platform's threads look."""

    comment_id: re.Pattern[str]  # an element id naming a comment; group 1 is the comment id
    permalink: str  # what precedes the comment id in a link to it ("#comment-")
    slots: Slots


@dataclass(eq=False)
class Own:
    """A comment's element less the replies nested in it, as the hits of its slots."""

    element: HtmlElement
    comment_id: str
    slots: Slots
    parent: str | None = None
    walked: bool = False
    first: dict[tuple[str, int], HtmlElement] = field(default_factory=dict)
    every: dict[tuple[str, int], list[HtmlElement]] = field(default_factory=dict)
    cuts: set[HtmlElement] = field(default_factory=set)  # elements of other comments in it
    holders: set[HtmlElement] = field(default_factory=set)  # its elements holding a cut
    links: list[str] = field(default_factory=list)  # hrefs to it, from anywhere in its element

    def ranked(self, slot: str) -> list[HtmlElement]:
        """A slot's hits, best-ranked selector first (one per selector)."""
        found = (self.first.get((slot, rank)) for rank in range(self.slots.ranks[slot]))
        return [element for element in found if element is not None]

    def best(self, slot: str) -> HtmlElement | None:
        return next(iter(self.ranked(slot)), None)

    def hits(self, slot: str) -> list[HtmlElement]:
        """Every hit of an `every` slot, in page order."""
        return self.every.get((slot, 0), [])

    def string(self, element: HtmlElement) -> str:
        """XPath's string() of an element as this comment's own part holds it."""
        if element not in self.holders:
            return STRING(element)
        return "".join(self.texts(element, "descendant::text()"))

    def texts(self, element: HtmlElement, query: str = "text()") -> list[str]:
        """The text nodes a query finds in the element, less those of other comments."""
        if element not in self.holders:
            return element.xpath(query, smart_strings=False)
        texts = []
        for text in element.xpath(query):
            holder = text.getparent()  # for a tail, the element it follows
            chain = [holder, *holder.iterancestors()]
            if self.cuts.isdisjoint(chain[: chain.index(element)]):
                texts.append(str(text))
        return texts

    def copy(self, element: HtmlElement) -> HtmlElement:
        """A copy of an element of the comment, less the other comments' elements inside it."""
        tree = copy.deepcopy(element)
        if element not in self.holders:
            return tree
        paths = []
        for cut in self.cuts:
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

    def _record(self, element: HtmlElement, rule: _Rule) -> None:
        if not rule.every:
            self.first.setdefault(rule.key, element)
            return
        hits = self.every.setdefault(rule.key, [])
        if not hits or hits[-1] is not element:  # one element may meet two of the rules
            hits.append(element)

    def _cut(self, element: HtmlElement) -> None:
        self.cuts.add(element)
        for ancestor in element.iterancestors():
            self.holders.add(ancestor)
            if ancestor is self.element:
                break


def own_parts(doc: Doc, shape: Shape) -> list[Own]:
    """Each comment's own part in page order, with its parent: one walk over the comments.

    The walk visits each element once, where copying each comment less its replies
    cost O(comments × depth).
    """
    marks: dict[HtmlElement, str] = {}
    parts: dict[str, Own] = {}
    for value, element in doc.with_ids:
        found = shape.comment_id.match(value)
        if found:
            marks[element] = found.group(1)
            if found.group(1) not in parts:
                parts[found.group(1)] = Own(element, found.group(1), shape.slots)
    by_element = {own.element: own for own in parts.values()}
    for own in parts.values():
        if not own.walked:
            _walk(own.element, shape, by_element, marks, parts)
    return list(parts.values())


def _walk(
    top: HtmlElement,
    shape: Shape,
    by_element: dict[HtmlElement, Own],
    marks: dict[HtmlElement, str],
    parts: dict[str, Own],
) -> None:
    """Give each element under `top` to the comment whose own part it is.

    The hottest loop of a thread parser (~500 elements a page): it calls no function
    per element, which would double its cost.
    """
    slots = shape.slots
    by_class, by_tag, opening = slots.by_class, slots.by_tag, slots.within
    stack: list[tuple[Own | None, Own | None, bool]] = []
    container: Own | None = None  # the innermost comment element around
    own: Own | None = None  # the comment whose own part this is (None: another's reply)
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
                    own._cut(element)
                part.parent = container.comment_id if container else None
                part.walked = True
                container = own = part
                within = False
            elif own is not None and mark != own.comment_id:
                own._cut(element)
                own = None
        tag = element.tag
        if tag == "a" and container is not None:
            _link(element, container, parts, shape.permalink)
        if own is None:
            continue
        rules = by_tag.get(tag, ())
        names = element.get("class")
        if names:
            split = names.translate(XML_SPACES).split(" ")
            for name in split:
                if name in by_class:
                    rules += by_class[name]
            opens = opening in split
        else:
            opens = False
        for rule in rules:
            if (rule.tag is None or rule.tag == tag) and (rule.within is None or within):
                own._record(element, rule)
        within = within or opens


def _link(link: HtmlElement, container: Own, parts: dict[str, Own], permalink: str) -> None:
    """A link to a comment's permalink, kept for that comment if it lies inside it."""
    href = link.get("href")
    target = parts.get(href.rpartition(permalink)[2]) if href and permalink in href else None
    around: Own | None = container
    while target is not None and around is not None:
        if around is target:
            target.links.append(href)  # type: ignore[arg-type]
            return
        around = parts.get(around.parent) if around.parent else None


def remove(elements: Iterable[HtmlElement]) -> None:
    """Take these elements (and their tails' text with them) out of their tree."""
    for element in list(elements):
        if element.getparent() is not None:
            element.getparent().remove(element)
