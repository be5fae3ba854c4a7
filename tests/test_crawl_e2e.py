"""End-to-end: the real spiders, run by `archiver crawl` through Scrapy, against 127.0.0.1."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mockserver import MockServer, Route

SITES = Path(__file__).parent / "sites"
SEED_CASE = SITES / "next_ink" / "seed_cybersecurite_sante"
SEED_PATH = "/69945/20-millions-deuros-pour-renforcer-la-cybersecurite-des-etablissements-de-sante/"
LOOPBACK = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
# A page the parser cannot read: the crawl records it and goes on.
BROKEN = b"""<html><body><article data-post-id="3"><div class="article-contenu">x</div></article>
<div class="comments-list"><div data-comment-id="9" data-comment-date="hier vers midi">
<div class="comment-content">?</div></div></div></body></html>"""
ROBOTS = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")

LISTING = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Next</title></head><body>
<div class="block-article" data-post-id="69945"><a class="block-article-link" href="{SEED_PATH}">
<h2 class="block-article-title">20 millions</h2></a>
<time class="block-article-date" datetime="2022-08-29T06:49:00+02:00">29/08</time></div>
<div class="block-article" data-post-id="1">
<a class="block-article-link" href="/private/1/">x</a></div>
<div class="block-article" data-post-id="2"><a class="block-article-link" href="/gone/">x</a></div>
<div class="block-article" data-post-id="3">
<a class="block-article-link" href="/broken/">x</a></div>
<nav class="pagination"><a class="next page-numbers" href="/page/2/">Suivant</a></nav>
</body></html>""".encode()


def archiver(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "archiver.cli", *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def snapshot(db: Path) -> dict[str, list]:
    """Every table's rows with row ids replaced by natural keys, for equality checks."""
    queries = {
        "captures": "SELECT url, warc_filename, warc_offset, warc_record_id, status, fetched_at,"
        " content_type, payload_digest FROM captures",
        "authors": "SELECT site, name FROM authors",
        "articles": "SELECT a.site, a.site_article_id, a.url, a.canonical_url, a.title, au.name,"
        " a.published, a.updated, a.body_html, a.body_text, a.tags, a.comment_count, a.link_url,"
        " cap.warc_record_id"
        " FROM articles a LEFT JOIN authors au ON au.id = a.author_id"
        " LEFT JOIN captures cap ON cap.id = a.capture_id",
        "comments": "SELECT c.site, c.site_comment_id, a.site_article_id, au.name,"
        " p.site_comment_id, c.page, c.position, c.posted, c.body_text, c.body_html, c.score,"
        " c.deleted, c.moderation, cap.warc_record_id FROM comments c"
        " LEFT JOIN articles a ON a.id = c.article_id"
        " LEFT JOIN authors au ON au.id = c.author_id"
        " LEFT JOIN comments p ON p.id = c.parent_id"
        " LEFT JOIN captures cap ON cap.id = c.capture_id",
        "quotes": "SELECT c.site_comment_id, q.ordinal, qc.site_comment_id, q.quoted_author,"
        " q.text,"
        " q.kind FROM quotes q JOIN comments c ON c.id = q.comment_id"
        " LEFT JOIN comments qc ON qc.id = q.quoted_comment_id",
        "reply_links": "SELECT c.site_comment_id, t.site_comment_id, r.kind FROM reply_links r"
        " JOIN comments c ON c.id = r.comment_id JOIN comments t ON t.id = r.target_comment_id",
        "fetch_errors": "SELECT e.url, e.error, e.detail, e.attempts, cap.warc_record_id"
        " FROM fetch_errors e"
        " LEFT JOIN captures cap ON cap.id = e.capture_id",
    }
    return {name: sorted(rows(db, sql), key=repr) for name, sql in queries.items()}


@pytest.fixture
def next_ink_site():
    seed = (SEED_CASE / "page.html").read_bytes()
    routes = {
        "/robots.txt": ROBOTS,
        "/": Route(LISTING, encoding="gzip"),
        "/page/2/": Route(b"<html><body>older</body></html>", chunked=True),
        "/broken/": Route(BROKEN),
        SEED_PATH: Route(
            seed, encoding="br", headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
        ),
    }
    with MockServer(routes) as server:
        yield server


def test_next_ink_crawl_then_reparse(next_ink_site, tmp_path):
    archive = tmp_path / "archive"
    out = archiver(
        "crawl", "next_ink", "--url", next_ink_site.url + "/", "--archive", str(archive), *LOOPBACK
    ).stdout
    db = archive / "archive.db"

    assert "/private/1/" not in next_ink_site.requests  # robots.txt obeyed
    assert "comments  14" in out and "quotes    7" in out
    assert rows(db, "SELECT COUNT(*) FROM comments") == [(14,)]
    assert rows(db, "SELECT COUNT(*) FROM captures WHERE url LIKE '%/robots.txt'") == [(1,)]
    errors = rows(db, "SELECT error, url, detail FROM fetch_errors ORDER BY error")
    assert [e[:2] for e in errors] == [
        ("http_404", next_ink_site.url + "/gone/"),
        ("parse_error", next_ink_site.url + "/broken/"),
    ]
    assert "hier vers midi" in errors[1][2]
    # every row points at the WARC record it came from
    assert rows(db, "SELECT COUNT(*) FROM comments WHERE capture_id IS NULL") == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM articles WHERE capture_id IS NULL") == [(0,)]

    quotes = rows(
        db,
        """SELECT c.site_comment_id, q.kind, qc.site_comment_id, q.quoted_author
        FROM quotes q JOIN comments c ON c.id = q.comment_id
        LEFT JOIN comments qc ON qc.id = q.quoted_comment_id ORDER BY c.position, q.ordinal""",
    )
    assert quotes == [
        ("2090438", "article", None, None),
        ("2090445", "comment", "2090438", "Patatt"),
        ("2090452", "comment", "2090441", "Tux_Brestois"),
        ("2090470", "comment", "2090458", "ungars"),
        ("2090481", "comment", "2090463", "Billye"),
        ("2090490", "external", None, None),
        ("2090502", "article", None, None),
    ]

    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before
    # parsed in worker processes: the same rows, parse error and 404 included
    archiver("reparse", "--archive", str(archive), "--no-progress", "--jobs", "2")
    assert snapshot(db) == before


def test_extraction_process_reads_pages_as_the_crawl_process_does(next_ink_site, tmp_path):
    """Pages parsed in the worker process give the rows parsing in Scrapy's process gives."""
    found = []
    for worker in ("True", "False"):
        archive = tmp_path / f"worker-{worker}"
        args = ["--url", next_ink_site.url + "/", "--archive", str(archive), *LOOPBACK]
        archiver("crawl", "next_ink", *args, "-s", f"EXTRACTION_PROCESS={worker}")
        db = archive / "archive.db"
        found.append(
            {
                "comments": rows(
                    db,
                    "SELECT c.site_comment_id, au.name, p.site_comment_id, c.position, c.posted,"
                    " c.body_text, c.body_html FROM comments c"
                    " LEFT JOIN authors au ON au.id = c.author_id"
                    " LEFT JOIN comments p ON p.id = c.parent_id ORDER BY c.site_comment_id",
                ),
                "quotes": rows(
                    db,
                    "SELECT c.site_comment_id, q.ordinal, q.kind, q.text FROM quotes q"
                    " JOIN comments c ON c.id = q.comment_id ORDER BY 1, 2",
                ),
                "articles": rows(db, "SELECT site_article_id, title, body_text FROM articles"),
                "errors": rows(db, "SELECT url, error FROM fetch_errors ORDER BY url"),
            }
        )
    assert found[0]["comments"] and found[0]["errors"]
    assert found[0] == found[1]


def test_crawl_is_idempotent(next_ink_site, tmp_path):
    """Crawling the same pages twice updates rows, never duplicates them."""
    archive = tmp_path / "archive"
    for _ in range(2):
        archiver(
            "crawl",
            "next_ink",
            "--url",
            next_ink_site.url + "/",
            "--archive",
            str(archive),
            *LOOPBACK,
        )
    db = archive / "archive.db"
    assert rows(db, "SELECT COUNT(*) FROM comments") == [(14,)]
    assert rows(db, "SELECT COUNT(*) FROM quotes") == [(7,)]
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(1,)]
    assert len(list((archive / "warc").glob("*.warc.gz"))) == 2
    assert not list((archive / "warc").glob("*.open"))


