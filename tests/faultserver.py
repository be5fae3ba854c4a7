"""A fault-injecting HTTP server on 127.0.0.1 (port 0) for crawls that must survive a bad network.

Each path has a plan: one `Step` per attempt, the last one repeated, so "503
twice, then the page" is `[Step.error(503), Step.error(503), Step.ok(page)]`.
A step can answer normally, answer late, reset the connection, promise more
bytes than it sends and hang up, or send raw bytes under any headers (corrupt
gzip, a body over a size cap). The server counts and times every request, so
tests can check attempts and waits.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Step:
    action: str  # answer | slow | reset | short
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0

    @classmethod
    def ok(cls, body: bytes, *headers: tuple[str, str]) -> Step:
        return cls("answer", 200, body, headers or (("Content-Type", "text/html"),))

    @classmethod
    def error(cls, code: int, *headers: tuple[str, str]) -> Step:
        return cls(
            "answer", code, f"error {code}".encode(), (("Content-Type", "text/plain"), *headers)
        )

    @classmethod
    def slow(cls, seconds: float, then: Step) -> Step:
        """Answer as `then` does, but only after `seconds` (or when the server stops)."""
        return cls("slow", then.status, then.body, then.headers, seconds)

    @classmethod
    def reset(cls) -> Step:
        """Read the request, then reset the connection (RST) without a byte of answer."""
        return cls("reset")

    @classmethod
    def short(cls, body: bytes, *headers: tuple[str, str]) -> Step:
        """Announce all of `body` in Content-Length, send half of it, hang up."""
        return cls("short", 200, body, headers or (("Content-Type", "text/html"),))


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) drops connections a crawl opens at once; the
    # client's SYN retry then takes a second, which would read as a timeout fault.
    request_queue_size = 128
    daemon_threads = True


@dataclass
class FaultServer:
    plans: dict[str, list[Step]]
    requests: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    user_agents: list[str] = field(default_factory=list)  # of every request, in order

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                times = server.requests[self.path]
                times.append(time.monotonic())
                server.user_agents.append(self.headers.get("User-Agent", ""))
                plan = server.plans.get(self.path) or [Step.error(404)]
                server.play(self, plan[min(len(times), len(plan)) - 1])

            def finish(self) -> None:
                try:
                    super().finish()
                except OSError:
                    pass  # the client (or a reset step) already closed the socket

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def attempts(self, path: str) -> int:
        return len(self.requests.get(path, []))

    def play(self, handler: BaseHTTPRequestHandler, step: Step) -> None:
        """Answer one request as `step` says."""
        if step.action == "reset":
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.connection.close()
            handler.close_connection = True
            return
        if step.action == "slow" and self._stopping.wait(step.delay):
            return
        sent = step.body[: len(step.body) // 2] if step.action == "short" else step.body
        try:
            handler.send_response(step.status)
            for name, value in step.headers:
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(step.body)))
            if step.action == "short":
                handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(sent)
            handler.wfile.flush()
        except OSError:
            pass  # the client gave up first (a timeout step)
        handler.close_connection = handler.close_connection or step.action != "answer"

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
