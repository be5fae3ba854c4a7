"""Quote headers and attribution: real phrases from the corpus, hand-made forms, properties.

Real phrases (tests read the pages in place):
- wordpress/spektrum.de.engelbart.html: "@ Kommentatorenfreund ‘Martin Holzherr’ :" before
  the blockquote of comment 2779; "[Dietmar Hilsebein]" signatures; prose lines ending in
  ":" that name no one ("Bonuskommentar hierzu :", "Dies hier, Kommentatorenkollege
  ‘Chrys’, war aber falsch :").
- wordpress/spontis.de.jahrzehnt.html: wpDiscuz's `<a href="…#comment-58568">Nossi</a> :`.
- wordpress/mtb-news.de.tubeless.html: XenForo's `<blockquote data-name="RockyRider66">`,
  its reply right after `</blockquote>`.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from lxml.html import HtmlElement
from parsel import Selector

from archiver.extract.quoting import (
    DATE_LEADS,
    HEADER_VERBS,
    PRONOUNS,
    QUOTE_FROM,
    attribute_quote,
    name_key,
    quote_header,
    take_quotes,
)
from archiver.extract.text import html_to_text


def quotes_of(fragment: str, authors: tuple[str, ...] = ()) -> tuple[list, str]:
    """The quotes take_quotes reads from a comment body, and the text it leaves."""
    tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
    found = [(q.quoted_author, q.text, q.kind) for q in take_quotes(tree, "", "site", authors)]
    return found, html_to_text(Selector(root=tree))


# --- real pages ---------------------------------------------------------------


def page(corpus: Path, name: str) -> HtmlElement:
    return lxml_html.fromstring((corpus / "wordpress" / name).read_bytes())


def commenters(tree: HtmlElement) -> tuple[str, ...]:
    """The page's comment authors, read independently of the spider."""
    found = tree.xpath(
        '//*[contains(concat(" ", normalize-space(@class), " "), " comment-author ")'
        ' or contains(@class, "wc-comment-author")]'
    )
    return tuple({" ".join(e.text_content().split()) for e in found} - {""})


def test_scilogs_addressed_header_names_the_commenter(corpus):
    tree = page(corpus, "spektrum.de.engelbart.html")
    authors = commenters(tree)
    assert "Martin Holzherr" in authors
    body = tree.xpath('//*[@id="comment-2779"]//div[@class="comment-text"]')[0]
    quotes = list(take_quotes(body, "", "scilogs", authors))
    assert [q.quoted_author for q in quotes] == ["Martin Holzherr"]
    assert quotes[0].text.startswith("Wenn Genderstereotype aber nicht mehr")
    assert not html_to_text(Selector(root=body)).startswith("@")  # the header left the text


@pytest.mark.parametrize(
    ("comment", "author", "prose"),
    [
        ("2780", "Dietmar Hilsebein", None),  # "[Dietmar Hilsebein]"
        ("2790", "Martin Holzherr", None),  # "[Langzeit-Kommentorenfreund ‘Martin Holzherr’]"
        ("2810", "Ingo Herzke", "Bonuskommentar hierzu :"),  # signed; the line is prose
        ("2825", None, "Dies hier, Kommentatorenkollege ‘Chrys’, war aber falsch :"),
    ],
)
def test_scilogs_signatures_and_prose_lines(corpus, comment, author, prose):
    tree = page(corpus, "spektrum.de.engelbart.html")
    body = tree.xpath(f'//*[@id="comment-{comment}"]//div[@class="comment-text"]')[0]
    quotes = list(take_quotes(body, "", "scilogs", commenters(tree)))
    assert quotes[0].quoted_author == author
    if prose:  # a line ending in ":" that names no one stays the commenter's own text
        assert prose in html_to_text(Selector(root=body)).split("\n")


def test_spontis_wpdiscuz_mention_links_the_quoted_comment(corpus):
    tree = page(corpus, "spontis.de.jahrzehnt.html")
    body = tree.xpath('//div[contains(@class, "wc-comment-text")][.//blockquote]')[0]
    quotes = list(take_quotes(body, "", "spontis", commenters(tree)))
    assert [(q.quoted_author, q.quoted_site_comment_id) for q in quotes] == [("Nossi", "58568")]
    assert quotes[0].text == "ist für mich eher der Schritt in Richtung abgrundtiefer Verdummung"
    assert html_to_text(Selector(root=body)).startswith("Das würde ich nicht so sehen.")