def split_thread(page: bytes, story: str, top_level: int) -> tuple[bytes, bytes]:
    """Cut a real HN story page in two at a top-level comment, as HN paginates long threads."""
    head, *rows = re.split(rb'(?=<tr class="athing comtr")', page)
    closing = b"</table></td></tr>"
    end = rows[-1].index(closing) + len(closing)
    rows[-1], tail = rows[-1][:end], rows[-1][end:]
    cut = [i for i, row in enumerate(rows) if b'indent="0"' in row][top_level]
    more = f'<a href="item?id={story}&amp;p=2" class="morelink" rel="next">More</a>'.encode()
    return head + b"".join(rows[:cut]) + more + tail, head + b"".join(rows[cut:]) + tail


def test_hackernews_crawl_follows_more_pages(corpus, tmp_path):
    """A real story page split in two comment pages joined by a "More" link."""
    page = (corpus / "hackernews" / "easyhn_item_48350598.html").read_bytes()
    first, second = split_thread(page, "48350598", top_level=10)
    routes = {
        "/robots.txt": ROBOTS,
        "/item?id=48350598": Route(first, encoding="gzip"),
        "/item?id=48350598&p=2": Route(second, chunked=True),
    }
    archive = tmp_path / "archive"
    with MockServer(routes) as server:
        archiver(
            "crawl",
            "hackernews",
            "--url",
            server.url + "/item?id=48350598",
            "--archive",
            str(archive),
            *LOOPBACK,
        )
    db = archive / "archive.db"
    on_first = first.count(b'<tr class="athing comtr"')
    assert rows(db, "SELECT page, COUNT(*) FROM comments GROUP BY page") == [
        (1, on_first),
        (2, 124 - on_first),
    ]
    # positions run on across pages: the thread reads in one order
    assert rows(
        db, "SELECT MIN(position), MAX(position), COUNT(DISTINCT position) FROM comments"
    ) == [(1, 124, 124)]
    assert rows(db, "SELECT COUNT(*) FROM comments WHERE parent_id IS NULL") == [
        (page.count(b'indent="0"'),)
    ]
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before
