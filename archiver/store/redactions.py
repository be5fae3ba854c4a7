"""Forgetting a commenter: their comments and name redacted in the database, for good.

Commenters are people. `forget(db, author, site)` records a redaction and applies it:
the person's comments keep their place in the thread (ids, parents, dates, so replies
still hang from them) but lose their text and author, their name is gone from the
authors table, from quotes of them, and from other comments' text (the "X a dit :"
left before a quote). The WARC files keep what was served (they are the evidence);
every way a row is written again from them (a recrawl, `reparse`, `ingest`) honours the
`redactions` table, so a rebuilt database stays redacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sqlite_utils

from archiver.items import Comment
from archiver.store.rows import utc_now

REDACTED = "[redacted]"
ALL_SITES = ""  # a redaction's site when it holds on every site


@dataclass(frozen=True)
class Redactions:
    """The names to redact, per site ("" for every site): read once per saved batch."""

    names: frozenset[tuple[str, str]]

    def of(self, site: str, name: str | None) -> bool:
        return bool(name) and bool({(site, name), (ALL_SITES, name)} & self.names)

    def name(self, site: str, name: str | None) -> str | None:
        """`name` unless it is a forgotten person's."""
        return None if self.of(site, name) else name

    def comment(self, comment: Comment) -> Comment:
        """A forgotten person's comment without its text and name; others' without the name."""
        if self.of(comment.site, comment.author):
            return replace(comment, author=None, body_text=REDACTED, body_html="")
        text, html = (self.scrub(comment.site, t) for t in (comment.body_text, comment.body_html))
        return replace(comment, body_text=text or "", body_html=html or "")

    def scrub(self, site: str, text: str | None) -> str | None:
        """`text` with the site's redacted names replaced (quote headers, mentions)."""
        if not text:
            return text
        for where, name in self.names:
            if where in (site, ALL_SITES) and name in text:
                text = _whole_name(name).sub(REDACTED, text)
        return text


def _whole_name(name: str) -> re.Pattern[str]:
    """The name as a whole word: "Al" is not the start of "Also"."""
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


def quote_fields(
    db: sqlite_utils.Database,
    site: str,
    comments: tuple[int, int | None],
    author: str | None,
    text: str,
) -> tuple[str | None, str]:
    """A quote's author and text as they may be stored: a forgotten person's words and
    name are not, whether they quote (`comments[0]`) or are quoted (`comments[1]`)."""
    hidden = redactions(db)
    if not hidden.names:
        return author, text
    marks = ", ".join("?" for _ in comments)
    flagged = db.execute(
        f"SELECT 1 FROM comments WHERE redacted = 1 AND id IN ({marks})", comments
    ).fetchone()
    if flagged or hidden.of(site, author):
        return hidden.name(site, author), REDACTED
    return author, text


def redactions(db: sqlite_utils.Database) -> Redactions:
    rows = db.execute("SELECT site, author FROM redactions").fetchall()
    return Redactions(frozenset((site or ALL_SITES, author) for site, author in rows))


def forget(db: sqlite_utils.Database, author: str, site: str | None = None) -> dict[str, int]:
    """Record that `author` (on `site`, else on every site) is to be forgotten, and
    apply it now; return what was redacted."""
    db.execute(
        "INSERT INTO redactions (site, author, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (site or ALL_SITES, author, utc_now()),
    )
    return apply_redactions(db)


def apply_redactions(db: sqlite_utils.Database) -> dict[str, int]:
    """Apply every recorded redaction to the rows there are (idempotent): after a
    rebuild, an ingest, or a `forget`."""
    counts = {"comments": 0, "quotes": 0, "mentions": 0, "authors": 0}
    for site, name in sorted(redactions(db).names):
        where = "" if site == ALL_SITES else " AND site = :site"
        params = {"site": site, "name": name, "redacted": REDACTED}
        authors = f"SELECT id FROM authors WHERE name = :name{where}"
        counts["comments"] += db.execute(
            f"UPDATE comments SET body_text = :redacted, body_html = '', author_id = NULL,"
            f" redacted = 1 WHERE author_id IN ({authors})",
            params,
        ).rowcount
        db.execute(
            "DELETE FROM comment_versions WHERE comment_id IN"
            " (SELECT id FROM comments WHERE redacted = 1)"
        )
        quoted = f"comment_id IN (SELECT id FROM comments WHERE 1=1{where})"
        counts["quotes"] += db.execute(
            "UPDATE quotes SET quoted_author = NULL, text = :redacted"
            f" WHERE quoted_author = :name AND {quoted}",
            params,
        ).rowcount
        db.execute(
            "UPDATE quotes SET text = :redacted WHERE text != :redacted AND"
            " (comment_id IN (SELECT id FROM comments WHERE redacted = 1)"
            " OR quoted_comment_id IN (SELECT id FROM comments WHERE redacted = 1))",
            params,
        )
        named = db.execute(
            "SELECT id, site, body_text, body_html FROM comments"
            f" WHERE (instr(body_text, :name) > 0 OR instr(body_html, :name) > 0){where}",
            params,
        ).fetchall()
        pattern = _whole_name(name)
        for row, _, text, html in named:
            scrubbed = (pattern.sub(REDACTED, text or ""), pattern.sub(REDACTED, html or ""))
            if scrubbed != (text or "", html or ""):
                db.execute(
                    "UPDATE comments SET body_text = ?, body_html = ? WHERE id = ?",
                    (*scrubbed, row),
                )
                counts["mentions"] += 1
        db.execute(
            f"UPDATE articles SET author_id = NULL WHERE author_id IN ({authors})",
            params,
        )
        gone = db.execute(f"DELETE FROM authors WHERE id IN ({authors})", params)
        counts["authors"] += gone.rowcount
    return counts
