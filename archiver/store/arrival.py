"""Pages of one thread saved in any order: positions and quotes settled again.

A crawl saves a thread's comment pages in the order they arrive, and timing decides it
(a newest-first site shows its last comment page at the post's URL; delays, latency
and which link to a post is followed first do the rest). A comment's position counts
the comments of the pages before its own; a quote naming its comment's id waits for
that comment; a quote known by author and text is resolved among the comments before
it. So when comments are saved, the quotes waiting for them are resolved, and when a
page is saved after a later page of its thread, the thread is renumbered in page order
and the later pages' quotes are resolved again: the rows are the same whatever came
first.
"""

from __future__ import annotations

import sqlite_utils

from archiver.store.rows import add_reply_link, comment_rows, find_quoted

_RENUMBER = """
UPDATE comments SET position = ordered.position
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY page, position, id) AS position
      FROM comments WHERE article_id = :article) AS ordered
WHERE comments.id = ordered.id AND comments.position IS NOT ordered.position
"""

# Quotes of the later pages found by author and text (not named by id).
_SEARCHED = """
SELECT q.comment_id, q.ordinal, q.quoted_author, q.text, q.quoted_comment_id FROM quotes q
JOIN comments c ON c.id = q.comment_id
WHERE c.article_id = ? AND c.page > ? AND q.kind = 'comment' AND q.quoted_site_comment_id IS NULL
"""

_RESOLVE = """
UPDATE quotes SET quoted_comment_id = :quoted, quoted_author = COALESCE(quoted_author,
    (SELECT a.name FROM comments c JOIN authors a ON a.id = c.author_id WHERE c.id = :quoted))
WHERE comment_id = :comment AND ordinal = :ordinal
"""

_UNLINK = """
DELETE FROM reply_links WHERE comment_id = :comment AND target_comment_id = :old
    AND kind = 'quote' AND NOT EXISTS (SELECT 1 FROM quotes
        WHERE comment_id = :comment AND quoted_comment_id = :old AND ordinal != :ordinal)
"""


def settle_quotes_naming(
    db: sqlite_utils.Database, saved: dict[tuple[str, str], tuple[int, int | None]]
) -> None:
    """Quotes that name one of these just-saved comments by id, saved before it: resolved."""
    by_site: dict[str, dict[str, int]] = {}
    for (site, site_comment_id), (row, _) in saved.items():
        by_site.setdefault(site, {})[site_comment_id] = row
    for site, rows in by_site.items():
        ids = list(rows)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            waiting = db.execute(
                "SELECT q.comment_id, q.ordinal, q.quoted_site_comment_id FROM quotes q"
                " JOIN comments c ON c.id = q.comment_id"
                " WHERE q.quoted_comment_id IS NULL AND c.site = ?"
                f" AND q.quoted_site_comment_id IN ({', '.join('?' for _ in chunk)})",
                (site, *chunk),
            ).fetchall()
            for comment, ordinal, named in waiting:
                _resolve(db, comment, ordinal, None, rows[named])


def settle_thread(db: sqlite_utils.Database, article: int, page: int) -> None:
    """After saving comment page `page` of `article`: if later pages were saved before
    it, renumber the thread and resolve the later pages' searched quotes again."""
    later = db.execute(
        "SELECT 1 FROM comments WHERE article_id = ? AND page > ? LIMIT 1", (article, page)
    ).fetchone()
    if later is None:
        return
    db.execute(_RENUMBER, {"article": article})
    for comment, ordinal, author, text, old in db.execute(_SEARCHED, (article, page)).fetchall():
        quoted = find_quoted(db, comment, author, text)
        if quoted != old:
            _resolve(db, comment, ordinal, old, quoted)


def _resolve(
    db: sqlite_utils.Database, comment: int, ordinal: int, old: int | None, quoted: int | None
) -> None:
    if old is not None:
        db.execute(_UNLINK, {"comment": comment, "old": old, "ordinal": ordinal})
    db.execute(_RESOLVE, {"quoted": quoted, "comment": comment, "ordinal": ordinal})
    if quoted is not None:
        add_reply_link(db, comment, quoted, "quote")


def adopt_orphans(db: sqlite_utils.Database, saved: dict[tuple[str, str], int]) -> None:
    """Children saved before their parent (another page came first) get linked now."""
    children = list(comment_rows(db, saved, "parent_site_comment_id", "id, parent_id"))
    for site, parent, child, parent_id in children:
        if parent_id is None:
            parent_id = saved[(site, parent)]
            db.execute("UPDATE comments SET parent_id = ? WHERE id = ?", (parent_id, child))
            add_reply_link(db, child, parent_id, "parent")
