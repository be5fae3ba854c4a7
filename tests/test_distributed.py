"""Several workers crawl one site through one Redis; `archiver ingest` merges their archives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.mockserver import MockServer
from tests.redis_server import RedisServer
from tests.test_crawl_e2e import LOOPBACK, archiver, rows, snapshot
from tests.test_incremental import Site, assert_equals_reparse, wait_for_requests, warcio_check

# A worker that stops renewing its leases loses them after this many seconds.
LEASE = ["-s", "REDIS_LEASE_SECONDS=2"]


def start_worker(
    server: MockServer, archive: Path, redis_url: str, by_env: bool = False
) -> subprocess.Popen:
    """`archiver crawl` on one worker; the Redis URL by --redis or by ARCHIVER_REDIS_URL."""
    env = {**os.environ, "ARCHIVER_REDIS_URL": redis_url} if by_env else None
    option = [] if by_env else ["--redis", redis_url]
    return subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", "crawl", "next_ink", "--url", server.url + "/"]
        + ["--archive", str(archive), *option, *LOOPBACK, *LEASE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(worker: subprocess.Popen) -> str:
    out, err = worker.communicate(timeout=180)
    assert worker.returncode == 0, err[-3000:]
    return out


def article_fetches(server: MockServer) -> Counter:
    return Counter(path for path in server.requests if path not in ("/", "/robots.txt"))


def assert_every_page_once(merged: Path, site: Site) -> None:
    db = merged / "archive.db"
    articles = rows(db, "SELECT site_article_id FROM articles ORDER BY 1")
    assert articles == [(article,) for article in sorted(site.articles)]
    expected = sorted((cid,) for comments in site.articles.values() for cid, _, _ in comments)
    assert rows(db, "SELECT site_comment_id FROM comments ORDER BY 1") == expected
    # every row points at a capture whose WARC file is in the merged archive
    files = rows(
        db,
        "SELECT DISTINCT cap.warc_filename FROM comments c JOIN captures cap"
        " ON cap.id = c.capture_id",
    )
    assert all((merged / "warc" / name).is_file() for (name,) in files)


def test_two_workers_share_the_site_and_the_next_run_fetches_only_the_start_page(tmp_path):
    site = Site(articles=16, comments=3, delay=0.3)
    site.routes["/"].delay = 2.0  # both workers are up before the articles are queued
    workers = [tmp_path / "worker1", tmp_path / "worker2"]
    with RedisServer(tmp_path) as redis_server, MockServer(site.routes) as server:
        reports = [start_worker(server, w, redis_server.url) for w in workers]
        reports = [finish(worker) for worker in reports]
        fetched = article_fetches(server)
        assert sorted(fetched) == [f"/{a}/" for a in sorted(site.articles)]
        assert set(fetched.values()) == {1}  # one queue, one duplicate filter
        assert all("articles  0" not in report for report in reports), reports  # both worked
        left = sorted(key.decode().rsplit(":", 1)[0] for key in redis_server.client().keys())
        assert set(left) == {"news-archiver:next_ink:claim"}  # the run is over, claims stay
        seen = len(server.requests)
        for worker in [start_worker(server, w, redis_server.url) for w in workers]:
            finish(worker)
        # A new run: the start page again, once; no article, though each is new to one worker.
        assert [path for path in server.requests[seen:] if path != "/robots.txt"] == ["/"]
    sources = [option for w in workers for option in ("--from", str(w))]
    archiver("ingest", "--archive", str(tmp_path / "merged"), *sources)
    assert_every_page_once(tmp_path / "merged", site)


@pytest.mark.parametrize("restart", ["while the other runs", "after the other finished"])
def test_killed_worker_loses_nothing_and_ingest_merges_every_page_once(tmp_path, restart):
    site = Site(articles=30, comments=4, delay=0.15)
    site.routes["/"].delay = 2.0  # both workers are up before the articles are queued
    first, second, merged = tmp_path / "worker1", tmp_path / "worker2", tmp_path / "merged"
    with RedisServer(tmp_path) as redis_server, MockServer(site.routes) as server:
        victim = start_worker(server, first, redis_server.url)
        survivor = start_worker(server, second, redis_server.url, by_env=True)
        wait_for_requests(server, 17)  # about half of 2 robots.txt + listing + 30 articles
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        assert list((first / "warc").glob("*.open")), "the kill should land mid-crawl"
        if restart == "after the other finished":
            # it waited for the dead worker's leases to expire and fetched those pages itself
            finish(survivor)
            assert sorted(article_fetches(server)) == [f"/{a}/" for a in sorted(site.articles)]
        restarted = start_worker(server, first, redis_server.url)
        if restart == "while the other runs":
            finish(survivor)
        finish(restarted)
        fetched = article_fetches(server)
        assert sorted(fetched) == [f"/{a}/" for a in sorted(site.articles)]
        # only pages the killed worker had in hand are fetched again (its leases expired):
        # it holds at most 4 x CONCURRENT_REQUESTS_PER_DOMAIN (2) requests at a time
        assert sum(fetched.values()) - len(fetched) <= 8, fetched
        assert redis_server.client().keys("news-archiver:next_ink:[^c]*") == []
    sources = ["--from", str(first), "--from", str(second)]
    report = archiver("ingest", "--archive", str(merged), *sources).stdout
    assert "(0 already known)" in report, report
    assert_every_page_once(merged, site)
    warcio_check(merged)
    archiver("verify", "--archive", str(merged))
    before = snapshot(merged / "archive.db")
    again = archiver("ingest", "--archive", str(merged), *sources).stdout
    assert again.startswith("Ingested 0 new WARC files") and " 0 new responses" in again, again
    assert snapshot(merged / "archive.db") == before  # ingesting twice adds nothing
    assert_equals_reparse(merged)
