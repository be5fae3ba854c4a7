"""What a person at a terminal sees: a progress line redrawn while work runs, then a report.

The full log goes to a file (`archiver.crawl.logs`); here warnings and errors
show as one line each, above the progress line. Progress is only drawn on a
terminal: under cron, in tests or piped to a file, a command prints its report
and its warnings, nothing redrawn.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from tqdm import tqdm

#: a crawl's line: its name, then its counts (CrawlDisplay), then for how long it has run
CRAWL_FORMAT = "{desc}  [{elapsed}]"
#: pages per second over this many seconds: the crawl's pace now, not since it started
RATE_WINDOW = 10.0
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"  # Scrapy's


class Counts(Protocol):
    """A live snapshot of a crawl (see archiver.crawl.run.CrawlProgress)."""

    name: str
    pages: int
    articles: int
    comments: int
    errors: int
    queue: int


def progress_bar(
    desc: str,
    total: float | None = None,
    unit: str = "B",
    bar_format: str | None = None,
    enabled: bool = True,
) -> tqdm:
    """A tqdm bar on stderr that draws only on a terminal and leaves no line behind."""
    sized = _width() > 0  # a terminal that tells its width (a bare pty says 0: tqdm drew nothing)
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit == "B",
        file=sys.stderr,
        disable=None if enabled else True,  # None: tqdm's test, off unless on a terminal
        leave=False,
        dynamic_ncols=sized,
        ncols=None if sized else 100,
        nrows=None if sized else 20,
        bar_format=bar_format,
    )


def _width() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):  # not a terminal, or no file descriptor (a test's stream)
        return 0


def show_counts(bar: tqdm, records: int, items: int) -> None:
    """An offline pass's counts beside its bar (reparse, ingest), redrawn with its next update."""
    if not bar.disable and records % 50 == 0:
        bar.set_postfix_str(f"{records:,} responses, {items:,} items", refresh=False)


class CrawlDisplay:
    """The crawl's counts on one line: pages and their rate, articles, comments, errors, queue."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None
        self.name = ""
        self.samples: deque[tuple[float, int]] = deque()  # (time, pages) over RATE_WINDOW

    def __call__(self, counts: Counts) -> None:
        if self.bar is None or self.name != counts.name:  # the next site of a config
            self.close()
            self.bar = progress_bar(counts.name, bar_format=CRAWL_FORMAT)
            self.name = counts.name
        if self.bar.disable:  # not a terminal
            return
        self.bar.set_description_str(
            f"{counts.name}: {counts.pages:,} pages ({self.rate(counts.pages)}),"
            f" articles {counts.articles:,}, comments {counts.comments:,},"
            f" errors {counts.errors:,}, queue {counts.queue:,}",
            refresh=False,
        )
        self.bar.refresh()

    def rate(self, pages: int) -> str:
        """Pages per second over the last RATE_WINDOW seconds ("?/s" in the first second)."""
        now = time.monotonic()
        self.samples.append((now, pages))
        while now - self.samples[0][0] > RATE_WINDOW:
            self.samples.popleft()
        since, before = self.samples[0]
        return f"{(pages - before) / (now - since):.1f}/s" if now - since >= 1 else "?/s"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
            self.samples.clear()

    def __enter__(self) -> CrawlDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # before the report is printed where the line was


class ConsoleHandler(logging.Handler):
    """Log records on stderr, above any progress line: one line each, or in full (-v)."""

    def __init__(self, level: int | str, verbose: bool) -> None:
        super().__init__(level)
        self.verbose = verbose
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record) if self.verbose else one_line(record)
            tqdm.write(text, file=sys.stderr)
        except Exception:  # noqa: BLE001 - logging must never stop the work it reports on
            self.handleError(record)


def one_line(record: logging.LogRecord) -> str:
    """`warning: first line of the message`; tracebacks and the rest stay in the log file."""
    lines = record.getMessage().strip().splitlines() or [""]
    error = record.exc_info[1] if record.exc_info else None
    first = lines[0] or (f"{type(error).__name__}: {error}" if error else "")
    more = " (more in the log)" if len(lines) > 1 or error else ""
    return f"{record.levelname.lower()}: {first}{more}"


@contextmanager
def console(verbose: bool = False, level: int | str = "INFO") -> Iterator[None]:
    """Warnings and errors to the terminal; with `verbose`, the whole log at `level`."""
    handler = ConsoleHandler(level if verbose else logging.WARNING, verbose)
    logging.root.addHandler(handler)
    try:
        yield
    finally:
        logging.root.removeHandler(handler)
