"""A thread comes out the same whatever order its pages arrive in.

The order a crawl saves pages in depends on timing: politeness delays, latency,
concurrency, and which of a post's links (sitemap, listing, feed, "#comments") is
followed first. Every HTML page of a local WordPress site (listings, posts, their
comment pages; the last listing shows a single post) is saved here through the store
as the crawl and reparse save it (`capture_items`, `save_item`), in orders hypothesis
picks; the database must equal the site's truth: every post's row from its own page,
every comment with its parent, its position in the thread, and the comment it quotes
(quotes of comments on other comment pages included).
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.store.schema import open_db
from spiders.wordpress import WordpressSpider
from tests.mockserver import MockServer
from tests.test_crawl_e2e import archiver
from tests.test_sites import save_page
from tests.wpsite import WpSite, build_wpsite

BASE = "http://wp.test"
HTML = "text/html; charset=utf-8"
HEADERS = [("Content-Type", HTML)]
SITES = {
    newest: build_wpsite(
        posts=4, threads=7, per_page=3, newest_first=newest, base=BASE, quotes_across_pages=True
    )
    for newest in (False, True)
}


def _pages(site: WpSite) -> list[str]:
    return sorted(path for path, route in site.routes.items() if route.content_type == HTML)


def _save_in_order(site: WpSite, order: list[str], database: Path) -> sqlite3.Connection:
    db = open_db(database, fts=False)
    for number, path in enumerate(order):
        stamp = f"2026-01-01T00:{number // 60:02d}:{number % 60:02d}Z"
        body = site.routes[path].body
        save_page(db, WordpressSpider.parse_page, BASE + path, body, HEADERS, stamp, number)
    db.conn.commit()
    return db.conn


def _articles(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT site_article_id, url FROM articles"))


def _comments(conn: sqlite3.Connection) -> dict[str, tuple]:
    """Each comment: its post, its parent (as stored and as linked), page and position."""
    rows = conn.execute(
        """SELECT c.site_comment_id, a.site_article_id, c.parent_site_comment_id,
                  p.site_comment_id, c.page, c.position, c.deleted
           FROM comments c JOIN articles a ON a.id = c.article_id
           LEFT JOIN comments p ON p.id = c.parent_id"""
    )
    return {row[0]: row[1:] for row in rows}


def _quotes(conn: sqlite3.Connection) -> dict[str, str | None]:
    rows = conn.execute(
        """SELECT c.site_comment_id, t.site_comment_id FROM quotes q
           JOIN comments c ON c.id = q.comment_id
           LEFT JOIN comments t ON t.id = q.quoted_comment_id"""
    )
    return dict(rows)


def _truth(site: WpSite, base: str = BASE) -> tuple[dict, dict, dict]:
    articles = {str(p.id): base + p.path for p in site.posts}
    comments, quotes = {}, {}
    for post in site.posts:
        # Positions: the thread in page order (page 1 the oldest), as the pages print it.
        in_order = sorted(post.comments, key=lambda c: c.page)
        for position, c in enumerate(in_order, start=1):
            parent = str(c.parent) if c.parent else None
            comments[str(c.id)] = (str(post.id), parent, parent, c.page, position, 0)
            if c.quotes is not None:
                quotes[str(c.id)] = str(c.quotes)
    return articles, comments, quotes


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_arrival_order_gives_the_site_as_it_is(newest_first, data, tmp_path_factory):
    site = SITES[newest_first]
    order = data.draw(st.permutations(_pages(site)))
    conn = _save_in_order(site, order, tmp_path_factory.mktemp("order") / "archive.db")
    articles, comments, quotes = _truth(site)
    assert _articles(conn) == articles
    assert _comments(conn) == comments
    assert _quotes(conn) == quotes


def test_the_site_has_what_the_orders_must_keep():
    """The site these orders shuffle: cross-page quotes, a one-post listing, replies."""
    site = SITES[False]
    by_id = {c.id: c for c in site.comments}
    across = [c for c in site.comments if c.quotes and by_id[c.quotes].page != c.page]
    assert len(across) >= 5
    assert any(c.parent for c in site.comments)
    assert site.routes["/page/2/"].body.count(b'<article id="post-') == 1


def test_a_polite_crawl_keeps_each_thread_whatever_arrives_first(tmp_path):
    """The real crawl, with AutoThrottle and two requests a host (the default politeness,
    its delays shortened), of a newest-first site whose comments quote comments of other
    pages, each page answering after its own latency: a post's own URL shows its last
    comment page, its earlier pages come after it, in either order. Every post, comment,
    position and quote comes out as the site has it."""
    server = MockServer({})
    site = build_wpsite(
        posts=6, threads=7, per_page=3, newest_first=True, base=server.url,
        quotes_across_pages=True,
    )  # fmt: skip
    latency = random.Random(5)
    for route in site.routes.values():
        route.delay = latency.uniform(0, 0.05)
    server.routes.update(site.routes)
    archive = tmp_path / "archive"
    with server:
        archiver(
            "crawl", "wordpress", "--url", server.url + "/", "--archive", str(archive),
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.05",
        )  # fmt: skip
    conn = sqlite3.connect(archive / "archive.db")
    articles, comments, quotes = _truth(site, server.url)
    assert _articles(conn) == articles
    assert _comments(conn) == comments
    assert _quotes(conn) == quotes
