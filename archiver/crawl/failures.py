"""Name what went wrong with a request, for its `fetch_errors` row.

Kinds are short and stable, so rows can be grouped and counted: `http_503`,
`timeout`, `connection_lost`, `connection_refused`, `dns`, `truncated`,
`decode_error`, `too_large`, `redirect_loop`, and `parse_error` (from `extract`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archiver.crawl.limits import IncompleteResponse
from archiver.crawl.redirects import RedirectLoop
from archiver.extract.responses import too_large_detail

# By class name, so Scrapy versions that wrap Twisted's errors in their own
# classes (2.14+) and those that pass them through both map.
_NETWORK_KINDS = {
    "ResponseDataLossError": "truncated",
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "DownloadConnectionRefusedError": "connection_refused",
    "ConnectionRefusedError": "connection_refused",
    "CannotResolveHostError": "dns",
    "DNSLookupError": "dns",
    "DownloadFailedError": "connection_lost",
    "ResponseFailed": "connection_lost",
    "ConnectionLost": "connection_lost",
    "ConnectionDone": "connection_lost",
    "ConnectError": "connection_lost",
}


@dataclass(frozen=True)
class Failed:
    kind: str
    detail: str
    from_response: bool  # a response came (and was archived): the row points at its capture
    url: str  # the page the row is about: for a redirect loop, where the chain started


def classify(failure: Failure, settings: BaseSettings) -> Failed | None:
    """What a failed request's row says; None for a deliberate skip (robots.txt, off-site)."""
    error = failure.value
    request: Request = failure.request
    if isinstance(error, HttpError):
        status = error.response.status
        return Failed(f"http_{status}", f"HTTP {status} for {request.url}", True, request.url)
    if isinstance(error, IncompleteResponse):
        return Failed(error.kind, str(error), True, request.url)
    if isinstance(error, RedirectLoop):
        return Failed("redirect_loop", str(error), True, original_url(request))
    if isinstance(error, IgnoreRequest):
        return _ignored(str(error), request, settings)
    for cls in type(error).__mro__:
        if cls.__name__ in _NETWORK_KINDS:
            kind = _NETWORK_KINDS[cls.__name__]
            return Failed(kind, str(error) or cls.__name__, False, request.url)
    return Failed(type(error).__name__, str(error) or type(error).__name__, False, request.url)


def _ignored(message: str, request: Request, settings: BaseSettings) -> Failed | None:
    """Scrapy gives up on redirect loops and decompression bombs with IgnoreRequest too."""
    if "max redirections reached" in message:
        chain = " -> ".join([*request.meta.get("redirect_urls", []), request.url])
        limit = settings.getint("REDIRECT_MAX_TIMES")
        detail = f"more than {limit} redirects: {chain}"
        return Failed("redirect_loop", detail, True, original_url(request))
    if "DOWNLOAD_MAXSIZE" in message:  # HttpCompressionMiddleware's decompression cap
        cap = request.meta.get("download_maxsize") or settings.getint("DOWNLOAD_MAXSIZE")
        return Failed("too_large", too_large_detail(cap), True, request.url)
    return None


def original_url(request: Request) -> str:
    """The URL the spider asked for, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def attempts(request: Request) -> int:
    """Requests made for this URL, the first one and its retries."""
    return request.meta.get("retry_times", 0) + 1
