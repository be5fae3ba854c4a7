"""Who a blockquote in a comment quotes: shared by every site whose commenters quote by hand.

Commenters mark a quote in a few ways, which this module reads (first found wins):
- a raw `(quote:ID:pseudo)` marker at the start of the quote, left by next.ink's
  migration of the old Next INpact comments (`(quote:ID:::1)` when it has no pseudo);
- a trailing "[Name]" signature inside the quote, as some German blog commenters write
  (counted only when it names one of the page's commenters);
- the name a forum's quote markup carries (`<blockquote data-name="X">`, XenForo/bbPress);
- a `<cite>` inside the blockquote (WordPress's quote block, many themes): "X",
  "<strong>X</strong> dijo:";
- a header line, as the first line inside the blockquote or the line just before it:
  "Patatt a dit :", "Dave wrote", "On 3 May 2020, X said:", "Zitat von X", "@X :"
  (in the languages of HEADER_VERBS and QUOTE_FROM; the line is removed from the text).

A quote with none of these is the article's (its text is in the article), an
external source's (the line before it links out), or a comment's, which
`attribute_quote` then finds by its text among the earlier comments.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from typing import TypeVar

from lxml import etree
from lxml.html import HtmlElement

from archiver.extract.text import html_to_text, normalize_for_match
from archiver.items import Quote

QUOTE_MARKER = re.compile(r"^\s*\(quote:(\d+)((?::[^:)]*)*)\)\s*")
SIGNATURE = re.compile(r"\s*\[([^\[\]]+)\]\s*$")
QUOTED_NAME = re.compile(r"[‘'“\"]([^’'”\"]{2,})[’'”\"]")
MAX_NAME = 60
MAX_NAME_WORDS = 8
MAX_HEADER = 200
MAX_BARE_WORDS = 3  # words of a name in a header without a colon ("Dave Smith wrote")
MIN_TEXT_MATCH = 8  # characters a quote needs to be found by its text alone

# "X <verb>:" in each language; longest first so "a écrit" wins over "écrit".
HEADER_VERBS: dict[str, tuple[str, ...]] = {
    "fr": ("a dit", "a écrit", "écrit", "écrivait"),
    "en": ("said", "wrote", "says", "writes"),
    "de": ("schrieb", "schreibt", "sagte", "meinte", "hat geschrieben", "hat gesagt"),
    "es": ("dijo", "escribió", "escribio", "ha escrito"),
    "it": ("ha scritto", "scrisse", "ha detto", "scrive"),
    "nl": ("schreef", "zei", "schrijft"),
    "pl": ("napisał", "napisała", "napisał(a)", "pisze"),
    "pt": ("escreveu", "disse", "escreve"),
    "ru": ("написал", "написала", "написал(а)", "пишет", "сказал", "сказала"),
}
# "<words> X" in each language.
QUOTE_FROM: dict[str, tuple[str, ...]] = {
    "fr": ("citation de", "citation :"),
    "en": ("quote from", "quoting", "originally posted by"),
    "de": ("zitat von", "zitat :"),
    "es": ("cita de", "citando a"),
    "it": ("citazione di", "citazione da"),
    "nl": ("citaat van", "quote van"),
    "pl": ("cytat od", "cytując"),
    "pt": ("citação de", "citando"),
    "ru": ("цитата от", "цитата"),
}
# How "On <date>, X wrote:" begins in each language.
DATE_LEADS = ("on", "le", "am", "el", "il", "op", "em", "w dniu", "dnia", "в")
# Words that stand for a person without naming one: "He said:" names nobody.
PRONOUNS = frozenset(
    "i you he she it we they someone somebody ich du er sie es wir jemand je tu il elle on"
    " nous vous ils elles quelqu'un yo él ella alguien io lui lei qualcuno ik jij hij zij ze"
    " iemand ja ty ona ono oni ktoś eu ele ela alguém я ты он она мы они кто-то".split()
)


def _alternatives(words: Collection[str]) -> str:
    ordered = sorted({w for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


_VERB = _alternatives([v for verbs in HEADER_VERBS.values() for v in verbs])
_FROM = _alternatives([w.rstrip(" :") for words in QUOTE_FROM.values() for w in words])
_LEAD = _alternatives(DATE_LEADS)
_END = r"\s*(?P<colon>[:：])?\s*(?:…|\.\.\.)?\s*$"
_WHEN = rf"(?:\s+(?:{_LEAD}|at|um|à|a las|alle|om|o|às)\s+.{{1,40}}?)?"
SAID = re.compile(rf"^(?:(?:{_LEAD})\s+.+,\s*)?@?\s*(?P<name>.+?)\s+(?:{_VERB}){_WHEN}{_END}", re.I)
QUOTED_FROM = re.compile(rf"^(?:{_FROM})\b\s*:?\s*@?\s*(?P<name>.+?)(?:\s+on\s+.+?)?{_END}", re.I)
ADDRESSED = re.compile(r"^(?P<at>@)?\s*(?P<name>[^:：]+?)\s*[:：]\s*$")
COMMENT_LINK = re.compile(r"#comment-(\d+)$")

_QUOTES = "‘’‚'“”„\"«»‹›"
_UNQUOTED = str.maketrans(_QUOTES, " " * len(_QUOTES))
_INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "em", "font", "i", "kbd", "mark", "q", "s",
    "small", "span", "strong", "sub", "sup", "time", "u", "var",
}  # fmt: skip


def take_quotes(
    tree: HtmlElement, article_text: str, site: str, authors: Collection[str] = ()
) -> Iterator[Quote]:
    """Remove each blockquote (and its "X said:" line) from `tree`, yielding a Quote for each.

    `article_text` is the article's text as `normalize_for_match` gives it, so a
    quote of the article is told apart from a quote of a comment. `authors` are the
    commenters of the page: a "[…]" signature or a bare "X :" line counts only when
    it names one of them, and a name that does is given as that commenter spells it.
    """
    for blockquote in list(tree.iterdescendants("blockquote")):
        if _inside_removed(blockquote, tree):
            continue  # nested in a quote already taken: part of its text
        yield _quote(blockquote, article_text, site, authors)
        drop(blockquote)


def _inside_removed(element: HtmlElement, tree: HtmlElement) -> bool:
    """True when an ancestor of `element` was dropped from `tree` (a nested blockquote)."""
    return not any(ancestor is tree for ancestor in element.iterancestors())


def _quote(
    blockquote: HtmlElement, article_text: str, site: str, authors: Collection[str]
) -> Quote:
    quoted_id = author = None
    cited = _take_cite(blockquote, authors)
    text = _own_text(blockquote)
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
    author = author or _named_by_markup(blockquote, authors) or cited
    if not marker:
        first, _, rest = text.partition("\n")
        inside = quote_header(first, authors)
        if inside:
            author = author or inside
            text = rest.strip()
    before = _line_before(blockquote)
    said = quote_header(before.text, authors, links=before.links) if before else None
    if said:
        author = author or said
        quoted_id = quoted_id or _linked_comment(before.links)
        before.remove()
        return Quote(site, "", text, "comment", quoted_id, author)
    previous = blockquote.getprevious()
    kind = "comment" if marker or author else unattributed_kind(text, article_text, previous)
    return Quote(site, "", text, kind, quoted_id, author)


def _own_text(blockquote: HtmlElement) -> str:
    """The blockquote's text without its tail: what follows it is the commenter's reply."""
    tail, blockquote.tail = blockquote.tail, None
    try:
        return html_to_text(blockquote)
    finally:
        blockquote.tail = tail


def _named_by_markup(blockquote: HtmlElement, authors: Collection[str]) -> str | None:
    """The author a forum's quote markup names: `<blockquote data-name="X">` (XenForo, bbPress)."""
    for attribute in ("data-name", "data-author", "data-username", "data-quote-author"):
        name = _clean_name(blockquote.get(attribute) or "")
        if name:
            return _commenter_named(name, authors) or name
    return None


