"""The generic article spider: real pages' bodies, schema.org comment threads, a crawl."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import Article, Comment
from spiders.article import parse_page
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver, rows, snapshot

SITES = Path(__file__).parent / "sites" / "article"
HTML = [("Content-Type", "text/html; charset=utf-8")]

# Per real page: its first paragraph (XPath into the page), and boilerplate the page
# shows around the article (comment links, footers) that must stay out of the body.
REAL_PAGES = {
    "arstechnica/arstechnica.com.html": (
        "//div[@itemprop='articleBody']/p[normalize-space()][1]",
        ["reader comments", "Advertise with us", "Related Stories"],
    ),
    "arstechnica/readability_ars-1_source.html": (
        "//div[@itemprop='articleBody']/p[normalize-space()][1]",
        ["reader comments", "posters participating", "Advertise with us"],
    ),
    "heise/heise.de.lithium.html": (
        "//div[contains(@class, 'article-content')]/p[normalize-space()][1]",
        ["Kommentare lesen", "Zur Startseite", "Teile diesen Beitrag"],
    ),
    "heise/readability_heise_source.html": (
        "//div[contains(@class, 'meldung_wrapper')]/p[normalize-space()][2]",
        ["Kommentare lesen", "Forum zum Thema", "Permalink"],
    ),
    "phoronix/www.phoronix.com.html": (
        "//div[@class='content']/text()[normalize-space()][1]/..",
        ["51 Comments", "Related News"],
    ),
}


def read(body: bytes, url: str) -> list:
    return list(
        extract(parse_page, build_response(url, body, HTML, fetched_at="2024-05-04T00:00:00Z"))
    )


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", sorted(REAL_PAGES))
def test_body_holds_the_first_paragraph_and_no_boilerplate(corpus, name):
    page = (corpus / name).read_bytes()
    first_xpath, boilerplate = REAL_PAGES[name]
    first = lxml_html.fromstring(page.decode()).xpath(first_xpath)[0].text_content()
    items = read(page, "https://example.org/a")
    article = items[0]
    assert isinstance(article, Article) and len(items) == 1  # no inline comments on these
    assert words(first)[:120] in words(article.body_text)
    for phrase in boilerplate:
        assert phrase in page.decode("utf-8", "replace"), phrase  # the page does show it
        assert phrase not in article.body_text, phrase


def test_jsonld_thread_every_comment_once_with_known_parents():
    body = (SITES / "jsonld_comment_thread" / "page.html").read_bytes()
    items = read(body, "https://news.example.com/2024/05/grid-batteries")
    comments = [i for i in items if isinstance(i, Comment)]
    declared = len(re.findall(rb'"@type": "Comment"', body))
    assert len(comments) == len({c.site_comment_id for c in comments}) == declared == 4
    ids = {c.site_comment_id for c in comments}
    assert all(c.parent_site_comment_id in ids for c in comments if c.parent_site_comment_id)
    assert sum(c.parent_site_comment_id is not None for c in comments) == 2
    article = items[0]
    for comment in comments:  # the HTML copy of the thread stays out of the article
        assert comment.body_text not in article.body_text


def test_microdata_reply_nests_under_its_comment():
    body = (SITES / "microdata_comments" / "page.html").read_bytes()
    comments = [i for i in read(body, "https://blog.example.net/x") if isinstance(i, Comment)]
    assert [(c.author, c.parent_site_comment_id) for c in comments] == [
        ("frosty", None),
        ("thaw", comments[0].site_comment_id),
    ]


def test_crawl_archives_start_urls_only(corpus, tmp_path):
    heise = (corpus / "heise" / "heise.de.lithium.html").read_bytes()
    thread = (SITES / "jsonld_comment_thread" / "page.html").read_bytes()
    routes = {
        "/robots.txt": ROBOTS,
        "/heise": Route(heise, encoding="gzip"),
        "/thread": Route(thread, chunked=True),
    }
    archive = tmp_path / "archive"
    with MockServer(routes) as server:
        archiver(
            "crawl",
            "article",
            "--url",
            server.url + "/heise",
            "--url",
            server.url + "/thread",
            "--archive",
            str(archive),
            *LOOPBACK,
        )
        assert sorted(server.requests) == ["/heise", "/robots.txt", "/thread"]  # no links followed
    db = archive / "archive.db"
    # heise's canonical link is relative, so it names the mirror; the other page's is absolute
    assert rows(db, "SELECT site, title, comment_count FROM articles ORDER BY site") == [
        ("127.0.0.1", "Lithium aus dem Schredder", 128),
        ("news.example.com", "Why grid batteries got cheap", 4),
    ]
    assert rows(db, "SELECT COUNT(*), COUNT(parent_id) FROM comments") == [(4, 2)]
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before


def test_golden_meta_points_at_manifest_urls(corpus):
    """Each real-page case uses the URL the corpus manifest gives for its file."""
    manifest = {
        line.split("\t")[1]: line.split("\t")[6].split(" ")[0]
        for line in (corpus / "MANIFEST.tsv").read_text().splitlines()[1:]
    }
    for meta_path in SITES.glob("*/meta.json"):
        meta = json.loads(meta_path.read_text())
        if "corpus" in meta:
            assert meta["url"] == manifest[meta["corpus"]], meta_path
