"""The frontier (issue 16): a crawl holds a bounded number of requests in memory, the rest in
`fetch_state`, and still fetches every page once, in one run or across a stop and a resume."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

from archiver.crawl.scheduler import MEMORY_MAX, WAITING
from archiver.ops.demo import serve_directory
from bench.frontier import known_urls, write_frontier_site
from tests.mockserver import Route
from tests.test_crawl_e2e import LOOPBACK, archiver, rows
from tests.test_wordpress import serve

BOUND = 5


def crawl(url: str, archive: Path, *extra: str) -> dict[str, int]:
    """Crawl with at most BOUND requests in memory; the frontier's stats from its log."""
    # Two requests in flight at most, so the others stay with the scheduler.
    bounded = ["-s", f"FRONTIER_MEMORY_REQUESTS={BOUND}", "-s", "CONCURRENT_REQUESTS=2", *extra]
    archiver("crawl", "wordpress", "--url", url, "--archive", str(archive), *LOOPBACK, *bounded)
    log = max((archive / "logs").glob("*.log"), key=lambda path: path.stat().st_mtime)
    stats = {}
    for name in (MEMORY_MAX, WAITING):
        found = re.search(rf"'{re.escape(name)}': (\d+)", log.read_text())
        stats[name] = int(found.group(1)) if found else 0
    return stats


def thread_pages(site) -> list[str]:
    return [unquote(p) for post in site.posts for p in [post.path, *site.comment_page_paths(post)]]


def test_memory_bounded_and_every_page_fetched_once(tmp_path):
    server, site = serve({"posts": 12})
    with server:
        stats = crawl(server.url + "/", tmp_path / "archive")
    assert stats[WAITING] > 0  # the sitemap's posts did not fit: they waited in fetch_state
    db = tmp_path / "archive" / "archive.db"
    # thread pages held in memory at most BOUND; listings are held besides, always
    (listings,) = rows(db, "SELECT COUNT(*) FROM fetch_state WHERE kind = 'listing'")[0]
    assert 0 < stats[MEMORY_MAX] <= BOUND + listings < len(thread_pages(site))
    fetched = Counter(unquote(path) for path in server.requests)
    assert all(fetched[page] == 1 for page in thread_pages(site))
    assert len(rows(db, "SELECT id FROM comments")) == len(site.comments)
    assert rows(db, "SELECT COUNT(*) FROM fetch_state WHERE last_fetched IS NULL") == [(0,)]


def test_stopped_crawl_resumes_its_waiting_requests(tmp_path):
    server, site = serve({"posts": 12})
    archive = tmp_path / "archive"
    with server:
        first = crawl(server.url + "/", archive, "--max-pages", "15")
        db = archive / "archive.db"
        left = rows(db, "SELECT COUNT(*) FROM fetch_state WHERE last_fetched IS NULL")[0][0]
        crawl(server.url + "/", archive)
    assert first[WAITING] > 0 and left > 0  # the stop left requests waiting, unfetched
    fetched = Counter(unquote(path) for path in server.requests)
    assert all(fetched[page] == 1 for page in thread_pages(site))
    assert len(rows(db, "SELECT id FROM comments")) == len(site.comments)


def test_a_redirect_to_a_page_already_queued_is_not_fetched_again(tmp_path):
    """The sitemap names every post without its trailing slash, which the site redirects
    to the slashed URL its pages link to: each post is fetched once, by either way."""
    server, site = serve({"posts": 12})
    sitemap = server.routes["/wp-sitemap-posts-post-1.xml"]
    for post in site.posts:
        slashless = post.path.rstrip("/")
        sitemap.body = sitemap.body.replace(
            f"{post.path}</loc>".encode(), f"{slashless}</loc>".encode()
        )
        location = [("Location", server.url + post.path)]
        server.routes[slashless] = Route(b"", 301, headers=location)
    with server:
        crawl(server.url + "/", tmp_path / "archive")
    fetched = Counter(unquote(path) for path in server.requests)
    assert sum(fetched[unquote(post.path.rstrip("/"))] for post in site.posts) == len(site.posts)
    assert all(fetched[page] == 1 for page in thread_pages(site))


def test_listings_are_fetched_before_the_thread_pages_they_list(tmp_path):
    """20 sitemaps of 30 posts, 5 requests in memory, a stop after 40 responses: every
    sitemap is read by then, so all 600 posts are known (the posts of the first sitemaps
    read must not bury the later sitemaps in the memory queue)."""
    site = tmp_path / "site"
    site.mkdir()
    with serve_directory(site) as base:
        write_frontier_site(site, base.rstrip("/"), 600)
        crawl(base, tmp_path / "archive", "--max-pages", "40")
    assert known_urls(tmp_path / "archive" / "archive.db", base.rstrip("/")) == 600
