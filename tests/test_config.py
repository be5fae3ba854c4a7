"""One config for many sites: `archiver crawl --config FILE --all`, `schedule`, `status`,
and a mistake in the file said in one line."""

from __future__ import annotations

import gzip
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mockserver import MockServer
from tests.test_crawl_e2e import archiver, rows
from tests.test_incremental import Site

CONFIG = """\
contact = "archivist@example.org"

[settings]
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = false

[sites.daily]
spider = "next_ink"
urls = ["{daily}"]
every = "1d"

[sites.hourly]
spider = "next_ink"
urls = ["{hourly}"]
every = "1h"
contact = "https://hourly.example/about"
settings = {{ CLOSESPIDER_PAGECOUNT = 2 }}
"""


def run_cli(*args: str, home: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"HOME": str(home)} if home else {})}
    command = [sys.executable, "-m", "archiver.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


def operators(archive: Path) -> set[str]:
    """The `operator` of each WARC file's warcinfo record."""
    found = set()
    for warc in (archive / "warc").glob("*.warc.gz"):
        found |= set(re.findall(r"operator: (\S+)", gzip.decompress(warc.read_bytes()).decode()))
    return found


def test_two_sites_crawl_one_after_another_into_one_archive(tmp_path):
    daily, hourly = Site(articles=3, comments=2), Site(articles=4, comments=1)
    archive = tmp_path / "archive"
    archive.mkdir()
    config = archive / "archiver.toml"
    with MockServer(daily.routes) as one, MockServer(hourly.routes) as two:
        config.write_text(CONFIG.format(daily=one.url + "/", hourly=two.url + "/"))
        first = archiver("crawl", "--all", "--archive", str(archive)).stdout
        again = archiver("crawl", "--config", str(config), "--all", "--archive", str(archive))
        named = archiver("crawl", "--config", str(config), "daily", "--archive", str(archive))
        status = archiver("status", "--archive", str(archive)).stdout
    reports = first.split("\n\n")
    assert [report.splitlines()[0].rsplit(" in ", 1)[0] for report in reports] == [
        "Crawl of daily (next_ink) finished (finished)",
        "Crawl of hourly (next_ink) finished (closespider_pagecount)",  # its own settings
    ]
    assert "articles  3\n" in reports[0] and "comments  6\n" in reports[0]
    db = archive / "archive.db"
    assert rows(db, "SELECT config_site, spider FROM crawl_runs ORDER BY id") == [
        ("daily", "next_ink"),
        ("hourly", "next_ink"),
        ("daily", "next_ink"),  # named: crawled though not due
    ]
    assert re.fullmatch(r"Nothing is due: daily \(\S+ \S+Z\), hourly \(\S+ \S+Z\)\n", again.stdout)
    assert named.stdout.startswith("Crawl of daily (next_ink) finished")
    assert operators(archive) == {"mailto:archivist@example.org", "https://hourly.example/about"}
    lines = status.splitlines()
    assert lines[0] == f"Sites of {config}"
    assert re.match(r"  daily +next_ink +1d  \S+ \S+Z +\S+ \S+Z \(in 23h 59m\)$", lines[2])
    assert re.match(r"  hourly +next_ink +1h  \S+ \S+Z +\S+ \S+Z \(in (59m|1h)\)$", lines[3])
    logs = (archive / "logs").iterdir()
    assert sorted(re.match(r"(.+?)-\d{8}T\d{6}Z", log.name).group(1) for log in logs) == [
        "daily",
        "daily",
        "hourly",
    ]


def test_a_site_is_due_again_once_its_period_has_passed(tmp_path):
    site = Site(articles=1, comments=1)
    archive = tmp_path / "archive"
    archive.mkdir()
    with MockServer(site.routes) as server:
        (archive / "archiver.toml").write_text(
            f'[sites.one]\nspider = "next_ink"\nurls = ["{server.url}/"]\nevery = "1h"\n'
            "settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false }\n"
        )
        archiver("crawl", "--all", "--archive", str(archive))
        with sqlite3.connect(archive / "archive.db") as conn:  # as if it ran long ago
            conn.execute("UPDATE crawl_runs SET started = '2000-01-01T00:00:00.000000Z'")
        due = archiver("crawl", "--all", "--archive", str(archive)).stdout
        again = archiver("crawl", "--all", "--archive", str(archive)).stdout
    assert due.startswith("Crawl of one (next_ink) finished")
    assert again.startswith("Nothing is due: one (")


BAD_CONFIGS = {
    "toml syntax": (
        '[sites.a]\nspider = "next_ink"\nevery = 6h\n',
        ", line 3: not valid TOML: Expected newline or end of document after a statement"
        " (column 10): every = 6h",
    ),
    "unknown key": (
        '[sites.a]\nspider = "next_ink"\nevry = "6h"\n',
        ", line 3: [sites.a] evry: unknown key; a site has spider, urls, every, settings, contact",
    ),
    "missing key": (
        '\n[sites.a]\nspider = "next_ink"\n',
        ', line 2: [sites.a] every: missing: how often it is due, e.g. "6h"',
    ),
    "wrong type": (
        '[sites.a]\nspider = "next_ink"\nevery = "6h"\nurls = ["ftp://example.org/"]\n',
        ", line 4: [sites.a] urls: not an http(s) URL: 'ftp://example.org/'",
    ),
    "unknown spider": (
        '[sites.a]\nspider = "nope"\nevery = "6h"\n',
        ", line 2: [sites.a] spider: no spider 'nope'; known: ",
    ),
    "bad duration": (
        '[sites.a]\nspider = "next_ink"\nevery = "often"\n',
        ", line 3: [sites.a] every: not a duration: 'often' (use e.g. 30m, 6h, 3d)",
    ),
    "setting name": (
        '[sites.a]\nspider = "next_ink"\nevery = "6h"\n[sites.a.settings]\ndownload_delay = 2\n',
        ", line 5: [sites.a] settings.download_delay: Scrapy setting names are in capitals",
    ),
    "setting table": (
        '[sites.a]\nspider = "next_ink"\nevery = "6h"\nsettings = 5\n',
        ", line 4: [sites.a] settings: must be a table of Scrapy settings, NAME = value",
    ),
    "bad contact": (
        'contact = "me"\n[sites.a]\nspider = "next_ink"\nevery = "6h"\n',
        ", line 1: contact: not a URL or an e-mail address: 'me'",
    ),
    "no sites": ("contact = 'me@example.org'\n", ": sites: no site: add a [sites.NAME] table"),
}


@pytest.mark.parametrize("text, message", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
@pytest.mark.parametrize("command", ["crawl", "schedule", "status"])
def test_a_bad_config_is_one_line_naming_file_line_and_key(tmp_path, text, message, command):
    config = tmp_path / "sites.toml"
    config.write_text(text)
    args = {"crawl": ["--all"], "schedule": [], "status": []}[command]
    result = run_cli(command, "--config", str(config), "--archive", str(tmp_path / "a"), *args)
    assert result.returncode == 1, result.stdout
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"Error: {config}{message}"), result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_config_or_site_is_one_line(tmp_path):
    archive = tmp_path / "archive"
    missing = run_cli("crawl", "--all", "--archive", str(archive))
    readme = "(see the README: one config, many sites)"
    assert missing.stderr == f"Error: {archive / 'archiver.toml'}: no such file {readme}\n"
    assert missing.returncode == 1
    archive.mkdir()
    (archive / "archiver.toml").write_text('[sites.a]\nspider = "next_ink"\nevery = "6h"\n')
    unknown = run_cli("crawl", "--all", "--archive", str(archive), "--config", "x.toml")
    assert unknown.returncode == 1 and "x.toml: no such file" in unknown.stderr
    named = run_cli("crawl", "--config", str(archive / "archiver.toml"), "b", "--archive", "x")
    assert named.returncode == 1
    assert named.stderr.endswith("no site 'b' (its sites: a)\n"), named.stderr


def test_schedule_installs_one_timer_for_the_configs_sites(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    config = archive / "archiver.toml"
    config.write_text('[sites.a]\nspider = "next_ink"\nevery = "6h"\n')
    cron = run_cli("schedule", "--archive", str(archive))
    assert cron.returncode == 0, cron.stderr
    command = f"{sys.executable} -m archiver.cli crawl --config {config} --all --archive {archive}"
    assert cron.stdout == f"*/15 * * * * {command} >> {archive / 'crawl.log'} 2>&1\n"
    installed = run_cli(
        "schedule", "--config", str(config), "--archive", str(archive), "--every", "30m"
    )
    assert installed.stdout.startswith("*/30 * * * * ")
    units = run_cli("schedule", "--archive", str(archive), "--systemd", "--install", home=tmp_path)
    assert units.returncode == 0, units.stderr
    folder = tmp_path / ".config" / "systemd" / "user"
    service = (folder / "news-archiver-sites.service").read_text()
    assert f"ExecStart={command}\n" in service
    assert "OnUnitInactiveSec=15m" in (folder / "news-archiver-sites.timer").read_text()
