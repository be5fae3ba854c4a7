"""Lobsters: the story JSON and the story page give one tree; a listing crawled end to end."""

from __future__ import annotations

import json

import pytest

from archiver.extract.dates import parse_iso
from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.extract.text import normalize_for_match
from archiver.items import Article, Comment, FetchError, Quote
from spiders.lobsters import LobstersSpider, parse_page
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver, rows, snapshot

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
STORY = "/s/tdfoqh/ranking_comments_by_sum_replies_scores"


def parse(url: str, body: bytes, content_type: str = JSON) -> list:
    response = build_response(url, body, [("Content-Type", content_type)])
    return list(extract(parse_page, response))


@pytest.fixture(scope="module")
def pair(corpus) -> dict:
    raw = (corpus / "lobsters" / "lobste.rs_s_tdfoqh.json").read_bytes()
    page = (corpus / "lobsters" / "lobste.rs_s_tdfoqh.html").read_bytes()
    return {
        "raw": json.loads(raw),
        "json": parse("https://lobste.rs/s/tdfoqh.json", raw),
        "html": parse("https://lobste.rs" + STORY, page, HTML),
    }


def comments(items: list) -> list[Comment]:
    return [i for i in items if isinstance(i, Comment)]


def test_json_and_html_give_the_same_tree(pair):
    tree = []
    for source in ("json", "html"):
        tree.append(
            [
                (c.site_comment_id, c.parent_site_comment_id, c.author)
                for c in comments(pair[source])
            ]
        )
    assert len(tree[0]) == 10 and tree[0] == tree[1]
    # the same words (the page was re-rendered with straight apostrophes)
    texts = [
        [normalize_for_match(c.body_text) for c in comments(pair[s])] for s in ("json", "html")
    ]
    assert texts[0] == texts[1]
    quotes = [
        [
            (q.site_comment_id, q.ordinal, q.kind, q.quoted_site_comment_id)
            for q in pair[s]
            if isinstance(q, Quote)
        ]
        for s in ("json", "html")
    ]
    assert (
        quotes[0]
        == quotes[1]
        == [
            ("ncdsfc", 1, "article", None),
            ("pcvbcd", 1, "comment", "m3wyu5"),
            ("owddle", 1, "comment", "9vyyu5"),
        ]
    )


def test_the_tree_is_the_raw_parent_comment_and_dates(pair):
    raw = pair["raw"]["comments"]
    assert [(c["short_id"], c["parent_comment"]) for c in raw] == [
        (c.site_comment_id, c.parent_site_comment_id) for c in comments(pair["json"])
    ]
    html = {c.site_comment_id: c.posted for c in comments(pair["html"])}
    for row, comment in zip(raw, comments(pair["json"]), strict=True):
        assert comment.score == row["score"] and not comment.deleted
        # the page shows the last edit's time; an unedited comment's is its creation time
        if row["last_edited_at"] == row["created_at"]:
            assert html[comment.site_comment_id] == comment.posted
    edited = sorted(k for k, v in html.items() if v is None)
    assert edited == ["ei3nck", "pcvbcd"]  # the two the page marks "edited"


def test_json_that_is_no_story_is_a_recorded_error():
    url = "https://lobste.rs/s/tdfoqh.json"
    for body in (b"<html><body>Rate limited</body></html>", b"", b'{"error": "not found"}'):
        items = parse(url, body)
        assert [type(i) for i in items] == [FetchError] and items[0].error == "parse_error"
    # comments of the wrong shape are skipped, the rest read
    story = {
        "short_id": "x1",
        "title": "T",
        "comments": [5, {"short_id": "c1", "comment": "<p>a</p>"}],
    }
    items = parse("https://lobste.rs/s/x1.json", json.dumps(story).encode())
    assert [i.site_comment_id for i in comments(items)] == ["c1"]
    assert isinstance(items[0], Article) and items[0].title == "T"


def test_story_page_follows_its_json_and_listings_their_stories():
    spider = LobstersSpider(url="http://127.0.0.1:1/")
    page = build_response("http://127.0.0.1:1" + STORY, b"<html></html>", [("Content-Type", HTML)])
    assert [r.url for r in spider.follow(page)] == ["http://127.0.0.1:1/s/tdfoqh.json"]
    listing = json.dumps([{"short_id": "ab12cd", "comments_url": "https://lobste.rs/s/ab12cd/x"}])
    response = build_response(
        "http://127.0.0.1:1/newest.json", listing.encode(), [("Content-Type", JSON)]
    )
    assert [r.url for r in spider.follow(response)] == ["http://127.0.0.1:1/s/ab12cd/x"]


