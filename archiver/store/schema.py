"""The SQLite store's shape: tables and views as data, one idempotent `ensure_db_shape`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from archiver.store.rows import one_value, utc_now
from archiver.store.search import SearchIndexingConnection, ensure_search_index

TABLES: dict[str, dict] = {
    "captures": {
        "columns": {
            "id": int,
            "url": str,
            "warc_filename": str,
            "warc_offset": int,
            "warc_record_id": str,
            "status": int,
            "fetched_at": str,
            "content_type": str,
            "payload_digest": str,
            "refers_to": str,  # a revisit record's WARC-Refers-To
            "run_id": int,
            "processed": int,  # 1 once its items and links are saved; 0 means resume must redo it
        },
        "unique": [("warc_record_id",)],
        "indexes": [("url",), ("processed",)],
    },
    "authors": {
        "columns": {"id": int, "site": str, "name": str},
        "unique": [("site", "name")],
    },
    "articles": {
        "columns": {
            "id": int,
            "site": str,
            "site_article_id": str,
            "url": str,
            "canonical_url": str,
            "title": str,
            "author_id": int,
            "published": str,
            "updated": str,
            "body_html": str,
            "body_text": str,
            "tags": str,
            "comment_count": int,
            "link_url": str,
            "capture_id": int,
            "gone_at": str,  # when its URL started answering 404/410
        },
        "foreign_keys": [("author_id", "authors", "id"), ("capture_id", "captures", "id")],
        "unique": [("site", "site_article_id")],
        "indexes": [("published",), ("author_id",)],
        "fts": ["title", "body_text"],
    },
    "comments": {
        "columns": {
            "id": int,
            "site": str,
            "site_comment_id": str,
            "article_id": int,
            "author_id": int,
            "parent_id": int,
            "parent_site_comment_id": str,
            "page": int,
            "position": int,
            "posted": str,
            "body_text": str,
            "body_html": str,
            "score": int,
            "deleted": int,
            "moderation": str,
            "capture_id": int,
            "vanished_at": str,  # when a capture of its page first lacked it
            "vanished_capture_id": int,
            "redacted": int,  # 1: its author is forgotten (text and name gone)
        },
        "foreign_keys": [
            ("article_id", "articles", "id"),
            ("author_id", "authors", "id"),
            ("parent_id", "comments", "id"),
            ("capture_id", "captures", "id"),
        ],
        "unique": [("site", "site_comment_id")],
        "indexes": [("article_id", "position"), ("author_id",), ("site", "parent_site_comment_id")],
        "fts": ["body_text"],
    },
    "quotes": {
        "columns": {
            "id": int,
            "comment_id": int,
            "ordinal": int,
            "quoted_comment_id": int,
            "quoted_author": str,
            "text": str,
            "kind": str,
            # the quoted comment's own id when the markup names it: resolved when it arrives
            "quoted_site_comment_id": str,
        },
        "foreign_keys": [("comment_id", "comments", "id"), ("quoted_comment_id", "comments", "id")],
        "unique": [("comment_id", "ordinal")],
        "indexes": [("quoted_comment_id",), ("quoted_site_comment_id",)],
    },
    "reply_links": {
        "columns": {"comment_id": int, "target_comment_id": int, "kind": str},
        "pk": ("comment_id", "target_comment_id", "kind"),
        "foreign_keys": [("comment_id", "comments", "id"), ("target_comment_id", "comments", "id")],
        "indexes": [("target_comment_id",)],
    },
    "comment_versions": {
        "columns": {
            "id": int,
            "comment_id": int,
            "body_text": str,
            "body_html": str,
            "capture_id": int,  # where this (older) version was read
            "replaced_by_capture_id": int,
        },
        "foreign_keys": [
            ("comment_id", "comments", "id"),
            ("capture_id", "captures", "id"),
            ("replaced_by_capture_id", "captures", "id"),
        ],
        "indexes": [("comment_id",)],
    },
    "article_versions": {
        "columns": {
            "id": int,
            "article_id": int,
            "title": str,
            "body_text": str,
            "body_html": str,
            "capture_id": int,
            "replaced_by_capture_id": int,
        },
        "foreign_keys": [
            ("article_id", "articles", "id"),
            ("capture_id", "captures", "id"),
            ("replaced_by_capture_id", "captures", "id"),
        ],
        "indexes": [("article_id",)],
    },
    # Crawl state, not derived from the WARCs: `reparse` carries these over as they are.
    "fetch_state": {
        "columns": {
            "url": str,
            "site": str,
            "kind": str,  # listing | thread
            "first_seen": str,
            "last_fetched": str,
            "last_status": int,
            "etag": str,
            "last_modified": str,
            "payload_digest": str,
            "capture_record_id": str,  # the last capture holding the payload
            "capture_date": str,
            "capture_headers": str,  # its HTTP headers (JSON), which a 304 revisit freshens
            "next_due": str,  # NULL: not re-polled (listings, quiet threads)
            "unchanged_count": int,
            "last_changed": str,
            "content_fingerprint": str,  # of what was parsed, so page chrome changes don't count
            # the crawl's queue (archiver.crawl.scheduler): the run that queued the URL (a run
            # queues it once), its place among the requests waiting for memory (NULL: not
            # waiting), and how it was found (a contract.Link), to make its request again
            "queued_run": int,
            "waiting": int,
            "link": str,
        },
        "pk": "url",
        "indexes": [("site", "next_due"), ("site", "last_fetched"), ("queued_run", "waiting")],
    },
    "crawl_runs": {
        "columns": {
            "id": int,
            "spider": str,
            "config_site": str,  # the config file's [sites.NAME] it ran for (NULL: none)
            "started": str,
            "finished": str,
            "finish_reason": str,
            "pages": int,
            "revisits": int,
            "new_articles": int,
            "new_comments": int,
            "errors": int,
            "warc_bytes": int,
        },
        "indexes": [("spider", "started"), ("config_site", "started")],
    },
    "redactions": {
        # a person to forget (archiver.store.redactions): site "" for every site
        "columns": {"id": int, "site": str, "author": str, "at": str},
        "unique": [("site", "author")],
    },
    "search_indexed": {
        # per table with "fts": its rows up to this id are in its search index
        # (archiver.store.search)
        "columns": {"table_name": str, "up_to_id": int},
        "pk": "table_name",
    },
    "fetch_errors": {
        "columns": {
            "id": int,
            "url": str,
            "error": str,
            "detail": str,
            "at": str,
            "capture_id": int,
            "attempts": int,  # requests made before giving up, retries included
        },
        "foreign_keys": [("capture_id", "captures", "id")],
        "indexes": [("url",)],
    },
}

#: `replay` is "<14-digit capture time>/<url>": the path of the page in a replay collection.
_REPLAY = "strftime('%Y%m%d%H%M%S', cap.fetched_at) || '/' || cap.url"

#: Read-only views for browsing (Datasette facets on site, author and month).
VIEWS: dict[str, str] = {
    "article_list": "SELECT a.id, a.site, a.title, au.name AS author, a.published,"
    " substr(a.published, 1, 7) AS month,"
    " (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id) AS comments,"
    " a.comment_count AS comments_on_site, a.url, a.id AS thread, " + _REPLAY + " AS replay"
    " FROM articles a LEFT JOIN authors au ON au.id = a.author_id"
    " LEFT JOIN captures cap ON cap.id = a.capture_id",
    "comment_list": "SELECT c.id, c.site, a.title AS article, au.name AS author, c.posted,"
    " substr(c.posted, 1, 7) AS month, c.body_text AS text, c.score,"
    " c.article_id AS thread, " + _REPLAY + " AS replay"
    " FROM comments c JOIN articles a ON a.id = c.article_id"
    " LEFT JOIN authors au ON au.id = c.author_id"
    " LEFT JOIN captures cap ON cap.id = c.capture_id",
}

#: Schema changes beyond added tables and columns (which ensure_db_shape adds by
#: itself), applied once each, in order.
MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = []


def open_db(path: Path | str, fts: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) an archive database in WAL mode, shaped (see ensure_db_shape);
    each commit brings its search index up to date (see archiver.store.search)."""
    db = sqlite_utils.Database(sqlite3.connect(path, factory=SearchIndexingConnection))
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    db.enable_wal()
    ensure_db_shape(db, fts)
    return db


