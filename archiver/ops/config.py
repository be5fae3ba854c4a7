"""`archiver.toml`: the sites one archive crawls, so a schedule is one timer, not a line per site.

    contact = "mailto:you@example.org"          # optional: for every site
    [settings]                                   # optional: Scrapy settings for every site
    CONCURRENT_REQUESTS_PER_DOMAIN = 1

    [sites.lwn]
    spider = "wordpress"
    urls = ["https://lwn.net/"]                  # optional: else the spider's own start pages
    every = "6h"                                 # how often it is due
    settings = { DOWNLOAD_DELAY = 5 }            # optional: any Scrapy setting, on top
    contact = "https://you.example/about"        # optional: this site's own

A mistake is a `ConfigError` naming the file, the line and the key: the config is
written by hand, and a traceback would tell its author nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from archiver.archive.names import check_safe_name
from archiver.store.frontier import parse_duration

if TYPE_CHECKING:
    from archiver.crawl.run import CrawlJob

CONFIG_NAME = "archiver.toml"  # in the archive folder, unless --config names another
SITE_KEYS = {
    "spider": 'the spider that crawls it, e.g. "wordpress"',
    "urls": "its start pages, a list of http(s) URLs",
    "every": 'how often it is due, e.g. "6h"',
    "settings": "a table of Scrapy settings",
    "contact": "how its operator reaches you, a URL or an e-mail address",
}
TOP_KEYS = {"sites", "contact", "settings"}
#: a site is due a little early, so a timer that fires late by a minute does not skip a round
DUE_SLACK = 0.05
_SETTING_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


class ConfigError(ValueError):
    """A mistake in the config file, said in one line: the file, the line, the table and key."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class SiteConfig:
    """One [sites.NAME] table, checked."""

    name: str
    spider: str
    every: str
    urls: list[str] = field(default_factory=list)
    settings: dict[str, object] = field(default_factory=dict)
    contact: str = ""

    @property
    def period(self) -> timedelta:
        return parse_duration(self.every)

    def job(self, base: dict[str, object], since: str | None = None) -> CrawlJob:
        """The site's crawl, its settings the config's, the site's, then `base` (the
        command line's) on top."""
        from archiver.crawl.run import CrawlJob  # Scrapy: only to crawl

        contact = {"ARCHIVER_CONTACT": self.contact} if self.contact else {}
        settings = {**self.settings, **contact, **base}
        return CrawlJob(self.spider, self.urls, settings, since, self.name)


@dataclass(frozen=True)
class Config:
    path: Path
    sites: dict[str, SiteConfig]


def load_config(path: Path) -> Config:
    """Read and check the config file; ConfigError on any mistake."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ConfigError(path, "no such file (see the README: one config, many sites)") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, f"cannot read it: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(path, text, str(error)) from error
    checker = _Checker(path, text)
    for key in data.keys() - TOP_KEYS:
        checker.fail(None, key, "unknown key (the top level holds sites, contact, settings)")
    contact = checker.contact(None, data.get("contact", ""))
    common = checker.settings(None, data.get("settings", {}))
    sites = data.get("sites", {})
    if not isinstance(sites, dict) or not sites:
        checker.fail(None, "sites", "no site: add a [sites.NAME] table with spider and every")
    return Config(
        path, {name: checker.site(name, table, contact, common) for name, table in sites.items()}
    )


def config_file(path: Path | None, archive: Path) -> Path | None:
    """The config to read: the one given, else the archive's own if it has one."""
    if path is not None:
        return path
    own = archive / CONFIG_NAME
    return own if own.exists() else None


def load_with_runs(path: Path | None, archive: Path) -> tuple[Config, dict[str, datetime]]:
    """The config (given, else the archive's), and when each of its sites last ran to its end."""
    from archiver.store.schema import open_db
    from archiver.store.status import last_config_runs

    config = load_config(path or archive / CONFIG_NAME)
    if not (archive / "archive.db").exists():
        return config, {}
    db = open_db(archive / "archive.db")
    try:
        return config, last_config_runs(db)
    finally:
        db.close()


def _syntax_error(path: Path, text: str, message: str) -> ConfigError:
    """tomllib's message with its position as the file's line, and that line's text."""
    found = _TOML_POSITION.search(message)
    if not found:
        return ConfigError(path, f"not valid TOML: {message}")
    line = int(found.group(1))
    lines = text.splitlines()
    shown = lines[line - 1].strip() if line <= len(lines) else ""
    detail = f"{message[: found.start()]} (column {found.group(2)})"
    return ConfigError(path, f"not valid TOML: {detail}" + (f": {shown}" if shown else ""), line)


