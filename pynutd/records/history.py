"""History: every UPS's key variables at every poll, and its event log, on disk.

:class:`HistoryService` observes the state store on the reactor thread.  It
samples each UPS every ``interval`` seconds when a new poll arrived, has
:class:`~pynutd.records.events.EventDeriver` turn state changes into log
entries, queues both (:class:`~pynutd.records.queue.HistoryQueue`), and
hands the queue to :class:`~pynutd.records.db.HistoryDB` once a second on a
single background thread (:mod:`pynutd.records.dbthread`).  A slow disk
makes the queue longer; it never stalls the NUT port.  Once a minute it
rolls raw samples up into minutes and applies the retention.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IReactorFromThreads, IReactorTime
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from pynutd.config import HistoryConfig
from pynutd.loops import start_loop
from pynutd.records.db import HistoryDB, LogEntry
from pynutd.records.dbthread import Runner, open_database, threaded_runner
from pynutd.records.discharges import Row, discharge_rows
from pynutd.records.events import EventDeriver
from pynutd.records.queue import HistoryQueue
from pynutd.ups import UpsRegistry

log = logging.getLogger(__name__)

MAINTENANCE_INTERVAL = 60.0    # seconds between rollup and retention runs


class HistoryService(Service):
    """Samples, event log, batching and retention for every UPS.

    ``run(func, *args)`` executes a database call and returns a Deferred:
    by default on a private one-thread pool of ``reactor``; tests pass
    ``maybeDeferred`` (at once, on the calling thread).
    """

    def __init__(self, registry: UpsRegistry, config: HistoryConfig, clock: IReactorTime,
                 maxage: float, reactor: IReactorFromThreads | None = None,
                 run: Runner | None = None) -> None:
        self.registry = registry
        self.config = config
        self.clock = clock
        self.maxage = maxage
        self._reactor = reactor
        self._pool: ThreadPool | None = None
        self._threaded = run is None
        # Replaced by the thread's runner when open() starts it; nothing
        # runs before, as there is no database yet.
        self.run: Runner = run or maybeDeferred
        self.db: HistoryDB | None = None
        self.listeners: list[Callable[[LogEntry], None]] = []
        self.recent: deque[LogEntry] = deque(maxlen=500)
        self.write_errors = 0
        self.queue = HistoryQueue(config.variables)
        self._in_flight = 0
        self.events = EventDeriver(registry, clock, maxage, self.add)
        self._rolled = 0.0
        self._loops: list[LoopingCall] = []
        # Called each time the database opens (a runtime estimate reads its discharges).
        self.when_open: list[Callable[[], object]] = []

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
        for func, period, what in ((self.sample, self.config.interval, "sample"),
                                   (self.flush, self.config.flush_interval, "flush"),
                                   (self.maintain, MAINTENANCE_INTERVAL, "maintenance")):
            self._loops.append(start_loop(func, period, self.clock, log, f"history {what}",
                                          now=True))

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
            for hook in self.when_open:
                try:
                    hook()
                except Exception:
                    log.exception("history: a hook failed after the database opened")

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
        self.queue.add(entry)
        self.recent.append(entry)
        for listener in list(self.listeners):
            try:
                listener(entry)
            except Exception:
                log.exception("history listener failed")

    def discharges(self, ups: str) -> Deferred[list[Row]]:
        """The raw-retention window's (time, on battery, charge, load W) rows of ``ups``."""
        if self.db is None:
            return succeed([])
        now = self.clock.seconds()
        return self.run(discharge_rows, self.db, ups, now - self.config.raw_retention, now)

    def sample(self) -> None:
        """Queue one row per key variable of every UPS that polled since last time."""
        for state in self.registry:
            self.events.check_availability(state.name)
            self.queue.sample(state.snapshot())
        self.queue.trim()

    # -- writing (background thread) --------------------------------------

    def queued(self) -> int:
        """Return how many rows wait to be written."""
        return len(self.queue)

    def flush(self) -> Deferred[None]:
        """Hand the queue to the database thread (skipped while two batches are in flight)."""
        if self.db is None or not self.queue or self._in_flight >= 2:
            return succeed(None)
        samples, events = self.queue.take()
        self._in_flight += 1
        d = self.run(self.db.write, samples, events)

        def done(result: object) -> None:
            self._in_flight -= 1

        def failed(failure: Failure) -> None:
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
        raw, step = series_step(self.config, self.clock.seconds(), since, until, points)
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


def series_step(config: HistoryConfig, now: float, since: float, until: float,
                points: int) -> tuple[bool, float]:
    """Return whether a query reads raw samples, and its step in seconds (0: every row).

    Within the raw retention, raw rows are averaged over ``points``
    buckets, or returned as they are when a bucket would be no longer than
    the sampling interval; beyond it, minutes are averaged over whole minutes.
    """
    raw = since >= now - config.raw_retention
    step = float(math.ceil((until - since) / max(points, 1)))
    if raw and step <= config.interval:
        step = 0.0
    elif not raw:
        step = float(math.ceil(max(step, 60.0) / 60.0) * 60)
    return raw, step