def _take_cite(blockquote: HtmlElement, authors: Collection[str]) -> str | None:
    """The name in a `<cite>` of the blockquote ("X", "X dijo:"), removed from the quoted text."""
    for cite in list(blockquote.iterdescendants("cite")):
        line = " ".join(cite.text_content().split()).lstrip("—–- ").strip()
        drop(cite)
        if line:
            return quote_header(line, authors) or _clean_name(line) or line
    return None


def _signer(signature: str, authors: Collection[str]) -> str | None:
    """The commenter a signature names: "[Kollege ‘Martin Holzherr’]" is Martin Holzherr."""
    signature = " ".join(signature.split())
    named = [a for a in authors if a and len(a) <= MAX_NAME and signature.endswith(a)]
    quoted = QUOTED_NAME.search(signature)
    if quoted and quoted.group(1).strip() in authors:
        return quoted.group(1).strip()
    return max(named, key=len) if named else None


def quote_header(line: str, authors: Collection[str] = (), links: Sequence[str] = ()) -> str | None:
    """The person a quote's header line names ("Dave wrote:", "Zitat von X"), else None.

    A bare "X :" names someone only when X is one of `authors`, or the line is
    addressed ("@X :") or links to a comment (`links`, the hrefs in the line):
    otherwise "Auch hier :" would be a name.
    """
    line = " ".join(unicodedata.normalize("NFKC", line).split())
    if not line or len(line) > MAX_HEADER:
        return None
    for pattern in (QUOTED_FROM, SAID):
        found = pattern.match(line)
        name = _clean_name(found.group("name")) if found else None
        if name and _names_someone(name, colon=bool(found.group("colon"))):  # type: ignore[union-attr]
            return _commenter_named(name, authors) or name
    addressed = ADDRESSED.match(line)
    if not addressed:
        return None
    name = _clean_name(addressed.group("name"))
    commenter = _commenter_named(name, authors, loose=bool(addressed.group("at"))) if name else None
    if commenter or (name and (addressed.group("at") or _linked_comment(links))):
        return commenter or name
    return None


