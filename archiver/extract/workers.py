"""Processes that read pages beside the one that saves: the crawl's worker and `reparse --jobs`."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from archiver.archive.lock import release_inherited_locks


def forked_pool(
    workers: int, setup: Callable[..., None] | None = None, *setup_args: Any
) -> ProcessPoolExecutor:
    """Worker processes forked now, sharing this process's imports (they start in ms) and
    nothing opened later, such as a database connection. Each worker first lets go of
    the archive lock it inherited, then calls `setup(*setup_args)` if given."""
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_start,
        initargs=(os.getpid(), setup, *setup_args),
    )
    pool.submit(int).result()  # forks every worker
    return pool


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process the moment its parent dies (Linux prctl).

    A SIGKILLed crawl or reparse runs no cleanup: without this its workers would
    live on, holding memory and file descriptors. Where prctl is missing (not
    Linux), the crawl's worker still watches its parent (crawl.extraction).
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(0)


_PR_SET_PDEATHSIG = 1


def _worker_start(parent: int, setup: Callable[..., None] | None, *setup_args: Any) -> None:
    # A forked worker shares the crawl's lock (flock is per open file): one that outlives a
    # killed crawl by the second it takes to notice would refuse the crawl that resumes it.
    release_inherited_locks()
    die_with_parent(parent)
    if setup is not None:
        setup(*setup_args)
