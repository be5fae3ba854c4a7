"""One crawl (or reparse) at a time per archive folder: an advisory lock file."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

_HELD: dict[Path, IO[str]] = {}


class ArchiveLocked(RuntimeError):
    """Another process is writing this archive."""


class ArchiveUnwritable(RuntimeError):
    """The archive folder or its database cannot be written (read-only, full, no access)."""


def lock_archive(archive: Path) -> None:
    """Take ARCHIVE/.lock for this process's lifetime; fail at once if another holds it."""
    key = Path(archive).resolve()
    if key in _HELD:
        return
    try:
        key.mkdir(parents=True, exist_ok=True)
        handle = open(key / ".lock", "a+")  # noqa: SIM115 - held open while the process runs
    except OSError as error:
        raise ArchiveUnwritable(f"cannot write to the archive {key}: {error}") from error
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ArchiveLocked(
            f"archive {key} is in use by {holder}; wait for it to finish or use another --archive"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    _HELD[key] = handle


def release_inherited_locks() -> None:
    """In a forked child: close its copies of the lock files, so only the parent holds them.

    Closing a copy does not unlock: the lock goes with the last descriptor of the file.
    """
    for handle in _HELD.values():
        handle.close()
    _HELD.clear()
