"""Run crawls in this process, one after another, and summarize what each archived.

Twisted's reactor runs once per process, so the crawls of a run (one spider, or
every site of a config file that is due) share one reactor: each gets its own
Crawler, settings and log file (`archiver.crawl.logs`), and the next starts when
the last has closed.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Generator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.log import log_scrapy_info
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.python.failure import Failure

from archiver.archive.lock import lock_archive
from archiver.archive.names import check_safe_name
from archiver.crawl.logs import logging_to, new_log_path
from archiver.crawl.pipeline import LINKS_SKIPPED
from archiver.crawl.resources import STORAGE_FAILED
from archiver.crawl.spider import NewsSpider
from archiver.registry import load_spider
from archiver.settings import project_settings
from archiver.store.rows import counts_for_files
from archiver.store.schema import open_db

logger = logging.getLogger(__name__)


@dataclass
class CrawlReport:
    spider: str
    pages: int = 0
    revisits: int = 0
    articles: int = 0
    comments: int = 0
    quotes: int = 0
    errors: int = 0
    threads_incomplete: int = 0
    links_skipped: int = 0
    warc_bytes: int = 0
    warc_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    finish_reason: str = ""
    storage_error: str | None = None  # why the archive could not be written, if it could not
    name: str = ""  # the configured site's name, if the crawl is one of a config file's
    log_file: Path | None = None
    failure: Exception | None = None  # why the crawl could not start at all

    @classmethod
    def from_stats(
        cls, spider: str, stats: dict[str, Any], seconds: float, db_path: Path
    ) -> CrawlReport:
        """Counts of distinct rows this crawl's WARC files produced, and its stats."""
        files = stats.get("archiver/warc/files", [])
        counts = {"articles": 0, "comments": 0, "quotes": 0}
        if db_path.exists():
            archive = open_db(db_path)
            counts = counts_for_files(archive, files)
            archive.close()
        return cls(
            spider=spider,
            pages=stats.get("downloader/response_count", 0),
            revisits=stats.get("archiver/warc/revisits", 0),
            **counts,
            errors=stats.get("archiver/store/errors", 0),
            threads_incomplete=stats.get("archiver/store/threads_incomplete", 0),
            links_skipped=stats.get(LINKS_SKIPPED, 0),
            warc_bytes=stats.get("archiver/warc/bytes_written", 0),
            warc_files=files,
            seconds=seconds,
            finish_reason=str(stats.get("finish_reason", "")),
            storage_error=stats.get(STORAGE_FAILED),
        )

    @property
    def title(self) -> str:
        return f"{self.name} ({self.spider})" if self.name else self.spider

    def render(self) -> str:
        if self.failure is not None:
            return f"Crawl of {self.title} could not start: {self.failure}"
        log = [f"  log       {self.log_file}"] if self.log_file else []
        return "\n".join(
            [
                f"Crawl of {self.title} {'stopped' if self.storage_error else 'finished'}"
                f" ({self.finish_reason}) in {self.seconds:.1f} s",
                f"  pages     {self.pages} ({self.revisits} unchanged, archived as revisits)",
                f"  articles  {self.articles}",
                f"  comments  {self.comments}",
                f"  quotes    {self.quotes}",
                f"  errors    {self.errors}",
                f"  short     {self.threads_incomplete} thread(s) with fewer comments than shown"
                " (fetch_errors: thread_incomplete)",
                f"  links     {self.links_skipped} skipped: not a web page"
                " (javascript:, mailto:, tel:...)",
                f"  WARC      {self.warc_bytes:,} bytes in {len(self.warc_files)} file(s)",
                *log,
            ]
        )


class RedisUnavailable(RuntimeError):
    """The Redis a shared crawl needs does not answer."""


