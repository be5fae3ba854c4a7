"""A crawl's Scrapy log: one file per run in ARCHIVE/logs/, the oldest pruned.

The terminal gets a progress line and the report (`archiver.terminal`); the
log's start-up banner, middlewares and stats are for when something went wrong,
so they go to `ARCHIVE/logs/<name>-<UTC stamp>.log`, where they are kept for
the last LOG_KEEP runs of each spider (or configured site).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from scrapy.settings import Settings
from scrapy.utils.log import TopLevelFormatter

from archiver.archive.lock import ArchiveUnwritable


class _LogFile(logging.FileHandler):
    """A log file that never shouts: on a full disk the crawl stops and says so once;
    logging's default would print a traceback to the terminal for every line lost."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass

    def flush(self) -> None:
        with suppress(OSError):
            super().flush()

    def close(self) -> None:
        with suppress(OSError):
            super().close()


def new_log_path(archive: Path, name: str, keep: int, now: datetime | None = None) -> Path:
    """A fresh `logs/<name>-<stamp>.log`; older ones of `name` beyond `keep` (this one
    included) are deleted."""
    folder = archive / "logs"
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}-{stamp}.log"
        serial = 1
        while path.exists():  # two runs of one name within a second
            serial += 1
            path = folder / f"{name}-{stamp}-{serial}.log"
        own = re.compile(re.escape(name) + r"-(\d{8}T\d{6}Z)(?:-(\d+))?\.log")
        older = sorted(
            (found.group(1), int(found.group(2) or 1), file)
            for file in folder.iterdir()
            if (found := own.fullmatch(file.name))
        )
        for *_, old in older[: max(len(older) - max(keep, 1) + 1, 0)]:
            old.unlink(missing_ok=True)
        path.touch()
    except OSError as error:
        raise ArchiveUnwritable(f"cannot write to the archive {archive}: {error}") from error
    return path


@contextmanager
def logging_to(path: Path, settings: Settings) -> Iterator[logging.Handler]:
    """Send every log record at LOG_LEVEL to `path`, formatted as Scrapy's own log."""
    handler = _LogFile(path, encoding=settings.get("LOG_ENCODING") or "utf-8")
    handler.setFormatter(
        logging.Formatter(settings.get("LOG_FORMAT"), datefmt=settings.get("LOG_DATEFORMAT"))
    )
    handler.setLevel(settings.get("LOG_LEVEL"))
    if settings.getbool("LOG_SHORT_NAMES"):
        handler.addFilter(TopLevelFormatter(["scrapy"]))
    level = logging.root.level
    logging.root.setLevel(logging.NOTSET)  # as Scrapy's own handler does: handlers decide
    logging.root.addHandler(handler)
    try:
        yield handler
    finally:
        logging.root.removeHandler(handler)
        logging.root.setLevel(level)
        handler.close()
