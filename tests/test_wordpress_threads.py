"""WordPress threads on real pages: parents point back, and a page's threads survive rewriting.

The goldens hold what the parser found; these tests check properties every thread must
have, whatever the theme, and that transforming the same real page (minified, CRLF line
endings, links percent-encoded differently) leaves its comments as they were.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pytest

from archiver.extract.responses import build_response
from tests.test_sites import parse_case

CASES = Path(__file__).parent / "sites" / "wordpress"


def _meta(case: Path) -> dict:
    return json.loads((case / "meta.json").read_text())


DEEP = sorted(
    case
    for case in CASES.iterdir()
    if (case / "meta.json").is_file() and (_meta(case).get("counted", {}).get("max_depth") or 0) > 1
)


def _comments(items: list[dict]) -> list[dict]:
    return [item for item in items if item["type"] == "Comment"]


@pytest.mark.parametrize("case", DEEP, ids=lambda p: p.name)
def test_a_page_showing_replies_gives_them_parents_that_come_before_them(case):
    """Counted depth > 1 means replies on the page: some comment has a parent, and every
    parent is another comment of the page printed before it (never itself, never later)."""
    comments = _comments(json.loads((case / "expected.json").read_text()))
    seen: set[str] = set()
    parents = 0
    for comment in comments:
        parent = comment["parent_site_comment_id"]
        if parent is not None:
            parents += 1
            assert parent != comment["site_comment_id"], comment["site_comment_id"]
            assert parent in seen, (comment["site_comment_id"], parent)
        seen.add(comment["site_comment_id"])
    if comments:
        assert parents > 0, _meta(case)["counted"].get("notes")


def test_the_deep_cases_cover_the_lost_nesting_themes():
    """The property above runs on the themes whose nesting the markup loses."""
    names = {case.name for case in DEEP}
    assert {
        "wordpresscom_diverse",
        "dealdoktor_produkttester",
        "classcentral_certificates",
    } <= names


def _thread(items: list[dict]) -> list[tuple]:
    """What must not change: ids, parents, authors and texts (whitespace aside)."""
    return [
        (
            c["site_comment_id"],
            c["parent_site_comment_id"],
            c["author"],
            "".join(c["body_text"].split()),
        )
        for c in _comments(items)
    ]


def _minified(body: bytes) -> bytes:
    return re.sub(rb">\s+<", b"><", body)


def _crlf(body: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", body)


_HREF = re.compile(rb"""(href=)(["'])(https?://[^"']*)\2""")


def _reencoded(body: bytes) -> bytes:
    """Every absolute link's path percent-encoded another way: '-', '_' and non-ASCII as %XX."""

    def one(found: re.Match[bytes]) -> bytes:
        url = found.group(3).decode("utf-8", "surrogateescape")
        parts = urlsplit(url)
        path = quote(unquote(parts.path), safe="/").replace("-", "%2D").replace("_", "%5F")
        again = urlunsplit(parts._replace(path=path)).encode("utf-8", "surrogateescape")
        return found.group(1) + found.group(2) + again + found.group(2)

    return _HREF.sub(one, body)


# Inner id elements with li wrappers and depth classes; nesting lost after each comment;
# pingbacks without ids.
METAMORPHIC = ("classcentral_certificates", "wordpresscom_diverse", "mywakenews_psyop")


@pytest.mark.parametrize("transform", [_minified, _crlf, _reencoded], ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", METAMORPHIC)
def test_a_rewritten_page_gives_the_same_thread(name, transform, corpus):
    case = CASES / name
    body = (corpus / _meta(case)["corpus"]).read_bytes()
    changed = transform(body)
    assert changed != body  # the transform did something
    original = _thread(parse_case(case, body))
    assert len(original) == _meta(case)["counted"]["comments"] + (
        _meta(case)["counted"].get("pingbacks") or 0
    )
    assert _thread(parse_case(case, changed)) == original


def _plain_permalinks(body: bytes, pretty: str, post_id: str) -> bytes:
    """The page as a site with plain permalinks prints it: the post at `/?p=ID`, its
    comment pages at `/?p=ID&cpage=N` (WordPress's links when no permalink structure is set)."""
    root = pretty.split("/", 3)[:3]
    plain = "/".join(root) + f"/?p={post_id}"
    page = re.compile(re.escape(pretty).encode() + rb"(?:comment-page-(\d+)/)?")
    return page.sub(
        lambda found: (plain + (f"&cpage={found[1].decode()}" if found[1] else "")).encode(), body
    )


HTML = [("Content-Type", "text/html; charset=UTF-8")]


def test_a_site_with_plain_permalinks_gives_the_same_thread_and_comment_pages(corpus):
    """alistapart.com's real page (comment page 3 of 3, "Older comments" to page 2) as a
    site without pretty permalinks serves it: its comments stay this post's (their
    permalinks name `?p=ID&cpage=3`), and the spider follows `cpage=2` as it followed
    `/comment-page-2/`."""
    from tests.test_wordpress import followed

    case = CASES / "alistapart_webdesign"
    pretty = _meta(case)["url"]
    body = (corpus / _meta(case)["corpus"]).read_bytes()
    changed = _plain_permalinks(body, pretty, "14921")
    assert b"/?p=14921&amp;cpage=2" in changed or b"/?p=14921&cpage=2" in changed
    plain = "https://alistapart.com/?p=14921"
    original = _thread(parse_case(case, body))
    assert len(original) == 24
    assert _thread(parse_case(case, changed, url=plain)) == original
    pages = {u for u, kind in followed(build_response(plain, changed, HTML)) if kind == "comments"}
    assert pages == {f"{plain}&cpage=2"}
    pages = {u for u, kind in followed(build_response(pretty, body, HTML)) if kind == "comments"}
    assert pages == {f"{pretty}comment-page-2/"}
