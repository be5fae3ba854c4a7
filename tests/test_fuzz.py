"""Fuzz every site parser with mutated real pages: a bad page never crashes a crawl.

Each golden case (tests/sites/<spider>/<case>: real corpus pages and the edge
cases written for a site) is mutated by Hypothesis. Mild damage a real server or
CMS produces (a body cut at any byte, attributes dropped, the wrong charset
declared) must not crash the site parser itself; any damage at all (random
bytes flipped, inserted, deleted) must not make `extract` raise: a crash there
becomes a `parse_error` row instead. Bounded: a few examples per case, no deadline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import Article, Comment, FetchError, Quote, ReplyLink
from archiver.registry import load_spider

SITES = Path(__file__).parent / "sites"
CASES = sorted(p for p in SITES.glob("*/*") if (p / "meta.json").is_file())
ATTRIBUTE = re.compile(rb"""\s[\w:-]+=(?:"[^"]*"|'[^']*')""")
CHARSETS = ["utf-8", "windows-1252", "iso-8859-1", "utf-16", "shift_jis", "koi8-r", "bogus"]
FUZZ = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ITEM_TYPES = (Article, Comment, Quote, ReplyLink, FetchError)


def load_case(case: Path, request: pytest.FixtureRequest) -> tuple[dict, bytes]:
    meta = json.loads((case / "meta.json").read_text())
    if "corpus" in meta:
        body = (request.getfixturevalue("corpus") / meta["corpus"]).read_bytes()
    else:
        body = (case / meta["body"]).read_bytes()
    return meta, body


def respond(meta: dict, body: bytes, charset: str | None = None):  # noqa: ANN201 - a Response
    content_type = "text/html" + (f"; charset={charset}" if charset else "")
    return build_response(
        meta["url"], body, [("Content-Type", content_type)], 200, meta["fetched_at"], "<urn:x>"
    )


@st.composite
def mild_damage(draw: st.DrawFn, body: bytes) -> tuple[bytes, str | None]:
    """A body cut at a random byte, some attributes dropped, or a wrong charset declared."""
    kind = draw(st.sampled_from(["truncate", "drop_attributes", "wrong_charset"]))
    if kind == "truncate":
        return body[: draw(st.integers(0, len(body)))], None
    if kind == "drop_attributes":
        spans = [m.span() for m in ATTRIBUTE.finditer(body)]
        dropped = draw(st.sets(st.integers(0, max(len(spans) - 1, 0)), max_size=50))
        kept = bytearray(body)
        for index in sorted(dropped, reverse=True):
            if index < len(spans):
                start, end = spans[index]
                del kept[start:end]
        return bytes(kept), None
    return body, draw(st.sampled_from(CHARSETS))


@st.composite
def any_damage(draw: st.DrawFn, body: bytes) -> bytes:
    """Random bytes flipped, inserted or deleted anywhere in the page."""
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 20))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete"]))
        noise = draw(st.binary(min_size=1, max_size=64))
        if action == "flip" and at < len(data):
            data[at] ^= noise[0] or 0xFF
        elif action == "insert":
            data[at:at] = noise
        else:
            del data[at : at + len(noise)]
    return bytes(data)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parser_survives_mild_damage(case, request):
    meta, body = load_case(case, request)
    parse_page = load_spider(case.parent.name).parse_page

    @FUZZ
    @given(mild_damage(body))
    def check(damaged: tuple[bytes, str | None]) -> None:
        items = list(parse_page(respond(meta, *damaged)))
        assert all(isinstance(item, ITEM_TYPES) for item in items)

    check()


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_extract_never_raises(case, request):
    meta, body = load_case(case, request)
    parse_page = load_spider(case.parent.name).parse_page

    @FUZZ
    @given(any_damage(body))
    def check(damaged: bytes) -> None:
        items = list(extract(parse_page, respond(meta, damaged)))
        assert all(isinstance(item, ITEM_TYPES) for item in items)

    check()


def test_extract_turns_a_parser_crash_into_a_row():
    """The safety net the fuzzing leans on: a crash is an item, never an exception."""

    def crashing(response):  # noqa: ANN001, ANN202 - a stand-in parser
        raise KeyError("data-post-id")

    (item,) = extract(crashing, respond({"url": "https://x/", "fetched_at": None}, b"<p>x</p>"))
    assert (item.error, item.detail) == ("parse_error", "KeyError: 'data-post-id'")


def test_stored_html_is_sanitized_text_kept_verbatim():
    """Hostile markup: scripts, handlers and javascript: links never reach the store."""
    page = (
        b'<html><body><article data-post-id="1"><div class="article-contenu"><p>ok</p>'
        b'<script>alert(1)</script></div></article><div class="comments-list">'
        b'<div data-comment-id="7" data-comment-date="2024-01-02 10:00:00">'
        b'<span class="next-status-name-user">&lt;b onmouseover=x&gt;Eve&lt;/b&gt;</span>'
        b'<div class="comment-content"><p onclick="steal()">hi <a href="javascript:steal()">x</a>'
        b'<img src="https://e/i.png" onerror="steal()"><iframe src="https://e/"></iframe></p>'
        b"</div></div></div></body></html>"
    )
    meta = {"url": "https://next.ink/1/", "fetched_at": None}
    article, comment = extract(load_spider("next_ink").parse_page, respond(meta, page))
    assert article.body_html == "<div><p>ok</p></div>"
    assert comment.body_html == (
        '<div><p>hi <a rel="noopener noreferrer nofollow">x</a><img src="https://e/i.png"></p></div>'
    )
    assert comment.author == "<b onmouseover=x>Eve</b>"  # a name is text, kept as written
    assert comment.body_text == "hi x"
