"""The SPIP platform on its real page (regards.fr) transformed, and on SPIP's forum edge cases."""

from __future__ import annotations

import json
import re

from scrapy.http import HtmlResponse

from archiver.platforms.spip import parse_page
from tests.test_hackernews import WAYBACK, as_wayback_capture
from tests.test_sites import SITES, parse_case

CASE = SITES / "regards" / "enquetes"


def thread(items: list[dict]) -> list[tuple]:
    return [
        (
            i["site_comment_id"],
            i["parent_site_comment_id"],
            i["author"],
            i["posted"],
            i["body_text"],
        )
        for i in items
        if i["type"] == "Comment"
    ]


def page(corpus) -> bytes:  # noqa: ANN001
    meta = json.loads((CASE / "meta.json").read_text())
    return (corpus / meta["corpus"]).read_bytes()


def test_the_real_page_minified_or_without_crlf_gives_the_same_thread(corpus):
    body = page(corpus)
    original = thread(parse_case(CASE, body))
    assert len(original) == 11
    minified = re.sub(rb">\s+<", b"><", body)
    assert thread(parse_case(CASE, minified)) == original
    assert thread(parse_case(CASE, body.replace(b"\r\n", b"\n"))) == original


def test_the_real_page_with_its_reply_links_only_gives_the_same_thread(corpus):
    """Without the Crayons plugin a message's number is only in its reply link."""
    body = page(corpus)
    original = thread(parse_case(CASE, body))
    plain = re.sub(rb" ?\bforum-(?:texte|qui)-\d+", b"", body)
    with_links = [
        row for row in original if row[0] not in ("39138", "39223")
    ]  # links commented out
    assert [row[0] for row in thread(parse_case(CASE, plain))] == [row[0] for row in with_links]


def test_a_wayback_capture_gives_the_same_article_and_thread(corpus):
    meta = json.loads((CASE / "meta.json").read_text())
    body = page(corpus)
    captured = as_wayback_capture(body, meta["url"])
    assert captured.count(WAYBACK.encode()) > 50
    original = parse_case(CASE, body)
    archived = parse_case(CASE, captured, url=WAYBACK + meta["url"])
    assert thread(archived) == thread(original)
    key = ("site", "site_article_id", "title", "author")
    assert [archived[0][k] for k in key] == [original[0][k] for k in key]


def test_reply_links_encoded_otherwise_give_the_same_numbers(corpus):
    """`id_forum` percent-encoded (`id%5Fforum`) is the same query key: read as such."""
    body = re.sub(rb" ?\bforum-(?:texte|qui)-\d+", b"", page(corpus))
    plain = thread(parse_case(CASE, body))
    encoded = body.replace(b"id_forum=", b"id%5Fforum=").replace(b"id_article=", b"id%5farticle=")
    assert plain and thread(parse_case(CASE, encoded)) == plain


EDGE = """<html><body><div class="crayon article-texte-7 texte"><p>Article.</p></div>
<ul class="forum">
 <li class="forum-fil"><div class="crayon forum-texte-1"><p>one</p></div>
  <ul><li class="forum-fil"><div class="crayon forum-texte-2"><p>two</p></div>
   <ul><li class="forum-fil"><a href="spip.php?page=forum&amp;id_article=7&amp;id_forum=3">R</a>
    <div class="forum-texte"><p>three</p></div>
    <abbr class="date" title="2020-01-01T10:00:00Z">x</abbr>
    </li></ul></li></ul></li>
 <li class="forum-fil"><div class="forum-texte"><p>no number at all</p></div></li>
</ul></body></html>"""


def test_three_levels_and_a_message_without_a_number():
    response = HtmlResponse("https://spip.example/article7", body=EDGE.encode(), encoding="utf-8")
    items = list(parse_page(response))
    assert items[0].site_article_id == "7" and items[0].body_text == "Article."
    comments = [(c.site_comment_id, c.parent_site_comment_id, c.index) for c in items[1:]]
    assert comments == [("1", None, 1), ("2", "1", 2), ("3", "2", 3)]
    assert [c.body_text for c in items[1:]] == ["one", "two", "three"]
    # a message's part stops at its replies: the reply's date is not its parent's
    assert [c.posted for c in items[1:]] == [None, None, "2020-01-01T10:00:00Z"]


def test_a_page_without_an_article_number_is_a_listing():
    body = b'<html><body><a rel="bookmark" href="article7">x</a></body></html>'
    assert list(parse_page(HtmlResponse("https://spip.example/", body=body))) == []
