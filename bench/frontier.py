"""The million-URL frontier: a crawl must know every URL a site's sitemaps list, in bounded memory.

The site is a WordPress-shaped home page whose `wp-sitemap.xml` lists 20 sitemaps
of post URLs (50,000 each at a million, the protocol's limit); nginx answers every
post path with one small post page. `archiver crawl wordpress` (the bench's loopback
settings) stops after a bounded number of responses: by then it has read every
sitemap, so its peak RSS says what a frontier of that many URLs costs, and
`fetch_state` says how many it knows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.wpsite import build_wpsite

SITEMAPS = 20  # of 50,000 URLs each at a million (the protocol's limit per file)
POSTS_PATH = "/p/"  # every post URL is under it, one static page answers them all
TARGET_PEAK_RSS_MB = 400.0  # issue 16


@dataclass(frozen=True)
class FrontierSize:
    """Post URLs the sitemaps list, and responses before the crawl stops (sitemaps first)."""

    urls: int
    pages: int


#: the frontier's scale when the bench runs at a site size: `--size tiny` stays quick
SIZES = {
    "tiny": FrontierSize(urls=2_000, pages=60),
    "default": FrontierSize(urls=1_000_000, pages=2_000),
    "10x": FrontierSize(urls=1_000_000, pages=2_000),
}


@dataclass
class FrontierResult:
    """What the frontier crawl cost and how many of the sitemaps' URLs it knows."""

    urls: int
    pages: int
    wall_s: float
    peak_rss_mb: float
    known_urls: int

    def report(self) -> dict:
        return asdict(self)

    def targets(self) -> dict[str, dict]:
        return {
            "frontier_peak_rss_mb": {
                "value": self.peak_rss_mb,
                "target": TARGET_PEAK_RSS_MB,
                "met": self.peak_rss_mb <= TARGET_PEAK_RSS_MB,
            },
            "frontier_known_urls": {
                "value": self.known_urls,
                "target": self.urls,
                "met": self.known_urls == self.urls,
            },
        }


def write_frontier_site(root: Path, base: str, urls: int) -> None:
    """The home page, the sitemap index and its sitemaps, and the one post page."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text("<!doctype html><html><head><title>Frontier</title></head>")
    per_sitemap = -(-urls // SITEMAPS)
    sitemaps = [f"{base}/wp-sitemap-posts-post-{n}.xml" for n in range(1, SITEMAPS + 1)]
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in sitemaps)
    (root / "wp-sitemap.xml").write_text(_xml("sitemapindex", entries))
    for number, loc in enumerate(sitemaps):
        first = number * per_sitemap
        posts = range(first, min(first + per_sitemap, urls))
        entries = "".join(f"<url><loc>{base}{POSTS_PATH}{n}/</loc></url>" for n in posts)
        (root / loc.rsplit("/", 1)[1]).write_text(_xml("urlset", entries))
    site = build_wpsite(posts=1, threads=2, per_page=50, base=base)
    (post,) = site.posts
    (root / "post.html").write_bytes(site.routes[post.path].body)


def _xml(root: str, entries: str) -> str:
    namespace = "http://www.sitemaps.org/schemas/sitemap/0.9"
    return f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{namespace}">{entries}</{root}>'


def known_urls(db: Path, base: str) -> int:
    """Post URLs the crawl knows: its `fetch_state` rows under POSTS_PATH."""
    with sqlite3.connect(db) as conn:
        query = "SELECT COUNT(*) FROM fetch_state WHERE url LIKE ?"
        return conn.execute(query, (f"{base}{POSTS_PATH}%",)).fetchone()[0]
