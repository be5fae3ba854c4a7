"""`archiver replay`: a real pywb server replays the WARC files offline, seen in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path
from urllib.request import urlopen

from warcio.archiveiterator import ArchiveIterator

from tests.browser import archiver_server, chromium_page, free_port, screenshot
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, SEED_CASE, SEED_PATH, archiver, rows

# Records a person can land on: page captures, and revisits once crawls write them.
REPLAYABLE = {"response", "revisit"}


@contextmanager
def pywb(archive: Path) -> Iterator[str]:
    """`archiver replay` on a free port; yields the collection URL."""
    port = free_port()
    args = ["replay", "--archive", str(archive), "--port", str(port)]
    with archiver_server(args, f"http://127.0.0.1:{port}/"):
        yield f"http://127.0.0.1:{port}/archive"


def timestamp(warc_date: str) -> str:
    return re.sub(r"[^0-9]", "", warc_date)[:14]


def html_records(archive: Path) -> list[tuple[str, str, str]]:
    """(record type, timestamp, URL) of every HTML page record in the WARC files."""
    found = []
    for warc in sorted((archive / "warc").glob("*.warc.gz")):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type not in REPLAYABLE or record.http_headers is None:
                    continue
                if "text/html" in (record.http_headers.get_header("Content-Type") or ""):
                    headers = record.rec_headers
                    found.append(
                        (
                            record.rec_type,
                            timestamp(headers.get_header("WARC-Date")),
                            headers.get_header("WARC-Target-URI"),
                        )
                    )
    return found


def replayed(collection: str, ts: str, url: str) -> str:
    """The page as pywb serves it unframed and unrewritten (`id_`), decoded."""
    with urlopen(f"{collection}/{ts}id_/{url}", timeout=30) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


def authors_by_page(db: Path) -> dict[str, list[str]]:
    """Comment authors the database read from each captured page URL."""
    pages: dict[str, list[str]] = {}
    for url, author in rows(
        db,
        """SELECT cap.url, au.name FROM comments c JOIN authors au ON au.id = c.author_id
        JOIN captures cap ON cap.id = c.capture_id""",
    ):
        pages.setdefault(url, []).append(author)
    return pages


def test_every_demo_page_replays_offline(demo_archive):
    """The demo site's server is gone: every article and comment page comes from the WARCs."""
    db = demo_archive / "archive.db"
    records = html_records(demo_archive)
    article_urls = {url for (url,) in rows(db, "SELECT url FROM articles")}
    assert article_urls <= {url for _, _, url in records}
    authors = authors_by_page(db)
    with pywb(demo_archive) as collection:
        for _, ts, url in records:
            page = replayed(collection, ts, url)
            for author in authors.get(url, []):
                assert escape(author, quote=False) in page, (url, author)
    assert len(authors) > len(article_urls)  # comment pages beyond the first were replayed


def test_article_replays_with_title_and_comments_in_chromium(corpus, tmp_path):
    """Real corpus pages (next.ink article, HN story), crawled, then replayed as a person sees."""
    hn_page = (corpus / "hackernews" / "easyhn_item_48350598.html").read_bytes()
    routes = {
        "/robots.txt": ROBOTS,
        SEED_PATH: Route((SEED_CASE / "page.html").read_bytes(), encoding="gzip"),
        "/item?id=48350598": Route(hn_page, encoding="gzip"),
    }
    archive = tmp_path / "archive"
    with MockServer(routes) as server:
        for spider, path in (("next_ink", SEED_PATH), ("hackernews", "/item?id=48350598")):
            url = server.url + path
            archiver("crawl", spider, "--url", url, "--archive", str(archive), *LOOPBACK)
    db = archive / "archive.db"
    articles = rows(
        db,
        """SELECT a.site, a.title, cap.fetched_at, cap.url FROM articles a
        JOIN captures cap ON cap.id = a.capture_id
        WHERE a.id IN (SELECT article_id FROM comments) ORDER BY a.site""",
    )
    assert [site for site, *_ in articles] == ["hackernews", "next_ink"]
    with pywb(archive) as collection, chromium_page() as page:
        for site, title, fetched_at, url in articles:
            comments = rows(
                db,
                f"""SELECT c.body_text FROM comments c JOIN captures cap ON cap.id = c.capture_id
                WHERE cap.url = '{url}' AND c.body_text != '' ORDER BY c.position""",
            )
            page.goto(f"{collection}/{timestamp(fetched_at)}/{url}")
            frame = page.frame_locator("iframe").first
            frame.get_by_text(title, exact=False).first.wait_for(timeout=30000)
            shown = frame.locator("body").inner_text()
            first_line = comments[0][0].splitlines()[0]
            last_line = comments[-1][0].splitlines()[0]
            assert first_line[:60] in shown and last_line[:60] in shown
            screenshot(page, f"replay-{site}-article")
        assert page.dialogs == []


def test_index_is_incremental(tmp_path):
    """A second crawl adds a WARC file: only that file is indexed, the first is kept as is."""
    archive = tmp_path / "archive"
    archiver("demo", "--archive", str(archive))
    first = archiver("replay", "--archive", str(archive), "--index-only").stdout
    assert "1 WARC file(s) indexed" in first and "0 already indexed" in first
    [index] = (archive / "replay" / "indexes").glob("*.cdxj")
    before = (index.stat().st_mtime_ns, index.read_bytes())
    archiver("demo", "--archive", str(archive))
    second = archiver("replay", "--archive", str(archive), "--index-only").stdout
    assert "1 WARC file(s) indexed" in second and "1 already indexed" in second
    assert (index.stat().st_mtime_ns, index.read_bytes()) == before
    third = archiver("replay", "--archive", str(archive), "--index-only").stdout
    assert "0 WARC file(s) indexed" in third and "2 already indexed" in third
    # both crawls replay: the first one's pages from the index written before the second
    records = html_records(archive)
    assert len({ts for _, ts, _ in records}) >= 2
    with pywb(archive) as collection:
        for _, ts, url in records:
            assert replayed(collection, ts, url)
