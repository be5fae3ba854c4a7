"""Hostile pages end to end on loopback: what a page links to or holds costs only itself.

Each test reproduces a fault found by probing (issue "Nothing lost, nothing let in")
through the CLI, as a user would meet it.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.faultserver import FaultServer, Step
from tests.test_crawl_e2e import rows
from tests.test_faults import ROBOTS
from tests.test_sites import SITES, parse_case

FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "RETRY_TIMES": "0",
}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """The CLI as a user runs it; the caller checks the exit status."""
    return subprocess.run(
        [sys.executable, "-m", "archiver.cli", *args], capture_output=True, text=True, timeout=300
    )


def crawl(spider: str, url: str, archive: Path, **settings: str) -> subprocess.CompletedProcess:
    overrides = [arg for k, v in {**FAST, **settings}.items() for arg in ("-s", f"{k}={v}")]
    return run_cli("crawl", spider, "--url", url, "--archive", str(archive), *overrides)


def wp_post(post_id: int, comments: int) -> bytes:
    thread = "".join(
        f'<li id="comment-{post_id}{n}" class="comment"><article class="comment-body">'
        f'<b class="fn">Reader {n}</b><time datetime="2024-01-02T10:0{n}:00+00:00">x</time>'
        f'<div class="comment-content"><p>Comment {n} on post {post_id}</p></div></article></li>'
        for n in range(1, comments + 1)
    )
    return (
        f'<html><head><link rel="canonical" href="/2024/01/post-{post_id}/"></head>'
        f'<body class="single"><article id="post-{post_id}" class="post">'
        f'<h1 class="entry-title">Post {post_id}</h1>'
        f'<time class="entry-date" datetime="2024-01-01T09:00:00+00:00">x</time>'
        f'<div class="entry-content"><p>Body of post {post_id}</p></div></article>'
        f'<ol class="comment-list">{thread}</ol></body></html>'
    ).encode()


BAD_LINKS = ["javascript:void(0)", "mailto:editor@example.org", "tel:+491234567", "data:,x"]


def wp_home() -> bytes:
    """A listing whose entries link anything a page may hold before and after a real post."""
    hrefs = [*BAD_LINKS[:2], "/2024/01/post-1/", *BAD_LINKS[2:], "/2024/01/post-2/"]
    entries = "".join(
        f'<article id="post-{n + 10}"><h2 class="entry-title"><a href="{href}">x</a></h2></article>'
        for n, href in enumerate(hrefs)
    )
    more = '<a class="next page-numbers" href="javascript:more()">'
    return f'<html><body class="home">{entries}{more}'.encode()


def test_links_that_are_not_web_pages_are_skipped_and_counted(tmp_path):
    plans = {
        "/robots.txt": [ROBOTS],
        "/": [Step.ok(wp_home())],
        "/2024/01/post-1/": [Step.ok(wp_post(1, 2))],
        "/2024/01/post-2/": [Step.ok(wp_post(2, 3))],
    }
    archive = tmp_path / "archive"
    with FaultServer(plans) as server:
        first = crawl("wordpress", server.url + "/", archive)
        again = crawl("wordpress", server.url + "/", archive)
    assert first.returncode == 0, first.stderr[-2000:]
    db = archive / "archive.db"
    assert rows(db, "SELECT site_article_id FROM articles ORDER BY 1") == [("1",), ("2",)]
    assert rows(db, "SELECT count(*) FROM comments") == [(5,)]
    assert "5 skipped" in first.stdout, first.stdout  # 4 entries and the "next" link
    # the listing was read to its end, so the next crawl has nothing of it to resume
    assert again.returncode == 0, again.stderr[-2000:]
    assert "resumed an interrupted crawl" not in again.stderr
    assert "Traceback" not in first.stderr + again.stderr


def test_a_crawl_resumes_a_listing_of_bad_links(tmp_path):
    """A killed crawl leaves the listing unprocessed: the next one reads it again, whole."""
    plans = {"/robots.txt": [ROBOTS], "/": [Step.ok(wp_home())]}
    archive = tmp_path / "archive"
    with FaultServer(plans) as server:
        assert crawl("wordpress", server.url + "/", archive).returncode == 0
        with sqlite3.connect(archive / "archive.db") as conn:
            conn.execute("UPDATE captures SET processed = 0 WHERE url LIKE '%/'")
        resumed = crawl("wordpress", server.url + "/", archive)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed an interrupted crawl" in resumed.stderr
    assert rows(archive / "archive.db", "SELECT count(*) FROM captures WHERE processed = 0") == [
        (0,)
    ]


def gzip_bomb(inflated: int) -> bytes:
    """`inflated` bytes of spaces, gzipped (a 1 GiB bomb is about 1 MB), built in 1 MiB steps."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    step = b" " * (1 << 20)
    parts = [packer.compress(step) for _ in range(inflated // len(step))]
    return b"".join([*parts, packer.flush()])


def peak_rss_mb(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run the CLI in a process of its own and return the peak RSS it reached, in MB."""
    measure = (
        "import resource, subprocess, sys;"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "print(r.returncode); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
        "sys.stderr.write(r.stderr)"
    )
    cli = [sys.executable, "-m", "archiver.cli", *args]
    result = subprocess.run(
        [sys.executable, "-c", measure, *cli], capture_output=True, text=True, timeout=600
    )
    code, peak_kb = result.stdout.split()[:2]
    result.returncode = int(code)
    return result, int(peak_kb) / 1024


def test_a_gzip_bomb_is_too_large_offline_as_live_in_flat_memory(tmp_path):
    """1 GiB of spaces in a 1 MB gzip body: refused by the cap, live and by reparse alike."""
    listing = '<div class="block-article"><a class="block-article-link" href="/bomb/">x</a></div>'
    plans = {
        "/robots.txt": [ROBOTS],
        "/": [Step.ok(f"<html><body>{listing}</body></html>".encode())],
        "/bomb/": [Step.ok(gzip_bomb(1 << 30), ("Content-Encoding", "gzip"))],
    }
    archive = tmp_path / "archive"
    with FaultServer(plans) as server:
        assert crawl("next_ink", server.url + "/", archive).returncode == 0
    errors = (
        "SELECT e.url, error, detail, attempts, warc_record_id FROM fetch_errors e"
        " LEFT JOIN captures c ON c.id = e.capture_id ORDER BY e.url"
    )
    live = rows(archive / "archive.db", errors)
    assert [row[1] for row in live] == ["too_large"], live
    result, peak = peak_rss_mb("reparse", "--archive", str(archive), "--no-progress")
    assert result.returncode == 0, result.stderr[-2000:]
    assert rows(archive / "archive.db", errors) == live
    assert peak < 400, f"reparse peaked at {peak:.0f} MB"


def test_start_urls_are_web_pages_only(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the archive")
    archive = tmp_path / "archive"
    for url in (secret.as_uri(), "ftp://127.0.0.1/x", "javascript:alert(1)", "127.0.0.1/page"):
        result = crawl("next_ink", url, archive)
        assert result.returncode == 2, (url, result.stdout, result.stderr[-2000:])
        assert "http or https" in result.stderr and "Traceback" not in result.stderr, url
    assert not list(archive.glob("warc/*"))


def comments_of(case: str, corpus: Path, transform) -> list[dict]:  # noqa: ANN001
    """A golden case's items, read from its page after `transform` (bytes -> bytes)."""
    meta = json.loads((SITES / case / "meta.json").read_text())
    return parse_case(SITES / case, transform((corpus / meta["corpus"]).read_bytes()))


@pytest.mark.parametrize(
    ("case", "at"),
    [
        ("wordpress/givewell_open_thread", (b'id="comment-', b"<p>")),
        ("hackernews/item_16909056_2018", (b'class="comment"', b">")),
    ],
)
def test_deep_markup_in_one_comment_costs_nothing(corpus, case, at):
    """1,500 nested elements in the first comment's body: every comment still read."""
    depth = 1500

    def deepen(body: bytes) -> bytes:
        """The nesting just after the first `at[1]` that follows `at[0]`."""
        end = body.index(at[1], body.index(at[0])) + len(at[1])
        deep = b"<span>" * depth + b"deep text" + b"</span>" * depth
        return body[:end] + deep + body[end:]

    plain = comments_of(case, corpus, lambda body: body)
    deep = comments_of(case, corpus, deepen)
    assert [i["type"] for i in deep] == [i["type"] for i in plain]  # no parse_error, none lost
    changed = [a for a, b in zip(deep, plain, strict=True) if a != b]
    assert len(changed) == 1 and "deep text" in changed[0]["body_text"]


def test_a_comment_that_cannot_be_read_costs_only_itself(corpus, monkeypatch):
    from archiver.platforms.wordpress import page

    read = page.comment_items

    def broken_first(own, name, thread, index):  # noqa: ANN001, ANN202
        if index == 1:
            raise RecursionError("maximum recursion depth exceeded")
        return read(own, name, thread, index)

    plain = comments_of("wordpress/givewell_open_thread", corpus, lambda body: body)
    monkeypatch.setattr(page, "comment_items", broken_first)
    broken = comments_of("wordpress/givewell_open_thread", corpus, lambda body: body)
    kinds = [i["type"] for i in broken]
    assert kinds.count("Article") == 1 and kinds.count("FetchError") == 1
    assert kinds.count("Comment") == sum(i["type"] == "Comment" for i in plain) - 1
    error = next(i for i in broken if i["type"] == "FetchError")
    assert error["error"] == "parse_error" and "comment " in error["detail"]


def wp_post_shown(post_id: int, comments: int, shown: int, note: str = "") -> bytes:
    """A post page that shows `comments` of its comments under a count of `shown`."""
    title = f'<h2 class="comments-title">{shown} Comments</h2>{note}'
    return wp_post(post_id, comments).replace(
        b'<ol class="comment-list">', title.encode() + b'<ol class="comment-list">'
    )


def crawl_post_twice(tmp_path: Path, later: bytes) -> tuple[Path, str]:
    """A post with 5 comments crawled, then crawled again (`--recheck`) when it shows `later`."""
    plans = {
        "/robots.txt": [ROBOTS],
        "/2024/01/post-1/": [Step.ok(wp_post_shown(1, 5, 5)), Step.ok(later)],
    }
    archive = tmp_path / "archive"
    with FaultServer(plans) as server:
        url = server.url + "/2024/01/post-1/"
        assert crawl("wordpress", url, archive).returncode == 0
        again = run_cli("crawl", "wordpress", "--url", url, "--archive", str(archive), "--recheck")
    assert again.returncode == 0, again.stderr[-2000:]
    return archive, url


@pytest.mark.parametrize(
    ("later", "deleted", "suspect"),
    [
        (wp_post_shown(1, 0, 5, "<p>Log in to read the comments.</p>"), 0, 1),  # a login wall
        (wp_post_shown(1, 1, 5), 0, 1),  # a rate-limited page showing one comment of five
        (wp_post_shown(1, 2, 2), 3, 0),  # three comments really removed: the count agrees
        (wp_post_shown(1, 0, 0), 0, 1),  # emptied, count and all: one capture never empties
    ],
    ids=["login-wall", "far-fewer", "really-removed", "emptied"],
)
def test_a_capture_that_looks_like_a_block_is_not_a_deletion(tmp_path, later, deleted, suspect):
    archive, url = crawl_post_twice(tmp_path, later)
    db = archive / "archive.db"
    assert rows(db, "SELECT count(*) FROM comments") == [(5,)]
    assert rows(db, "SELECT count(*) FROM comments WHERE deleted = 1") == [(deleted,)]
    errors = rows(db, "SELECT url, detail FROM fetch_errors WHERE error = 'suspect_capture'")
    assert len(errors) == suspect, errors
    if suspect:
        assert errors[0][0] == url and "5 comments stored" in errors[0][1]


def test_verify_notices_a_deleted_comment_its_capture_still_shows(tmp_path):
    archive, _ = crawl_post_twice(tmp_path, wp_post_shown(1, 2, 2))
    assert rows(archive / "archive.db", "SELECT count(*) FROM comments WHERE deleted = 1") == [(3,)]
    assert run_cli("verify", "--archive", str(archive)).returncode == 0  # 3 really removed
    with sqlite3.connect(archive / "archive.db") as conn:
        (kept,) = conn.execute("SELECT id FROM comments WHERE deleted = 0 LIMIT 1").fetchone()
        conn.execute(
            "UPDATE comments SET deleted = 1, vanished_capture_id ="
            " (SELECT vanished_capture_id FROM comments WHERE deleted = 1 LIMIT 1) WHERE id = ?",
            (kept,),
        )
    failed = run_cli("verify", "--archive", str(archive))
    assert failed.returncode == 1
    assert "marked deleted but its capture" in failed.stdout, failed.stdout
