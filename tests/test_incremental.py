"""Scheduled, incremental crawls against a local site whose content changes between runs."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver, rows, snapshot

ARTICLE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta property="article:published_time" content="2024-03-0{day}T10:00:00+01:00">
<title>{title}</title></head><body><article data-post-id="{id}">
<h1 class="article-title">{title}</h1><div class="article-contenu"><p>Texte de {title}.</p></div>
</article><section id="comments"><div class="comments-list">{comments}</div></section>
</body></html>"""
COMMENT = """<div class="comment" data-comment-id="{id}"
data-comment-date="2024-03-0{day} 1{n}:00:00"><div class="next-status-name-user">{author}</div>
<div class="comment-content"><p>{text}</p></div></div>"""


class Site:
    """A next.ink-shaped site held as data, re-rendered into routes after each change."""

    def __init__(self, articles: int, comments: int, delay: float = 0.0) -> None:
        self.delay = delay
        self.articles = {
            str(100 + a): [
                (f"{100 + a}{c:02d}", f"auteur{c % 3}", f"avis {c} sur {a}")
                for c in range(1, comments + 1)
            ]
            for a in range(articles)
        }
        self.routes: dict[str, Route] = {}
        self.render()

    def render(self, etag: str | None = None) -> None:
        links = "".join(
            f'<div class="block-article"><a class="block-article-link" href="/{a}/">{a}</a></div>'
            for a in self.articles
        )
        listing = f"<html><body>{links}</body></html>".encode()
        self.routes.clear()
        self.routes["/robots.txt"] = ROBOTS
        self.routes["/"] = Route(listing, etag=etag, delay=self.delay)
        for article, comments in self.articles.items():
            html = "".join(
                COMMENT.format(id=cid, day=5, n=n % 10, author=author, text=text)
                for n, (cid, author, text) in enumerate(comments)
            )
            page = ARTICLE.format(id=article, day=5, title=f"Article {article}", comments=html)
            self.routes[f"/{article}/"] = Route(page.encode(), delay=self.delay)


def crawl(server: MockServer, archive: Path, *extra: str) -> str:
    return archiver(
        "crawl", "next_ink", "--url", server.url + "/", "--archive", str(archive), *LOOPBACK, *extra
    ).stdout


def warc_records(archive: Path) -> list:
    found = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            found += [(path.name, r.rec_type, r.rec_headers) for r in ArchiveIterator(stream)]
    return found


def warcio_check(archive: Path) -> None:
    files = [str(p) for p in sorted((archive / "warc").glob("*"))]
    assert all(f.endswith(".warc.gz") for f in files), files  # no .open left behind
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *files], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def assert_equals_reparse(archive: Path) -> None:
    before = snapshot(archive / "archive.db")
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(archive / "archive.db") == before


def test_changes_between_runs_keep_their_history(tmp_path):
    site = Site(articles=2, comments=3)
    archive = tmp_path / "archive"
    with MockServer(site.routes) as server:
        crawl(server, archive)
        first = rows(archive / "archive.db", "SELECT id FROM captures ORDER BY id DESC LIMIT 1")
        comments = site.articles["100"]
        comments[1] = (comments[1][0], comments[1][1], "avis corrigé")  # edited
        del comments[2]  # deleted
        comments.append(("10099", "nouvelle", "un nouveau commentaire"))
        site.articles["102"] = [("10201", "auteur0", "premier !")]  # a new article
        site.render()
        crawl(server, archive, "--recheck")
    db = archive / "archive.db"
    assert rows(db, "SELECT site_article_id FROM articles ORDER BY 1") == [
        ("100",),
        ("101",),
        ("102",),
    ]
    assert rows(db, "SELECT COUNT(*) FROM comments") == [(3 + 3 + 1 + 1,)]  # nothing removed
    assert rows(
        db,
        """SELECT c.site_comment_id, v.body_text, c.body_text FROM comment_versions v
        JOIN comments c ON c.id = v.comment_id""",
    ) == [("10002", "avis 2 sur 0", "avis corrigé")]
    # kept, marked deleted by the second run's capture that no longer showed it
    gone = rows(
        db,
        f"""SELECT c.site_comment_id, c.deleted, cap.id > {first[0][0]}, c.body_text
        FROM comments c JOIN captures cap ON cap.id = c.vanished_capture_id""",
    )
    assert gone == [("10003", 1, 1, "avis 3 sur 0")]
    assert rows(db, "SELECT COUNT(*) FROM crawl_runs WHERE finish_reason = 'finished'") == [(2,)]
    assert_equals_reparse(archive)


