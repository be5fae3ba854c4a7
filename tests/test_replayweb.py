"""An exported WACZ opened in ReplayWeb.page, as a reader would: search finds commenters.

ReplayWeb.page's own files (scripts/install-replaywebpage.sh) and the WACZ are served on
loopback; headless Chromium opens the app with the WACZ as its source, types a
commenter's name in the page search, and reads the pages it lists and the replayed
thread. The pages listed must be exactly the articles that person commented on.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Frame

from archiver.ops.demo import serve_directory
from tests.browser import ROOT, chromium_page, screenshot
from tests.test_crawl_e2e import archiver, rows

REPLAYWEBPAGE = ROOT / ".cache" / "replaywebpage-2.5.3"
SEARCH_BOX = "Search by Page URL, Title, or Text"
PAGE_COUNT = re.compile(r"^(\d+) pages?$")
LOAD_TIMEOUT_MS = 60_000
SETTLE_MS = 250


@contextmanager
def replaywebpage(wacz: Path, folder: Path) -> Iterator[str]:
    """ReplayWeb.page and `wacz` served from `folder` on loopback: the URL that opens it."""
    if not (REPLAYWEBPAGE / "sw.js").exists():
        pytest.fail(f"{REPLAYWEBPAGE} missing: run scripts/install-replaywebpage.sh")
    folder.mkdir()
    for name in ("index.html", "ui.js", "sw.js"):
        shutil.copy(REPLAYWEBPAGE / name, folder / name)
    shutil.copy(wacz, folder / "archive.wacz")
    with serve_directory(folder) as base:
        yield f"{base}?source=/archive.wacz"


def listed_pages(page) -> list[str]:
    """The URLs of the pages ReplayWeb.page lists, once its list agrees with the count
    it shows on two looks in a row (it renders the count and the rows separately)."""
    seen = None
    for _ in range(LOAD_TIMEOUT_MS // SETTLE_MS):
        count = page.get_by_text(PAGE_COUNT).all_text_contents()
        marks = page.locator("keyword-mark").all_text_contents()  # its titles and URLs
        urls = [text for text in marks if re.match(r"https?://", text)]
        now = (count, urls)
        if len(count) == 1 and int(PAGE_COUNT.match(count[0]).group(1)) == len(urls):
            if now == seen:
                return urls
            seen = now
        page.wait_for_timeout(SETTLE_MS)
    pytest.fail(f"ReplayWeb.page's page list did not settle: {seen}")


def open_app(page, app_url: str) -> None:
    page.goto(app_url)
    page.get_by_placeholder(SEARCH_BOX).wait_for(timeout=LOAD_TIMEOUT_MS)


def search_pages(page, words: str) -> list[str]:
    """The URLs of the pages ReplayWeb.page's page search lists for `words`."""
    page.get_by_placeholder(SEARCH_BOX).fill(words)
    page.wait_for_url(re.compile(r"query=" + re.escape(quote(words))), timeout=LOAD_TIMEOUT_MS)
    return listed_pages(page)


def replayed_frame(page) -> Frame:
    """The frame ReplayWeb.page replays an archived page in."""
    for _ in range(LOAD_TIMEOUT_MS // 100):
        for frame in page.frames:
            if "mp_/" in frame.url:
                return frame
        page.wait_for_timeout(100)
    pytest.fail(f"no replay frame among {[frame.url for frame in page.frames]}")


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("replayweb") / "archive"
    archiver("demo", "--archive", str(archive))
    return archive


def _commenter(db: Path) -> tuple[str, set[str]]:
    """The commenter on the fewest articles (not all of them), and those articles' URLs."""
    with sqlite3.connect(db) as conn:
        (name,) = conn.execute(
            """SELECT au.name FROM comments c JOIN authors au ON au.id = c.author_id
            GROUP BY au.name HAVING count(DISTINCT c.article_id) < (SELECT count(*) FROM articles)
            ORDER BY count(DISTINCT c.article_id), au.name LIMIT 1"""
        ).fetchone()
        urls = conn.execute(
            """SELECT DISTINCT cap.url FROM comments c JOIN authors au ON au.id = c.author_id
            JOIN articles a ON a.id = c.article_id JOIN captures cap ON cap.id = a.capture_id
            WHERE au.name = ?""",
            (name,),
        ).fetchall()
    return name, {url for (url,) in urls}


def test_replaywebpage_search_finds_a_commenter_and_replays_the_thread(demo_archive, tmp_path):
    wacz = tmp_path / "demo.wacz"
    archiver("export", "wacz", "--archive", str(demo_archive), "--output", str(wacz))
    db = demo_archive / "archive.db"
    name, commented = _commenter(db)
    titles = " ".join(title for (title,) in rows(db, "SELECT title FROM articles"))
    assert name not in titles  # found by the comments' text, not by a title

    with replaywebpage(wacz, tmp_path / "site") as app, chromium_page() as page:
        open_app(page, app)
        found = search_pages(page, name)
        screenshot(page, "replaywebpage-search")
        assert set(found) == commented and len(found) == len(commented)

        # the first page found replays the article with that person's comment in it
        page.locator("keyword-mark", has_text=found[0]).first.click()
        replayed_frame(page).get_by_text(name, exact=True).first.wait_for(timeout=LOAD_TIMEOUT_MS)
        screenshot(page, "replaywebpage-thread")
        assert search_pages(page, "zqxjkvw") == []


def test_replaywebpage_finds_nothing_of_a_forgotten_commenter(demo_archive, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(demo_archive, archive)
    db = archive / "archive.db"
    name, commented = _commenter(db)
    every_article = {
        url
        for (url,) in rows(
            db, "SELECT url FROM captures WHERE id IN (SELECT capture_id FROM articles)"
        )
    }
    archiver("forget", "--author", name, "--archive", str(archive))
    wacz = tmp_path / "forgotten.wacz"
    archiver("export", "wacz", "--archive", str(archive), "--output", str(wacz))

    with replaywebpage(wacz, tmp_path / "site") as app, chromium_page() as page:
        open_app(page, app)
        # the threads that person was in are left out; every other one is there
        assert set(listed_pages(page)) == every_article - commented
        assert search_pages(page, name) == []
