"""`archiver schedule`: run a crawl every N minutes/hours/days with cron or a systemd user timer."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
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
    command = shlex.join(crawl_command(spider, archive, urls))
    log = shlex.quote(str(archive / "crawl.log"))
    line = f"{command} >> {log} 2>&1".replace("%", "\\%")
    return f"{cron_expression(parse_duration(every))} {line}"


def systemd_units(spider: str, every: str, archive: Path, urls: list[str]) -> dict[str, str]:
    """A oneshot service and the timer that starts it, as file name -> content."""
    parse_duration(every)  # fail early on a bad duration
    name = f"news-archiver-{check_safe_name(spider, 'spider name')}"
    # systemd expands `%` specifiers and `$` variables in ExecStart: both doubled.
    command = shlex.join(crawl_command(spider, archive, urls))
    command = command.replace("%", "%%").replace("$", "$$")
    service = (
        f"[Unit]\nDescription=news-archiver crawl of {spider}\n\n"
        f"[Service]\nType=oneshot\nExecStart={command}\n"
    )
    timer = (
        f"[Unit]\nDescription=Run the news-archiver crawl of {spider} every {every}\n\n"
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
