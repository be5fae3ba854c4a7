"""Lemmy and PieFed: parents from `path`, pages by cursor, bad answers recorded; a post and
its comment pages crawled end to end."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import Comment, FetchError
from archiver.platforms.lemmy.page import looping, parent_of
from archiver.platforms.lemmy.spider import api_url, comments_url
from spiders.lemmy import LemmySpider, parse_page
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver, rows, snapshot

JSON = "application/json"
CORPUS = "lemmy/piefed.social_comment_list_post2210082.json"
LIST = "https://piefed.social/api/alpha/comment/list?post_id=2210082"


def parse(url: str, body: bytes, content_type: str = JSON) -> list:
    return list(extract(parse_page, build_response(url, body, [("Content-Type", content_type)])))


def test_parents_are_the_path_ids_kept_when_not_on_the_page(corpus):
    body = (corpus / CORPUS).read_bytes()
    views = json.loads(body)["comments"]
    got = {c.site_comment_id: c for c in parse(LIST, body) if isinstance(c, Comment)}
    assert len(got) == len(views) == 10
    for view in views:
        ids = view["comment"]["path"].split(".")  # "0", ancestors..., own id
        parent = got[str(view["comment"]["id"])].parent_site_comment_id
        assert parent == (ids[-2] if len(ids) > 2 else None)
        assert got[str(view["comment"]["id"])].score == view["counts"]["score"]
    on_page = {str(v["comment"]["id"]) for v in views}
    assert {c.parent_site_comment_id for c in got.values()} - on_page - {None} == {"12116620"}


def test_path_and_cursor_rules():
    assert parent_of("0.12.34", "34") == "12" and parent_of("0.12", "12") is None
    assert parent_of("0", "5") is None and parent_of(None, "5") is None
    assert looping("https://x/api/v3/comment/list?post_id=1&page=2", "2")
    assert looping("https://x/api/v3/comment/list?post_id=1&page=3", 2)
    assert not looping("https://x/api/v3/comment/list?post_id=1&page=2", "3")
    assert looping("https://x/api/v3/comment/list?post_id=1&page_cursor=Pa", "Pa")
    assert not looping("https://x/api/v3/comment/list?post_id=1&page_cursor=Pa", "Pb")


@pytest.mark.parametrize(
    "body",
    [b"<html><body>502 Bad Gateway</body></html>", b"", b"[]", b'{"error": "couldnt_find_post"}'],
)
def test_a_list_answer_that_is_no_list_is_a_recorded_error(body):
    assert [type(i) for i in parse(LIST + "&page=2", body)] == [FetchError]
    post = parse("https://lemmy.example/api/v3/post?id=7", body)
    assert [type(i) for i in post] == [FetchError]


def test_views_of_the_wrong_shape_are_skipped():
    page = {"comments": [None, {"comment": {"id": "x"}}, {"comment": {"id": 9, "path": "0.9"}}]}
    items = parse(LIST, json.dumps(page).encode())
    assert [i.site_comment_id for i in items if isinstance(i, Comment)] == ["9"]


def follow(url: str, page: dict) -> list[str]:
    response = build_response(url, json.dumps(page).encode(), [("Content-Type", JSON)])
    return [r.url for r in LemmySpider(url="https://lemmy.example/post/1").follow(response)]


def test_pages_follow_the_cursor_or_the_number_never_a_loop():
    first = comments_url("https://lemmy.example/", "/api/v3", "1", "1")
    view = {"comment": {"id": 1, "path": "0.1"}}
    assert follow(first, {"comments": [view], "next_page": "Pb"}) == [
        comments_url(first, "/api/v3", "1", "Pb")
    ]
    assert follow(first, {"comments": [view], "next_page": "1"}) == []  # loops
    assert follow(first, {"comments": [view] * 50}) == [comments_url(first, "/api/v3", "1", "2")]
    assert follow(first, {"comments": [view] * 3}) == []  # a short page is the last
    assert follow(first, {"comments": []}) == []
    assert follow("https://lemmy.example/api/v3/post?id=1", {"post_view": {"post": {"id": 1}}}) == [
        first
    ]


def test_start_urls_become_api_calls():
    assert api_url("https://l.example/post/12", "/api/v3") == "https://l.example/api/v3/post?id=12"
    community = urlsplit(api_url("https://l.example/c/tech", "/api/alpha"))
    assert community.path == "/api/alpha/post/list"
    assert parse_qs(community.query)["community_name"] == ["tech"]


# --- end to end: a PieFed post, its two comment pages, a looping third -----------------


def post_json(post_id: int, comments: int) -> bytes:
    """A PieFed /post answer, hand-made (no real one is in the corpus)."""
    view = {
        "post": {"id": post_id, "title": "Moana could lose $100 million", "body": None,
                 "url": "https://variety.com/2026/film/", "published": "2026-07-14T17:48:35Z"},
        "creator": {"user_name": "fourish", "actor_id": "https://piefed.social/u/fourish",
                    "local": True},
        "community": {"name": "movies"},
        "counts": {"comments": comments},
    }  # fmt: skip
    return json.dumps({"post_view": view}).encode()


def later_view(cid: int, path: str, body: str) -> dict:
    return {
        "comment": {"id": cid, "post_id": 2210082, "body": body, "path": path,
                    "published": "2026-07-14T19:30:00.000000Z", "deleted": False, "removed": False},
        "creator": {"user_name": "someone", "actor_id": "https://lemmy.world/u/someone"},
        "counts": {"score": 1},
    }  # fmt: skip


def test_crawl_post_and_comment_pages(corpus, tmp_path):
    api = "/api/alpha"
    page = lambda n: urlsplit(comments_url("http://h/", api, "2210082", n))  # noqa: E731
    wire = lambda n: page(n).path + "?" + page(n).query  # noqa: E731
    second = {
        "comments": [
            later_view(12116620, "0.12116620", "The parent page 1 lacked."),
            later_view(12116999, "0.12116620.12116999", "> The parent page 1 lacked.\n\nIndeed."),
        ],
        "next_page": "3",
    }
    third = {"comments": [later_view(12117500, "0.12117500", "Last.")], "next_page": "3"}
    routes = {
        "/robots.txt": ROBOTS,
        f"{api}/post?id=2210082": Route(post_json(2210082, 13), content_type=JSON),
        f"{api}/post?id=999": Route(b'{"error": "rate_limit_error"}', 429, JSON),
        wire("1"): Route((corpus / CORPUS).read_bytes(), content_type=JSON),
        wire("2"): Route(json.dumps(second).encode(), content_type=JSON, encoding="gzip"),
        wire("3"): Route(json.dumps(third).encode(), content_type=JSON),
    }
    archive = tmp_path / "archive"
    with MockServer(routes) as server:
        archiver(
            "crawl", "lemmy", "--url", f"{server.url}/post/2210082",
            "--url", f"{server.url}/post/999",
            "--archive", str(archive), "-s", f"LEMMY_API={api}", "-s", "RETRY_TIMES=0",
            *LOOPBACK,
        )  # fmt: skip
        asked = list(server.requests)
    assert asked.count(wire("3")) == 1  # the looping cursor is not followed again
    db = archive / "archive.db"
    assert rows(db, "SELECT title, comment_count, tags FROM articles") == [
        ("Moana could lose $100 million", 13, '["c/movies"]')
    ]
    linked = dict(
        rows(
            db,
            "SELECT c.site_comment_id, p.site_comment_id FROM comments c"
            " LEFT JOIN comments p ON p.id = c.parent_id",
        )
    )
    assert len(linked) == 13
    # saved before its parent (page 1 then page 2): linked once the parent came
    assert linked["12116646"] == "12116620" and linked["12116786"] == "12116646"
    assert rows(db, "SELECT count(*) FROM quotes WHERE quoted_comment_id IS NOT NULL") == [(1,)]
    errors = sorted(rows(db, "SELECT error, url FROM fetch_errors"))
    assert errors == [
        ("cursor_loop", server.url + wire("3")),
        ("http_429", server.url + f"{api}/post?id=999"),
    ]
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before
