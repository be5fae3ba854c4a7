"""Scrapy downloader middleware: a redirect that comes back to where it started fails loudly.

Scrapy's RedirectMiddleware caps a chain at REDIRECT_MAX_TIMES, but a cycle
(A -> B -> A) never reaches the cap: the redirect back to A is a duplicate
request, which the scheduler drops without telling anyone. Here a cycle ends the
request with `RedirectLoop`, so the spider's errback records it; every hop was
archived on the way.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Request, Response


class RedirectLoop(Exception):
    """A redirect chain that leads back to a URL it already visited."""


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if result.url in chain:
                hops = " -> ".join([*chain, result.url])
                raise RedirectLoop(f"redirect loop after {len(chain)} redirects: {hops}")
        return result