def reach_redis(settings: Settings) -> None:
    """Check the shared crawl's Redis answers before the crawl starts, not at its first request."""
    import redis  # only when a shared crawl asks for it
    from scrapy_redis import connection

    try:
        connection.get_redis_from_settings(settings).ping()
    except redis.RedisError as error:
        url = settings.get("REDIS_URL")
        raise RedisUnavailable(f"cannot reach Redis at {url}: {error}") from error


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@dataclass
class CrawlJob:
    """One crawl of a run: a spider, its start pages (else its own) and settings."""

    spider: str
    urls: list[str] = field(default_factory=list)
    overrides: dict[str, object] = field(default_factory=dict)
    since: str | None = None
    name: str = ""  # a config file's [sites.NAME], recorded in crawl_runs.config_site

    @property
    def label(self) -> str:
        return self.name or self.spider


@dataclass(frozen=True)
class CrawlProgress:
    """A running crawl's counts so far, for a live display (archiver.terminal)."""

    name: str
    pages: int
    articles: int
    comments: int
    errors: int
    queue: int  # requests scheduled or downloading


Progress = Callable[[CrawlProgress], None]


def run_crawl(
    spider: str,
    urls: list[str],
    overrides: dict[str, object] | None = None,
    since: str | None = None,
    progress: Progress | None = None,
) -> CrawlReport:
    """Crawl with `spider` from `urls` (or its default start pages); block until done."""
    report = run_crawls([CrawlJob(spider, urls, dict(overrides or {}), since)], progress)[0]
    if report.failure is not None:  # the crawl could not run at all (bad start URL...)
        raise report.failure
    return report


def run_crawls(jobs: list[CrawlJob], progress: Progress | None = None) -> list[CrawlReport]:
    """Crawl each job in turn; stop early on Ctrl-C or an archive that cannot be written.

    Unknown spiders, a locked archive or an unreachable Redis fail here, before
    any crawl starts; a crawl that cannot start (a bad start URL) is reported and
    the next one runs.
    """
    plans = [_plan(job) for job in jobs]
    for plan in plans:
        lock_archive(plan.archive)  # refuse at once, before Scrapy starts
        if plan.settings.get("REDIS_URL"):
            reach_redis(plan.settings)
    first = plans[0].settings
    _quiet_twisted()
    if not is_reactor_installed():
        install_reactor(first.get("TWISTED_REACTOR"), first.get("ASYNCIO_EVENT_LOOP"))
    from twisted.internet import reactor

    # The process merges its settings into each crawler's, replacing those of equal
    # priority: Scrapy's defaults alone, so no site's settings reach another's crawl.
    process = CrawlerProcess(Settings({"LOG_INSTALL_ROOT_HANDLER": False}, priority="default"))
    reports: list[CrawlReport] = []
    outcome: list[object] = []
    done = _one_after_another(process, plans, reports, progress)
    done.addBoth(outcome.append)
    done.addBoth(lambda _: _stop(reactor))
    process.start(stop_after_crawl=False)
    if outcome and isinstance(outcome[0], Failure):
        outcome[0].raiseException()
    if not outcome:  # a second Ctrl-C stopped the reactor before the crawl closed
        reports += [plan.report(0.0) for plan in plans[len(reports) :] if plan.crawler][:1]
    return reports


@dataclass
class _Plan:
    """A job made ready: its settings, spider class and, once started, its crawler."""

    job: CrawlJob
    settings: Settings
    spider_cls: type[NewsSpider]
    crawler: Crawler | None = None
    log_file: Path | None = None

    @property
    def archive(self) -> Path:
        return Path(self.settings.get("ARCHIVE_DIR"))

    def report(self, seconds: float) -> CrawlReport:
        assert self.crawler is not None
        stats = self.crawler.stats.get_stats() if self.crawler._stats else {}
        report = CrawlReport.from_stats(
            self.job.spider, stats, seconds, self.archive / "archive.db"
        )
        report.name, report.log_file = self.job.name, self.log_file
        return report


def _plan(job: CrawlJob) -> _Plan:
    spider_cls = load_spider(job.spider)
    check_safe_name(job.label, "site name")  # it names the log files
    overrides = {**job.overrides, "LOG_INSTALL_ROOT_HANDLER": False}  # ours: crawl.logs
    if job.name:
        overrides["ARCHIVER_SITE"] = job.name
    return _Plan(job, project_settings(overrides), spider_cls)