def test_second_run_fetches_only_what_is_due_and_archives_revisits(tmp_path):
    site = Site(articles=3, comments=30)
    site.render(etag='"v1"')
    archive = tmp_path / "archive"
    with MockServer(site.routes) as server:
        first = crawl(server, archive)
        seen = len(server.requests)
        second = crawl(server, archive)
        assert server.requests[seen:] == ["/robots.txt", "/"]  # the articles are not due
        seen = len(server.requests)
        crawl(server, archive, "--recheck")
        assert sorted(server.requests[seen:]) == ["/", "/100/", "/101/", "/102/", "/robots.txt"]
    records = warc_records(archive)
    revisits = [h for _, kind, h in records if kind == "revisit"]
    profiles = sorted(h.get_header("WARC-Profile").rsplit("/", 1)[1] for h in revisits)
    assert profiles == ["identical-payload-digest"] * 3 + ["server-not-modified"] * 2
    originals = {h.get_header("WARC-Record-ID"): h for _, kind, h in records if kind == "response"}
    for revisit in revisits:
        original = originals[revisit.get_header("WARC-Refers-To")]
        assert revisit.get_header("WARC-Refers-To-Target-URI") == original.get_header(
            "WARC-Target-URI"
        )
        assert revisit.get_header("WARC-Refers-To-Date") == original.get_header("WARC-Date")
    warcio_check(archive)
    # the second run's file: robots.txt (never conditional) and the listing's 304, no payload
    second_file = sorted({name for name, _, _ in records})[1]
    assert [kind for name, kind, _ in records if name == second_file] == [
        "warcinfo",
        "response",
        "request",
        "revisit",
        "request",
    ]
    assert "pages     2" in second and "articles  0" in second and "pages     5" in first
    assert_equals_reparse(archive)


def crawl_command(server: MockServer, archive: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "archiver.cli",
        "crawl",
        "next_ink",
        "--url",
        server.url + "/",
        "--archive",
        str(archive),
        *extra,
    ]


