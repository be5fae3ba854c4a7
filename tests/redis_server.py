"""A throwaway redis-server on 127.0.0.1 for distributed-crawl tests: free port, no persistence."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """`with RedisServer(tmp_path) as server:` gives `server.url`; the server stops on exit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> RedisServer:
        executable = shutil.which("redis-server")
        assert executable, "redis-server not found: run scripts/install-redis.sh"
        for _ in range(5):  # another process may take the free port before redis binds it
            self.port = free_port()
            self.process = subprocess.Popen(
                [
                    executable,
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.folder),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_ready():
                return self
            self.process.kill()
            self.process.wait()
        raise RuntimeError("redis-server did not start")

    def _wait_ready(self, timeout: float = 10) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                return False
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                time.sleep(0.02)  # polling with a bound for the server to listen
        return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
