"""The full-text search index, kept in step at each commit rather than row by row.

A table's `<table>_fts` (FTS5, its text read from the table: what sqlite-utils'
`enable_fts` makes and Datasette finds) learns new rows in one statement per commit:
per-row insert triggers made saving a comment about ten times dearer. `search_indexed`
holds, per table, the highest rowid indexed; rows above it are indexed by the next
commit of a connection from `open_db` (`SearchIndexingConnection`). Edits and deletions
of rows already indexed (an edited comment, a redaction) are rarer and follow at once,
by triggers.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

#: what sqlite-utils' `enable_fts(create_triggers=True)` named its triggers (older databases)
_ROW_TRIGGERS = ("ai", "ad", "au")

_INDEXED_TO = "(SELECT up_to_id FROM search_indexed WHERE table_name = '{table}')"

_TRIGGERS = """
CREATE TRIGGER IF NOT EXISTS {table}_fts_edited AFTER UPDATE OF {columns} ON {table}
WHEN old.rowid <= {indexed_to} AND ({changed})
BEGIN
    INSERT INTO {table}_fts ({table}_fts, rowid, {columns}) VALUES ('delete', old.rowid, {old});
    INSERT INTO {table}_fts (rowid, {columns}) VALUES (new.rowid, {new});
END;
CREATE TRIGGER IF NOT EXISTS {table}_fts_deleted AFTER DELETE ON {table}
WHEN old.rowid <= {indexed_to}
BEGIN
    INSERT INTO {table}_fts ({table}_fts, rowid, {columns}) VALUES ('delete', old.rowid, {old});
    -- a rowid freed at the top is used again: it must count as not indexed
    UPDATE search_indexed
    SET up_to_id = MIN(up_to_id, (SELECT COALESCE(MAX(rowid), 0) FROM {table}))
    WHERE table_name = '{table}';
END;
"""


class SearchIndexingConnection(sqlite3.Connection):
    """A connection whose commit first indexes the rows added since the last one,
    whether by `commit()` or at the end of a `with connection:` block."""

    def commit(self) -> None:
        if self.in_transaction:
            index_new_rows(self)
        super().commit()

    def __exit__(self, error_type: type | None, *details: object) -> bool:
        if error_type is None and self.in_transaction:
            index_new_rows(self)
        return super().__exit__(error_type, *details)


def ensure_search_index(db: sqlite_utils.Database, table: str, columns: list[str]) -> None:
    """Give `table` a search index kept by `index_new_rows`, or move an older one to it.

    A new index is filled from the rows there are; one an older version kept by
    sqlite-utils' triggers is whole, so it is taken over as it is, its triggers dropped.
    """
    if not db[table].detect_fts():
        db[table].enable_fts(columns, create_triggers=False, tokenize="unicode61")
    db.execute(
        "INSERT INTO search_indexed (table_name, up_to_id)"
        f" SELECT ?, COALESCE(MAX(rowid), 0) FROM {table} WHERE TRUE ON CONFLICT DO NOTHING",
        (table,),
    )
    for suffix in _ROW_TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
    db.executescript(
        _TRIGGERS.format(
            table=table,
            columns=", ".join(columns),
            indexed_to=_INDEXED_TO.format(table=table),
            changed=" OR ".join(f"old.{c} IS NOT new.{c}" for c in columns),
            old=", ".join(f"old.{c}" for c in columns),
            new=", ".join(f"new.{c}" for c in columns),
        )
    )


def index_new_rows(conn: sqlite3.Connection) -> None:
    """Index the rows added above each table's `search_indexed` mark, and move the mark."""
    if not _has_marks(conn):  # a database being shaped, not yet searchable
        return
    marks = conn.execute("SELECT table_name, up_to_id FROM search_indexed").fetchall()
    for table, up_to_id in marks:
        newest = conn.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()[0]
        if newest is None or newest <= up_to_id:
            continue
        columns = ", ".join(_indexed_columns(conn, table))
        conn.execute(
            f"INSERT INTO {table}_fts (rowid, {columns}) SELECT rowid, {columns} FROM {table}"
            " WHERE rowid > ? AND rowid <= ?",
            (up_to_id, newest),
        )
        conn.execute("UPDATE search_indexed SET up_to_id = ? WHERE table_name = ?", (newest, table))


def _has_marks(conn: sqlite3.Connection) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_indexed'"
    )
    return found.fetchone() is not None


def _indexed_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table}_fts)")]
