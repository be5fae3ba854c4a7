"""Recrawl state: what a run must fetch, kept in the `fetch_state` table.

Each URL a crawl meets gets one row. Listing pages are fetched whenever a run
reaches them (conditionally). Thread pages (an article and its comment pages)
are re-polled with a backoff that restarts whenever their content changes and
stops after a quiet period. URLs discovered but never fetched are due at once,
so a killed crawl's frontier survives in the database, not in memory.

The rows are the crawl's queue too (`archiver.crawl.scheduler`): a run queues a URL
once, and a request the scheduler cannot hold in memory waits in its row, with the
link kind its request is rebuilt from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from archiver.archive.capture import Capture
from archiver.archive.names import warc_date
from archiver.archive.writer import EarlierCapture
from archiver.store.rows import row_dict

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """'90s', '15m', '1h', '3d', '2w' as a timedelta."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 6h, 3d)")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


@dataclass(frozen=True)
class Policy:
    """When a thread page is due again after a fetch."""

    backoff: tuple[timedelta, ...]
    stop_after: timedelta

    @classmethod
    def from_text(cls, backoff: str, stop_after: str) -> Policy:
        steps = tuple(parse_duration(step) for step in backoff.split(",") if step.strip())
        return cls(steps or (timedelta(hours=1),), parse_duration(stop_after))

    def next_due(self, now: datetime, last_changed: datetime, unchanged: int) -> datetime | None:
        if now - last_changed >= self.stop_after:
            return None
        return now + self.backoff[min(unchanged, len(self.backoff) - 1)]


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def get(db: sqlite_utils.Database, url: str) -> dict | None:
    return row_dict(db, "SELECT * FROM fetch_state WHERE url = ?", (url,))


def discover(db: sqlite_utils.Database, url: str, site: str, now: datetime) -> None:
    """A URL the crawl will fetch: due now unless already known."""
    db.execute(
        "INSERT INTO fetch_state (url, site, kind, first_seen, next_due, unchanged_count)"
        " VALUES (?, ?, 'listing', ?, ?, 0) ON CONFLICT (url) DO NOTHING",
        (url, site, warc_date(now), warc_date(now)),
    )


def enqueue(
    db: sqlite_utils.Database,
    url: str,
    site: str,
    link: str | None,
    run: int,
    waiting: int | None,
    now: datetime,
) -> bool:
    """Queue `url` for `run`, waiting at place `waiting` unless None (held in memory), with
    the link kind its request is made again from (None: it cannot be); a URL new to the
    archive is due now. False if the run has queued it already: a run
    fetches a URL once. One statement: a million sitemap entries are a million of them."""
    stamp = warc_date(now)
    cursor = db.execute(
        "INSERT INTO fetch_state (url, site, kind, first_seen, next_due, unchanged_count,"
        " queued_run, waiting, link) VALUES (:url, :site, 'listing', :now, :now, 0, :run,"
        " :waiting, :link) ON CONFLICT (url) DO UPDATE SET queued_run = :run,"
        " waiting = :waiting, link = :link WHERE queued_run IS NOT :run",
        {"url": url, "site": site, "now": stamp, "run": run, "waiting": waiting, "link": link},
    )
    return cursor.rowcount == 1


def take_waiting(db: sqlite_utils.Database, run: int, count: int) -> list[tuple[str, str]]:
    """(url, link) of the `count` requests that began waiting last, which wait no more."""
    rows = db.execute(
        "SELECT url, link FROM fetch_state WHERE queued_run = ? AND waiting IS NOT NULL"
        " ORDER BY waiting DESC LIMIT ?",
        (run, count),
    ).fetchall()
    urls = [(url,) for url, _ in rows]
    db.conn.executemany("UPDATE fetch_state SET waiting = NULL WHERE url = ?", urls)
    return rows


def is_due(row: dict | None, now: datetime) -> bool:
    """Never fetched, or a thread whose next poll time has come."""
    if row is None or row["last_fetched"] is None:
        return True
    return (
        row["kind"] == "thread"
        and row["next_due"] is not None
        and row["next_due"] <= warc_date(now)
    )


def earlier_capture(row: dict | None) -> EarlierCapture | None:
    """The capture a revisit of this URL would refer to, if there is one."""
    if not row or not row["capture_record_id"]:
        return None
    headers = tuple(tuple(pair) for pair in json.loads(row["capture_headers"] or "[]"))
    return EarlierCapture(
        row["capture_record_id"], row["url"], row["capture_date"], row["payload_digest"], headers
    )


def record_fetch(
    db: sqlite_utils.Database,
    capture: Capture,
    site: str,
    policy: Policy,
) -> None:
    """Update a URL's state after one of its responses was archived."""
    now = _moment(capture.fetched_at)
    discover(db, capture.url, site, now)
    row = get(db, capture.url)
    assert row is not None
    update = {"last_fetched": capture.fetched_at, "last_status": capture.status}
    if capture.status == 200 and not capture.refers_to and not capture.truncated:
        update |= {
            "capture_headers": json.dumps(capture.headers),
            "etag": capture.etag,
            "last_modified": capture.last_modified,
            "payload_digest": capture.payload_digest,
            "capture_record_id": capture.warc_record_id,
            "capture_date": capture.fetched_at,
        }
    elif capture.refers_to:  # a revisit: nothing new on this page
        update |= _schedule(row, policy, now, changed=False)
    sets = ", ".join(f"{name} = ?" for name in update)
    db.execute(f"UPDATE fetch_state SET {sets} WHERE url = ?", (*update.values(), capture.url))


def record_content(
    db: sqlite_utils.Database, url: str, fingerprint: str, policy: Policy, now: datetime
) -> None:
    """A thread page was parsed: schedule its next poll by whether its content changed."""
    row = get(db, url)
    if row is None:
        return
    changed = row.get("content_fingerprint") != fingerprint
    update = {"kind": "thread", "content_fingerprint": fingerprint}
    update |= _schedule(row, policy, now, changed)
    sets = ", ".join(f"{name} = ?" for name in update)
    db.execute(f"UPDATE fetch_state SET {sets} WHERE url = ?", (*update.values(), url))


def _schedule(row: dict, policy: Policy, now: datetime, changed: bool) -> dict:
    if changed or not row["last_changed"]:
        unchanged, last_changed = 0, now
    else:
        unchanged, last_changed = (row["unchanged_count"] or 0) + 1, _moment(row["last_changed"])
    due = policy.next_due(now, last_changed, unchanged)
    return {
        "unchanged_count": unchanged,
        "last_changed": warc_date(last_changed),
        "next_due": warc_date(due) if due else None,
    }


def due_urls(
    db: sqlite_utils.Database, site: str, now: datetime, recheck: bool, batch: int = 500
) -> Iterator[str]:
    """URLs a run should fetch besides its start pages, read in batches (no big lists)."""
    condition = "kind = 'thread'" if recheck else "kind = 'thread' AND next_due <= :now"
    last = ""
    while True:
        rows = db.execute(
            f"SELECT url FROM fetch_state WHERE site = :site AND url > :last"
            f" AND (last_fetched IS NULL OR ({condition})) ORDER BY url LIMIT :batch",
            {"site": site, "last": last, "now": warc_date(now), "batch": batch},
        ).fetchall()
        if not rows:
            return
        yield from (url for (url,) in rows)
        last = rows[-1][0]
