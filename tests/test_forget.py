"""Forgetting a commenter: on a real thread, through a recrawl, and through a rebuild.

netzpolitik.org's real thread (74 comments): "Ewaldb" wrote 6 of them, got 6 replies
and is named in 2 other comments. After `forget`, no table holds the name or the
words of those comments, the replies still hang from the same comment ids, and saving
the page again (a recrawl) or rebuilding the database from the WARC files (`reparse`)
leaves it so.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from archiver.registry import load_spider
from archiver.store.redactions import REDACTED, forget
from archiver.store.save import save_item
from archiver.store.schema import open_db
from tests.test_crawl_e2e import archiver, snapshot
from tests.test_sites import save_page
from tests.test_wordpress import crawl, serve

CASE = Path(__file__).parent / "sites" / "netzpolitik" / "abmahnungen"
NAME = "Ewaldb"


def _save_page(db, corpus: Path, number: int) -> None:
    meta = json.loads((CASE / "meta.json").read_text())
    body = (corpus / meta["corpus"]).read_bytes()
    parse = load_spider("netzpolitik").parse_page
    save_page(db, parse, meta["url"], body, list(meta["headers"].items()), meta["fetched_at"],
              number)  # fmt: skip
    db.conn.commit()


def _everywhere(db, text: str) -> list[str]:
    """Every table and column whose values hold `text`."""
    found = []
    for table in ("comments", "quotes", "authors", "articles", "comment_versions"):
        for column in db[table].columns_dict:
            sql = f"SELECT COUNT(*) FROM {table} WHERE instr(CAST({column} AS TEXT), ?) > 0"
            if db.execute(sql, (text,)).fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def _their_comments(corpus: Path) -> dict[str, str]:
    expected = json.loads((CASE / "expected.json").read_text())
    return {
        c["site_comment_id"]: c["body_text"]
        for c in expected
        if c["type"] == "Comment" and c["author"] == NAME
    }


def test_a_forgotten_commenter_leaves_no_name_nor_words(corpus, tmp_path):
    db = open_db(tmp_path / "archive.db")
    _save_page(db, corpus, 1)
    theirs = _their_comments(corpus)
    assert len(theirs) == 6 and _everywhere(db, NAME)
    parents = db.execute("SELECT id, parent_id FROM comments ORDER BY id").fetchall()

    counts = forget(db, NAME, site="netzpolitik.org")
    db.conn.commit()
    assert counts["comments"] == 6 and counts["authors"] == 1 and counts["mentions"] >= 2
    assert _everywhere(db, NAME) == []
    for text in theirs.values():  # their own words, a long stretch of each
        assert _everywhere(db, text[:60]) == [], text[:60]
    rows = db.execute(
        "SELECT site_comment_id, body_text, author_id, redacted FROM comments WHERE redacted = 1"
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(theirs)
    assert {r[1:] for r in rows} == {(REDACTED, None, 1)}
    assert db.execute("SELECT id, parent_id FROM comments ORDER BY id").fetchall() == parents
    assert db.execute("SELECT site, author FROM redactions").fetchall() == [
        ("netzpolitik.org", NAME)
    ]

    _save_page(db, corpus, 2)  # the same page crawled again
    assert _everywhere(db, NAME) == []
    assert db.execute("SELECT COUNT(*) FROM comments WHERE redacted = 1").fetchone()[0] == 6


def test_a_rebuilt_database_stays_redacted(tmp_path):
    """A crawl of a local site; one commenter forgotten; `reparse` from the WARC files."""
    server, site = serve({"posts": 3})
    with server:
        archive = crawl(server.url + "/", tmp_path)
    database = archive / "archive.db"
    name = "Zoë"
    theirs = [c for c in site.comments if c.author == name]
    assert len(theirs) >= 3 and _everywhere(open_db(database), name)
    result = archiver("forget", "--author", name, "--archive", str(archive))  # every site
    assert f"{len(theirs)} comments redacted" in result.stdout
    assert _everywhere(open_db(database), name) == []
    exported = tmp_path / "threads.jsonl"
    archiver("export", "threads", "--output", str(exported), "--archive", str(archive))
    assert name not in exported.read_text() and REDACTED in exported.read_text()
    before = snapshot(database)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    with sqlite3.connect(database) as conn:
        redacted = conn.execute("SELECT COUNT(*) FROM comments WHERE redacted = 1").fetchone()[0]
    assert redacted == len(theirs)
    assert _everywhere(open_db(database), name) == []
    assert snapshot(database)["comments"] == before["comments"]


def test_a_name_is_redacted_as_a_whole_word_only(tmp_path):
    """Forgetting "Al" leaves "Also" and "Alice" alone, in stored and in new comments."""
    from archiver.items import Article, Comment

    db = open_db(tmp_path / "archive.db")
    save_item(db, Article("s", "1", "https://s/1", "T"))
    words = ["Al said so.", "Also Alice agrees with Al, not with Alberto."]
    for number, (author, text) in enumerate([("Al", words[0]), ("Bo", words[1])], start=1):
        save_item(db, Comment("s", str(number), "1", author, None, f"<p>{text}</p>", text))
    forget(db, "Al", site="s")
    texts = [t for (t,) in db.execute("SELECT body_text FROM comments ORDER BY id")]
    assert texts == [REDACTED, f"Also Alice agrees with {REDACTED}, not with Alberto."]
    later = "Al was right, Alberto."
    save_item(db, Comment("s", "3", "1", "Cy", None, f"<p>{later}</p>", later))
    (text,) = db.execute("SELECT body_text FROM comments WHERE site_comment_id = '3'").fetchone()
    assert text == f"{REDACTED} was right, Alberto."
