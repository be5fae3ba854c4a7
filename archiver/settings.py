"""Scrapy settings for news-archiver: polite by default, archive everything.

`scrapy crawl` reads this module through scrapy.cfg; `archiver crawl` through
`project_settings()`. Override any of them with `-s NAME=VALUE`.
"""

from __future__ import annotations

import os

from scrapy.settings import Settings, get_settings_priority

from archiver import __version__

BOT_NAME = "news-archiver"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Where WARC files and the database go: ARCHIVE_DIR/warc/*.warc.gz, ARCHIVE_DIR/archive.db
ARCHIVE_DIR = "archive"

# Politeness: an honest User-Agent with the operator's contact, robots.txt, AutoThrottle.
#: how a site's operator reaches whoever runs the crawl (a URL or mailto:); `--contact`
ARCHIVER_CONTACT = os.environ.get("ARCHIVER_CONTACT", "")
USER_AGENT = f"news-archiver/{__version__}"  # + " (+CONTACT)" given a contact
TELNETCONSOLE_ENABLED = False  # no console listening on a port during every crawl
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = False
# No "br": warcio, and so pywb, cannot decode brotli payloads with current brotli
# releases, and an archive that cannot be replayed is worth less.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "gzip, deflate",
}

# WARC capture: just outside HttpCompressionMiddleware (590) and the redirect,
# retry and robots middlewares, so every exchange is archived with its bytes as
# received; DownloaderStats (850) stays outermost to count what really came in.
DOWNLOADER_MIDDLEWARES = {"archiver.crawl.capture.WarcCaptureMiddleware": 800}
# robots.txt's Crawl-delay, right after Scrapy's robots.txt middleware (100) has read it
DOWNLOADER_MIDDLEWARES |= {"archiver.crawl.politeness.CrawlDelayMiddleware": 110}
# Failures: retried with backoff, then recorded. Just inside the capture, the
# limits middleware keeps partial bodies out of parsers (archived first, with
# WARC-Truncated); the backoff retry replaces Scrapy's, which retries at once.
DOWNLOADER_MIDDLEWARES |= {
    "archiver.crawl.limits.ResponseLimitsMiddleware": 790,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "archiver.crawl.retry.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "archiver.crawl.redirects.LoopAwareRedirectMiddleware": 600,
}
RETRY_TIMES = 3  # 4 requests in all; 5xx, 408, 429, timeouts, resets, cut-off bodies
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry, doubled at each next one
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 300.0  # a longer Retry-After is cut to this
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # larger bodies are cut here, archived and recorded
DOWNLOAD_FAIL_ON_DATALOSS = False  # deliver cut-off bodies flagged, so they get archived
REDIRECT_MAX_TIMES = 10
# Incremental crawls: conditional requests and revisits (any priority: it only adds
# headers and meta), and the spider middleware that decides what is due.
DOWNLOADER_MIDDLEWARES |= {"archiver.crawl.recrawl.RecrawlDownloaderMiddleware": 780}
SPIDER_MIDDLEWARES = {"archiver.crawl.recrawl.RecrawlSpiderMiddleware": 950}
RECRAWL_BACKOFF = "1h,6h,1d,3d,7d"  # a thread page's polls after a fetch, restarting on change
RECRAWL_STOP_AFTER = "30d"  # a thread quiet this long is not polled again (but --recheck)
RECRAWL_RECHECK = False  # treat every known thread as due now
ITEM_PIPELINES = {"archiver.crawl.pipeline.StorePipeline": 300}
STORE_COMMIT_SECONDS = 1.0  # a kill loses at most this much work, which resume redoes
# Pages are parsed in one worker process beside Scrapy's (archiver.crawl.extraction), so
# fetching, archiving and saving go on meanwhile; on a single core there is no gain.
# The archive's lock and database are opened after the worker forks (a higher number).
EXTENSIONS = {
    "archiver.crawl.extraction.ExtractionProcess": 0,
    "archiver.crawl.resources.ArchiveResources": 10,
}
EXTRACTION_PROCESS = (os.cpu_count() or 1) > 1
# A response's outputs are a few requests and one PageDone, saved synchronously: handled
# one by one, in order, so its links join the frontier before its items commit (and
# Scrapy does not start 100 idle workers per response).
CONCURRENT_ITEMS = 1
WARC_PREFIX = "news-archiver"
WARC_MAX_SIZE = 1_000_000_000
WARC_GZIP_LEVEL = 6  # each record's gzip member (1 fastest .. 9 smallest; see python -m bench)
WARC_OPERATOR = ""

# Several machines (archiver.crawl.distributed): with a Redis URL the workers share scrapy-redis's
# request queue and duplicate filter; a request a worker took but did not finish goes back
# to the queue when its lease (renewed while the worker runs) expires. Without one, the
# scheduler is Scrapy's own over the frontier (archiver.crawl.scheduler).
SCHEDULER = "archiver.crawl.scheduler.Scheduler"
# On one machine, thread-page requests beyond this many wait in their fetch_state rows, not
# in memory (archiver.crawl.scheduler): a site whose sitemaps list a million posts fits in
# RAM. Listings (sitemaps, feeds, listing pages) never wait, and go first.
FRONTIER_MEMORY_REQUESTS = 1000
REDIS_URL = os.environ.get("ARCHIVER_REDIS_URL") or None
REDIS_LEASE_SECONDS = 120.0

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
# `archiver crawl` writes Scrapy's log to ARCHIVE_DIR/logs/<spider or site>-<UTC stamp>.log
# (the terminal shows progress, warnings and the report) and keeps the last LOG_KEEP of each.
LOG_KEEP = 20
#: the config file's [sites.NAME] a crawl runs for (`archiver crawl --config`), in crawl_runs
ARCHIVER_SITE = ""


def project_settings(overrides: dict[str, object] | None = None) -> Settings:
    """These settings, with command-line overrides on top."""
    settings = Settings()
    settings.setmodule(__name__, priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    contact = settings.get("ARCHIVER_CONTACT")
    if contact:  # unless the User-Agent or the operator were set themselves
        if settings.getpriority("USER_AGENT") == get_settings_priority("project"):
            settings.set("USER_AGENT", f"{USER_AGENT} (+{contact})", priority="project")
        if not settings.get("WARC_OPERATOR"):
            settings.set("WARC_OPERATOR", contact, priority="project")
    return settings