def ensure_db_shape(db: sqlite_utils.Database, fts: bool = True) -> None:
    """Converge any database on TABLES and MIGRATIONS; safe to run every time.

    `fts=False` leaves out search indexes not made yet: a bulk load is faster
    without them, and a later call with `fts=True` builds them whole.
    """
    for name, spec in TABLES.items():
        table = db[name]
        if not table.exists():
            table.create(
                spec["columns"],
                pk=spec.get("pk", "id"),
                foreign_keys=spec.get("foreign_keys", []),
            )
        missing = {c: t for c, t in spec["columns"].items() if c not in table.columns_dict}
        for column, column_type in missing.items():
            table.add_column(column, column_type)
        for columns in spec.get("unique", []):
            table.create_index(columns, unique=True, if_not_exists=True)
        for columns in spec.get("indexes", []):
            table.create_index(columns, if_not_exists=True)
    for name, spec in TABLES.items():
        if spec.get("fts") and (fts or db[name].detect_fts()):
            ensure_search_index(db, name, spec["fts"])
    _ensure_views(db)
    _migrate(db)


def _ensure_views(db: sqlite_utils.Database) -> None:
    """Views hold no data: recreate one only when its SQL changed."""
    for name, select in VIEWS.items():
        wanted = f"CREATE VIEW {name} AS {select}"
        found = one_value(
            db, "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", (name,)
        )
        if found != wanted:
            db.execute(f"DROP VIEW IF EXISTS {name}")
            db.execute(wanted)


def _migrate(db: sqlite_utils.Database) -> None:
    applied = db["_migrations"]
    if not applied.exists():
        applied.create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in applied.rows}
    for name, step in MIGRATIONS:
        if name not in done:
            step(db)
            applied.insert({"name": name, "applied_at": utc_now()})
