"""Disqus XML export import: the real export's posts, flags and replies; matching; streaming."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archiver.extract.urls import page_key
from archiver.items import Article, Comment
from archiver.offline.disqus import NS, _top_level, import_disqus
from archiver.store.save import save_items
from archiver.store.schema import open_db

EXPORT = "disqus/evanlin1007_disqus_export_2021-05-17.xml"


@pytest.fixture
def export(corpus) -> Path:
    return corpus / EXPORT


def counted(text: str) -> dict[str, int]:
    """What the raw file holds, counted by regex, without the importer."""
    posts = re.findall(r"<post dsq:id=\"(\d+)\">(.*?)</post>", text, re.S)
    links = dict(re.findall(r"<thread dsq:id=\"(\d+)\">.*?<link>(.*?)</link>", text, re.S))
    with_posts = {re.search(r"<thread dsq:id=\"(\d+)\"", body).group(1) for _, body in posts}
    return {
        "posts": len(posts),
        "replies": sum("<parent " in body for _, body in posts),
        "deleted": sum("<isDeleted>true" in body for _, body in posts),
        "spam": sum("<isSpam>true" in body for _, body in posts),
        "articles": len({page_key(links[t], merge_www=True) for t in with_posts}),
    }


def test_every_post_kept_with_its_parent_and_flags(export, tmp_path):
    raw = counted(export.read_text())
    assert raw == {"posts": 189, "replies": 74, "deleted": 8, "spam": 13, "articles": 55}
    db = open_db(tmp_path / "archive.db")
    report = import_disqus(export, db)
    assert (report.posts, report.replies, report.deleted, report.spam) == (189, 74, 8, 13)
    assert (report.threads, report.created, report.matched, report.orphans) == (2519, 55, 0, [])
    found = db.execute(
        "SELECT COUNT(*), COUNT(parent_id), SUM(deleted), SUM(moderation = 'spam'),"
        " COUNT(DISTINCT article_id) FROM comments"
    ).fetchall()
    assert found == [(189, 74, 8, 13, 55)]
    # a reply sits in its parent's thread
    assert db.execute(
        "SELECT COUNT(*) FROM comments c JOIN comments p ON p.id = c.parent_id"
        " WHERE p.article_id != c.article_id"
    ).fetchall() == [(0,)]
    before = db.execute("SELECT * FROM comments ORDER BY id").fetchall()
    import_disqus(export, db)  # again: the same rows, updated in place
    assert db.execute("SELECT * FROM comments ORDER BY id").fetchall() == before


def test_threads_join_the_archived_article_by_url(export, tmp_path):
    db = open_db(tmp_path / "archive.db")
    with db.conn:
        save_items(
            db,
            [
                Article("evanlin.com", "812", "https://evanlin.com/create-your-line-bot-golang"),
                Comment("evanlin.com", "5", "812", "Ann", None, "<p>own</p>", "own", index=1),
            ],
        )
    report = import_disqus(export, db)
    assert (report.matched, report.created) == (2, 54)  # two threads of one link
    thread = db.execute(
        "SELECT c.site_comment_id, c.page, c.position FROM comments c"
        " JOIN articles a ON a.id = c.article_id WHERE a.site_article_id = '812'"
        " ORDER BY c.position"
    ).fetchall()
    # both threads of that link (http://www. and http://), after the article's own comment
    assert thread[0] == ("5", 1, 1) and len(thread) == 1 + 47
    assert {page for _, page, _ in thread[1:]} == {2}
    assert [p for _, _, p in thread] == list(range(1, 49))


def test_the_tree_never_grows_while_reading(tmp_path):
    posts = "".join(
        f'<post dsq:id="{n}"><message><![CDATA[<p>{n}</p>]]></message><thread dsq:id="1"/></post>'
        for n in range(20000)
    )
    path = tmp_path / "export.xml"
    path.write_text(
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>http://a.example/x</link></thread>' + posts + "</disqus>"
    )
    before, held = [], []
    for element in _top_level(path):
        before.append(element.getparent().index(element))  # earlier ones not yet dropped
        held.append(len(element.getparent()))  # with those the parser has read ahead
        element.clear()
    assert len(before) == 20001 and element.tag == NS + "post"
    assert max(before) <= 1 and max(held) < 1000
