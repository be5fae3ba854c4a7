"""The extraction worker process: it reads pages as the crawl process would, and its death
leaves the reading to the crawl process instead of losing pages."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing

import pytest

from archiver.extraction import ExtractionProcess, extract, page_done
from archiver.responses import build_response
from spiders.hackernews import parse_page

HTML = [("Content-Type", "text/html; charset=utf-8")]


@pytest.fixture
def extraction():
    process = ExtractionProcess()
    yield process
    process.close()


@pytest.fixture
def story(corpus):
    """A real HN story page of 124 comments, as the crawl would hand it over."""
    body = (corpus / "hackernews" / "easyhn_item_48350598.html").read_bytes()
    url = "https://news.ycombinator.com/item?id=48350598"
    return build_response(url, body, HTML, 200, "2026-06-01T12:00:00Z", "<urn:uuid:story>")


def test_the_worker_reads_a_page_as_the_crawl_process_does(extraction, story):
    done = asyncio.run(extraction.read(parse_page, story))
    here = page_done(story, list(extract(parse_page, story)))
    assert len(done.items) > 124
    assert done == here


def test_a_dead_worker_leaves_the_reading_to_the_crawl_process(extraction, story, caplog):
    for worker in multiprocessing.active_children():
        worker.kill()
        worker.join()
    with caplog.at_level(logging.ERROR):
        assert asyncio.run(extraction.read(parse_page, story)) is None
    assert "extraction process died" in caplog.text
    assert extraction.pool is None  # and stays so: later pages are read in the crawl process
    assert asyncio.run(extraction.read(parse_page, story)) is None
