"""The shared thread engine: a page's nested comments, each with its own part and its parent.

A platform declares its thread's shape: which element ids name a comment, how a link
to a comment's permalink ends, and the slots a comment is read by (author, body,
date...), each a ranked list of simple CSS selectors: the first that hits wins, so a
new theme is one more selector, not a branch. One walk over the page then gives each
element to the comment whose own part it is: a comment's element is the outermost one
carrying its id, and what carries another comment's id inside it (its replies) is not
its own; nesting gives the parent.

Themes bend that shape, each way a ranked fallback rather than a branch:
- the id may sit on an inner element: the comment is then the nearest wrapper around
  it (`li`, `.comment`) that holds no other comment before it;
- a theme may close each comment before its replies' list, losing the nesting: the
  parent is then the last comment one level up (its `depth-N` class) before it, else
  the comment just before the `.children` list it sits in;
- pingbacks may be printed without any id: they get one derived from what they show.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import NamedTuple
from urllib.parse import unquote

from lxml import etree
from lxml.html import HtmlElement

from archiver.extract.html import STRING, XML_SPACES, Doc, classes, css


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
    """Slots compiled to simple selectors indexed by the class they need, else by their tag.

    A theme may print a compound class under its own namespace (`ast-comment-content`,
    `wp-block-comment-author-name`): such a class meets the selectors of the compound
    class it ends with, ranked after all of its slot's own selectors, so a page whose
    markup has the plain names keeps them. A one-word class (`date`, `fn`) must match
    whole: `update-date` is no comment's date.
    """

    def __init__(self, *slots: Slot) -> None:
        # each slot's selectors, then their namespaced forms
        self.ranks = {slot.name: 2 * len(slot.selectors) for slot in slots}
        lengths = {slot.name: len(slot.selectors) for slot in slots}
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
        self._compound = {
            name: tuple(_namespaced(rule, lengths) for rule in found)
            for name, found in self.by_class.items()
            if "-" in name
        }
        self.known: dict[str, tuple[_Rule, ...]] = dict(self.by_class)  # each class name seen
        self.seen: dict[tuple[str, str | None], _Met] = {}  # each (tag, class attribute) seen

    def of_class(self, name: str) -> tuple[_Rule, ...]:
        """The rules a class name meets: its own, else those of the compound class it ends with."""
        found = self.known.get(name)
        if found is not None:
            return found
        found, rest = (), name
        while not found and "-" in rest:
            rest = rest.partition("-")[2]
            found = self._compound.get(rest, ())
        if len(self.known) < _KNOWN_CLASSES:
            self.known[name] = found
        return found

    def met(self, element: HtmlElement) -> bool:
        """Whether an element meets any selector (not counting those within an ancestor)."""
        return bool(self.rules_of(element.tag, element.get("class")).plain)

    def rules_of(self, tag: str, names: str | None) -> _Met:
        """The rules an element of this tag and class attribute meets: a page repeats a few
        (tag, class) pairs, so each is worked out once."""
        found = self.seen.get((tag, names))
        if found is None:
            found = self._rules_of(tag, names)
            if len(self.seen) < _KNOWN_CLASSES:
                self.seen[(tag, names)] = found
        return found

    def _rules_of(self, tag: str, names: str | None) -> _Met:
        split = names.translate(XML_SPACES).split(" ") if names else []
        rules = [*self.by_tag.get(tag, ()), *(r for name in split for r in self.of_class(name))]
        met = tuple(r for r in rules if r.tag is None or r.tag == tag)
        plain = tuple(r for r in met if r.within is None)
        return _Met(met, plain, self.within in split)


class _Met(NamedTuple):
    """The rules an element meets, and whether its classes open the one `within` class."""

    within: tuple[_Rule, ...]  # under an element of the `within` class: all of them
    plain: tuple[_Rule, ...]  # elsewhere: those needing no ancestor
    opens: bool


def _namespaced(rule: _Rule, lengths: dict[str, int]) -> _Rule:
    """A rule as a namespaced class meets it: ranked after its slot's own selectors."""
    slot, rank = rule.key
    return rule if rule.every else replace(rule, key=(slot, lengths[slot] + rank))


_KNOWN_CLASSES = 100_000  # class names (and tag, class pairs) remembered, across pages


