"""History: every UPS's key variables at every poll, and its event log.

:class:`HistoryService` observes the state store on the reactor thread.  It
samples each UPS every ``interval`` seconds when a new poll arrived,
has :class:`~pynutd.eventlog.EventDeriver` turn state changes into log
entries, queues both, and hands
the queue to :class:`~pynutd.historydb.HistoryDB` once a second on a
single background thread.  A slow disk makes the queue longer; it never
stalls the NUT port.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from pynutd.config import HistoryConfig, parse_duration
from pynutd.eventlog import EventDeriver
from pynutd.historydb import HistoryDB, LogEntry, Sample
from pynutd.ups import UpsRegistry

log = logging.getLogger(__name__)

NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]*)?$")
MAX_QUEUE = 200_000          # samples kept while the disk lags; the oldest go first
MAX_EVENTS = 20_000          # the same for events (the database may be off for hours)


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


def threaded_runner(reactor: Any, name: str) -> tuple[Callable[..., Deferred[Any]], ThreadPool]:
    """Return a runner that calls functions on one dedicated thread, and its pool."""
    from twisted.internet.threads import deferToThreadPool
    pool = ThreadPool(1, 1, name)

    def run(func: Callable[..., Any], *args: Any) -> Deferred[Any]:
        return deferToThreadPool(reactor, pool, func, *args)
    return run, pool


class HistoryService(Service):
    """Samples, event log, batching and retention for every UPS.

    ``run(func, *args)`` executes a database call and returns a Deferred;
    by default on a private one-thread pool, synchronously in tests.
    """

    def __init__(self, registry: UpsRegistry, config: HistoryConfig, clock: Any,
                 maxage: float, reactor: Any = None,
                 run: Callable[..., Deferred[Any]] | None = None) -> None:
        self.registry = registry
        self.config = config
        self.clock = clock
        self.maxage = maxage
        self._reactor = reactor or clock
        self._pool: ThreadPool | None = None
        self._threaded = run is None
        self.run: Callable[..., Deferred[Any]] = run or synchronous_runner
        self.db: HistoryDB | None = None
        self.listeners: list[Callable[[LogEntry], None]] = []
        self.recent: deque[LogEntry] = deque(maxlen=500)
        self.write_errors = 0
        self.dropped = 0
        self._samples: list[Sample] = []
        self._events: list[LogEntry] = []
        self._in_flight = 0
        self._sampled: dict[str, float] = {}
        self.events = EventDeriver(registry, clock, maxage, self.add)
        self._rolled = 0.0
        self._loops: list[LoopingCall] = []

    # -- life cycle --------------------------------------------------------
    #
    # Sampling and the database start apart: pynutd runs the database as an
    # optional part (pynutd.parts), so events and samples queue from the
    # first poll even while the file cannot be opened, and are written once
    # it can.  startService/stopService do both, for a HistoryService used alone.

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        self.open().addErrback(lambda f: log.error("%s", f.getErrorMessage()))
        self.start_sampling()

    def stopService(self) -> Deferred[None]:
        super().stopService()  # type: ignore[no-untyped-call]
        self.stop_sampling()
        return self.close()

    def start_sampling(self) -> None:
        """Observe the state store and start the sample, flush and maintenance timers."""
        now = self.clock.seconds()
        self._rolled = now - self.config.raw_retention
        self.registry.subscribe(self.events.observe)
        for func, period in ((self.sample, self.config.interval),
                             (self.flush, self.config.flush_interval),
                             (self.maintain, 60.0)):
            loop = LoopingCall(_guarded, func)
            loop.clock = self.clock
            loop.start(period, now=True)
            self._loops.append(loop)

    def stop_sampling(self) -> None:
        """Stop the timers."""
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self._loops = []

    def open(self) -> Deferred[None]:
        """Open the database on the history thread; queued rows are written from then on.

        The Deferred fails with a one-line RuntimeError if the database
        cannot be used; :meth:`open` may then be tried again (pynutd does,
        every minute).
        """
        if self._threaded:
            # A fresh thread per attempt: a failed one is stopped, not kept idle.
            self.run, self._pool = threaded_runner(self._reactor, "pynutd-history")
            self._pool.start()
        d: Deferred[HistoryDB] = self.run(open_database, self.config.database)

        def opened(db: HistoryDB) -> None:
            self.db = db
            if self._loops:   # sampling already runs: apply the retention now, not in a minute
                self.maintain()

        def failed(failure: Failure) -> Failure:
            self._stop_pool()
            return failure
        return d.addCallbacks(opened, failed)

    def close(self) -> Deferred[None]:
        """Write what is queued, then close the database and its thread."""
        d = self.flush()
        db, self.db = self.db, None

        def close(_: object) -> Deferred[Any] | None:
            # On the database thread, after every queued write.
            return self.run(db.close) if db is not None else None

        def stop_pool(result: object) -> None:
            if isinstance(result, Failure):
                log.error("closing the history database failed: %s", result.getErrorMessage())
            self._stop_pool()
        d.addCallback(close)
        d.addBoth(stop_pool)
        return d

    def _stop_pool(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool = None

    # -- observing the state store (reactor thread) ------------------------

    def add(self, entry: LogEntry) -> None:
        """Queue a log entry and tell the listeners (the live stream)."""
        self._events.append(entry)
        if len(self._events) > MAX_EVENTS:
            self.dropped += 1
            del self._events[0]
        self.recent.append(entry)
        for listener in list(self.listeners):
            try:
                listener(entry)
            except Exception:
                log.exception("history listener failed")

    def sample(self) -> None:
        """Queue one row per key variable of every UPS that polled since last time."""
        for state in self.registry:
            self.events.check_availability(state.name)
            snap = state.snapshot()
            t = snap.last_update
            if t is None or t <= self._sampled.get(state.name, float("-inf")):
                continue
            self._sampled[state.name] = t
            for var in self.config.variables:
                text = snap.value(var)
                if text is not None and NUMBER.match(text.strip()):
                    self._samples.append((state.name, t, var, float(text)))
        if len(self._samples) > MAX_QUEUE:
            drop = len(self._samples) - MAX_QUEUE
            self.dropped += drop
            del self._samples[:drop]

    # -- writing (background thread) --------------------------------------

    def queued(self) -> int:
        """Return how many rows wait to be written."""
        return len(self._samples) + len(self._events)

    def flush(self) -> Deferred[None]:
        """Hand the queue to the database thread (skipped while two batches are in flight)."""
        if self.db is None or (not self._samples and not self._events) or self._in_flight >= 2:
            return succeed(None)
        samples, events = self._samples, self._events
        self._samples, self._events = [], []
        self._in_flight += 1
        d = self.run(self.db.write, samples, events)

        def done(result: Any) -> None:
            self._in_flight -= 1

        def failed(failure: Any) -> None:
            self.write_errors += 1
            log.error("history write failed (%d rows lost): %s",
                      len(samples) + len(events), failure.getErrorMessage())
        d.addErrback(failed)
        d.addBoth(done)
        return d

    def maintain(self) -> Deferred[None]:
        """Roll raw samples up into minutes and apply the retention."""
        if self.db is None:
            return succeed(None)
        now = self.clock.seconds()
        since, self._rolled = self._rolled - 120, now
        db, cfg = self.db, self.config

        def work() -> None:
            db.rollup(since, now)
            db.prune(now, cfg.raw_retention, cfg.retention)
        d = self.run(work)
        d.addErrback(lambda f: log.error("history maintenance failed: %s", f.getErrorMessage()))
        return d

    # -- reading -----------------------------------------------------------

    def query_series(self, ups: str, variables: Iterable[str], since: float, until: float,
                     points: int) -> Deferred[dict[str, Any]]:
        """Return ``{"step": s, "series": {var: [[t, v], ...]}}`` for one UPS."""
        assert self.db is not None
        now = self.clock.seconds()
        raw = since >= now - self.config.raw_retention
        step = float(math.ceil((until - since) / max(points, 1)))
        if raw and step <= self.config.interval:
            step = 0.0
        elif not raw:
            step = float(math.ceil(max(step, 60.0) / 60.0) * 60)
        wanted = list(variables)
        db = self.db

        def work() -> dict[str, Any]:
            names = wanted or db.variables(ups)
            return {"step": step,
                    "series": {v: db.series(ups, v, since, until, step, raw) for v in names}}
        d: Deferred[Any] = self.flush()
        d.addCallback(lambda _: self.run(work))
        return d

    def query_events(self, ups: str | None, since: float, until: float, limit: int,
                     kinds: Iterable[str] = ()) -> Deferred[list[LogEntry]]:
        """Return stored events, newest first (pending ones are written first)."""
        assert self.db is not None
        db, kinds = self.db, list(kinds)
        d: Deferred[Any] = self.flush()
        d.addCallback(lambda _: self.run(db.events, ups, since, until, limit, kinds))
        return d


def synchronous_runner(func: Callable[..., Any], *args: Any) -> Deferred[Any]:
    """A runner for tests: call at once on the calling thread."""
    return maybeDeferred(func, *args)


def _guarded(func: Callable[[], object]) -> object:
    """Run one LoopingCall tick; an exception is logged, so the loop keeps going."""
    try:
        return func()
    except Exception:
        log.exception("history: %s failed", getattr(func, "__name__", func))
        return None


# HistoryConfig and parse_duration are re-exported: their home was here
# before pynutd.config parsed every section.
__all__ = ["HistoryConfig", "HistoryService", "open_database", "parse_duration",
           "synchronous_runner", "threaded_runner"]
