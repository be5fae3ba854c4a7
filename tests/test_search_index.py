"""The search index keeps up at each commit: new comments, edits, forgotten people, a
rebuild, and a database whose index an older version kept by per-row triggers."""

from __future__ import annotations

import re

import sqlite_utils

from archiver.items import Article, Comment
from archiver.store.redactions import forget
from archiver.store.save import save_items
from archiver.store.schema import TABLES, open_db
from tests.test_crawl_e2e import archiver
from tests.test_wordpress import crawl, serve


def _found(db: sqlite_utils.Database, text: str) -> set[int]:
    """Comment row ids a search for `text` (its words, as one phrase) finds."""
    phrase = '"' + " ".join(re.findall(r"\w+", text)) + '"'
    sql = "SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?"
    return {rowid for (rowid,) in db.execute(sql, (phrase,))}


def _index_matches_table(db: sqlite_utils.Database) -> None:
    """FTS5's own check of each index against its table: nothing missing, stale or twice."""
    for table in ("articles", "comments"):
        db.execute(f"INSERT INTO {table}_fts ({table}_fts, rank) VALUES ('integrity-check', 1)")


def _page(texts: dict[str, tuple[str, str]]) -> list:
    comments = [
        Comment("s", cid, "a1", author, None, f"<p>{text}</p>", text, index=index)
        for index, (cid, (author, text)) in enumerate(texts.items(), 1)
    ]
    return [Article("s", "a1", "https://s/a1", "Quarterly harbour report"), *comments]


def _ids(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute("SELECT site_comment_id, id FROM comments").fetchall())


def test_each_commit_leaves_the_index_in_step(tmp_path):
    """As a crawl saves: a page's items, a commit; then the page again, edited; a forget."""
    db = open_db(tmp_path / "archive.db")
    texts = {
        "1": ("ann", "walrus sightings near the pier"),
        "2": ("bob", "lighthouse keepers disagree"),
        "3": ("cy", "ferry timetable changed again"),
    }
    save_items(db, _page(texts))
    db.conn.commit()
    ids = _ids(db)
    for cid, (_, text) in texts.items():
        assert _found(db, text) == {ids[cid]}
    _index_matches_table(db)

    texts["2"] = ("bob", "lighthouse keepers finally agree")
    texts["4"] = ("dee", "tide tables printed wrong")
    save_items(db, _page(texts))
    db.conn.commit()
    ids = _ids(db)
    assert _found(db, "finally agree") == {ids["2"]}
    assert _found(db, "keepers disagree") == set()
    assert _found(db, "tide tables printed wrong") == {ids["4"]}
    _index_matches_table(db)

    forget(db, "cy", site="s")
    db.conn.commit()
    assert _found(db, "ferry timetable") == set()
    _index_matches_table(db)


def test_a_crawl_a_forget_and_a_rebuild_leave_the_index_in_step(tmp_path):
    """`archiver crawl`, `forget` and `reparse`, each committing its own way."""
    server, site = serve({"posts": 3})
    with server:
        archive = crawl(server.url + "/", tmp_path)
    database = archive / "archive.db"
    name = "Zoë"
    theirs = [c.text for c in site.comments if c.author == name]
    others = [c.text for c in site.comments if c.author != name]
    db = sqlite_utils.Database(database)
    assert all(_found(db, text) for text in theirs + others)
    _index_matches_table(db)

    archiver("forget", "--author", name, "--archive", str(archive))
    assert not any(_found(db, text) for text in theirs)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    db = sqlite_utils.Database(database)
    assert not any(_found(db, text) for text in theirs)
    assert all(_found(db, text) for text in others)
    _index_matches_table(db)


def _old_database(path) -> None:
    """A database as the previous version left it: the index kept by sqlite-utils' triggers."""
    db = open_db(path)
    db["search_indexed"].drop()
    for table, spec in TABLES.items():
        if spec.get("fts"):
            db.execute(f"DROP TRIGGER {table}_fts_edited")
            db.execute(f"DROP TRIGGER {table}_fts_deleted")
            db[table].disable_fts()
            db[table].enable_fts(spec["fts"], create_triggers=True, tokenize="unicode61")
    save_items(db, _page({"1": ("ann", "walrus sightings"), "2": ("bob", "lighthouse")}))
    db.conn.commit()
    db.close()


def test_an_older_database_is_taken_over_without_losing_or_doubling_rows(tmp_path):
    _old_database(tmp_path / "archive.db")
    db = open_db(tmp_path / "archive.db")
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert not triggers & {"comments_ai", "comments_ad", "comments_au", "articles_ai"}
    _index_matches_table(db)
    texts = {"1": ("ann", "walrus sightings"), "2": ("bob", "lighthouse beams"), "3": ("cy", "fog")}
    save_items(db, _page(texts))
    db.conn.commit()
    ids = _ids(db)
    assert _found(db, "walrus sightings") == {ids["1"]}
    assert _found(db, "lighthouse beams") == {ids["2"]} and _found(db, "fog") == {ids["3"]}
    assert db.execute("SELECT COUNT(*) FROM comments_fts").fetchone()[0] == 3
    _index_matches_table(db)
