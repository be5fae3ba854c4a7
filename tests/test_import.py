"""Threads from other tools' archives: wget's WARC of a WordPress site, Wayback captures,
and the corpus's WARC, ARC and WACZ files of other tools (good and broken ones)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest

from archiver.archive.foreign import DETECT
from archiver.archive.names import SPIDER_FIELD
from archiver.archive.reader import complete_records, read_records, warc_files
from archiver.offline.imports import import_archives
from tests.mockserver import MockServer
from tests.test_crawl_e2e import LOOPBACK, archiver, rows, snapshot
from tests.wpsite import build_wpsite

# The thread as a researcher reads it: no row ids, no captures.
THREADS = """SELECT a.site, a.site_article_id, a.url, a.title, c.site_comment_id,
    c.parent_site_comment_id, p.site_comment_id, au.name, c.posted, c.body_text, c.page,
    c.position FROM comments c JOIN articles a ON a.id = c.article_id
    LEFT JOIN comments p ON p.id = c.parent_id LEFT JOIN authors au ON au.id = c.author_id
    ORDER BY a.site_article_id, c.position"""
QUOTES = """SELECT c.site_comment_id, q.ordinal, t.site_comment_id, q.quoted_author, q.text
    FROM quotes q JOIN comments c ON c.id = q.comment_id
    LEFT JOIN comments t ON t.id = q.quoted_comment_id ORDER BY 1, 2"""


@pytest.mark.skipif(shutil.which("wget") is None, reason="wget not installed")
def test_a_wget_warc_of_a_wordpress_site_gives_the_threads_our_crawl_gives(tmp_path):
    server = MockServer({})
    site = build_wpsite(posts=5, base=server.url, quotes_across_pages=True)
    server.routes.update(site.routes)
    with server:
        crawled = tmp_path / "crawled"
        archiver("crawl", "wordpress", "--url", server.url + "/", "--archive", str(crawled),
                 *LOOPBACK)  # fmt: skip
        subprocess.run(
            ["wget", "--mirror", f"--warc-file={tmp_path / 'site'}", "--no-verbose",
             "--compression=auto", "--reject-regex", r"replytocom|[?]p=[0-9]+$",
             "--directory-prefix", str(tmp_path / "mirror"), server.url + "/"],
            check=False, capture_output=True, timeout=300,
        )  # fmt: skip
    wget_file = tmp_path / "site.warc.gz"
    assert wget_file.stat().st_size > 10_000
    imported = tmp_path / "imported"
    result = archiver("import", str(wget_file), "--archive", str(imported))
    assert "refused" not in result.stdout and "site.warc.gz" in result.stdout

    ours = rows(crawled / "archive.db", THREADS)
    theirs = rows(imported / "archive.db", THREADS)
    assert len(ours) == len(site.comments) and theirs == ours
    assert rows(imported / "archive.db", QUOTES) == rows(crawled / "archive.db", QUOTES)
    # every row points at a record of the copy in the archive
    (copy,) = warc_files(imported)
    records = {r.record_id: r.offset for r in read_records(copy)}
    pointed = rows(
        imported / "archive.db",
        "SELECT DISTINCT cap.warc_record_id, cap.warc_offset, cap.warc_filename FROM comments c"
        " JOIN captures cap ON cap.id = c.capture_id",
    )
    assert pointed and all(records[r] == o and f == copy.name for r, o, f in pointed)
    # linked where it is (--in-place), not copied: the same threads, rebuilt by reparse
    linked = tmp_path / "linked"
    archiver("import", "--in-place", str(wget_file), "--archive", str(linked))
    (link,) = warc_files(linked)
    assert link.is_symlink() and link.resolve() == wget_file.resolve()
    assert rows(linked / "archive.db", THREADS) == ours
    archiver("reparse", "--archive", str(linked), "--no-progress")
    assert rows(linked / "archive.db", THREADS) == ours
    # the same file again adds nothing; reparse rebuilds the same rows from the copy
    again = archiver("import", str(wget_file), "--archive", str(imported))
    assert "0 new page records" in again.stdout and "imported before" in again.stdout
    before = snapshot(imported / "archive.db")
    archiver("reparse", "--archive", str(imported), "--no-progress")
    assert snapshot(imported / "archive.db") == before


def test_wayback_captures_are_the_pages_they_captured(corpus, tmp_path):
    """A real Wayback capture of a WordPress post, in a WARC as a researcher's tool
    saved it from web.archive.org: the original URL, the capture's own time."""
    from tests.test_sites import SITES

    case = SITES / "wordpress" / "thepain_silkroad_wayback"
    import json

    from archiver.archive.writer import Exchange, WarcFileWriter

    meta = json.loads((case / "meta.json").read_text())
    body = (corpus / meta["corpus"]).read_bytes()
    assert meta["url"].startswith("https://web.archive.org/web/")
    writer = WarcFileWriter(tmp_path / "theirs", prefix="wayback", info={})
    html = [("Content-Type", "text/html; charset=UTF-8")]
    writer.write_exchange(Exchange(meta["url"], "GET", [], b"", 200, html, body))
    writer.close()
    imported = tmp_path / "imported"
    import_archives(imported, [tmp_path / "theirs"])
    (article,) = rows(imported / "archive.db", "SELECT url, capture_id FROM articles")
    stamp = meta["url"].split("/web/", 1)[1][:14]
    assert article[0] == meta["url"].split(stamp, 1)[1].lstrip("/").removeprefix("id_/")
    comments = rows(imported / "archive.db", "SELECT COUNT(*) FROM comments")[0][0]
    assert comments == meta["counted"]["comments"] + meta["counted"].get("pingbacks", 0)


