"""`archiver demo`: build the offline demo site, serve it on 127.0.0.1, crawl it, report."""

from __future__ import annotations

import resource
import shlex
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from archiver.crawl.run import CrawlReport, Progress, run_crawl
from archiver.ops.demo_site import DemoSite, build_demo_site

#: Politeness is for other people's servers: on our own loopback site, no delays.
LOOPBACK_SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}


@dataclass
class DemoReport:
    site: DemoSite
    crawl: CrawlReport
    peak_rss_mb: float
    archive: Path

    def render(self, default_archive: bool = False) -> str:
        """The report, then what to do next (commands naming the archive unless default)."""
        site = self.site
        option = "" if default_archive else f" --archive {shlex.quote(str(self.archive))}"
        return "\n".join(
            [
                f"Demo site: {site.articles} articles, {site.comments} comments, "
                f"{site.quotes} quotes, {site.pages} pages (served on 127.0.0.1)",
                self.crawl.render(),
                f"  peak memory {self.peak_rss_mb:.0f} MB",
                "",
                "Next:",
                f"  archiver serve{option}    browse articles, threads and search (Datasette)",
                f"  archiver replay{option}   replay the archived pages offline (pywb)",
                f"  archiver status{option}   runs, errors and what is due",
            ]
        )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 on a free port; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def run_demo(archive: Path, progress: Progress | None = None) -> DemoReport:
    """Crawl the demo site into `archive` with the real next_ink spider."""
    with tempfile.TemporaryDirectory(prefix="news-archiver-demo-") as folder:
        site = build_demo_site(Path(folder))
        with serve_directory(site.root) as url:
            overrides = {**LOOPBACK_SETTINGS, "ARCHIVE_DIR": str(archive)}
            crawl = run_crawl("next_ink", [url], overrides, progress=progress)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return DemoReport(site, crawl, peak, archive)