# --- end to end: a listing, a story page and its JSON --------------------------------

LISTING = f"""<!doctype html><html><body><ol class="stories list">
<li id="story_tdfoqh" data-shortid="tdfoqh" class="story"><div class="story_liner">
<span class="link"><a class="u-url" href="{STORY}">Ranking comments</a></span>
<span class="comments_label"><a href="{STORY}">10 comments</a></span></div></li>
<li id="story_zz9zz9" data-shortid="zz9zz9" class="story"><div class="story_liner">
<span class="link"><a class="u-url" href="https://example.org/">x</a></span>
<span class="comments_label"><a href="/s/zz9zz9/other">3 comments</a></span></div></li>
<li id="story_yy8yy8" data-shortid="yy8yy8" class="story"><div class="story_liner">
<span class="comments_label"><a href="/s/yy8yy8/limited">discuss</a></span></div></li>
</ol><div class="morelink"><a href="/page/2">Page 2 &gt;&gt;</a></div></body></html>""".encode()


def test_crawl_listing_story_page_and_json(corpus, tmp_path):
    """Modelled on lobste.rs's listing markup (no real listing is in the corpus); the story
    is the real pair; a second story's JSON answers HTML, a third's page is rate limited."""
    archive = tmp_path / "archive"
    routes = {
        "/robots.txt": ROBOTS,
        "/": Route(LISTING, content_type=HTML),
        "/page/2": Route(b"<html><body><ol class='stories'></ol></body></html>", content_type=HTML),
        STORY: Route(
            (corpus / "lobsters" / "lobste.rs_s_tdfoqh.html").read_bytes(), content_type=HTML
        ),
        "/s/tdfoqh.json": Route(
            (corpus / "lobsters" / "lobste.rs_s_tdfoqh.json").read_bytes(), content_type=JSON
        ),
        "/s/yy8yy8/limited": Route(b"slow down", 429, "text/plain"),
        "/s/zz9zz9/other": Route(
            b"<html><body><li class='story' data-shortid='zz9zz9'></li></body></html>",
            content_type=HTML,
        ),
        "/s/zz9zz9.json": Route(b"<html><body>Too many requests</body></html>", content_type=HTML),
    }
    with MockServer(routes) as server:
        archiver(
            "crawl", "lobsters", "--url", server.url + "/", "--archive", str(archive),
            *LOOPBACK, "-s", "RETRY_TIMES=0",
        )  # fmt: skip
        asked = list(server.requests)
    assert asked.index(STORY) < asked.index("/s/tdfoqh.json")  # the page first, its JSON last
    db = archive / "archive.db"
    raw = json.loads((corpus / "lobsters" / "lobste.rs_s_tdfoqh.json").read_text())["comments"]
    got = rows(
        db,
        "SELECT c.site_comment_id, p.site_comment_id, c.posted, c.score FROM comments c"
        " LEFT JOIN comments p ON p.id = c.parent_id JOIN articles a ON a.id = c.article_id"
        " WHERE a.site_article_id = 'tdfoqh' ORDER BY c.position",
    )
    # the JSON's rows win: its creation times (the page's edit times are gone) and scores
    assert got == [
        (c["short_id"], c["parent_comment"], parse_iso(c["created_at"]), c["score"]) for c in raw
    ]
    assert rows(db, "SELECT count(*) FROM quotes WHERE quoted_comment_id IS NOT NULL") == [(2,)]
    errors = rows(db, "SELECT url, error FROM fetch_errors WHERE error != 'thread_incomplete'")
    assert sorted(errors) == [
        (server.url + "/s/yy8yy8/limited", "http_429"),
        (server.url + "/s/zz9zz9.json", "parse_error"),
    ]
    # the article row's source is the story page, its count and comments the JSON's
    assert rows(db, "SELECT url, comment_count FROM articles WHERE site_article_id = 'tdfoqh'") == [
        (server.url + STORY, 10)
    ]
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before
