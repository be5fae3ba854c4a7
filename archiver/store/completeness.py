"""Knowing when a thread came out short: the count a page shows against the comments stored.

Parsers read the count each page shows ("51 Kommentare", HN's "N comments",
Discourse's posts_count) into `articles.comment_count`. Once a crawl (or a reparse)
has saved every page it fetched, a thread holding fewer comments than its page shows
is a `fetch_errors` row of kind `thread_incomplete`: recomputed each time, so a
later crawl that fetches the missing pages clears it, and a rebuild gives the same rows.
"""

from __future__ import annotations

import sqlite_utils

from archiver.store.rows import utc_now

THREAD_INCOMPLETE = "thread_incomplete"

_SHORT = """
SELECT a.url, a.comment_count, COUNT(c.id), a.capture_id
FROM articles a LEFT JOIN comments c ON c.article_id = a.id
WHERE a.comment_count > 0 AND a.gone_at IS NULL
GROUP BY a.id
HAVING COUNT(c.id) < a.comment_count
ORDER BY a.id
"""


def check_threads(db: sqlite_utils.Database) -> int:
    """Record every thread stored short of the count its page shows; return how many."""
    db.execute("DELETE FROM fetch_errors WHERE error = ?", (THREAD_INCOMPLETE,))
    short = db.execute(_SHORT).fetchall()
    db.conn.executemany(
        "INSERT INTO fetch_errors (url, error, detail, at, capture_id, attempts)"
        " VALUES (?, ?, ?, ?, ?, 0)",
        [
            (url, THREAD_INCOMPLETE, f"shown {shown}, found {found}", utc_now(), capture)
            for url, shown, found, capture in short
        ],
    )
    return len(short)
