"""A crawl through a server that fails in every way the issue lists, end to end through the CLI.

One crawl of the real next_ink spider over a listing that links a page per
fault. Every page that could be fetched must be complete in the database, every
permanent failure must be one `fetch_errors` row with its kind and attempts,
every HTTP exchange must be in the WARC (partial ones marked `WARC-Truncated`),
the exit status must be 0, and `archiver verify` must pass.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.crawl.retry import backoff_delay, parse_retry_after
from archiver.settings import project_settings
from tests.faultserver import FaultServer, Step
from tests.test_crawl_e2e import archiver, rows, snapshot

RETRY_TIMES = 2  # 3 attempts in all
MAXSIZE = 100_000
SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "RETRY_TIMES": str(RETRY_TIMES),
    "RETRY_BACKOFF_BASE": "0.1",
    "DOWNLOAD_TIMEOUT": "1",
    "DOWNLOAD_MAXSIZE": str(MAXSIZE),
    "REDIRECT_MAX_TIMES": "5",
}
ROBOTS = Step.ok(b"User-agent: *\nDisallow:\n", ("Content-Type", "text/plain"))
TEXT_1252 = "Café, l’été coûte 5 €"


def article_page(post_id: int, comments: int, text: str = "Corps de l’article") -> str:
    """A next.ink article page with `comments` comments, its text repeated to some size."""
    thread = "".join(
        f'<div data-comment-id="{post_id}{n:03d}"'
        f' data-comment-date="2024-01-02 10:{n % 60:02d}:00">'
        f'<span class="next-status-name-user">lecteur{n}</span>'
        f'<div class="comment-content"><p>{text} n°{n}</p></div></div>'
        for n in range(1, comments + 1)
    )
    return (
        f"<html><head><title>Article {post_id}</title></head><body>"
        f'<article data-post-id="{post_id}"><h1 class="article-title">Article {post_id}</h1>'
        f'<div class="article-contenu"><p>{text}</p>{"<p>lorem ipsum</p>" * 200}</div></article>'
        f'<div class="comments-list">{thread}</div></body></html>'
    )


def page(post_id: int, comments: int) -> bytes:
    return article_page(post_id, comments).encode()


#: path -> (plan, articles the path yields) ; the listing links every path
FAULTS: dict[str, tuple[list[Step], int | None]] = {
    "/flaky/": ([Step.error(503), Step.error(503), Step.ok(page(1, 3))], 1),
    "/ratelimited/": ([Step.error(429, ("Retry-After", "1")), Step.ok(page(2, 4))], 2),
    "/down/": ([Step.error(503)], None),
    "/slow-once/": ([Step.slow(3, Step.ok(page(3, 2))), Step.ok(page(3, 2))], 3),
    "/slow/": ([Step.slow(3, Step.ok(page(4, 2)))], None),
    "/reset-once/": ([Step.reset(), Step.ok(page(5, 5))], 5),
    "/reset/": ([Step.reset()], None),
    "/short-once/": ([Step.short(page(6, 6)), Step.ok(page(6, 6))], 6),
    "/short/": ([Step.short(page(7, 6))], None),
    "/badgzip/": (
        [Step.ok(b"\x1f\x8b\x08\x00garbage, not deflate", ("Content-Encoding", "gzip"))],
        None,
    ),
    "/cutgzip/": (
        [Step.ok(gzip.compress(page(8, 40))[:-100], ("Content-Encoding", "gzip"))],
        None,
    ),
    "/huge/": ([Step.ok(page(9, 2) + b"<!--" + b"x" * 3 * MAXSIZE + b"-->")], None),
    "/bomb/": ([Step.ok(gzip.compress(b" " * 4 * MAXSIZE), ("Content-Encoding", "gzip"))], None),
    "/loop/a": ([Step.error(302, ("Location", "/loop/b"))], None),
    "/loop/b": ([Step.error(302, ("Location", "/loop/a"))], None),
    **{
        f"/chain/{n}": ([Step.error(302, ("Location", f"/chain/{n + 1}"))], None) for n in range(10)
    },
    "/cp1252-header/": (
        [
            Step.ok(
                article_page(10, 2, TEXT_1252).encode("cp1252"),
                ("Content-Type", "text/html; charset=windows-1252"),
            )
        ],
        10,
    ),
    "/latin1-meta/": (
        [
            Step.ok(
                article_page(11, 2, TEXT_1252)
                .replace("<head>", '<head><meta charset="iso-8859-1">')
                .encode("cp1252"),
                ("Content-Type", "text/html"),
            )
        ],
        11,
    ),
}
LINKED = [path for path in FAULTS if path not in ("/loop/b",) and not path.startswith("/chain/")]
LINKED.append("/chain/0")
#: what each permanent failure must leave in fetch_errors: kind, attempts
EXPECTED_ERRORS = {
    "/down/": ("http_503", RETRY_TIMES + 1),
    "/slow/": ("timeout", RETRY_TIMES + 1),
    "/reset/": ("connection_lost", RETRY_TIMES + 1),
    "/short/": ("truncated", RETRY_TIMES + 1),
    "/badgzip/": ("decode_error", 1),
    "/cutgzip/": ("decode_error", 1),
    "/huge/": ("truncated", 1),
    "/bomb/": ("too_large", 1),
    "/loop/a": ("redirect_loop", 1),
    "/chain/0": ("redirect_loop", 1),
}


def listing() -> bytes:
    links = "".join(
        f'<div class="block-article"><a class="block-article-link" href="{path}">x</a></div>'
        for path in LINKED
    )
    return f"<html><body>{links}</body></html>".encode()


def warc_responses(archive: Path) -> dict[str, list]:
    """Response records by path: (WARC-Truncated, HTTP status, payload as received)."""
    found: dict[str, list] = {}
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    found.setdefault("/" + url.split("/", 3)[3], []).append(
                        (
                            record.rec_headers.get_header("WARC-Truncated"),
                            record.http_headers.get_statuscode(),
                            record.raw_stream.read(),
                        )
                    )
    return found


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    plans = {path: plan for path, (plan, _) in FAULTS.items()}
    plans |= {"/robots.txt": [ROBOTS], "/": [Step.ok(listing())]}
    archive = tmp_path_factory.mktemp("faults") / "archive"
    overrides = [arg for name, value in SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    with FaultServer(plans) as server:
        result = archiver(
            "crawl", "next_ink", "--url", server.url + "/", "--archive", str(archive), *overrides
        )
    return server, archive, result


def test_every_permanent_failure_is_one_row(faulty_crawl):
    server, archive, result = faulty_crawl
    errors = rows(archive / "archive.db", "SELECT url, error, attempts FROM fetch_errors")
    got = {url.removeprefix(server.url): (kind, attempts) for url, kind, attempts in errors}
    assert got == EXPECTED_ERRORS
    assert len(errors) == len(EXPECTED_ERRORS)
    assert f"errors    {len(EXPECTED_ERRORS)}" in result.stdout  # the end-of-crawl report
    for path, (_, attempts) in EXPECTED_ERRORS.items():
        if path == "/reset/":
            # Twisted resends a request once by itself when a reused keep-alive
            # connection is reset before any answer: the server sees more tries.
            assert server.attempts(path) >= attempts
        elif not path.startswith(("/loop/", "/chain/")):
            assert server.attempts(path) == attempts, path


def test_every_fetchable_page_is_complete(faulty_crawl):
    server, archive, _ = faulty_crawl
    db = archive / "archive.db"
    wanted = {str(post): page for page, (_, post) in FAULTS.items() if post is not None}
    articles = rows(db, "SELECT site_article_id FROM articles")
    assert sorted(a for (a,) in articles) == sorted(wanted)
    for post, path in wanted.items():
        served = server.plans[path][-1].body.decode(
            "cp1252" if "1252" in path or "latin1" in path else "utf-8"
        )
        assert rows(
            db,
            "SELECT COUNT(*) FROM comments c JOIN articles a ON a.id = c.article_id"
            f" WHERE a.site_article_id = '{post}'",
        ) == [(served.count("data-comment-id"),)]
    # a partial attempt never left a partial article: each row was read from a full capture
    assert rows(
        db,
        "SELECT COUNT(*) FROM articles a JOIN captures c ON c.id = a.capture_id"
        " WHERE c.status != 200",
    ) == [(0,)]


def test_retries_wait_and_honour_retry_after(faulty_crawl):
    server, _, _ = faulty_crawl
    first, second = server.requests["/ratelimited/"]
    assert second - first >= 1.0  # Retry-After: 1, not the 0.1 s backoff
    flaky = server.requests["/flaky/"]
    assert flaky[1] - flaky[0] >= 0.1 and flaky[2] - flaky[1] >= 0.2  # doubled each time


def test_every_exchange_is_archived_partial_ones_marked(faulty_crawl):
    server, archive, _ = faulty_crawl
    records = warc_responses(archive)
    assert [(t, s) for t, s, _ in records["/flaky/"]] == [
        (None, "503"),
        (None, "503"),
        (None, "200"),
    ]
    assert [t for t, _, _ in records["/short/"]] == ["disconnect"] * (RETRY_TIMES + 1)
    assert [t for t, _, _ in records["/short-once/"]] == ["disconnect", None]
    (huge,) = records["/huge/"]
    assert huge[0] == "length" and MAXSIZE < len(huge[2]) < len(server.plans["/huge/"][0].body)
    (badgzip,) = records["/badgzip/"]
    assert badgzip[2] == server.plans["/badgzip/"][0].body  # the raw bytes, as received
    assert (
        len(records["/chain/0"] + [r for p, r in records.items() if p.startswith("/chain/")]) >= 6
    )
    assert "/slow/" not in records and "/reset/" not in records  # nothing came back to keep


def test_error_rows_point_at_their_captures(faulty_crawl):
    _, archive, _ = faulty_crawl
    db = archive / "archive.db"
    with_capture = rows(
        db, "SELECT error FROM fetch_errors WHERE capture_id IS NOT NULL ORDER BY error"
    )
    assert [e for (e,) in with_capture] == sorted(
        kind for kind, _ in EXPECTED_ERRORS.values() if kind not in ("timeout", "connection_lost")
    )


def test_text_decodes_as_a_browser_would(faulty_crawl):
    _, archive, _ = faulty_crawl
    bodies = rows(
        archive / "archive.db",
        "SELECT a.site_article_id, c.body_text FROM comments c"
        " JOIN articles a ON a.id = c.article_id"
        " WHERE a.site_article_id IN ('10', '11') AND c.position = 1",
    )
    assert sorted(bodies) == [("10", f"{TEXT_1252} n°1"), ("11", f"{TEXT_1252} n°1")]


def test_reparse_never_parses_a_partial_body(faulty_crawl, tmp_path):
    _, archive, _ = faulty_crawl
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    live = snapshot(copy / "archive.db")
    archiver("reparse", "--archive", str(copy), "--no-progress")
    rebuilt = snapshot(copy / "archive.db")
    for table in ("captures", "authors", "articles", "comments", "quotes", "reply_links"):
        assert rebuilt[table] == live[table], table
    # Failures read from a record come back the same: kind, record and attempts (a failure
    # that a later attempt in the same run got past is not one). Redirect loops and
    # oversized decompressions are judged on the way, not from one record, and network
    # failures have no record: those are carried over from the replaced database.
    from_records = ("http_", "truncated", "decode_error", "parse_error")

    def keyed(errors, kinds=from_records):
        return sorted(
            (url, error, attempts, record)
            for url, error, _, attempts, record in errors
            if error.startswith(kinds)
        )

    assert keyed(rebuilt["fetch_errors"]) == keyed(live["fetch_errors"])
    unrecorded = [e for e in live["fetch_errors"] if e[4] is None]
    assert unrecorded and set(unrecorded) <= set(rebuilt["fetch_errors"])
    truncated = [row for row in rebuilt["fetch_errors"] if row[1] == "truncated"]
    assert {row[0].rsplit("/", 2)[1] for row in truncated} == {"huge", "short"}


def test_verify_passes_after_a_faulty_crawl(faulty_crawl):
    _, archive, _ = faulty_crawl
    result = archiver("verify", "--archive", str(archive))
    assert "OK" in result.stdout


def test_an_older_database_gains_the_attempts_column(tmp_path):
    from archiver.store.schema import open_db

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE fetch_errors (id INTEGER PRIMARY KEY, url TEXT, error TEXT,"
            " detail TEXT, at TEXT, capture_id INTEGER)"
        )
    open_db(path).close()
    with sqlite3.connect(path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(fetch_errors)")]
    assert "attempts" in columns


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"7", 7.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        (b"soon", None),
        (None, None),
    ],
)
def test_retry_after_values(header, seconds):
    from datetime import UTC, datetime

    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == seconds


def test_backoff_doubles_and_caps():
    settings = project_settings({"RETRY_BACKOFF_BASE": 2, "RETRY_BACKOFF_MAX": 10})
    assert [backoff_delay(settings, n) for n in (1, 2, 3, 4)] == [2, 4, 8, 10]
    assert backoff_delay(settings, 1, retry_after=9999) == settings.getfloat("RETRY_AFTER_MAX")
