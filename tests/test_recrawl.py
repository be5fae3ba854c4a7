"""The listing walk: a listing's next page is followed while the listing shows an article
new to the archive, which includes one first seen earlier in this same run."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archiver.crawl.recrawl import RecrawlSpiderMiddleware
from archiver.items import PageDone

LISTING = "http://site.test/page/3/"
POST = "http://site.test/2024/03/post/"
NEXT = "http://site.test/page/4/"


@pytest.fixture
def middleware(tmp_path):
    resources = {"archiver.crawl.resources.ArchiveResources": 10}
    crawler = get_crawler(settings_dict={"ARCHIVE_DIR": str(tmp_path), "EXTENSIONS": resources})
    return RecrawlSpiderMiddleware(crawler)


def walk(middleware: RecrawlSpiderMiddleware, first_seen: str) -> list[str]:
    """The URLs a listing showing POST (fetched, first seen at `first_seen`) goes on to."""
    middleware.db.execute(
        "INSERT INTO fetch_state (url, site, kind, first_seen, last_fetched, next_due,"
        " unchanged_count) VALUES (?, 'wordpress', 'thread', ?, ?, '2999-01-01T00:00:00Z', 0)",
        (POST, first_seen, first_seen),
    )
    outputs = [
        Request(POST, meta={"link": "article"}),
        Request(NEXT, meta={"link": "listing"}),
        PageDone(LISTING),
    ]
    response = HtmlResponse(LISTING, body=b"<html></html>")
    found = middleware.process_spider_output(response, outputs)
    return [output.url for output in found if isinstance(output, Request)]


def test_a_listing_of_articles_from_earlier_runs_ends_the_walk(middleware):
    assert walk(middleware, "2020-01-01T00:00:00Z") == []
    assert middleware.crawler.stats.get_value("archiver/recrawl/listing_walk_stopped") == 1


def test_an_article_first_seen_in_this_run_keeps_the_walk_going(middleware):
    # found by the sitemap and fetched before this listing was read, in this same run
    assert walk(middleware, middleware.started) == [NEXT]