def test_mtb_news_forum_markup_names_the_quoted_and_keeps_the_reply(corpus):
    tree = page(corpus, "mtb-news.de.tubeless.html")
    body = tree.xpath('//blockquote[@data-name="RockyRider66"]/..')[0]
    quotes = list(take_quotes(body, "", "mtb-news"))
    assert [(q.quoted_author, q.text) for q in quotes] == [
        ("RockyRider66", "Wo gehört das Logo den regulär hin?")
    ]
    assert html_to_text(Selector(root=body)).startswith(("Und peng!", "Immer woanders"))


# --- hand-made forms (each also covered by the properties below) -------------

QUOTED = "<p>the quoted words</p>"


@pytest.mark.parametrize(
    ("fragment", "author"),
    [
        (f"<p>Patatt a dit :</p><blockquote>{QUOTED}</blockquote>", "Patatt"),
        (f"<blockquote><p><strong>Patatt a dit :</strong></p>{QUOTED}</blockquote>", "Patatt"),
        (f"<blockquote><cite><strong>Juan</strong> dijo:</cite>{QUOTED}</blockquote>", "Juan"),
        (f"<blockquote>{QUOTED}<cite>Juan Pérez</cite></blockquote>", "Juan Pérez"),
        (f"<p>x</p><strong>Dave</strong> wrote:<blockquote>{QUOTED}</blockquote>", "Dave"),
        (f"<p>On 3 May 2020 at 10:15, Dave wrote:</p><blockquote>{QUOTED}</blockquote>", "Dave"),
        (f"<p>Le 3 mai 2020, Marie a écrit :</p><blockquote>{QUOTED}</blockquote>", "Marie"),
        (f"<p>Zitat von Hans Müller</p><blockquote>{QUOTED}</blockquote>", "Hans Müller"),
        (f"<blockquote>Quote from: Dave on May 5, 2020<br>{QUOTED}</blockquote>", "Dave"),
        (f"<p>Citation de Lulu</p><blockquote>{QUOTED}</blockquote>", "Lulu"),
        (f"<p>Jan Kowalski napisał(a):</p><blockquote>{QUOTED}</blockquote>", "Jan Kowalski"),
        (f"<p>Иван написал:</p><blockquote>{QUOTED}</blockquote>", "Иван"),
        (f"<p>Klaus hat geschrieben</p><blockquote>{QUOTED}</blockquote>", "Klaus"),
        (f"Dave wrote:<blockquote>{QUOTED}</blockquote>", "Dave"),
        (f"<p>He said:</p><blockquote>{QUOTED}</blockquote>", None),
        (f"<p>Auch hier :</p><blockquote>{QUOTED}</blockquote>", None),
    ],
)
def test_header_forms(fragment, author):
    found, rest = quotes_of(fragment + "<p>my answer</p>")
    assert found[0][:2] == (author, "the quoted words")
    assert rest.endswith("my answer")
    assert (rest == "x\n\nmy answer" or rest == "my answer") == (author is not None)


def test_prose_first_line_without_colon_is_quoted_text():
    found, _ = quotes_of("<blockquote><p>So I said</p><p>no way</p></blockquote>")
    assert found == [(None, "So I said\n\nno way", "comment")]


def test_nested_blockquote_is_part_of_its_quote():
    found, rest = quotes_of(
        "<blockquote><p>Ann wrote:</p><blockquote><p>inner</p></blockquote><p>outer</p>"
        "</blockquote><p>mine</p>"
    )
    assert found == [("Ann", "inner\n\nouter", "comment")]
    assert rest == "mine"


# --- properties ---------------------------------------------------------------

_STOP = {w for ws in HEADER_VERBS.values() for v in ws for w in v.split()}
_STOP |= {w.strip(":") for ws in QUOTE_FROM.values() for v in ws for w in v.split()}
_STOP |= {w for lead in DATE_LEADS for w in lead.split()} | set(PRONOUNS)
_STOP |= {"at", "um", "à", "a", "las", "alle", "om", "o", "às"}
WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzäöüéèçñßøłżąęśćńóåABCDEFGHKLMÉŁЖДИЯ"),
    min_size=2,
    max_size=10,
).filter(lambda w: w.casefold() not in _STOP)
NAME = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
VERB = st.sampled_from(sorted((lang, verb) for lang, vs in HEADER_VERBS.items() for verb in vs))
LEAD = st.sampled_from([w for ws in QUOTE_FROM.values() for w in ws if not w.endswith(":")])
BODY = st.lists(st.sampled_from(["lorem", "ipsum", "dolor", "sit", "amet"]), min_size=1).map(
    " ".join
)