class _Checker:
    """Checks tables and values, and finds the line of a key to name in an error."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, table: str | None, key: str, message: str) -> NoReturn:
        where = f"[{table}] {key}" if table else key
        raise ConfigError(self.path, f"{where}: {message}", self.line_of(table, key))

    def line_of(self, table: str | None, key: str) -> int | None:
        """The line of `key = ...` in `table` (None: the top level), else the table's header.

        A dotted key (`settings.NAME`) is looked for in its own table, then as its first part.
        """
        if "." in key:
            head, rest = key.split(".", 1)
            return self._find(f"{table}.{head}" if table else head, rest) or self.line_of(
                table, head
            )
        return self._find(table, key)

    def _find(self, table: str | None, key: str) -> int | None:
        current: str | None = None
        header = None
        for number, raw in enumerate(self.lines, 1):
            line = raw.strip()
            if line.startswith("["):
                current = line.strip("[] ").replace('"', "").replace(" ", "")
                if current == table:
                    header = number
                if current == (f"{table}.{key}" if table else key):
                    return number
            elif current == table and re.match(rf'"?{re.escape(key)}"?\s*=', line):
                return number
        return header

    def site(self, name: str, table: object, contact: str, common: dict[str, object]) -> SiteConfig:
        where = f"sites.{name}"
        if not isinstance(table, dict):
            self.fail("sites", name, "must be a table: [sites.NAME] with spider and every")
        try:
            check_safe_name(name, "site name")
        except ValueError:
            self.fail("sites", name, "a site name is letters, digits, '-', '_' or '.'")
        for key in table.keys() - SITE_KEYS.keys():
            self.fail(where, key, "unknown key; a site has " + ", ".join(SITE_KEYS))
        for key in ("spider", "every"):
            if key not in table:
                self.fail(where, key, f"missing: {SITE_KEYS[key]}")
        spider = self.spider(where, table["spider"])
        every = self.string(where, "every", table["every"])
        try:
            parse_duration(every)
        except ValueError as error:
            self.fail(where, "every", str(error))
        return SiteConfig(
            name,
            spider,
            every,
            urls=self.urls(where, table.get("urls", [])),
            settings={**common, **self.settings(where, table.get("settings", {}))},
            contact=self.contact(where, table.get("contact", "")) or contact,
        )

    def string(self, table: str | None, key: str, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(table, key, f"must be a non-empty string, not {value!r}")
        return value.strip()

    def spider(self, table: str, value: object) -> str:
        from archiver.registry import spider_names  # imports every spider: only when checking

        spider = self.string(table, "spider", value)
        if spider not in spider_names():
            self.fail(table, "spider", f"no spider {spider!r}; known: {', '.join(spider_names())}")
        return spider

    def urls(self, table: str, value: object) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(table, "urls", "must be a list of http(s) URLs")
        for url in value:
            if not isinstance(url, str) or not re.match(r"https?://[^/\s]+", url):
                self.fail(table, "urls", f"not an http(s) URL: {url!r}")
        return list(value)

    def settings(self, table: str | None, value: object) -> dict[str, object]:
        if not isinstance(value, dict):
            self.fail(table, "settings", "must be a table of Scrapy settings, NAME = value")
        for name in value:
            if not _SETTING_NAME.fullmatch(name):
                self.fail(table, f"settings.{name}", "Scrapy setting names are in capitals")
            if name == "ARCHIVE_DIR":
                self.fail(table, f"settings.{name}", "every site goes to one archive: --archive")
        return dict(value)

    def contact(self, table: str | None, value: object) -> str:
        if value == "":
            return ""
        contact = self.string(table, "contact", value)
        if re.fullmatch(r"[^@\s:/]+@[^@\s]+\.[^@\s]+", contact):
            return f"mailto:{contact}"  # an e-mail address, as a URL
        if not re.match(r"(https?://[^/\s]+|mailto:\S+@\S+)", contact):
            self.fail(table, "contact", f"not a URL or an e-mail address: {contact!r}")
        return contact


def due_at(site: SiteConfig, last_started: datetime | None) -> datetime | None:
    """When the site is next due (None: now, it never ran), counted from its last run's
    start, so a long crawl does not push the next one later."""
    return None if last_started is None else last_started + site.period


def is_due(site: SiteConfig, last_started: datetime | None, now: datetime) -> bool:
    """Due, or within DUE_SLACK of its period from due."""
    due = due_at(site, last_started)
    return due is None or due - site.period * DUE_SLACK <= now


def select_sites(
    config: Config,
    names: list[str],
    last_started: dict[str, datetime],
    now: datetime,
) -> tuple[list[SiteConfig], list[SiteConfig]]:
    """The sites to crawl now, in the file's order (those named, else those due), and those
    not due. ConfigError names a site the file does not have."""
    for name in names:
        if name not in config.sites:
            known = ", ".join(config.sites)
            raise ConfigError(config.path, f"no site {name!r} (its sites: {known})")
    if names:
        return [site for site in config.sites.values() if site.name in names], []
    crawl, wait = [], []
    for site in config.sites.values():
        due = is_due(site, last_started.get(site.name), now)
        (crawl if due else wait).append(site)
    return crawl, wait


def config_jobs(
    config: Config,
    names: list[str],
    last_started: dict[str, datetime],
    overrides: dict[str, object],
    since: str | None = None,
) -> tuple[list[CrawlJob], list[str]]:
    """The crawls to run now (the sites named, else those due) and a note on those waiting."""
    now = datetime.now(UTC)
    sites, waiting = select_sites(config, names, last_started, now)
    notes = []
    if waiting:
        later = [
            f"{site.name} ({_minute(due_at(site, last_started.get(site.name)) or now)})"
            for site in waiting
        ]
        notes.append(("Not due" if sites else "Nothing is due") + ": " + ", ".join(later))
    return [site.job(overrides, since) for site in sites], notes


def render_sites(config: Config, last_started: dict[str, datetime], now: datetime) -> str:
    """The configured sites, when each last ran and when it is due next."""
    lines = [
        f"Sites of {config.path}",
        "  site               spider        every  last run           next due",
    ]
    for site in config.sites.values():
        last = last_started.get(site.name)
        due = due_at(site, last)
        when = f"{_minute(due)} (in {_span(due - now)})" if due and due > now else "now"
        when = "now" if is_due(site, last, now) else when
        ran = _minute(last) if last else "never"
        lines.append(f"  {site.name:<18} {site.spider:<13} {site.every:>5}  {ran:<18} {when}")
    return "\n".join(lines)


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%MZ")


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts[:2]) or "<1m"
