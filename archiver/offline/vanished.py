"""Check what the database says vanished against the captures it says it vanished from.

A comment is marked deleted when a capture of its page no longer shows it. If
that capture, read again, does show it, the mark is wrong (a parser that missed
it then, a hand edit): `archiver verify` reports it, and `reparse` sets it right.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from archiver.archive.capture import capture_of
from archiver.archive.reader import record_at
from archiver.items import Comment, PageDone
from archiver.offline.reparse import record_items


def wrongly_vanished(archive: Path) -> list[str]:
    """A problem line for each comment marked deleted that its vanishing capture still shows."""
    with closing(sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True)) as conn:
        marked = conn.execute(
            "SELECT c.site_comment_id, cap.id, cap.warc_filename, cap.warc_offset"
            " FROM comments c JOIN captures cap ON cap.id = c.vanished_capture_id"
            " WHERE c.deleted = 1 ORDER BY cap.id"
        ).fetchall()
    by_capture: dict[tuple[int, str, int], list[str]] = {}
    for comment, *capture in marked:
        by_capture.setdefault(tuple(capture), []).append(comment)
    problems = []
    for (capture, filename, offset), comments in by_capture.items():
        shown = _comments_shown(archive / "warc" / filename, offset)
        problems += [
            f"comment {comment} is marked deleted but its capture {capture} still shows it"
            for comment in comments
            if comment in shown
        ]
    return problems


def _comments_shown(path: Path, offset: int) -> set[str]:
    found = record_at(path, offset)
    if found.spider is None:
        return set()
    items = record_items(found.spider, capture_of(found), found.payload)
    done = [item for item in items if isinstance(item, PageDone)]
    return {i.site_comment_id for d in done for i in d.items if isinstance(i, Comment)}