def start_crawl(server: MockServer, archive: Path) -> subprocess.Popen:
    return subprocess.Popen(
        crawl_command(server, archive, *LOOPBACK),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_requests(server: MockServer, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(server.requests) < count:
        assert time.monotonic() < deadline, f"only {len(server.requests)} requests"
        time.sleep(0.01)  # polling with a bound, not waiting for a guessed time


@pytest.mark.parametrize("kill_after", [2, 6, 11])
def test_killed_crawl_resumes_without_loss_or_duplicates(tmp_path, kill_after):
    site = Site(articles=12, comments=5, delay=0.05)
    archive = tmp_path / "archive"
    with MockServer(site.routes) as server:
        victim = start_crawl(server, archive)
        wait_for_requests(server, kill_after)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        crawl(server, archive)
    db = archive / "archive.db"
    assert rows(db, "SELECT COUNT(*), COUNT(DISTINCT site_article_id) FROM articles") == [(12, 12)]
    assert rows(db, "SELECT COUNT(*), COUNT(DISTINCT site_comment_id) FROM comments") == [(60, 60)]
    assert rows(db, "SELECT finish_reason FROM crawl_runs ORDER BY id") == [
        ("interrupted",),
        ("finished",),
    ]
    warcio_check(archive)
    assert_equals_reparse(archive)


def test_sigterm_stops_cleanly_and_a_rerun_completes(tmp_path):
    site = Site(articles=12, comments=2, delay=0.05)
    archive = tmp_path / "archive"
    with MockServer(site.routes) as server:
        crawler = start_crawl(server, archive)
        wait_for_requests(server, 5)
        crawler.send_signal(signal.SIGTERM)
        assert crawler.wait(timeout=60) == 0
        warcio_check(archive)  # files closed, none left .open
        assert rows(archive / "archive.db", "SELECT finish_reason FROM crawl_runs") == [
            ("shutdown",)
        ]
        crawl(server, archive)
    assert rows(archive / "archive.db", "SELECT COUNT(*) FROM comments") == [(24,)]
    assert_equals_reparse(archive)


def test_a_second_crawl_on_the_same_archive_is_refused(tmp_path):
    site = Site(articles=2, comments=1, delay=2.0)
    archive = tmp_path / "archive"
    with MockServer(site.routes) as server:
        first = start_crawl(server, archive)
        wait_for_requests(server, 1)
        second = subprocess.run(  # while the first waits on its slow listing page
            crawl_command(server, archive), capture_output=True, text=True, timeout=60
        )
        assert first.poll() is None, "the first crawl ended too soon to test the lock"
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=60)
    assert second.returncode == 1
    assert "is in use by pid" in second.stderr


def test_status_reports_runs_schedule_and_errors(tmp_path):
    site = Site(articles=2, comments=2)
    archive = tmp_path / "archive"
    with MockServer(site.routes) as server:
        crawl(server, archive)
        crawl(server, archive)
        out = archiver("status", "--archive", str(archive)).stdout
        site.routes["/101/"] = Route(b"gone", 404, "text/plain")
        crawl(server, archive, "--recheck")
    lines = out.splitlines()
    assert lines[0] == "next_ink"
    runs = [line.split() for line in lines[2:4]]
    # newest first: the second run only saw its start page again (a revisit)
    assert [run[1:] for run in runs] == [
        ["finished", "2", "1", "0", "0", "0"],
        ["finished", "4", "0", "2", "4", "0"],
    ]
    assert "threads: 2 active (0 due now), 0 quiet" in out
    assert "latest errors:" not in out
    out = archiver("status", "--archive", str(archive)).stdout
    assert re.search(r"latest errors:\n\s+\S+\s+http_404\s+\S+/101/\s+\(1 attempts\)$", out)


def test_schedule_prints_cron_and_installs_systemd_units(tmp_path, monkeypatch):
    archive = tmp_path / "archive"
    cron = archiver("schedule", "next_ink", "--every", "6h", "--archive", str(archive)).stdout
    assert cron.startswith("0 */6 * * * ")
    assert f"crawl next_ink --archive {archive}" in cron
    assert f">> {archive / 'crawl.log'} 2>&1" in cron
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "archiver.cli",
            "schedule",
            "hackernews",
            "--every",
            "30m",
            "--url",
            "https://news.ycombinator.com/news",
            "--systemd",
            "--install",
            "--archive",
            str(archive),
        ],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    units = tmp_path / ".config" / "systemd" / "user"
    timer = (units / "news-archiver-hackernews.timer").read_text()
    service = (units / "news-archiver-hackernews.service").read_text()
    assert "OnUnitInactiveSec=30m" in timer
    assert (
        "crawl hackernews --archive" in service
        and "--url https://news.ycombinator.com/news" in service
    )
    bad = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "schedule", "next_ink", "--every", "often"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "not a duration" in bad.stderr


def test_pywb_resolves_both_kinds_of_revisit(tmp_path):
    """A recrawl's revisits replay with the payload of the capture they refer to."""
    from tests.test_replay import pywb, replayed, timestamp

    site = Site(articles=1, comments=3)
    site.render(etag='"v1"')
    archive = tmp_path / "archive"
    with MockServer(site.routes) as server:
        crawl(server, archive)
        crawl(server, archive, "--recheck")  # listing: 304; article: same payload
    revisits = [h for _, kind, h in warc_records(archive) if kind == "revisit"]
    assert len(revisits) == 2
    with pywb(archive) as collection:
        for revisit in revisits:
            url = revisit.get_header("WARC-Target-URI")
            page = replayed(collection, timestamp(revisit.get_header("WARC-Date")), url)
            expected = site.routes[url.removeprefix(server.url)].body.decode()
            assert page == expected, revisit.get_header("WARC-Profile")
