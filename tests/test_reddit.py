"""Reddit: threads, their morechildren expansions and new-Reddit pages checked against the raw
files; a subreddit crawled end to end with a morechildren expansion, an empty one and a 429."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from scrapy.http import Request

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import Article, Comment, FetchError
from spiders.reddit import RedditSpider, parse_page
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver, rows, snapshot

JSON = "application/json; charset=UTF-8"
THREAD = "/r/redditdev/comments/2ujhkr/important_api_licensing_terms_clarified/"
APPLE = "/r/apple/comments/1079a6/ios_6_maps/"
MORE_IDS = ["c6b0qgj", "c6b0scf", "c6b0vo7", "c6b0yyz", "c6b1sc7", "c6b1urd"]


def parse(url: str, body: bytes, content_type: str = JSON) -> list:
    return list(extract(parse_page, build_response(url, body, [("Content-Type", content_type)])))


def comments(items: list) -> list[Comment]:
    return [i for i in items if isinstance(i, Comment)]


def raw_t1(listing: dict) -> list[dict]:
    """Every t1 of a raw listing, depth first, read without the parser."""
    found = []
    for thing in listing["data"]["children"]:
        if thing["kind"] == "t1":
            found.append(thing["data"])
            if thing["data"]["replies"]:
                found += raw_t1(thing["data"]["replies"])
    return found


def test_thread_comments_are_the_raw_t1_with_their_parents(corpus):
    body = (corpus / "reddit" / "reddift_r_redditdev_2ujhkr_comments.json").read_bytes()
    raw = raw_t1(json.loads(body)[1])
    got = comments(parse("https://www.reddit.com" + THREAD + ".json", body))
    assert len(got) == len(raw) == 51
    for comment, row in zip(got, raw, strict=True):
        prefix, _, parent = row["parent_id"].partition("_")
        assert comment.site_comment_id == row["id"]
        assert comment.parent_site_comment_id == (parent if prefix == "t1" else None)
        assert comment.score == row["score"]
        assert comment.deleted == (row["body"] == "[deleted]")
        assert comment.author == (None if row["author"] == "[deleted]" else row["author"])
    assert sum(c.deleted for c in got) == 2


def test_morechildren_relinks_a_flat_chain_and_keeps_the_unknown_parent(corpus):
    body = (corpus / "reddit" / "reddift_morechildren_t3_1079a6.json").read_bytes()
    url = "https://www.reddit.com/api/morechildren?api_type=json&link_id=t3_1079a6&children=x"
    items = parse(url, body)
    assert isinstance(items[0], Article) and items[0].stub and items[0].site_article_id == "1079a6"
    chain = [(c.site_comment_id, c.parent_site_comment_id) for c in comments(items)]
    assert chain == list(zip(MORE_IDS, ["c6b0n8x", *MORE_IDS[:-1]], strict=True))
    assert [c.moderation for c in comments(items)] == ["deleted", None] * 3
    assert {c.page for c in comments(items)} == {2}


def test_new_reddit_page_reads_its_inline_state(corpus):
    page = (corpus / "reddit" / "trafilatura_reddit.com_r_Python_1bbbwk.html").read_bytes()
    items = parse("https://www.reddit.com/r/Python/comments/1bbbwk/x/", page, "text/html")
    state = re.search(rb"window\.___r = (\{.*?\});</script>", page, re.S).group(1)
    models = json.loads(state)["comments"]["models"]
    got = {c.site_comment_id: c for c in comments(items)}
    assert len(got) == len(models) == 26
    for key, model in models.items():
        comment = got[key.removeprefix("t1_")]
        parent = model["parentId"]  # "t1_ID", or null at the top
        assert comment.parent_site_comment_id == (parent.removeprefix("t1_") if parent else None)
        posted = datetime.fromtimestamp(model["created"], UTC)
        assert comment.posted == f"{posted:%Y-%m-%dT%H:%M:%SZ}"
        assert comment.deleted == model["isDeleted"]
        assert comment.author == (None if model["author"] == "[deleted]" else model["author"])


def test_a_page_without_state_yields_its_article_and_says_so():
    page = b"""<html><head><meta property="og:title" content="Old reddit thread"></head>
    <body><div class="commentarea"><div class="thing comment">hi</div></div></body></html>"""
    items = parse("https://old.reddit.com/r/x/comments/abc123/t/", page, "text/html")
    assert isinstance(items[0], Article) and items[0].title == "Old reddit thread"
    assert isinstance(items[1], FetchError) and "comments not read" in items[1].detail
    assert len(items) == 2


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>whoa there, pardner!</body></html>",
        b"",
        b"[]",
        b'{"error": 429, "message": "Too Many Requests"}',
        b'[{"kind": "Listing", "data": {"children": []}}, ""]',
    ],
)
def test_a_thread_answer_that_is_no_thread_is_a_recorded_error(body):
    items = parse("https://www.reddit.com" + THREAD + ".json", body)
    assert [type(i) for i in items] == [FetchError]


def test_morechildren_errors_and_empty_answers_are_recorded():
    url = "https://www.reddit.com/api/morechildren?api_type=json&link_id=t3_ab&children=c1"
    for body in (
        b'{"json": {"errors": [["RATELIMIT", "slow"]]}}',
        b'{"json": {"data": {"things": []}}}',
    ):
        assert [type(i) for i in parse(url, body)] == [FetchError]


def test_stubs_become_sorted_batches_of_morechildren(corpus):
    body = (corpus / "reddit" / "reddift_r_redditdev_2ujhkr_comments.json").read_bytes()
    spider = RedditSpider(url="https://www.reddit.com/r/redditdev/")
    response = build_response(
        "https://www.reddit.com" + THREAD + ".json", body, [("Content-Type", JSON)]
    )
    urls = [r.url for r in spider.follow(response)]
    stubs = [
        t["data"] for t in walk_raw(json.loads(body)[1]) if t["kind"] == "more"
    ]  # read without the parser
    wanted = sorted(i for s in stubs for i in s["children"])
    assert len(urls) == 1 and len(wanted) == 25
    query = dict(p.split("=", 1) for p in urlsplit(urls[0]).query.split("&"))
    assert query["link_id"] == "t3_2ujhkr" and query["children"].split(",") == wanted


def walk_raw(listing: dict) -> list[dict]:
    found = []
    for thing in listing["data"]["children"]:
        found.append(thing)
        if thing["kind"] == "t1" and thing["data"]["replies"]:
            found += walk_raw(thing["data"]["replies"])
    return found


# --- end to end: a subreddit, two threads, their morechildren ------------------------


def wire(url: str) -> str:
    parts = urlsplit(Request("http://h" + url).url)
    return parts.path + "?" + parts.query


def morechildren(link_id: str, ids: list[str]) -> str:
    return f"/api/morechildren?api_type=json&link_id=t3_{link_id}&children={','.join(sorted(ids))}"


def apple_thread() -> bytes:
    """Thread 1079a6 cut to the comment the real morechildren answer hangs from (hand-made:
    the corpus has that answer, not its thread) and a stub listing the answer's ids."""
    stub = {"kind": "more", "data": {"count": 6, "parent_id": "t1_c6b0n8x", "children": MORE_IDS}}
    top = {
        "kind": "t1",
        "data": {
            "id": "c6b0n8x", "parent_id": "t3_1079a6", "link_id": "t3_1079a6", "author": "apfel",
            "created_utc": 1348167000, "score": 3, "body": "Maps are worse.",
            "body_html": "&lt;div class=\"md\"&gt;&lt;p&gt;Maps are worse.&lt;/p&gt;&lt;/div&gt;",
            "replies": {"kind": "Listing", "data": {"children": [stub]}},
        },
    }  # fmt: skip
    post = {"kind": "t3", "data": {"id": "1079a6", "title": "iOS 6 maps", "author": "op",
            "created_utc": 1348160000, "num_comments": 8, "is_self": True,
            "permalink": APPLE}}  # fmt: skip
    listing = lambda things: {"kind": "Listing", "data": {"children": things}}  # noqa: E731
    return json.dumps([listing([post]), listing([top])]).encode()


