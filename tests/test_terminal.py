"""What a crawl shows on the terminal: a progress line on a TTY, the report, one line per warning;
Scrapy's own log in ARCHIVE/logs/, on the terminal only with -v."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime

from archiver.crawl.logs import new_log_path
from archiver.ops.demo_site import build_demo_site
from tests.mockserver import MockServer
from tests.test_crawl_e2e import LOOPBACK, archiver
from tests.test_incremental import Site

#: `archiver demo`'s whole output, its times, sizes and paths as {placeholders}
DEMO_OUTPUT = """\
Demo site: {articles} articles, {comments} comments, {quotes} quotes, 13 pages (served on 127.0.0.1)
Crawl of next_ink finished (finished) in {seconds} s
  pages     14 (0 unchanged, archived as revisits)
  articles  {articles}
  comments  {comments}
  quotes    {quotes}
  errors    0
  short     0 thread(s) with fewer comments than shown (fetch_errors: thread_incomplete)
  links     0 skipped: not a web page (javascript:, mailto:, tel:...)
  WARC      {bytes} bytes in 1 file(s)
  log       {archive}/logs/next_ink-{stamp}.log
  peak memory {mb} MB

Next:
  archiver serve --archive {archive}    browse articles, threads and search (Datasette)
  archiver replay --archive {archive}   replay the archived pages offline (pywb)
  archiver status --archive {archive}   runs, errors and what is due
"""


def test_demo_prints_its_report_and_what_to_do_next_and_logs_to_a_file(tmp_path):
    site = build_demo_site(tmp_path / "site")
    archive = tmp_path / "archive"
    result = archiver("demo", "--archive", str(archive))
    (log,) = (archive / "logs").glob("next_ink-*.log")
    stamp = log.name.removeprefix("next_ink-").removesuffix(".log")
    assert re.fullmatch(r"\d{8}T\d{6}Z", stamp)
    variable = {"seconds": r"\d+\.\d", "bytes": r"[\d,]+", "mb": r"\d+"}
    expected = DEMO_OUTPUT.format(
        articles=site.articles,
        comments=site.comments,
        quotes=site.quotes,
        archive=archive,
        stamp=stamp,
        **{name: "\0" + name for name in variable},  # replaced by their patterns below
    )
    pattern = re.escape(expected)
    for name, value in variable.items():
        pattern = pattern.replace(re.escape("\0" + name), value)
    assert re.fullmatch(pattern, result.stdout), result.stdout
    assert len(result.stdout.splitlines()) <= 30
    assert result.stderr == ""  # no progress redrawn, no Scrapy log: not a terminal
    text = log.read_text()
    assert "[scrapy.utils.log] INFO: Scrapy" in text
    assert "[scrapy.statscollectors] INFO: Dumping Scrapy stats" in text


def test_verbose_brings_scrapys_log_to_the_terminal(tmp_path):
    site = Site(articles=1, comments=1)
    with MockServer(site.routes) as server:
        url = server.url + "/"
        quiet = archiver(
            "crawl", "next_ink", "--url", url, "--archive", str(tmp_path / "a"), *LOOPBACK
        )
        loud = archiver(
            "crawl", "next_ink", "--url", url, "--archive", str(tmp_path / "b"), "-v", *LOOPBACK
        )
    assert quiet.stderr == ""
    assert "[scrapy.core.engine] INFO: Spider opened" in loud.stderr
    assert "[scrapy.statscollectors] INFO: Dumping Scrapy stats" in loud.stderr
    assert loud.stdout.startswith("Crawl of next_ink finished (finished)")


def test_warnings_and_errors_are_one_line_each(tmp_path):
    """A site nobody answers on, crawled without a contact: each problem is one line."""
    env = {k: v for k, v in os.environ.items() if k != "ARCHIVER_CONTACT"}
    result = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "crawl", "next_ink", "--url", "http://192.0.2.1/"]
        + ["--archive", str(tmp_path / "a"), "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert lines, "the failures should show on the terminal"
    assert lines[0].startswith("warning: no contact given: ")
    assert all(re.match(r"(warning|error): \S", line) for line in lines), lines
    assert "Traceback" not in result.stderr
    (log,) = (tmp_path / "a" / "logs").glob("*.log")
    assert "Gave up retrying <GET http://192.0.2.1/>" in log.read_text()


def test_progress_is_redrawn_on_a_terminal_only(tmp_path):
    site = Site(articles=10, comments=3, delay=0.3)  # two seconds or so: several redraws
    with MockServer(site.routes) as server:
        command = [sys.executable, "-m", "archiver.cli", "crawl", "next_ink"]
        command += ["--url", server.url + "/", "--archive", str(tmp_path / "a"), *LOOPBACK]
        terminal = _on_a_terminal(command)
    progress = re.compile(
        r"next_ink: (\d+) pages \((\d+\.\d|\?)/s\), articles \d+, comments \d+, errors \d+,"
        r" queue \d+  \[\d\d:\d\d\]"
    )
    frames = list(progress.finditer(terminal))
    assert len(frames) >= 2, terminal  # redrawn as the crawl went on
    assert int(frames[-1].group(1)) > int(frames[0].group(1))
    assert terminal.index("Crawl of next_ink finished") > frames[-1].end()  # then the report


def _on_a_terminal(command: list[str]) -> str:
    """Run `command` with its stderr and stdout on a pseudo-terminal; what it wrote there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_log_files_are_kept_for_the_last_runs_of_each_name(tmp_path):
    archive = tmp_path / "archive"
    made = [
        new_log_path(archive, "site", keep=3, now=datetime(2026, 1, day, tzinfo=UTC))
        for day in range(1, 6)
    ]
    other = new_log_path(archive, "site-b", keep=3, now=datetime(2026, 1, 1, tzinfo=UTC))
    again = new_log_path(archive, "site", keep=3, now=datetime(2026, 1, 5, tzinfo=UTC))
    names = sorted(p.name for p in (archive / "logs").iterdir())
    assert names == [
        "site-20260104T000000Z.log",
        "site-20260105T000000Z-2.log",
        "site-20260105T000000Z.log",
        "site-b-20260101T000000Z.log",
    ]
    assert made[-1].exists() and other.exists() and again.name == "site-20260105T000000Z-2.log"


def test_reparse_draws_its_bar_on_a_terminal_only(demo_archive, tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(demo_archive, archive)
    piped = archiver("reparse", "--archive", str(archive))
    assert piped.stderr == ""
    terminal = _on_a_terminal(
        [sys.executable, "-m", "archiver.cli", "reparse"] + ["--archive", str(archive)]
    )
    assert re.search(r"reparse: +\d+%\|", terminal), terminal
    assert terminal.rstrip().splitlines()[-1].startswith("Rebuilt ")