@dataclass(frozen=True)
class Shape:
    """How a platform's threads look."""

    comment_id: re.Pattern[str]  # an element id naming a comment; group 1 is the comment id
    permalink: str  # what precedes the comment id in a link to it ("#comment-")
    slots: Slots
    wrappers: tuple[str, ...] = ()  # "li", ".comment": what may wrap an inner id element
    depth: re.Pattern[str] | None = None  # a class naming a comment's level; group 1, top 1
    keyless: tuple[str, ...] = ()  # "li.pingback": comments printed without any id


@dataclass(eq=False)
class Own:
    """A comment's element less the replies nested in it, as the hits of its slots."""

    element: HtmlElement  # the element carrying its id: its body when no slot finds one
    comment_id: str
    slots: Slots
    outer: HtmlElement | None = None  # a wrapper around `element` holding only this comment
    parent: str | None = None
    depth: int | None = None  # the level its classes name, when they do
    walked: bool = False
    first: dict[tuple[str, int], HtmlElement] = field(default_factory=dict)
    every: dict[tuple[str, int], list[HtmlElement]] = field(default_factory=dict)
    cuts: set[HtmlElement] = field(default_factory=set)  # elements of other comments in it
    holders: set[HtmlElement] = field(default_factory=set)  # its elements holding a cut
    links: list[str] = field(default_factory=list)  # hrefs to it, from anywhere in its element

    @property
    def top(self) -> HtmlElement:
        """The outermost element that is this comment's: what nests in others' and holds its."""
        return self.element if self.outer is None else self.outer

    def ranked(self, slot: str) -> list[HtmlElement]:
        """A slot's hits, best-ranked selector first (one per selector)."""
        return [self.first[key] for key in sorted(key for key in self.first if key[0] == slot)]

    def best(self, slot: str) -> HtmlElement | None:
        found = [key for key in self.first if key[0] == slot]
        return self.first[min(found)] if found else None

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

    def _cut(self, element: HtmlElement) -> None:
        self.cuts.add(element)
        for ancestor in element.iterancestors():
            self.holders.add(ancestor)
            if ancestor is self.top:
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
    if shape.wrappers or shape.depth:
        for own in parts.values():
            _enclose(own, shape, marks)
    if shape.keyless and _keyless(doc, shape, marks, parts):
        order = {element: index for index, element in enumerate(doc.root.iter())}
        parts = dict(sorted(parts.items(), key=lambda item: order[item[1].element]))
    by_element = {own.top: own for own in parts.values()}
    for own in parts.values():
        if not own.walked:
            _walk(own.top, shape, by_element, marks, parts)
    if shape.depth:
        _parents_by_depth(parts.values())
    _parents_by_children_list(parts.values(), by_element)
    return list(parts.values())


# How far above its id element a comment's wrapper (or its depth class) may sit.
_WRAPPER_LEVELS = 4


def _enclose(own: Own, shape: Shape, marks: dict[HtmlElement, str]) -> None:
    """Read the comment's depth, and make its element the wrapper around an inner id element.

    Climbing stops at a list (a thread's, or replies') and at an element holding
    another comment before this one: what lies above is not this comment's alone.
    """
    element = own.element
    own.depth = _depth(element, shape.depth)
    wrap = element.tag != "li" and bool(shape.wrappers)
    for level, ancestor in enumerate(element.iterancestors()):
        if level >= _WRAPPER_LEVELS or ancestor.tag in ("ol", "ul", "body"):
            return
        if _first_mark(ancestor, marks) != own.comment_id:
            return
        if own.depth is None:
            own.depth = _depth(ancestor, shape.depth)
        if wrap and _is_wrapper(ancestor, shape.wrappers):
            own.outer = ancestor
            marks[ancestor] = own.comment_id
            return


def _first_mark(element: HtmlElement, marks: dict[HtmlElement, str]) -> str | None:
    for inner in element.iter():
        found = marks.get(inner)
        if found is not None:
            return found
    return None


def _is_wrapper(element: HtmlElement, wrappers: tuple[str, ...]) -> bool:
    names = classes(element)
    return any(
        element.tag == wrapper or (wrapper[0] == "." and wrapper[1:] in names)
        for wrapper in wrappers
    )


def _depth(element: HtmlElement, pattern: re.Pattern[str] | None) -> int | None:
    if pattern is None:
        return None
    for name in classes(element):
        found = pattern.fullmatch(name)
        if found:
            return int(found.group(1))
    return None


