"""Reading the store: a row's id by the site's own keys, a row as a dict, counts by WARC file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import sqlite_utils

from archiver.extract.quoting import attribute_quote
from archiver.extract.text import normalize_for_match


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def one_value(db: sqlite_utils.Database, sql: str, params: tuple | dict) -> int | None:
    row = db.execute(sql, params).fetchone()
    return row[0] if row else None


def capture_id(db: sqlite_utils.Database, record_id: str | None) -> int | None:
    if record_id is None:
        return None
    return one_value(db, "SELECT id FROM captures WHERE warc_record_id = ?", (record_id,))


def author_id(db: sqlite_utils.Database, site: str, name: str | None) -> int | None:
    if not name:
        return None
    db.execute(
        "INSERT INTO authors (site, name) VALUES (?, ?) ON CONFLICT DO NOTHING", (site, name)
    )
    return one_value(db, "SELECT id FROM authors WHERE site = ? AND name = ?", (site, name))


def article_id(db: sqlite_utils.Database, site: str, site_article_id: str) -> int | None:
    return one_value(
        db,
        "SELECT id FROM articles WHERE site = ? AND site_article_id = ?",
        (site, site_article_id),
    )


def comment_id(db: sqlite_utils.Database, site: str, site_comment_id: str | None) -> int | None:
    if site_comment_id is None:
        return None
    return one_value(
        db,
        "SELECT id FROM comments WHERE site = ? AND site_comment_id = ?",
        (site, site_comment_id),
    )


REPLY_LINK_SQL = (
    "INSERT INTO reply_links (comment_id, target_comment_id, kind) VALUES (?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)


def add_reply_link(db: sqlite_utils.Database, source: int, target: int, kind: str) -> None:
    """A `parent`, `reply` or `quote` link between two comment rows, once."""
    db.execute(REPLY_LINK_SQL, (source, target, kind))


def row_dict(db: sqlite_utils.Database, sql: str, params: tuple) -> dict | None:
    """The first row of a query as a dict, or None."""
    cursor = db.execute(sql, params)
    values = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], values, strict=True)) if values else None


def counts_for_files(db: sqlite_utils.Database, warc_files: list[str]) -> dict[str, int]:
    """Distinct articles, comments and quotes whose latest capture is in these WARC files."""
    marks = ", ".join("?" for _ in warc_files) or "NULL"
    sql = {
        "articles": "SELECT COUNT(*) FROM articles t",
        "comments": "SELECT COUNT(*) FROM comments t",
        "quotes": "SELECT COUNT(*) FROM quotes q JOIN comments t ON t.id = q.comment_id",
    }
    return {
        name: one_value(
            db,
            f"{query} JOIN captures c ON c.id = t.capture_id WHERE c.warc_filename IN ({marks})",
            tuple(warc_files),
        )
        or 0
        for name, query in sql.items()
    }


def find_quoted(
    db: sqlite_utils.Database, quoting: int, author: str | None, text: str
) -> int | None:
    """The earlier comment of the thread the quote quotes (see `attribute_quote`)."""
    if not author and not normalize_for_match(text):
        return None
    earlier = db.execute(
        """SELECT c.id, a.name, c.body_text FROM comments c
           JOIN comments q ON q.id = ? AND c.article_id = q.article_id AND c.position < q.position
           LEFT JOIN authors a ON a.id = c.author_id
           ORDER BY c.position""",
        (quoting,),
    ).fetchall()
    return attribute_quote(author, text, earlier)


def comment_rows(
    db: sqlite_utils.Database, keys: Iterable[tuple[str, str]], match: str, columns: str
) -> Iterator[tuple]:
    """(site, `match` value, *columns) of the comments whose (site, `match`) is in `keys`."""
    grouped: dict[str, list[str]] = {}
    for site, value in keys:
        grouped.setdefault(site, []).append(value)
    for site, values in grouped.items():
        for start in range(0, len(values), 500):  # IN lists short enough for any SQLite
            chunk = values[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            cursor = db.conn.execute(
                f"SELECT {match}, {columns} FROM comments WHERE site = ? AND {match} IN ({marks})",
                (site, *chunk),
            )
            yield from ((site, *row) for row in cursor)
