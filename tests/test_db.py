"""The store: schema converges idempotently, migrations run once, quotes resolve."""

from __future__ import annotations

from archiver.archive.capture import Capture
from archiver.items import Article, Comment, Quote
from archiver.store import schema
from archiver.store.rows import comment_id
from archiver.store.save import save_article, save_capture, save_comment, save_quote
from archiver.store.schema import ensure_db_shape, open_db


def test_ensure_db_shape_is_idempotent(tmp_path):
    database = open_db(tmp_path / "a.db")
    schema = database.schema
    ensure_db_shape(database)
    assert database.schema == schema
    assert database["comments"].detect_fts() == "comments_fts"
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    fks = {(fk.column, fk.other_table) for fk in database["comments"].foreign_keys}
    assert ("parent_id", "comments") in fks and ("capture_id", "captures") in fks


def test_migration_steps_run_once(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(schema, "MIGRATIONS", [("0001_test", lambda db: calls.append(1))])
    database = open_db(tmp_path / "a.db")
    ensure_db_shape(database)
    assert calls == [1]
    assert [r["name"] for r in database["_migrations"].rows] == ["0001_test"]


def _thread(database):
    capture = Capture("u", 200, "f.warc.gz", 0, "<urn:uuid:1>", "2026-01-01T00:00:00Z", None, None)
    save_capture(database, capture)
    save_article(
        database, Article("s", "a1", "u", "T", body_text="the article text", capture="<urn:uuid:1>")
    )
    for index, (cid, author, text) in enumerate(
        [("1", "ann", "first words here"), ("2", "bob", "second take"), ("3", "ann", "again")], 1
    ):
        save_comment(
            database,
            Comment("s", cid, "a1", author, None, "", text, index=index, capture="<urn:uuid:1>"),
        )
    save_comment(database, Comment("s", "4", "a1", "cat", None, "", "reply", index=4))


def test_quote_resolution_by_author_and_text(tmp_path):
    database = open_db(tmp_path / "a.db")
    _thread(database)
    resolve = lambda **kw: save_quote(database, Quote("s", "4", **kw))  # noqa: E731
    assert resolve(text="first words", quoted_author="ann") == comment_id(database, "s", "1")
    assert resolve(text="", quoted_author="ann") == comment_id(database, "s", "3")
    assert resolve(text="second take") == comment_id(database, "s", "2")
    # a paraphrase: the named commenter's latest earlier comment; a misspelt name: the text's
    assert resolve(text="never said", quoted_author="ann") == comment_id(database, "s", "3")
    assert resolve(text="second take", quoted_author="bobby") == comment_id(database, "s", "2")
    assert resolve(text="never said", quoted_author="zed") is None
    assert resolve(text="x", quoted_site_comment_id="2") == comment_id(database, "s", "2")
    assert resolve(text="the article text", kind="article") is None


def test_saving_twice_keeps_one_row_and_children_find_late_parents(tmp_path):
    database = open_db(tmp_path / "a.db")
    _thread(database)
    _thread(database)
    assert database["comments"].count == 4
    save_comment(
        database,
        Comment("s", "6", "a1", "dan", None, "", "child", parent_site_comment_id="5", index=5),
    )
    save_comment(database, Comment("s", "5", "a1", "eve", None, "", "parent", index=6))
    child = database["comments"].get(comment_id(database, "s", "6"))
    assert child["parent_id"] == comment_id(database, "s", "5")
    assert database.execute(
        "SELECT COUNT(*) FROM reply_links WHERE kind = 'parent'"
    ).fetchone() == (1,)
    save_comment(database, Comment("s", "7", "a1", "fay", None, "", "p2", page=2, index=1))
    # page 2 continues after page 1's last position
    assert database["comments"].get(comment_id(database, "s", "7"))["position"] == 7


def test_a_comment_shown_again_collapsed_keeps_its_text(tmp_path):
    """Slashdot shows a comment in full on one page and as a one-line stub on another:
    the stub neither blanks the text nor counts as an edit."""
    database = open_db(tmp_path / "a.db")
    _thread(database)
    full = Comment("s", "8", "a1", "gil", "2007-07-06T12:58:00Z", "<p>full</p>", "full", index=7)
    save_comment(database, full)
    save_comment(database, Comment("s", "8", "a1", "gil", None, "", "", index=7))
    row = database["comments"].get(comment_id(database, "s", "8"))
    assert (row["body_text"], row["posted"]) == ("full", "2007-07-06T12:58:00Z")
    assert database["comment_versions"].count == 0