def _keyless(doc: Doc, shape: Shape, marks: dict[HtmlElement, str], parts: dict[str, Own]) -> int:
    """Comments printed without an id, each keyed by what it shows: its kind, text and links.

    A hash of the content, not a position, so the key survives a re-crawl that adds
    comments before it; the same content twice gets an ordinal.
    """
    added = 0
    for selector in shape.keyless:
        tag, _, name = selector.partition(".")
        for element in css(selector)(doc.root):
            if any(inner in marks for inner in element.iter()):
                continue
            text = " ".join(STRING(element).split())
            links = " ".join(unquote(a.get("href") or "") for a in element.iter("a"))
            digest = hashlib.sha1(f"{text}\n{links}".encode()).hexdigest()[:12]
            key = f"{name or tag}-{digest}"
            for ordinal in itertools.count(2):
                if key not in parts:
                    break
                key = f"{name or tag}-{digest}-{ordinal}"
            marks[element] = key
            parts[key] = Own(element, key, shape.slots)
            added += 1
    return added


def _parents_by_depth(parts: Iterable[Own]) -> None:
    """A comment one level down with no parent by nesting: the last comment one level up."""
    last: dict[int, Own] = {}
    for own in parts:
        if own.depth is None:
            continue
        above = last.get(own.depth - 1)
        if own.parent is None and own.depth > 1 and above is not None:
            own.parent = above.comment_id
        last = {depth: o for depth, o in last.items() if depth < own.depth}
        last[own.depth] = own


def _parents_by_children_list(parts: Iterable[Own], by_element: dict[HtmlElement, Own]) -> None:
    """A comment in a `.children` list printed after (not inside) its parent's element."""
    for own in parts:
        holder = own.top.getparent()
        if own.parent is not None or holder is None or "children" not in classes(holder):
            continue
        sibling = next(holder.itersiblings(etree.Element, preceding=True), None)
        before = by_element.get(sibling) if sibling is not None else None
        if before is not None and before is not own:
            own.parent = before.comment_id


def _walk(
    top: HtmlElement,
    shape: Shape,
    by_element: dict[HtmlElement, Own],
    marks: dict[HtmlElement, str],
    parts: dict[str, Own],
) -> None:
    """Give each element under `top` to the comment whose own part it is.

    The hottest loop of a thread parser (~500 elements a page): it calls no function
    per element but for a (tag, class) pair not seen before, which would double its
    cost. Only a comment's element, a reply cut from it and a `within` element change
    what the elements under them belong to: each such change is undone at the first
    element past its subtree (`_past`), so the walk needs no end events.
    """
    slots = shape.slots
    seen = slots.seen
    changes: list[tuple[HtmlElement | None, Own | None, Own | None, bool]] = []
    past: HtmlElement | None = None  # where the last change in `changes` ends
    container: Own | None = None  # the innermost comment element around
    own: Own | None = None  # the comment whose own part this is (None: another's reply)
    within = False  # under an element of the `within` class in that comment
    for element in top.iter():
        while element is past:
            _, container, own, within = changes.pop()
            past = changes[-1][0] if changes else None
        mark = marks.get(element)
        if mark is not None:
            part = by_element.get(element)
            if part is not None:
                past = _past(element, top)
                changes.append((past, container, own, within))
                if own is not None:
                    own._cut(element)
                part.parent = container.comment_id if container else None
                part.walked = True
                container = own = part
                within = False
            elif own is not None and mark != own.comment_id:
                past = _past(element, top)
                changes.append((past, container, own, within))
                own._cut(element)
                own = None
        tag = element.tag
        if tag == "a" and container is not None:
            _link(element, container, parts, shape.permalink)
        if own is None:
            continue
        names = element.get("class")
        met = seen.get((tag, names)) or slots.rules_of(tag, names)
        for rule in met.within if within else met.plain:
            if not rule.every:
                own.first.setdefault(rule.key, element)
                continue
            hits = own.every.setdefault(rule.key, [])
            if not hits or hits[-1] is not element:  # one element may meet two of the rules
                hits.append(element)
        if met.opens and not within:
            past = _past(element, top)
            changes.append((past, container, own, within))
            within = True


def _past(element: HtmlElement, top: HtmlElement) -> HtmlElement | None:
    """The first node after the element's subtree in a walk of `top`'s; None at its end."""
    while element is not top:
        following = element.getnext()
        if following is not None:
            return following
        element = element.getparent()
    return None


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