def _names_someone(name: str, colon: bool) -> bool:
    """ "He said:" names nobody; without its colon, "So I said" is prose, not a header."""
    words = name.casefold().split()
    if colon:
        return name.casefold() not in PRONOUNS
    return len(words) <= MAX_BARE_WORDS and not PRONOUNS.intersection(words)


def _clean_name(name: str) -> str | None:
    """A name as a header spells it, without "@", quotes and edge punctuation; None if unlikely."""
    name = " ".join(name.split()).strip(" @,;:.!?–—-" + _QUOTES)
    if not name or len(name) > MAX_NAME or len(name.split()) > MAX_NAME_WORDS:
        return None
    return name if any(c.isalnum() for c in name) else None


def _commenter_named(name: str, authors: Collection[str], loose: bool = True) -> str | None:
    """The commenter `name` stands for, as the page spells it: the same name folded, else
    (`loose`) a quoted name ("Kollege ‘X’"), a name it ends with, or one it holds."""
    key = name_key(name)
    by_key = _by_key(authors)
    if key in by_key or not loose:
        return by_key.get(key)
    quoted = QUOTED_NAME.search(name)
    if quoted and name_key(quoted.group(1)) in by_key:
        return by_key[name_key(quoted.group(1))]
    ends = [a for k, a in by_key.items() if key.endswith(" " + k)]
    held = [a for k, a in by_key.items() if len(k) > 2 and f" {k} " in f" {key} "]
    found = ends or held
    return max(found, key=len) if found else None


def _by_key(authors: Collection[str]) -> dict[str, str]:
    """The commenters by `name_key`, in their order; a page's frozenset of them is folded once."""
    if not isinstance(authors, frozenset):
        return {name_key(a): a for a in authors if a}
    if _FOLDED[0] is not authors:  # by identity: an equal set may iterate in another order
        _FOLDED[:] = [authors, {name_key(a): a for a in authors if a}]
    return _FOLDED[1]


