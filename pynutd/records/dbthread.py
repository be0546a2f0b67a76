"""The history database's thread: opening the file, and running every call on one thread.

SQLite calls block on the disk, so :class:`~pynutd.records.history.HistoryService`
runs them through a *runner*: ``run(func, *args)`` returns a Deferred of
``func(*args)``.  The real one calls on one dedicated thread, so calls
never overlap and keep their order; tests pass ``maybeDeferred``, which
calls at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorFromThreads
from twisted.python.threadpool import ThreadPool

from pynutd.records.db import HistoryDB

Runner = Callable[..., Deferred[Any]]


def open_database(path: str | None) -> HistoryDB:
    """Open (creating its folder) the history database; in memory when ``path`` is None.

    Raises RuntimeError with a one-line reason: the file is not a
    database, is read-only, is a directory, or its disk is full.  Nothing
    is written to a file that is not a database.
    """
    if path is None or path == ":memory:":
        return HistoryDB(":memory:")
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return HistoryDB(path)
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise RuntimeError(f"cannot open the history database {path}: {reason}") from None


def threaded_runner(reactor: IReactorFromThreads | None, name: str) -> tuple[Runner, ThreadPool]:
    """Return a runner that calls functions on one dedicated thread, and its pool.

    ``reactor`` gets the results back on its thread (the global reactor when None).
    """
    from twisted.internet.threads import deferToThreadPool
    if reactor is None:
        from twisted.internet import reactor as default
        reactor = cast(IReactorFromThreads, default)
    pool = ThreadPool(1, 1, name)
    on = reactor

    def run(func: Callable[..., Any], *args: Any) -> Deferred[Any]:
        return deferToThreadPool(on, pool, func, *args)
    return run, pool
