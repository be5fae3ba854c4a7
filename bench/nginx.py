"""A private nginx on 127.0.0.1 serving a folder: the benchmark's fast static server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

NGINX = os.environ.get("BENCH_NGINX", "/usr/sbin/nginx")
INSTALL = Path(__file__).parent.parent / "scripts" / "install-nginx.sh"
CONFIG = """worker_processes 1;
{user}
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    gzip_static on;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
        location ^~ /feed/ {{ types {{ }} default_type application/rss+xml; }}
        # the frontier site (bench.frontier): one page answers every post
        location ^~ /p/ {{ try_files /post.html =404; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nginx_version() -> str:
    result = subprocess.run([NGINX, "-v"], capture_output=True, text=True, check=True)
    return result.stderr.strip().split("/")[-1]


class Nginx:
    """`with Nginx(root, work, port) as url:` serves `root` until the block ends."""

    def __init__(self, root: Path, work: Path, port: int) -> None:
        if not all(Path(tool).exists() for tool in (NGINX, "/usr/bin/wget", "/usr/bin/time")):
            subprocess.run(["bash", str(INSTALL)], check=True)  # Debian's packages, if missing
        self.root, self.work, self.port = root.resolve(), work.resolve(), port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        self.work.mkdir(parents=True, exist_ok=True)
        # As root, nginx's workers run as nobody: let them read the site.
        user = "user root;" if os.geteuid() == 0 else ""
        config = self.work / "nginx.conf"
        config.write_text(CONFIG.format(user=user, work=self.work, port=self.port, root=self.root))
        self.process = subprocess.Popen(
            [NGINX, "-c", str(config), "-p", str(self.work), "-g", "daemon off;"],
            stderr=subprocess.PIPE,
        )
        self._wait_until_listening()
        return self.url

    def _wait_until_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen on port {self.port} within {timeout} s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: let workers finish
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