_FOLDED: list = [None, {}]  # the last frozenset of commenters folded, and its folding


def name_key(name: str | None) -> str:
    """A name folded for comparison: NFKC, casefold, spaces collapsed, "@" and quotes dropped."""
    name = unicodedata.normalize("NFKC", name or "").casefold().translate(_UNQUOTED)
    return " ".join(name.split()).strip(" @,;:.")


class _Line:
    """The inline text just before a blockquote (or the block element before it), removable."""

    def __init__(self, text: str, links: list[str], remove: Callable[[], None]) -> None:
        self.text, self.links, self.remove = text, links, remove


def _line_before(blockquote: HtmlElement) -> _Line | None:
    """What a reader sees as the line before the blockquote: the run of text and inline
    elements since the last block or `<br>`, else the whole block element before it."""
    parent = blockquote.getparent()
    run: list[HtmlElement] = []
    pieces: list[str] = []
    node = blockquote.getprevious()
    while node is not None and (not isinstance(node.tag, str) or node.tag in _INLINE):
        pieces.append(node.tail or "")
        if isinstance(node.tag, str):
            pieces.append(node.text_content())
            run.append(node)
        node = node.getprevious()
    stop = node
    lead = (stop.tail if stop is not None else parent.text) or ""
    pieces.append(lead)
    text = "".join(reversed(pieces))
    if text.strip():

        def remove_run() -> None:
            for element in run:
                element.getparent().remove(element)
            if stop is not None:
                stop.tail = None
            else:
                parent.text = None

        return _Line(text, [href for e in run for href in _hrefs(e)], remove_run)
    if stop is None or stop.tag == "br" or not isinstance(stop.tag, str):
        return None
    return _Line(stop.text_content(), _hrefs(stop), lambda: stop.getparent().remove(stop))


def _hrefs(element: HtmlElement) -> list[str]:
    return [a.get("href") or "" for a in element.iter("a")]


def _linked_comment(links: Sequence[str]) -> str | None:
    """The comment a header links to (`…#comment-58568`, as wpDiscuz writes "@Nossi :")."""
    for href in links:
        found = COMMENT_LINK.search(href)
        if found:
            return found.group(1)
    return None


def unattributed_kind(text: str, article_text: str, before: HtmlElement | None) -> str:
    """A bare blockquote quotes the article, a linked source, or (by text) a comment."""
    if text and article_text and normalize_for_match(text) in article_text:
        return "article"
    if before is not None and _WEB_LINK(before):
        return "external"
    return "comment"


_WEB_LINK = etree.XPath(".//a[starts-with(@href, 'http')]")


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


CommentId = TypeVar("CommentId", bound=Hashable)


def attribute_quote(
    author: str | None, text: str, earlier: Sequence[tuple[CommentId, str | None, str]]
) -> CommentId | None:
    """The earlier comment a quote quotes: `earlier` is the thread's comments before the
    quoting one, oldest first, as (id, author, body text).

    The most recent comment by the quoted author that holds the quoted text wins;
    else the most recent that holds the text (a quote with no name, or a misspelt
    one); else the quoted author's most recent comment (the text was edited or
    paraphrased). Names compare folded (`name_key`), texts as `normalize_for_match`.
    A text shorter than MIN_TEXT_MATCH ("Yes.") is matched only with its author's name.
    """
    wanted = normalize_for_match(text or "")
    key = name_key(author) if author else ""
    by_name = by_text = None
    for comment, name, body in reversed(earlier):
        named = bool(key) and name_key(name) == key
        holds = bool(wanted) and wanted in normalize_for_match(body or "")
        if named and holds:
            return comment
        if holds and by_text is None and len(wanted) >= MIN_TEXT_MATCH:
            by_text = comment
        if named and by_name is None:
            by_name = comment
    return by_text if by_text is not None else by_name


__all__ = [
    "HEADER_VERBS",
    "QUOTE_FROM",
    "attribute_quote",
    "drop",
    "name_key",
    "quote_header",
    "take_quotes",
    "unattributed_kind",
]
