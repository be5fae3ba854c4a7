"""The extraction worker process: it reads pages and their links as the crawl process would,
and its death leaves the reading to the crawl process instead of losing pages."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import multiprocessing
import signal
import subprocess
import sys
import time

import pytest

from archiver.crawl.extraction import ExtractionProcess
from archiver.extract.page import extract, page_done
from archiver.extract.responses import build_response, release_parse_tree
from spiders.hackernews import HackernewsSpider, parse_page

HTML = [("Content-Type", "text/html; charset=utf-8")]


@pytest.fixture
def spider():
    return HackernewsSpider(url="https://news.ycombinator.com/item?id=48350598")


@pytest.fixture
def extraction(spider):
    process = ExtractionProcess(spider)
    yield process
    process.close()


@pytest.fixture
def story(corpus):
    """A real HN story page of 124 comments, as the crawl would hand it over."""
    body = (corpus / "hackernews" / "easyhn_item_48350598.html").read_bytes()
    url = "https://news.ycombinator.com/item?id=48350598"
    return build_response(url, body, HTML, 200, "2026-06-01T12:00:00Z", "<urn:uuid:story>")


def test_the_worker_reads_a_page_as_the_crawl_process_does(extraction, spider, story):
    done, links = asyncio.run(extraction.read(story))
    here = page_done(story, list(extract(parse_page, story)))
    here_links = [request.to_dict(spider=spider) for request in spider.follow(story)]
    release_parse_tree(story)
    assert len(done.items) > 124 and links
    assert done == here
    # a link the spider makes again from its URL and link kind travels as that pair alone
    assert all(isinstance(link, tuple) for link in links)
    assert [spider.request_of(link).to_dict(spider=spider) for link in links] == here_links


def test_a_dead_worker_leaves_the_reading_to_the_crawl_process(extraction, story, caplog):
    for worker in multiprocessing.active_children():
        worker.kill()
        worker.join()
    with caplog.at_level(logging.ERROR):
        assert asyncio.run(extraction.read(story)) is None
    assert "extraction process died" in caplog.text
    assert extraction.pool is None  # and stays so: later pages are read in the crawl process
    assert asyncio.run(extraction.read(story)) is None


LOCK_HOLDER = """
import sys, time
from pathlib import Path
from archiver.extract.workers import forked_pool
from archiver.archive.lock import lock_archive
lock_archive(Path(sys.argv[1]))
pool = forked_pool(1)
print("ready", flush=True)
time.sleep(60)
"""


def test_a_killed_crawl_leaves_no_worker_holding_its_archive_lock(tmp_path):
    """The worker outlives a SIGKILLed crawl by up to a second: it must not hold the lock."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "ready"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with open(tmp_path / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if still held


WORKER_PARENT = """
import os, sys, time
from archiver.extract.workers import forked_pool
pool = forked_pool(2)
print(" ".join(str(pid) for pid in pool._processes), flush=True)
time.sleep(60)
"""


def test_workers_die_with_a_killed_parent(tmp_path):
    """A SIGKILLed crawl or reparse leaves no worker behind, not even for a second."""
    parent = subprocess.Popen(
        [sys.executable, "-c", WORKER_PARENT], stdout=subprocess.PIPE, text=True
    )
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.02)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie is dead, unreaped
    except FileNotFoundError:
        return False
