"""`archiver replay`: a pywb collection over ARCHIVE/warc/, indexed incrementally, served offline.

Layout: ARCHIVE/replay/config.yaml names one collection, `archive`, whose index
is ARCHIVE/replay/indexes/ (one CDXJ file per closed WARC file, written by
cdxj-indexer) and whose WARC files are read in place from ARCHIVE/warc/. A WARC
file is closed and never changes once renamed from `.open`, so a WARC file that
already has its CDXJ file is never indexed again.

pywb pins its own versions of werkzeug, gevent and brotlipy (which shadows the
`brotli` module the crawler uses), so it lives in its own virtualenv, made by
scripts/install-pywb.sh, and runs as a separate process.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cdxj_indexer.main import write_cdx_index

COLLECTION = "archive"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class IndexReport:
    indexed: list[str] = field(default_factory=list)  # WARC files indexed this time
    kept: int = 0  # WARC files already indexed
    dropped: list[str] = field(default_factory=list)  # indexes of WARC files now gone
    lines: int = 0  # CDXJ lines written this time

    def render(self) -> str:
        return (
            f"Replay index: {len(self.indexed)} WARC file(s) indexed ({self.lines} records), "
            f"{self.kept} already indexed, {len(self.dropped)} stale index(es) dropped."
        )


def replay_dir(archive: Path) -> Path:
    return archive / "replay"


def update_collection(archive: Path) -> IndexReport:
    """Index the WARC files that have no CDXJ file yet and write pywb's config."""
    warc_dir = (archive / "warc").resolve()
    index_dir = replay_dir(archive).resolve() / "indexes"
    index_dir.mkdir(parents=True, exist_ok=True)
    report = IndexReport()
    warcs = sorted(warc_dir.glob("*.warc.gz"))  # not *.warc.gz.open: still being written
    for warc in warcs:
        target = index_dir / f"{warc.name}.cdxj"
        if target.exists():
            report.kept += 1
            continue
        report.lines += _index_warc(warc, warc_dir, target)
        report.indexed.append(warc.name)
    names = {f"{warc.name}.cdxj" for warc in warcs}
    for stale in sorted(index_dir.glob("*.cdxj")):
        if stale.name not in names:
            stale.unlink()
            report.dropped.append(stale.name)
    _write_config(archive, warc_dir, index_dir)
    return report


def _index_warc(warc: Path, warc_dir: Path, target: Path) -> int:
    """Write `target` atomically: an interrupted run leaves no half index behind."""
    partial = target.with_name(target.name + ".part")
    with partial.open("w", encoding="utf-8") as out:
        # dir_root makes each line's `filename` relative to warc_dir, where pywb looks.
        write_cdx_index(out, [str(warc)], {"sort": True, "dir_root": str(warc_dir)})
    lines = sum(1 for _ in partial.open(encoding="utf-8"))
    partial.replace(target)
    return lines


def _write_config(archive: Path, warc_dir: Path, index_dir: Path) -> None:
    config = (
        "# Written by `archiver replay`; rewritten on every run.\n"
        "collections:\n"
        f"  {COLLECTION}:\n"
        f"    index_paths: {index_dir}/\n"
        f"    archive_paths: {warc_dir}/\n"
        "framed_replay: true\n"
    )
    (replay_dir(archive) / "config.yaml").write_text(config, encoding="utf-8")


def find_wayback() -> str:
    """pywb's `wayback`: $ARCHIVER_WAYBACK, beside this Python, ./.venv-pywb, or PATH."""
    candidates = [
        os.environ.get("ARCHIVER_WAYBACK"),
        str(Path(sys.executable).parent / "wayback"),
        str(Path.cwd() / ".venv-pywb" / "bin" / "wayback"),
        str(PROJECT_ROOT / ".venv-pywb" / "bin" / "wayback"),
        shutil.which("wayback"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("pywb's `wayback` not found: run scripts/install-pywb.sh")


def wayback_command(archive: Path, host: str, port: int) -> list[str]:
    """The pywb command line that serves the collection of `archive`."""
    root = str(replay_dir(archive).resolve())
    return [find_wayback(), "--bind", host, "--port", str(port), "--directory", root]


def serve_replay(archive: Path, port: int, host: str = "127.0.0.1") -> None:
    """Serve the collection until interrupted; pages replay at /archive/<timestamp>/<url>."""
    command = wayback_command(archive, host, port)
    sys.stdout.flush()
    # The server replaces this process, so Ctrl-C and kill reach it directly.
    os.execv(command[0], command)
