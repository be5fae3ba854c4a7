"""`archiver status`: per site, the last runs and what the recrawl schedule holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlite_utils

from archiver.archive.names import warc_date
from archiver.store.completeness import THREAD_INCOMPLETE

RUN_COLUMNS = "started, finish_reason, pages, revisits, new_articles, new_comments, errors"
#: how a run ends when it did not crawl to its end (Ctrl-C; killed, then resumed): it does
#: not count as the configured site's last crawl, which stays due
UNFINISHED = ("shutdown", "interrupted")


@dataclass
class SiteStatus:
    site: str
    runs: list[dict] = field(default_factory=list)  # newest first
    active_threads: int = 0
    quiet_threads: int = 0
    due_now: int = 0
    next_due: list[str] = field(default_factory=list)
    errors: int = 0
    recent_errors: list[tuple[str, str, int, str]] = field(default_factory=list)
    threads_incomplete: int = 0  # threads stored short of the count their page shows


def archive_status(db: sqlite_utils.Database, last_runs: int = 5) -> list[SiteStatus]:
    """What each site's crawls did lately and what their next runs will poll."""
    now = warc_date(datetime.now(UTC))
    sites = [row[0] for row in db.execute("SELECT DISTINCT spider FROM crawl_runs ORDER BY 1")]
    statuses = []
    for site in sites:
        status = SiteStatus(site)
        cursor = db.execute(
            f"SELECT {RUN_COLUMNS} FROM crawl_runs WHERE spider = ? ORDER BY id DESC LIMIT ?",
            (site, last_runs),
        )
        names = [d[0] for d in cursor.description]
        status.runs = [dict(zip(names, row, strict=True)) for row in cursor]
        status.active_threads, status.quiet_threads, status.due_now = db.execute(
            """SELECT COUNT(next_due), COUNT(*) - COUNT(next_due),
                      COALESCE(SUM(next_due <= ?), 0)
               FROM fetch_state WHERE site = ? AND kind = 'thread'""",
            (now, site),
        ).fetchone()
        status.next_due = [
            row[0]
            for row in db.execute(
                "SELECT next_due FROM fetch_state WHERE site = ? AND kind = 'thread'"
                " AND next_due > ? ORDER BY next_due LIMIT 3",
                (site, now),
            )
        ]
        status.errors = sum(run["errors"] or 0 for run in status.runs)
        status.threads_incomplete = db.execute(
            """SELECT COUNT(*) FROM fetch_errors e JOIN fetch_state s ON s.url = e.url
               WHERE s.site = ? AND e.error = ?""",
            (site, THREAD_INCOMPLETE),
        ).fetchone()[0]
        status.recent_errors = db.execute(
            """SELECT e.error, e.url, e.attempts, e.at FROM fetch_errors e
               JOIN fetch_state s ON s.url = e.url AND s.site = ?
               ORDER BY e.id DESC LIMIT 5""",
            (site,),
        ).fetchall()
        statuses.append(status)
    return statuses


def last_config_runs(db: sqlite_utils.Database) -> dict[str, datetime]:
    """When each configured site's (crawl_runs.config_site) last complete run started."""
    if "config_site" not in db["crawl_runs"].columns_dict:  # not opened by this version yet
        return {}
    found = db.execute(
        """SELECT config_site, MAX(started) FROM crawl_runs
           WHERE config_site IS NOT NULL AND finished IS NOT NULL
           AND finish_reason NOT IN (?, ?) GROUP BY config_site""",
        UNFINISHED,
    )
    return {site: datetime.fromisoformat(started) for site, started in found}


def render(statuses: list[SiteStatus]) -> str:
    if not statuses:
        return "No crawl has run on this archive yet."
    lines = []
    for status in statuses:
        lines.append(f"{status.site}")
        lines.append(
            "  started                      result      pages revisits new-art new-com errors"
        )
        for run in status.runs:
            lines.append(
                f"  {run['started']:<28} {run['finish_reason'] or 'running':<10}"
                f" {run['pages'] or 0:>6} {run['revisits'] or 0:>8} {run['new_articles'] or 0:>7}"
                f" {run['new_comments'] or 0:>7} {run['errors'] or 0:>6}"
            )
        lines.append(
            f"  threads: {status.active_threads} active ({status.due_now} due now),"
            f" {status.quiet_threads} quiet"
        )
        if status.threads_incomplete:
            lines.append(
                f"  short threads: {status.threads_incomplete} hold fewer comments than their"
                " page shows (fetch_errors: thread_incomplete)"
            )
        if status.next_due:
            lines.append("  next due: " + ", ".join(status.next_due))
        if status.recent_errors:
            lines.append("  latest errors:")
            for error, url, attempts, at in status.recent_errors:
                lines.append(f"    {at}  {error:<16} {url}  ({attempts or 1} attempts)")
    return "\n".join(lines)
