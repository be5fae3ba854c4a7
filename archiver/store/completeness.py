"""Knowing when a thread came out short: the count a page shows against the comments stored.

Parsers read the count each page shows ("51 Kommentare", HN's "N comments",
Discourse's posts_count) into `articles.comment_count`. Once a crawl (or a reparse)
has saved every page it fetched, a thread holding fewer comments than its page shows
is a `fetch_errors` row of kind `thread_incomplete`: recomputed each time, so a
later crawl that fetches the missing pages clears it, and a rebuild gives the same rows.
The other way round, a capture showing far fewer comments than are stored is no
proof they vanished (`suspect_capture`): a block page looks just like that. And two
sources that give one comment two parents (a post page and its REST API) are said so
(`sources_disagree`), the later one saved.
"""

from __future__ import annotations

import sqlite_utils

from archiver.items import Comment, FetchError
from archiver.store.rows import one_value, utc_now

THREAD_INCOMPLETE = "thread_incomplete"
SOURCES_DISAGREE = "sources_disagree"

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


#: a capture whose thread shrank beyond belief: recorded, nothing marked deleted
SUSPECT_CAPTURE = "suspect_capture"


def suspect_capture(
    db: sqlite_utils.Database, article: int | None, page: int, found: int, shown: int | None
) -> str | None:
    """Why a capture showing `found` comments of a thread page is no evidence of deletions.

    None at all, or fewer than half the comments stored for the page while the
    page's own count says as many as were stored (or says nothing), is what a block
    page looks like, not a moderator: real removals make the count drop too, and
    one capture never empties a thread.
    """
    stored = one_value(
        db,
        "SELECT count(*) FROM comments WHERE article_id = ? AND page = ? AND vanished_at IS NULL",
        (article, page),
    )
    if not stored or found * 2 >= stored:
        return None
    total = one_value(
        db, "SELECT count(*) FROM comments WHERE article_id = ? AND vanished_at IS NULL", (article,)
    )
    if found and shown is not None and shown < (total or 0):
        return None
    count = "no count" if shown is None else f"a count of {shown}"
    return (
        f"page {page} shows {found} of the {stored} comments stored for it, with {count}:"
        " taken for a block page (login wall, CAPTCHA, rate limit); nothing marked deleted"
    )


def disagreement(
    db: sqlite_utils.Database, comment: Comment, saved: dict | None
) -> FetchError | None:
    """A `sources_disagree` row when the comment's saved row names another parent."""
    before = (saved or {}).get("parent_site_comment_id")
    now = comment.parent_site_comment_id
    if before is None or now is None or before == now:
        return None
    url = one_value(db, "SELECT url FROM captures WHERE warc_record_id = ?", (comment.capture,))
    capture = (saved or {}).get("capture_id")
    detail = f"comment {comment.site_comment_id}: parent {now} here, {before} in capture {capture}"
    return FetchError(url or "", SOURCES_DISAGREE, detail, comment.capture)
