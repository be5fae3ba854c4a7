"""Pages decode as a browser decodes them (WHATWG: BOM > header > meta), live and offline.

Parsers read `response.text`; `build_response` (reparse, golden cases) and a live
crawl both leave the choice of encoding to Scrapy's TextResponse (w3lib), so
this checks the result through the real next_ink parser on rebuilt responses.
The crawl through the fault server (test_faults) checks the same in the database.
"""

from __future__ import annotations

import codecs

import pytest

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import Comment
from spiders.next_ink import parse_page
from tests.test_faults import TEXT_1252, article_page

PAGE = article_page(1, 1, TEXT_1252)
IN_1252 = PAGE.encode("cp1252")
META_LATIN1 = PAGE.replace("<head>", '<head><meta charset="iso-8859-1">')
META_HTTP_EQUIV = PAGE.replace(
    "<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
)
META_UTF8 = PAGE.replace("<head>", '<head><meta charset="utf-8">')


def comment_text(body: bytes, content_type: str) -> str:
    response = build_response("https://next.ink/1/", body, [("Content-Type", content_type)])
    (comment,) = [i for i in extract(parse_page, response) if isinstance(i, Comment)]
    return comment.body_text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(IN_1252, "text/html; charset=windows-1252", id="header windows-1252"),
        # WHATWG reads the ISO-8859-1 label as windows-1252: 0x80 is "€", 0x92 is "’"
        pytest.param(IN_1252, "text/html; charset=ISO-8859-1", id="header iso-8859-1"),
        pytest.param(META_LATIN1.encode("cp1252"), "text/html", id="meta charset only"),
        pytest.param(META_HTTP_EQUIV.encode("cp1252"), "text/html", id="meta http-equiv only"),
        pytest.param(
            META_UTF8.encode("cp1252"), "text/html; charset=cp1252", id="header over meta"
        ),
        pytest.param(
            codecs.BOM_UTF8 + PAGE.encode("utf-8"), "text/html; charset=iso-8859-1", id="BOM"
        ),
        pytest.param(PAGE.encode("utf-8"), "text/html", id="undeclared utf-8"),
    ],
)
def test_text_comes_out_as_a_browser_shows_it(body, content_type):
    assert comment_text(body, content_type) == f"{TEXT_1252} n°1"


def test_the_characters_at_stake_differ_between_the_encodings():
    """The bytes really are windows-1252: read as UTF-8 or strict Latin-1 they would not match."""
    assert "€" not in IN_1252.decode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        IN_1252.decode("utf-8")