def test_other_tools_files_good_and_broken(corpus, tmp_path):
    """warcio's test files (WARC/1.0, uncompressed, wget's `<>` target URIs, resource
    records, ARC and ARC.gz) and a browser's WACZ: what reads is kept, what does not is
    reported, nothing stops the import."""
    folder = corpus / "warc"
    report = import_archives(tmp_path / "a", [folder])
    by_source = {c.source: c for c in report.copied}
    assert by_source["example.arc.gz"].converted and by_source["example.arc.gz"].records == 1
    assert by_source["example-wget-bad-target-uri.warc.gz"].records == 6
    assert by_source["quotes.wacz/archive/data.warc.gz"].records > 100
    assert by_source["example-wrong-chunks.warc.gz"].path is None  # cut short: refused
    assert {name for name, _ in report.refused} >= {
        "example-wrong-chunks.warc.gz",
        "example-bad-non-chunked.warc.gz",
    }
    db = tmp_path / "a" / "archive.db"
    urls = {u for (u,) in rows(db, "SELECT url FROM captures")}
    assert "http://example.com/" in urls and not [u for u in urls if u.startswith("<")]
    kinds = {k for (k,) in rows(db, "SELECT content_type FROM captures WHERE url LIKE 'file:%'")}
    assert kinds  # a resource record is a capture too
    assert rows(db, "SELECT COUNT(*) FROM articles")[0][0] > 0  # read by the generic spider
    for copy in warc_files(tmp_path / "a"):  # every copy reads to its end, as ours do
        damage: list = []
        assert sum(1 for _ in complete_records(copy, damage, kinds=None)) > 1 and not damage
        first = next(read_records(copy, kinds=("warcinfo",)))
        assert first.record.rec_type == "warcinfo"
    info = next(read_records(warc_files(tmp_path / "a")[0], kinds=None))
    assert info.spider == DETECT
    assert SPIDER_FIELD == "isPartOf"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# Pages whose detected spider is another reader of the same platform: Ars Technica runs
# WordPress (its comments live elsewhere: both read none); netzpolitik.org is WordPress
# with a spider of its own, which its host names.
SAME_PLATFORM = {
    ("article", "arstechnica_connected_renter_2016"): "wordpress",
    ("article", "arstechnica_minecraft_2015"): "wordpress",
    ("wordpress", "netzpolitik_abmahnungen"): "netzpolitik",
}


def test_every_golden_page_is_read_by_the_spider_it_shows(corpus):
    """An imported page names no spider: each golden case's page, as saved, is told by
    itself to be its spider's (or, listed above, its platform's other reader's)."""
    import json

    from archiver.extract.responses import build_response
    from archiver.platforms.detect import platform_of
    from tests.test_sites import CASES

    told = 0
    for case in CASES:
        meta = json.loads((case / "meta.json").read_text())
        where = corpus / meta["corpus"] if "corpus" in meta else case / meta["body"]
        headers = meta.get("headers", {"Content-Type": "text/html"}).items()
        response = build_response(meta["url"], where.read_bytes(), headers)
        want = SAME_PLATFORM.get((case.parent.name, case.name), case.parent.name)
        assert platform_of(response) == want, case
        told += 1
    assert told == len(CASES) > 100


