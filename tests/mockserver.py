"""A local HTTP server on 127.0.0.1 (port 0) that serves routes for end-to-end crawls.

Routes map "path?query" to a `Route`; a route can gzip or brotli-encode its
body, send it chunked, redirect, or fail with any status. Anything else is 404.
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    encoding: str | None = None  # "gzip" or "br"
    chunked: bool = False
    headers: list[tuple[str, str]] = field(default_factory=list)
    etag: str | None = None  # answer 304 to a request whose If-None-Match matches
    delay: float = 0.0  # seconds before answering: a slow site, so a crawl can be killed mid-way


class MockServer:
    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append(self.path)
                route = server.routes.get(self.path) or Route(b"not found", 404, "text/plain")
                if route.delay:
                    server.stopping.wait(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = route.body
                if route.encoding == "gzip":
                    body = gzip.compress(body, mtime=0)
                elif route.encoding == "br":
                    body = brotli.compress(body)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                if route.encoding:
                    self.send_header("Content-Encoding", route.encoding)
                if route.etag:
                    self.send_header("ETag", route.etag)
                for name, value in route.headers:
                    self.send_header(name, value)
                if route.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(body), 1000):
                        piece = body[start : start + 1000]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> MockServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
