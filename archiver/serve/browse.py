"""`archiver serve`: browse archive.db in Datasette with the shipped configuration.

The configuration (labels, facets, search, canned queries), a template for the
thread view and a small render plugin live in archiver/datasette/. The database
is named after its file, so archive.db is served as `archive`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from archiver.store.schema import open_db

CONFIG_DIR = Path(__file__).parent / "datasette"
DEFAULT_REPLAY_URL = "http://127.0.0.1:8080/archive/"


def datasette_command(db_path: Path, host: str, port: int) -> list[str]:
    """The Datasette command line that serves `db_path` with our configuration."""
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(CONFIG_DIR / "metadata.yaml"),
        "--template-dir",
        str(CONFIG_DIR / "templates"),
        "--plugins-dir",
        str(CONFIG_DIR / "plugins"),
        # A crawl may be writing: read live, and never let a page run long.
        "--setting",
        "sql_time_limit_ms",
        "5000",
    ]


def serve(archive: Path, port: int, host: str = "127.0.0.1", replay_url: str | None = None) -> None:
    """Serve ARCHIVE/archive.db until interrupted; replay links point at `replay_url`."""
    db_path = archive / "archive.db"
    if not db_path.is_file():
        raise FileNotFoundError(f"no database at {db_path}: crawl or reparse first")
    open_db(db_path).close()  # converge an older database on the current views
    os.environ["ARCHIVER_REPLAY_BASE"] = replay_url or DEFAULT_REPLAY_URL
    command = datasette_command(db_path, host, port)
    sys.stdout.flush()
    # The server replaces this process, so Ctrl-C and kill reach it directly.
    os.execv(command[0], command)
