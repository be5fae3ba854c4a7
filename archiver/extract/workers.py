"""Processes that read pages beside the one that saves: the crawl's worker and `reparse --jobs`."""

from __future__ import annotations

import multiprocessing
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
        initargs=(setup, *setup_args),
    )
    pool.submit(int).result()  # forks every worker
    return pool


def _worker_start(setup: Callable[..., None] | None, *setup_args: Any) -> None:
    # A forked worker shares the crawl's lock (flock is per open file): one that outlives a
    # killed crawl by the second it takes to notice would refuse the crawl that resumes it.
    release_inherited_locks()
    if setup is not None:
        setup(*setup_args)