@st.composite
def headers(draw: st.DrawFn) -> tuple[str, str]:
    """A header line and the name it gives."""
    name = draw(NAME)
    form = draw(st.sampled_from(["said", "said:", "date said:", "from"]))
    if form == "from":
        return f"{draw(LEAD).capitalize()} {name}", name
    _, verb = draw(VERB)
    colon = draw(st.sampled_from([":", " :", "\u00a0:"])) if form.endswith(":") else ""
    lead = "On 3 May 2020, " if form.startswith("date") else draw(st.sampled_from(["", "@"]))
    return f"{lead}{name} {verb}{colon}", name


PLACES = {
    "before <p>": "<p>{h}</p><blockquote>{q}</blockquote>",
    "before inline": "<p>intro</p><strong>{h}</strong><blockquote>{q}</blockquote>",
    "inside <p>": "<p>intro</p><blockquote><p>{h}</p>{q}</blockquote>",
    "inside <strong>": "<p>intro</p><blockquote><p><strong>{h}</strong></p>{q}</blockquote>",
    "inside <br>": "<p>intro</p><blockquote>{h}<br>{q}</blockquote>",
    "cite": "<p>intro</p><blockquote><cite>{h}</cite>{q}</blockquote>",
}


@settings(max_examples=300, deadline=None)
@given(header=headers(), quoted=BODY, answer=BODY, place=st.sampled_from(sorted(PLACES)))
def test_header_anywhere_gives_same_author_and_text(header, quoted, answer, place):
    line, name = header
    reference = quotes_of(
        PLACES["before <p>"].format(h=line, q=f"<p>{quoted}</p>") + f"<p>{answer}</p>"
    )
    got = quotes_of(PLACES[place].format(h=line, q=f"<p>{quoted}</p>") + f"<p>{answer}</p>")
    assert got[0] == reference[0] == [(name, quoted, "comment")]
    assert got[1].removeprefix("intro\n\n") == reference[1] == answer


@settings(max_examples=200, deadline=None)
@given(header=headers())
def test_header_names_a_commenter_as_the_page_spells_it(header):
    line, name = header
    spelled = unicodedata.normalize("NFKD", name.upper())  # another case, decomposed
    assert quote_header(line, authors=("someone else", spelled)) == spelled
    assert name_key(spelled) == name_key(name)


EARLIER = [
    ("1", "Ann", "first thing Ann said, quite long"),
    ("2", "Bob", "Bob repeats: first thing Ann said, quite long"),
    ("3", "Ann", "Ann again, something else"),
    ("4", "Carl", "Yes."),
]


@pytest.mark.parametrize(
    ("author", "text", "expected"),
    [
        ("Ann", "first thing Ann said", "1"),  # name and text: Ann's, not Bob's later copy
        ("ＡＮＮ ", "first  thing ann SAID", "1"),  # NFKC, case and spaces folded
        (None, "first thing Ann said", "2"),  # text alone: the latest holding it
        ("Zed", "first thing Ann said", "2"),  # an unknown name: still found by text
        ("Ann", "words she never wrote", "3"),  # name alone: her latest comment
        (None, "Yes.", None),  # too short to be found by text alone
        ("Carl", "Yes.", "4"),
        (None, "", None),
        ("Dora", "nothing", None),
    ],
)
def test_attribute_quote_prefers_name_and_text_then_text_then_name(author, text, expected):
    assert attribute_quote(author, text, EARLIER) == expected


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(NAME, min_size=1, max_size=6),
    pick=st.integers(min_value=0),
    data=st.data(),
)
def test_attribute_quote_finds_a_commenters_latest_comment_holding_the_words(names, pick, data):
    earlier = [(n, name, f"comment {n} by {name}: {'x' * n} end") for n, name in enumerate(names)]
    index = pick % len(earlier)
    _, name, body = earlier[index]
    words = body.split(": ", 1)[1]
    found = attribute_quote(
        data.draw(st.sampled_from([name, name.upper(), f" {name} "])), words, earlier
    )
    assert found == max(
        n for n, who, text in earlier if name_key(who) == name_key(name) and words in text
    )