def test_a_disqus_export_is_archived_and_rebuilt_by_reparse(corpus, tmp_path):
    """The real export (189 posts, 74 replies, 8 deleted, 13 spam): archived whole as a
    resource record, read from it, and read again the same by `reparse`."""
    export = corpus / "disqus" / "evanlin1007_disqus_export_2021-05-17.xml"
    archive = tmp_path / "archive"
    result = archiver("import", str(export), "--archive", str(archive))
    assert "189 items" in result.stdout and "refused" not in result.stdout
    assert result.stdout.count(export.name) == 1 and "(0 imported before)" in result.stdout
    db = archive / "archive.db"
    counts = "SELECT COUNT(*), COUNT(parent_id), SUM(deleted), SUM(moderation = 'spam')"
    assert rows(db, counts + " FROM comments") == [(189, 74, 8, 13)]
    (pointed,) = rows(db, "SELECT DISTINCT capture_id FROM comments")
    (record,) = rows(db, "SELECT id FROM captures WHERE url LIKE 'file:///%'")
    assert pointed == record
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before


def test_a_file_linked_in_place_is_read_whatever_its_warcinfo_says(corpus, tmp_path):
    """warcio's example.warc.gz names a webrecorder collection as its isPartOf: linked
    in place, its pages are read by what they show, by the import and by reparse; a
    file that is not a .warc.gz is refused for linking."""
    archive = tmp_path / "archive"
    good, plain = corpus / "warc" / "example.warc.gz", corpus / "warc" / "example.warc"
    result = archiver("import", "--in-place", str(good), str(plain), "--archive", str(archive))
    assert "refused example.warc:" in result.stdout and "KeyError" not in result.stdout
    assert rows(archive / "archive.db", "SELECT COUNT(*) FROM articles")[0][0] == 1
    before = snapshot(archive / "archive.db")
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(archive / "archive.db") == before


def test_two_wayback_captures_give_one_thread_with_its_history(corpus, tmp_path):
    """The real the-pain.net capture (2013) and a later one of the same page (2014: its
    last comment gone, another edited), saved in that order: one thread at the original
    URL, the gone comment marked at the later capture's time, the edit kept as a version."""
    import json

    from lxml import html as lxml_html

    from archiver.archive.writer import Exchange, WarcFileWriter
    from tests.test_sites import SITES

    meta = json.loads((SITES / "wordpress" / "thepain_silkroad_wayback" / "meta.json").read_text())
    first = (corpus / meta["corpus"]).read_bytes()
    tree = lxml_html.fromstring(first)
    gone = tree.get_element_by_id("comment-28206")
    gone.getparent().remove(gone)
    edited = tree.get_element_by_id("div-comment-8410").find_class("comment-body")
    body = edited[0] if edited else tree.get_element_by_id("div-comment-8410")
    body.append(lxml_html.fromstring("<p>Nachtrag: danke!</p>"))
    later = lxml_html.tostring(tree, encoding="utf-8")
    html = [("Content-Type", "text/html; charset=UTF-8")]
    url_2013 = meta["url"]
    url_2014 = url_2013.replace("/web/20130307194448/", "/web/20140102030405/")
    for number, (url, page) in enumerate([(url_2013, first), (url_2014, later)]):
        writer = WarcFileWriter(tmp_path / f"theirs{number}", prefix="wayback", info={})
        writer.write_exchange(Exchange(url, "GET", [], b"", 200, html, page))
        writer.close()
    archive = tmp_path / "archive"
    archiver("import", str(tmp_path / "theirs0"), str(tmp_path / "theirs1"), "--archive",
             str(archive))  # fmt: skip
    db = archive / "archive.db"
    original = url_2013.split("/web/20130307194448/", 1)[1]
    assert rows(db, "SELECT url FROM articles") == [(original,)]
    assert rows(db, "SELECT COUNT(*), SUM(deleted) FROM comments") == [(34, 1)]
    assert rows(db, "SELECT site_comment_id, vanished_at FROM comments WHERE deleted = 1") == [
        ("28206", "2014-01-02T03:04:05Z")
    ]
    versions = rows(
        db,
        """SELECT c.site_comment_id FROM comment_versions v
        JOIN comments c ON c.id = v.comment_id""",
    )
    assert versions == [("8410",)]
    assert (
        "Nachtrag"
        in rows(db, "SELECT body_text FROM comments WHERE site_comment_id = '8410'")[0][0]
    )