@inlineCallbacks
def _one_after_another(
    process: CrawlerProcess,
    plans: list[_Plan],
    reports: list[CrawlReport],
    progress: Progress | None,
) -> Generator[Deferred[Any], Any, None]:
    yield _next_turn()  # run inside the reactor, which process.start() starts
    for plan in plans:
        report = yield _crawl_one(process, plan, progress)
        reports.append(report)
        if report.storage_error or report.finish_reason == "shutdown":  # a full disk, Ctrl-C
            break


@inlineCallbacks
def _crawl_one(
    process: CrawlerProcess, plan: _Plan, progress: Progress | None
) -> Generator[Deferred[Any], Any, CrawlReport]:
    from twisted.internet.task import LoopingCall

    job, settings = plan.job, plan.settings
    plan.log_file = new_log_path(plan.archive, job.label, settings.getint("LOG_KEEP"))
    with logging_to(plan.log_file, settings):
        log_scrapy_info(settings)
        if not settings.get("ARCHIVER_CONTACT") and not all(
            map(_loopback, job.urls or plan.spider_cls.default_urls)
        ):
            logger.warning(
                "no contact given: the sites you crawl cannot reach you. Pass --contact URL (or"
                " mailto:you@example.org), or set ARCHIVER_CONTACT: it goes in the User-Agent."
            )
        plan.crawler = Crawler(plan.spider_cls, settings)
        kwargs: dict[str, object] = {"since": job.since}
        if job.urls:
            kwargs["url"] = job.urls
        started = time.monotonic()
        ticker = LoopingCall(_report_progress, plan.crawler, job.label, progress)
        try:
            finished = process.crawl(plan.crawler, **kwargs)
            if progress is not None:
                ticker.start(0.25).addErrback(_display_failed)
            yield finished
        except Exception as error:  # noqa: BLE001 - reported, and the next crawl runs
            logger.info("the crawl of %s could not start", job.label, exc_info=True)  # the file
            return CrawlReport(job.spider, name=job.name, log_file=plan.log_file, failure=error)
        finally:
            if ticker.running:
                ticker.stop()
    return plan.report(time.monotonic() - started)


def _report_progress(crawler: Crawler, name: str, progress: Progress) -> None:
    engine, stats = crawler._engine, crawler._stats  # not set until the crawl has started
    if engine is None or stats is None or engine.scheduler is None:
        return
    try:
        queued = len(engine.scheduler)  # type: ignore[arg-type]
    except TypeError:  # a scheduler that cannot tell
        queued = 0
    progress(
        CrawlProgress(
            name,
            pages=stats.get_value("downloader/response_count", 0),
            articles=stats.get_value("archiver/store/articles", 0),
            comments=stats.get_value("archiver/store/comments", 0),
            errors=stats.get_value("archiver/store/errors", 0),
            queue=queued + len(engine.downloader.active),
        )
    )


def _display_failed(failure: Failure) -> None:
    """A broken display is no reason to stop a crawl: say so once, go on without it."""
    exc_info = (failure.type, failure.value, failure.getTracebackObject())
    logger.error("the progress display stopped: %s", failure.getErrorMessage(), exc_info=exc_info)


def _quiet_twisted() -> None:
    """Twisted prints critical events (an unhandled error in a Deferred) to stderr until
    logging "begins": begun here with no target of its own, they reach Python's logging
    (Scrapy's observer) alone, so the log file gets the traceback, the terminal one line."""
    from twisted.logger import globalLogBeginner

    global _twisted_quiet  # noqa: PLW0603 - Twisted's logging begins once per process
    if not _twisted_quiet:
        globalLogBeginner.beginLoggingTo([], discardBuffer=True, redirectStandardIO=False)
        _twisted_quiet = True


_twisted_quiet = False


def _next_turn() -> Deferred[None]:
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    return deferLater(reactor, 0, lambda: None)


def _stop(reactor: Any) -> None:  # noqa: ANN401 - Twisted's reactor has no one type
    with suppress(RuntimeError):  # already stopping: Ctrl-C
        reactor.stop()
