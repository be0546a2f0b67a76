"""The history database: SQLite tables for samples, minute averages and events.

Plain synchronous code with no Twisted in it; :mod:`pynutd.records.history`
runs every call on one background thread, so the reactor never waits for the
disk.  The file is in WAL mode with ``synchronous=NORMAL``: a write is one
transaction, and a crashed or killed process loses at most the batch it
was writing, never the file.

Raw samples (every poll) are kept for ``raw_retention`` seconds; a rollup
folds them into per-minute averages, kept with the events for
``retention`` seconds.  Queries over long ranges read the minute table.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    ups TEXT NOT NULL, t REAL NOT NULL, var TEXT NOT NULL, value REAL NOT NULL);
CREATE INDEX IF NOT EXISTS samples_by_var ON samples (ups, var, t);
CREATE INDEX IF NOT EXISTS samples_by_time ON samples (t);
CREATE TABLE IF NOT EXISTS minutes (
    ups TEXT NOT NULL, var TEXT NOT NULL, t INTEGER NOT NULL,
    avg REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (ups, var, t)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ups TEXT NOT NULL, t REAL NOT NULL,
    kind TEXT NOT NULL, message TEXT NOT NULL, user TEXT, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_time ON events (t);
CREATE INDEX IF NOT EXISTS events_by_ups ON events (ups, t);
"""

MINUTE = 60

Sample = tuple[str, float, str, float]     # ups, time, variable, value


