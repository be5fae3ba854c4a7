"""`archiver schedule`: run a crawl every N minutes/hours/days with cron or a systemd user timer.

With a config file (`archiver.ops.config`) there is one timer for all its sites: it
runs `archiver crawl --config FILE --all` often, and each run crawls the sites due.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from archiver.archive.names import check_safe_name
from archiver.store.frontier import parse_duration


def crawl_command(spider: str, archive: Path, urls: list[str]) -> list[str]:
    """The command the schedule runs: this interpreter's archiver, absolute paths."""
    command = [sys.executable, "-m", "archiver.cli", "crawl", spider, "--archive", str(archive)]
    for url in urls:
        command += ["--url", url]
    return command


def sites_command(config: Path, archive: Path) -> list[str]:
    """The command a config's one timer runs: crawl whichever of its sites are due."""
    command = [sys.executable, "-m", "archiver.cli", "crawl", "--config", str(config), "--all"]
    return [*command, "--archive", str(archive)]


def cron_expression(every: timedelta) -> str:
    """A cron schedule for `every`: whole minutes under an hour, hours under a day, or days."""
    minutes = int(every.total_seconds() // 60)
    if minutes < 1:
        raise ValueError("cron cannot run more often than every minute")
    if minutes < 60:
        return f"*/{minutes} * * * *"
    if minutes < 24 * 60:
        return f"0 */{minutes // 60} * * *"
    return f"0 3 */{minutes // (24 * 60)} * *"


def cron_line(spider: str, every: str, archive: Path, urls: list[str]) -> str:
    """A crontab line; cron ends a command at an unescaped `%` (crontab(5)), so each is
    escaped: a percent-encoded URL reaches the crawl as given."""
    return cron_entry(crawl_command(spider, archive, urls), every, archive)


def cron_entry(command: list[str], every: str, archive: Path) -> str:
    """A crontab line running `command` every `every`, its output in ARCHIVE/crawl.log."""
    log = shlex.quote(str(archive / "crawl.log"))
    line = f"{shlex.join(command)} >> {log} 2>&1".replace("%", "\\%")
    return f"{cron_expression(parse_duration(every))} {line}"


def systemd_units(spider: str, every: str, archive: Path, urls: list[str]) -> dict[str, str]:
    """A oneshot service and the timer that starts it, as file name -> content."""
    name = f"news-archiver-{check_safe_name(spider, 'spider name')}"
    return timer_units(name, f"crawl of {spider}", crawl_command(spider, archive, urls), every)


def timer_units(name: str, what: str, command: list[str], every: str) -> dict[str, str]:
    """A oneshot service running `command` and its timer, as file name -> content."""
    parse_duration(every)  # fail early on a bad duration
    # systemd expands `%` specifiers and `$` variables in ExecStart: both doubled.
    line = shlex.join(command).replace("%", "%%").replace("$", "$$")
    service = (
        f"[Unit]\nDescription=news-archiver {what}\n\n[Service]\nType=oneshot\nExecStart={line}\n"
    )
    timer = (
        f"[Unit]\nDescription=Run the news-archiver {what} every {every}\n\n"
        f"[Timer]\nOnActiveSec=1min\nOnUnitInactiveSec={every}\nPersistent=true\n\n"
        f"[Install]\nWantedBy=timers.target\n"
    )
    return {f"{name}.service": service, f"{name}.timer": timer}


def install_systemd(units: dict[str, str], home: Path) -> list[str]:
    """Write the units for the current user; enable the timer when systemctl can."""
    folder = home / ".config" / "systemd" / "user"
    folder.mkdir(parents=True, exist_ok=True)
    for filename, content in units.items():
        (folder / filename).write_text(content)
    timer = next(name for name in units if name.endswith(".timer"))
    enable = ["systemctl", "--user", "enable", "--now", timer]
    notes = [f"wrote {folder / name}" for name in units]
    if shutil.which("systemctl"):
        subprocess.run(["systemctl", "--user", "daemon-reload"], check=False)
        done = subprocess.run(enable, check=False, capture_output=True, text=True)
        if done.returncode == 0:
            return [*notes, f"enabled {timer}"]
    return [*notes, "enable it with: " + shlex.join(enable)]


def install_cron(line: str) -> list[str]:
    """Add the line to the current user's crontab, once."""
    if not shutil.which("crontab"):
        raise RuntimeError("crontab is not installed; use --systemd, or add the line by hand")
    current = subprocess.run(["crontab", "-l"], capture_output=True, text=True)
    existing = current.stdout if current.returncode == 0 else ""
    if line in existing.splitlines():
        return ["already in the crontab"]
    subprocess.run(["crontab", "-"], input=existing + line + "\n", text=True, check=True)
    return ["added to the crontab"]


@dataclass(frozen=True)
class Timer:
    """One scheduled command: a spider's crawl, or a config's sites when they are due."""

    name: str  # the systemd units' name
    what: str
    command: list[str]
    every: str
    archive: Path

    @classmethod
    def for_spider(cls, spider: str, every: str, archive: Path, urls: list[str]) -> Timer:
        name = f"news-archiver-{check_safe_name(spider, 'spider name')}"
        return cls(name, f"crawl of {spider}", crawl_command(spider, archive, urls), every, archive)

    @classmethod
    def for_config(cls, config: Path, every: str, archive: Path) -> Timer:
        what = f"crawl of the sites due in {config}"
        return cls("news-archiver-sites", what, sites_command(config, archive), every, archive)

    def render(self, systemd: bool) -> str:
        """The cron line, or the systemd units each under a `# file name` line."""
        if not systemd:
            return cron_entry(self.command, self.every, self.archive)
        units = timer_units(self.name, self.what, self.command, self.every)
        return "\n".join(f"# {name}\n{content}" for name, content in units.items())

    def install(self, systemd: bool, home: Path) -> list[str]:
        """Install it for the current user; what was done, as notes."""
        if systemd:
            return install_systemd(
                timer_units(self.name, self.what, self.command, self.every), home
            )
        return install_cron(cron_entry(self.command, self.every, self.archive))
