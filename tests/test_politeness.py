"""An honest crawler: the operator's contact in the User-Agent and the WARC, no telnet console."""

from __future__ import annotations

import gzip
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from archiver import __version__
from archiver.settings import project_settings
from tests.faultserver import FaultServer, Step
from tests.test_faults import ROBOTS


def crawl(
    archive: Path, url: str, *extra: str, env: dict | None = None
) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "archiver.cli", "crawl", "next_ink", "--url", url]
    command += ["--archive", str(archive), "-s", "DOWNLOAD_DELAY=0", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def test_the_user_agent_names_the_operators_contact_and_no_made_up_url(monkeypatch):
    monkeypatch.delenv("ARCHIVER_CONTACT", raising=False)
    assert project_settings().get("USER_AGENT") == f"news-archiver/{__version__}"
    contact = {"ARCHIVER_CONTACT": "mailto:archivist@example.org"}
    settings = project_settings(contact)
    assert (
        settings.get("USER_AGENT") == f"news-archiver/{__version__} (+mailto:archivist@example.org)"
    )
    assert settings.get("WARC_OPERATOR") == "mailto:archivist@example.org"
    mine = project_settings({**contact, "USER_AGENT": "mine/1"})
    assert mine.get("USER_AGENT") == "mine/1"  # an explicit User-Agent is kept
    assert project_settings().getbool("TELNETCONSOLE_ENABLED") is False


def test_a_crawl_sends_the_contact_and_writes_it_to_the_warc(tmp_path):
    plans = {"/robots.txt": [ROBOTS], "/": [Step.ok(b"<html><body>home</body></html>")]}
    archive = tmp_path / "archive"
    with FaultServer(plans) as server:
        result = crawl(archive, server.url + "/", "--contact", "https://example.org/archivist")
        agents = server.user_agents
    assert result.returncode == 0, result.stderr[-2000:]
    assert set(agents) == {f"news-archiver/{__version__} (+https://example.org/archivist)"}
    (warc,) = (archive / "warc").glob("*.warc.gz")
    assert b"operator: https://example.org/archivist" in gzip.decompress(warc.read_bytes())
    assert "Telnet console listening" not in result.stderr


def test_a_crawl_of_a_public_site_without_a_contact_warns_once(tmp_path, monkeypatch):
    env = {k: v for k, v in __import__("os").environ.items() if k != "ARCHIVER_CONTACT"}
    # An address no crawl reaches (TEST-NET-1, RFC 5737), with a short timeout.
    result = crawl(
        tmp_path / "a",
        "http://192.0.2.1/",
        "-s",
        "DOWNLOAD_TIMEOUT=1",
        "-s",
        "RETRY_TIMES=0",
        env=env,
    )
    assert result.stderr.count("no contact") == 1, result.stderr[-2000:]
    local = crawl(tmp_path / "b", "http://127.0.0.1:9/", "-s", "RETRY_TIMES=0", env=env)
    assert "no contact" not in local.stderr


@pytest.mark.parametrize(
    "throttle",
    [
        ["-s", "AUTOTHROTTLE_ENABLED=False"],
        ["-s", "AUTOTHROTTLE_START_DELAY=0.1", "-s", "AUTOTHROTTLE_MAX_DELAY=0.2"],
    ],
    ids=["no-throttle", "autothrottle-faster"],
)
def test_robots_crawl_delay_spaces_the_requests_to_its_host(tmp_path, throttle):
    """A site asking for 1 s between requests gets it, with no delay of our own configured
    and with AutoThrottle free to go faster."""
    links = "".join(
        f'<div class="block-article"><a class="block-article-link" href="/a{n}/">x</a></div>'
        for n in range(4)
    )
    robots = Step.ok(b"User-agent: *\nCrawl-delay: 1\nDisallow:\n", ("Content-Type", "text/plain"))
    plans = {"/robots.txt": [robots], "/": [Step.ok(f"<html><body>{links}</body></html>".encode())]}
    plans |= {f"/a{n}/": [Step.ok(b"<html><body>article</body></html>")] for n in range(4)}
    archive = tmp_path / "archive"
    with FaultServer(plans) as server:
        result = crawl(
            archive, server.url + "/", *throttle, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"
        )
        times = sorted(
            t for path, ts in server.requests.items() if path != "/robots.txt" for t in ts
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(times) == 5
    gaps = [b - a for a, b in pairwise(times)]
    assert min(gaps) >= 0.95, gaps