def test_crawl_subreddit_threads_and_morechildren(corpus, tmp_path):
    thread = (corpus / "reddit" / "reddift_r_redditdev_2ujhkr_comments.json").read_bytes()
    more = (corpus / "reddit" / "reddift_morechildren_t3_1079a6.json").read_bytes()
    stubs = [t["data"] for t in walk_raw(json.loads(thread)[1]) if t["kind"] == "more"]
    subreddit = {"kind": "Listing", "data": {"after": None, "children": [
        {"kind": "t3", "data": {"id": "1079a6", "permalink": APPLE, "created_utc": 1348160000}},
        {"kind": "t3", "data": {"id": "2ujhkr", "permalink": THREAD, "created_utc": 1422901461}},
    ]}}  # fmt: skip
    routes = {
        "/robots.txt": ROBOTS,
        "/r/all/.json": Route(json.dumps(subreddit).encode(), content_type=JSON),
        APPLE + ".json": Route(apple_thread(), content_type=JSON),
        THREAD + ".json": Route(thread, content_type=JSON, encoding="gzip"),
        wire(morechildren("1079a6", MORE_IDS)): Route(more, content_type=JSON),
        # the real answer ends with one more stub: its expansion comes back empty
        wire(morechildren("1079a6", ["c6b21ja"])): Route(
            b'{"json": {"errors": [], "data": {"things": []}}}', content_type=JSON
        ),
        wire(morechildren("2ujhkr", [i for s in stubs for i in s["children"]])): Route(
            b'{"message": "Too Many Requests", "error": 429}', 429, JSON
        ),
    }
    archive = tmp_path / "archive"
    with MockServer(routes) as server:
        archiver(
            "crawl", "reddit", "--url", server.url + "/r/all/", "--archive", str(archive),
            *LOOPBACK, "-s", "RETRY_TIMES=0",
        )  # fmt: skip
        asked = set(server.requests)
    assert set(routes) - {"/robots.txt"} <= asked
    db = archive / "archive.db"
    # the expansion joins the thread: each comment under the one before, the first under
    # the comment its stub hung from
    chain = rows(
        db,
        "SELECT c.site_comment_id, p.site_comment_id, c.deleted FROM comments c"
        " JOIN articles a ON a.id = c.article_id LEFT JOIN comments p ON p.id = c.parent_id"
        " WHERE a.site_article_id = '1079a6' ORDER BY c.page, c.position",
    )
    assert chain == [("c6b0n8x", None, 0)] + [
        (cid, parent, int(n % 2 == 0))
        for n, (cid, parent) in enumerate(zip(MORE_IDS, ["c6b0n8x", *MORE_IDS[:-1]], strict=True))
    ]
    counts = rows(
        db,
        "SELECT a.site_article_id, count(c.id), sum(c.deleted) FROM articles a"
        " LEFT JOIN comments c ON c.article_id = a.id GROUP BY a.id ORDER BY 1",
    )
    assert counts == [("1079a6", 7, 3), ("2ujhkr", 51, 2)]
    errors = sorted(rows(db, "SELECT error, url FROM fetch_errors"))
    assert [e for e, _ in errors] == [
        "http_429",
        "parse_error",
        "thread_incomplete",
        "thread_incomplete",
    ]
    assert "c6b21ja" in errors[1][1]
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before
