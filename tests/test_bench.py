"""The benchmark (`python -m bench`) keeps working: run at a tiny size through its real command.

Not a timed test: it checks that every contender ran and reported every metric,
that wget and the archiver archived the same post pages of the generated site, and
that the archiver's database holds every comment the generator wrote.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from bench.run import CONTENDERS
from bench.site import SIZES, build_site

ROOT = Path(__file__).parent.parent
METRICS = {
    "wall_s",
    "cpu_s",
    "pages",
    "pages_per_s",
    "comments_per_s",
    "peak_rss_mb",
    "warc_bytes",
    "wall_vs_wget",
    "rounds",
}


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--size",
            "tiny",
            "--rounds",
            "1",
            "--workdir",
            str(work),
            "--json",
            str(work / "report.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return work, json.loads((work / "report.json").read_text()), result.stdout


def post_pages_archived(warcs: list[Path]) -> set[str]:
    """Unquoted paths of the post and comment pages archived with status 200."""
    found = set()
    for path in warcs:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and record.http_headers.get_statuscode() == "200":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    found.add(unquote(urlsplit(url).path))
    return found


def test_report_has_every_contender_and_metric(bench_run):
    _, report, stdout = bench_run
    (size,) = report["sizes"]
    assert size["name"] == "tiny"
    assert set(size["contenders"]) == set(CONTENDERS)
    for name, numbers in size["contenders"].items():
        assert METRICS <= set(numbers), name
        assert numbers["wall_s"] > 0 and numbers["peak_rss_mb"] > 0 and numbers["pages"] > 0
    assert size["contenders"]["wget"]["wall_vs_wget"] == 1.0
    assert size["contenders"]["archiver crawl"]["warc_bytes"] > 0
    assert {
        "crawl_wall_vs_wget",
        "reparse_pages_per_s",
        "peak_rss_mb",
        "reparse_vs_parse_floor",
        "recrawl_unchanged_vs_crawl",
        "frontier_peak_rss_mb",
        "frontier_known_urls",
    } <= set(report["targets"])

    assert "DOWNLOAD_DELAY=0" in report["archiver_settings"]
    assert "| archiver reparse |" in stdout and "DOWNLOAD_DELAY=0" in stdout


def test_wget_and_archiver_archived_the_same_post_pages(bench_run):
    work, report, _ = bench_run
    site = build_site(SIZES["tiny"], "http://127.0.0.1")
    wanted = {
        unquote(p) for post in site.posts for p in [post.path, *site.comment_page_paths(post)]
    }
    assert len(wanted) == 2 * len(site.posts)  # two comment pages per post
    round_dir = work / "tiny" / "round-1"
    by_wget = post_pages_archived(sorted(round_dir.glob("wget*.warc.gz"))) & wanted
    by_archiver = post_pages_archived(sorted((round_dir / "archive" / "warc").glob("*.warc.gz")))
    assert by_wget == wanted
    assert by_archiver & wanted == wanted
    assert report["sizes"][0]["same_post_pages"] is True


def test_archiver_database_has_every_comment(bench_run):
    work, report, _ = bench_run
    site = build_site(SIZES["tiny"], "http://127.0.0.1")
    db = work / "tiny" / "round-1" / "archive" / "archive.db"
    with sqlite3.connect(db) as conn:
        stored = conn.execute(
            "SELECT c.site_comment_id, a.site_article_id FROM comments c"
            " JOIN articles a ON a.id = c.article_id"
        ).fetchall()
    assert sorted(stored) == sorted((str(c.id), str(c.post_id)) for c in site.comments)
    size = report["sizes"][0]
    assert size["comments_after_crawl"] == size["comments_after_reparse"] == len(site.comments)


def test_the_unchanged_site_recrawl_asks_for_every_thread_page_again(bench_run):
    work, report, _ = bench_run
    site = build_site(SIZES["tiny"], "http://127.0.0.1")
    wanted = {
        unquote(p) for post in site.posts for p in [post.path, *site.comment_page_paths(post)]
    }
    revisited = set()
    for path in sorted((work / "tiny" / "round-1" / "archive" / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "revisit":  # a 304: nothing changed since the crawl
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    revisited.add(unquote(urlsplit(url).path))
    assert wanted <= revisited
    (size,) = report["sizes"]
    assert size["contenders"]["archiver recrawl --recheck"]["pages"] >= len(wanted)