class EntryKind(enum.StrEnum):
    """What an event-log entry is about.

    The values are what the ``kind`` column holds and the web API sends and
    filters on (``/api/v1/events?kind=``); they never change, so stored
    history stays readable.
    """

    STATUS = "status"              # ups.status changed
    COMM = "comm"                  # communication established, lost, restored
    ALARM = "alarm"                # the UPS's own ups.alarm
    ALERT = "alert"                # a pynutd alert rule raised
    ALERT_CLEAR = "alert_clear"    # ... and cleared
    SETVAR = "setvar"
    INSTCMD = "instcmd"
    FSD = "fsd"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One event-log entry, before or after it is stored (``id`` then set)."""

    ups: str
    time: float
    kind: EntryKind
    message: str
    user: str | None = None
    detail: Any = None
    id: int | None = None

    def to_json(self, tz: tzinfo | None = None) -> dict[str, Any]:
        """Return the JSON form of ``/events`` (``iso``: local time, or in ``tz``)."""
        stamp = datetime.fromtimestamp(self.time, tz).replace(tzinfo=None)
        return {"id": self.id, "ups": self.ups, "time": self.time,
                "iso": stamp.isoformat(timespec="seconds"),
                "kind": self.kind, "message": self.message, "user": self.user,
                "detail": self.detail if self.detail is not None else {}}


KINDS = frozenset(EntryKind)


class HistoryDB:
    """One SQLite connection; every method must run on the same thread."""

    def __init__(self, path: str) -> None:
        # The connection is opened here and then used by the history thread
        # only (calls never overlap), hence check_same_thread=False.
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self.conn.execute("PRAGMA busy_timeout = 5000")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.executescript(SCHEMA)
            # SQLite opens a file it may not write read-only, and says so only
            # at the first write: write once (and roll back), so a read-only
            # file fails here, at open, and not at every batch.
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute("CREATE TABLE pynutd_write_probe (x)")
            finally:
                self.conn.execute("ROLLBACK")
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        """Checkpoint the WAL and close the file."""
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self.conn.close()

    def write(self, samples: Sequence[Sample], events: Sequence[LogEntry]) -> list[int]:
        """Store one batch in one transaction; return the new event ids."""
        ids: list[int] = []
        with self._transaction():
            self.conn.executemany("INSERT INTO samples (ups, t, var, value) VALUES (?, ?, ?, ?)",
                                  samples)
            for e in events:
                cur = self.conn.execute(
                    "INSERT INTO events (ups, t, kind, message, user, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (e.ups, e.time, e.kind, e.message, e.user,
                     json.dumps(e.detail if e.detail is not None else {}, default=str)))
                ids.append(int(cur.lastrowid or 0))
        return ids

    def rollup(self, since: float, until: float) -> None:
        """Fold raw samples of the whole minutes in [since, until) into ``minutes``."""
        lo = int(since // MINUTE) * MINUTE
        hi = int(until // MINUTE) * MINUTE
        if hi <= lo:
            return
        with self._transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO minutes (ups, var, t, avg, min, max, n) "
                "SELECT ups, var, CAST(t / 60 AS INTEGER) * 60, avg(value), min(value), "
                "max(value), count(*) FROM samples WHERE t >= ? AND t < ? "
                "GROUP BY ups, var, CAST(t / 60 AS INTEGER)", (lo, hi))

    def prune(self, now: float, raw_retention: float, retention: float) -> None:
        """Delete raw samples, minutes and events older than their retention."""
        with self._transaction():
            self.conn.execute("DELETE FROM samples WHERE t < ?", (now - raw_retention,))
            self.conn.execute("DELETE FROM minutes WHERE t < ?", (now - retention,))
            self.conn.execute("DELETE FROM events WHERE t < ?", (now - retention,))

    def variables(self, ups: str) -> list[str]:
        """Return the variables that have samples or minutes for ``ups``."""
        rows = self.conn.execute(
            "SELECT DISTINCT var FROM minutes WHERE ups = ? UNION "
            "SELECT DISTINCT var FROM samples WHERE ups = ? ORDER BY 1", (ups, ups))
        return [r[0] for r in rows]

    def series(self, ups: str, var: str, since: float, until: float, step: float,
               raw: bool) -> list[list[float]]:
        """Return ``[[time, value], ...]`` of one variable, averaged per ``step``.

        ``raw`` reads the raw samples (else the minute averages); a step of
        0 returns raw rows as they are.  Each point's time is its bucket's
        start, a multiple of ``step``.
        """
        if raw and step <= 0:
            rows = self.conn.execute(
                "SELECT t, value FROM samples WHERE ups = ? AND var = ? AND t >= ? AND t <= ? "
                "ORDER BY t", (ups, var, since, until))
            return [[float(t), float(v)] for t, v in rows]
        if raw:
            sql = ("SELECT CAST(t / ? AS INTEGER) AS k, avg(value) FROM samples "
                   "WHERE ups = ? AND var = ? AND t >= ? AND t <= ? GROUP BY k ORDER BY k")
        else:
            sql = ("SELECT CAST(t / ? AS INTEGER) AS k, sum(avg * n) / sum(n) FROM minutes "
                   "WHERE ups = ? AND var = ? AND t >= ? AND t <= ? GROUP BY k ORDER BY k")
        rows = self.conn.execute(sql, (step, ups, var, since, until))
        # Buckets are aligned to multiples of the step, so repeated queries agree.
        return [[float(k * step), round(float(v), 6)] for k, v in rows]

    def events(self, ups: str | None, since: float, until: float, limit: int,
               kinds: Iterable[str] = ()) -> list[LogEntry]:
        """Return stored events, newest first."""
        sql = "SELECT id, ups, t, kind, message, user, detail FROM events WHERE t >= ? AND t <= ?"
        args: list[Any] = [since, until]
        if ups is not None:
            sql += " AND ups = ?"
            args.append(ups)
        # Only kinds this version knows are read: a newer pynutd may have
        # stored others in the same file.
        asked = list(kinds)
        wanted = [k for k in asked if k in KINDS] if asked else list(EntryKind)
        if not wanted:
            return []
        sql += f" AND kind IN ({', '.join('?' for _ in wanted)})"
        args.extend(wanted)
        sql += " ORDER BY t DESC, id DESC LIMIT ?"
        args.append(limit)
        return [LogEntry(u, t, EntryKind(k), m, user, json.loads(d), i)
                for i, u, t, k, m, user, d in self.conn.execute(sql, args)]

    def counts(self) -> dict[str, int]:
        """Return the number of rows of each table (for tests and the demo)."""
        return {table: int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in ("samples", "minutes", "events")}

    def _transaction(self) -> _Transaction:
        return _Transaction(self.conn)


class _Transaction:
    """BEGIN ... COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")
