"""Scrapy downloader middleware: retry with exponential backoff, honouring Retry-After.

Scrapy's RetryMiddleware retries at once, but a server answering 429 or 503 is
asking for time. This one waits before handing the retry back: an awaited timer,
so the reactor and every other download go on meanwhile. A `Retry-After` header
(seconds or an HTTP date) sets the wait, up to RETRY_AFTER_MAX; otherwise it is
RETRY_BACKOFF_BASE doubled on each attempt, up to RETRY_BACKOFF_MAX.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.settings = settings

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            await self.wait(backoff_delay(self.settings, result.meta["retry_times"], retry_after))
        return result

    async def process_exception(
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self.wait(backoff_delay(self.settings, result.meta["retry_times"]))
        return result

    async def wait(self, seconds: float) -> None:
        self.crawler.stats.inc_value("archiver/retry/wait_seconds", seconds)
        await pause(seconds)


def backoff_delay(
    settings: BaseSettings, retry_times: int, retry_after: float | None = None
) -> float:
    """Seconds to wait before retry number `retry_times` (1 for the first retry)."""
    if retry_after is not None:
        return min(retry_after, settings.getfloat("RETRY_AFTER_MAX"))
    base = settings.getfloat("RETRY_BACKOFF_BASE")
    return min(base * 2 ** (retry_times - 1), settings.getfloat("RETRY_BACKOFF_MAX"))


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for: delta-seconds or an HTTP date; None if unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


async def pause(seconds: float) -> None:
    """Wait without blocking the reactor."""
    if seconds <= 0:
        return
    # Imported here, not at module load, where it could install a reactor before Scrapy does.
    from twisted.internet import reactor

    await maybe_deferred_to_future(deferLater(reactor, seconds))
