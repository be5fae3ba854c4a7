"""Discourse: posts, replies and quotes checked against the raw JSON; batches crawled end to end."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from scrapy.http import Request

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import Article, Comment, Quote
from archiver.platforms.discourse.page import batch_urls, topic_json_url
from spiders.discourse import DiscourseSpider, parse_page
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver, rows, snapshot

HOST = "https://discuss.criticalfallibilism.com"
JSON = [("Content-Type", "application/json; charset=utf-8")]
CORPUS_FILES = ["t_2108_post_452.json", "t_2108_posts.json", "t_2108_posts_pn_41.json"]


def parse(url: str, body: bytes) -> list:
    response = build_response(url, body, JSON, fetched_at="2026-01-20T00:00:00Z")
    return list(extract(parse_page, response))


@pytest.fixture(scope="module", params=CORPUS_FILES + ["t_2144_posts.json"])
def real(request, corpus) -> tuple[dict, list]:
    body = (corpus / "discourse" / request.param).read_bytes()
    return json.loads(body), parse(HOST + "/t/x/posts.json", body)


def test_every_post_but_the_first_is_one_comment(real):
    data, items = real
    posts = data["post_stream"]["posts"]
    comments = [i for i in items if isinstance(i, Comment)]
    assert sorted(c.site_comment_id for c in comments) == sorted(
        str(p["id"]) for p in posts if p["post_number"] > 1
    )
    assert [c.index for c in comments] == sorted(c.index for c in comments)  # post order
    assert all(c.author for c in comments)


def test_reply_links_point_at_the_post_with_that_number(real):
    data, items = real
    posts = {str(p["id"]): p for p in data["post_stream"]["posts"]}
    numbers = {p["post_number"] for p in posts.values()}
    comments = [i for i in items if isinstance(i, Comment)]
    for comment in comments:
        reply_to = posts[comment.site_comment_id]["reply_to_post_number"]
        if comment.parent_site_comment_id is None:
            assert reply_to in (None, 1) or reply_to not in numbers
        else:
            assert posts[comment.parent_site_comment_id]["post_number"] == reply_to
    resolvable = [p for p in posts.values() if p["reply_to_post_number"] in numbers - {1}]
    assert sum(c.parent_site_comment_id is not None for c in comments) == len(resolvable)


def outer_quotes(cooked: str) -> list[str]:
    """Attributes of the quote asides not nested in another aside, by scanning the tags."""
    found, depth = [], 0
    for tag in re.finditer(r'<aside( class="quote[^"]*")?([^>]*)>|</aside>', cooked):
        if tag.group(0) == "</aside>":
            depth -= 1
            continue
        if depth == 0 and tag.group(1):
            found.append(tag.group(2))
        depth += 1
    return found


def test_quotes_follow_data_post(real):
    data, items = real
    posts = data["post_stream"]["posts"]
    by_number = {p["post_number"]: str(p["id"]) for p in posts}
    asides = {str(p["id"]): outer_quotes(p["cooked"]) for p in posts if p["post_number"] > 1}
    quotes = [i for i in items if isinstance(i, Quote)]
    assert len(quotes) == sum(len(a) for a in asides.values())
    for quote in quotes:
        attrs = asides[quote.site_comment_id][quote.ordinal - 1]
        number = re.search(r'data-post="(\d+)"', attrs)
        topic = re.search(r'data-topic="(\d+)"', attrs)
        if topic and topic.group(1) != str(posts[0]["topic_id"]):
            assert quote.kind == "external"
        elif number and number.group(1) == "1":
            assert quote.kind == "article"
        elif number:
            assert quote.quoted_site_comment_id == by_number.get(int(number.group(1)))
        assert quote.text  # every aside here holds a blockquote


def test_quote_of_a_post_outside_the_response_keeps_author_and_text(corpus):
    body = (corpus / "discourse" / "t_2108_post_452.json").read_bytes()
    quote = next(
        i for i in parse(HOST + "/t/2108/452.json", body) if isinstance(i, Quote)
    )  # post 433 quotes post 428, not in this response
    assert (quote.site_comment_id, quote.quoted_site_comment_id) == ("19902", None)
    assert quote.quoted_author == "Eternity" and quote.text.startswith("its odd though")


def test_topic_urls_become_the_first_page_json():
    assert topic_json_url("https://f.example/t/some-slug/2108") == "https://f.example/t/2108.json"
    assert topic_json_url("https://f.example/t/2108/452.json") == "https://f.example/t/2108.json"
    assert topic_json_url("https://f.example/t/slug/2108/5") == "https://f.example/t/2108.json"
    assert topic_json_url("https://f.example/c/news/5") == "https://f.example/c/news/5.json"
    assert (
        topic_json_url("https://f.example/c/news/5/l/latest?page=1")
        == "https://f.example/c/news/5/l/latest.json?page=1"
    )


def test_batches_cover_the_rest_of_the_stream_in_sorted_chunks(corpus):
    data = json.loads((corpus / "discourse" / "t_2108_post_452.json").read_text())
    urls = batch_urls(HOST + "/t/2108/452.json", data)
    chunks = [[int(i) for i in re.findall(r"post_ids\[\]=(\d+)", url)] for url in urls]
    assert all(chunk == sorted(chunk) and len(chunk) <= 20 for chunk in chunks)
    fetched = [i for chunk in chunks for i in chunk]
    on_page = {p["id"] for p in data["post_stream"]["posts"]}
    assert sorted(fetched) == sorted(set(data["post_stream"]["stream"]) - on_page)
    assert len(fetched) == len(set(fetched)) == 446 - 20
    assert urls == batch_urls(HOST + "/t/2108/452.json", data)  # a recrawl asks the same


def category(topics: list[dict], more: str | None) -> bytes:
    return json.dumps({"topic_list": {"topics": topics, "more_topics_url": more}}).encode()


def test_category_walks_topics_and_stops_paging_back_at_since():
    topics = [
        {"id": 7, "created_at": "2024-03-01T00:00:00Z", "bumped_at": "2024-05-01T00:00:00Z"},
        {"id": 8, "created_at": "2023-01-01T00:00:00Z", "bumped_at": "2024-04-01T00:00:00Z"},
    ]
    response = build_response(
        "https://f.example/c/news/5.json", category(topics, "/c/news/5/l/latest?page=1"), JSON
    )
    every = [r.url for r in DiscourseSpider(url="https://f.example/c/news/5").follow(response)]
    assert every == [
        "https://f.example/t/7.json",
        "https://f.example/t/8.json",
        "https://f.example/c/news/5/l/latest.json?page=1",
    ]
    recent = DiscourseSpider(url="https://f.example/c/news/5", since="2024-02-01T00:00:00+00:00")
    assert [r.url for r in recent.follow(response)] == [every[0], every[2]]
    later = DiscourseSpider(url="https://f.example/c/news/5", since="2024-06-01T00:00:00+00:00")
    assert [r.url for r in later.follow(response)] == []


# --- end to end: a category, a topic, and its posts fetched in batches --------------


def wire(url: str) -> str:
    """The path and query as Scrapy sends them (it percent-encodes the [] of post_ids[])."""
    parts = urlsplit(Request(url).url)
    return parts.path + "?" + parts.query


@pytest.fixture
def forum(corpus) -> dict:
    """Topic 2108 cut to the 60 posts the corpus holds: 1-40 and 433-452."""
    load = lambda name: json.loads((corpus / "discourse" / name).read_text())  # noqa: E731
    topic = load("t_2108_post_452.json")
    first, before_41 = load("t_2108_posts.json"), load("t_2108_posts_pn_41.json")
    late = topic["post_stream"]["posts"]
    posts = first["post_stream"]["posts"] + before_41["post_stream"]["posts"] + late
    by_id = {p["id"]: p for p in posts}
    stream = [i for i in topic["post_stream"]["stream"] if i in by_id]
    topic["post_stream"] = {"posts": first["post_stream"]["posts"], "stream": stream}
    routes = {
        "/robots.txt": ROBOTS,
        "/t/2108.json": Route(json.dumps(topic).encode(), content_type=JSON[0][1]),
    }
    for url in batch_urls("http://h/t/2108.json", topic):
        ids = [int(i) for i in re.findall(r"post_ids\[\]=(\d+)", url)]
        batch = {"post_stream": {"posts": [by_id[i] for i in ids]}, "id": 2108}
        routes[wire(url)] = Route(
            json.dumps(batch).encode(), content_type=JSON[0][1], encoding="gzip"
        )
    listing = category(
        [{"id": 2108, "created_at": "2025-09-25T19:11:21Z"}], "/c/blog/5/l/latest?page=1"
    )
    routes["/c/blog/5.json"] = Route(listing, content_type=JSON[0][1])
    routes["/c/blog/5/l/latest.json?page=1"] = Route(category([], None), content_type=JSON[0][1])
    return {"routes": routes, "posts": posts, "stream": stream}


def test_crawl_category_topic_and_batches(forum, tmp_path):
    archive = tmp_path / "archive"
    with MockServer(forum["routes"]) as server:
        archiver(
            "crawl",
            "discourse",
            "--url",
            server.url + "/c/blog/5",
            "--archive",
            str(archive),
            *LOOPBACK,
        )
        batches = [r for r in server.requests if "/posts.json" in r]
    assert len(batches) == 2 and all("post_ids%5B%5D=" in r for r in batches)
    db = archive / "archive.db"
    assert rows(
        db,
        "SELECT site, site_article_id, title, comment_count, body_text IS NOT NULL FROM articles",
    ) == [("127.0.0.1", "2108", "Comments on The Boyfriend's Introduction to Feminism", 445, 1)]
    posts = forum["posts"]
    expected = sorted(str(p["id"]) for p in posts if p["post_number"] > 1)
    assert sorted(r[0] for r in rows(db, "SELECT site_comment_id FROM comments")) == expected
    # threads read in post order whichever batch came first
    ordered = rows(db, "SELECT site_comment_id FROM comments ORDER BY position")
    by_number = sorted((p["post_number"], str(p["id"])) for p in posts if p["post_number"] > 1)
    assert [r[0] for r in ordered] == [i for _, i in by_number]
    # each parent link joins a post to the post its reply_to_post_number names
    number_of = {str(p["id"]): p["post_number"] for p in posts}
    reply_to = {str(p["id"]): p["reply_to_post_number"] for p in posts}
    links = rows(
        db,
        "SELECT c.site_comment_id, p.site_comment_id FROM comments c"
        " JOIN comments p ON p.id = c.parent_id",
    )
    assert links and all(number_of[parent] == reply_to[child] for child, parent in links)
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before


def test_article_is_post_one_not_a_comment(corpus):
    body = (corpus / "discourse" / "t_2144_posts.json").read_bytes()
    items = parse(HOST + "/t/2144/posts.json", body)
    article = items[0]
    assert isinstance(article, Article) and article.stub
    assert article.body_text.startswith("This is a companion discussion topic")
    assert "20089" not in {i.site_comment_id for i in items if isinstance(i, Comment)}
