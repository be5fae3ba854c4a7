"""WordPress comments' authors and dates, as every theme of the corpus prints them.

Every golden's comments carry the name and the date the page shows (a pingback's
name is the linking post's title; core prints pingbacks without a date), unless the
case's meta.json "counted" says the page shows none ("no_author" / "no_date", each
with the reason found in the raw page). And a page whose author markup is re-themed
into another theme's gives the same authors: the slots, not one theme, read them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html

from tests.test_sites import parse_case

CASES = sorted(
    case
    for case in (Path(__file__).parent / "sites" / "wordpress").iterdir()
    if (case / "meta.json").is_file() and "corpus" in json.loads((case / "meta.json").read_text())
)
PINGBACK_TEXT = re.compile(r"^\s*(?:pingback|trackback)\s*:", re.IGNORECASE)


def _meta(case: Path) -> dict:
    return json.loads((case / "meta.json").read_text())


def _comments(case: Path) -> list[dict]:
    items = json.loads((case / "expected.json").read_text())
    return [item for item in items if item["type"] == "Comment"]


def _pingbacks(raw: bytes, ids: list[str]) -> set[str]:
    """Which comments are pingbacks or trackbacks, read off the raw page, not the parser."""
    root = html.fromstring(raw)
    found = set()
    for comment_id in ids:
        element = root.get_element_by_id(f"comment-{comment_id}", None)
        if element is None:
            element = root.get_element_by_id(f"li-comment-{comment_id}", None)
        if element is None:
            continue
        around = " ".join(e.get("class") or "" for e in [element, *element.iterancestors()])
        if re.search(r"pingback|trackback|pinglist", around, re.IGNORECASE) or (
            PINGBACK_TEXT.match(element.text_content())
        ):
            found.add(comment_id)
    return found


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_every_comment_has_the_author_and_date_its_page_shows(case, corpus):
    counted = _meta(case).get("counted", {})
    comments = _comments(case)
    raw = (corpus / _meta(case)["corpus"]).read_bytes()
    pingbacks = _pingbacks(raw, [c["site_comment_id"] for c in comments])
    # Pingbacks printed without an id get one derived from their content: they are no
    # element of the page, and there are no more of them than the pingbacks counted.
    derived = {
        c["site_comment_id"]
        for c in comments
        if f"comment-{c['site_comment_id']}" not in raw.decode("utf-8", "replace")
    }
    assert len(derived) <= (counted.get("pingbacks") or 0)
    pingbacks |= derived
    people = [c for c in comments if c["site_comment_id"] not in pingbacks]
    if "no_author" not in counted:
        assert [c["site_comment_id"] for c in people if not c["author"]] == []
    if "no_date" not in counted:
        assert [c["site_comment_id"] for c in people if not c["posted"]] == []
    # WordPress prints a pingback's name: the linking post's title and site.
    assert [c["site_comment_id"] for c in comments if not c["author"]] == []


def _parse(case: Path, body: bytes) -> list[dict]:
    return [item for item in parse_case(case, body) if item["type"] == "Comment"]


# (case, the theme's author element, another theme's): the same names must come out.
CITE_FN, B_FN = rb'<cite class="fn">(.*?)</cite>', rb'<b class="fn">(.*?)</b>'
RETHEMED = [
    ("grossefragen_projekt", CITE_FN, rb'<span class="comment_author">\1</span>'),
    ("netzpolitik_abmahnungen", B_FN, rb"<strong>\1</strong>"),
    ("profootballtalk_lynn", B_FN, rb'<span class="comment__author-name">\1</span>'),
    ("thepain_silkroad_wayback", CITE_FN, rb'<div class="wpd-comment-author">\1</div>'),
]


@pytest.mark.parametrize(("name", "theirs", "ours"), RETHEMED, ids=[r[0] for r in RETHEMED])
def test_rethemed_author_markup_gives_the_same_authors(name, theirs, ours, corpus):
    case = Path(__file__).parent / "sites" / "wordpress" / name
    raw = (corpus / _meta(case)["corpus"]).read_bytes()
    rethemed, count = re.subn(theirs, ours, raw, flags=re.DOTALL)
    expected = _comments(case)
    assert count >= len(expected)  # every comment's name element was rewritten
    assert b'class="fn"' not in rethemed
    got = _parse(case, rethemed)
    assert [c["author"] for c in got] == [c["author"] for c in expected]
    assert all(c["author"] for c in got)
    assert [c["posted"] for c in got] == [c["posted"] for c in expected]
