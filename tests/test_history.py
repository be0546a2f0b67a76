"""History: rows written at every poll, events derived, rollup, retention, queries."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from twisted.internet import task
from twisted.internet.defer import maybeDeferred

from pynutd.config import HistoryConfig, parse_duration
from pynutd.records.db import EntryKind, HistoryDB, LogEntry
from pynutd.records.history import HistoryService
from pynutd.ups import EventKind, UpsRegistry, UpsState
from tests.faults import failing_first
from tests.webhelpers import T0, basic, make_harness, request


def make_service(tmp_path: Path, **cfg: object) -> tuple[HistoryService, UpsState, task.Clock]:
    clock = task.Clock()
    clock.advance(T0)
    state = UpsState("ups")
    state.set_connected(True, clock.seconds())
    state.update({"ups.status": "OL", "battery.charge": "100", "input.voltage": "230.0",
                  "ups.mfr": "Acme"}, clock.seconds())
    config = HistoryConfig(database=str(tmp_path / "h.sqlite"), **cfg)  # type: ignore[arg-type]
    service = HistoryService(UpsRegistry([state]), config, clock, 15, run=maybeDeferred)
    service.startService()
    return service, state, clock


def test_rows_written_at_every_poll(tmp_path: Path) -> None:
    """Each new poll gives one row per numeric key variable; an unchanged poll time none."""
    service, state, clock = make_service(tmp_path)
    for charge in ("99", "98", "98"):
        clock.advance(2)
        state.update({"battery.charge": charge}, clock.seconds())
        clock.advance(0.5)   # sampler and flush
        service.sample()
        service.flush()
    clock.advance(5)         # no poll: nothing new
    service.sample()
    service.flush()
    db = sqlite3.connect(tmp_path / "h.sqlite")
    rows = db.execute("SELECT t, value FROM samples WHERE var='battery.charge' ORDER BY t").fetchall()
    assert rows == [(T0, 100.0), (T0 + 2, 99.0), (T0 + 4.5, 98.0), (T0 + 7, 98.0)]
    assert {r[0] for r in db.execute("SELECT DISTINCT var FROM samples")} == \
        {"battery.charge", "input.voltage"}          # ups.mfr is not a number
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_events_are_derived_and_stored(tmp_path: Path) -> None:
    """Status changes, comm lost/restored, alarms, writes and alerts become log entries."""
    service, state, clock = make_service(tmp_path)
    clock.advance(1)
    state.update({"ups.status": "OB DISCHRG"}, clock.seconds())
    state.update({"ups.status": "OB DISCHRG LB"}, clock.seconds())
    state.update({"ups.alarm": "Overheat"}, clock.seconds())
    state.record(EventKind.SETVAR, clock.seconds(),
                 {"var": "ups.delay", "value": "30", "address": "10.0.0.9"}, "admin")
    state.record(EventKind.INSTCMD, clock.seconds(),
                 {"command": "load.off", "param": None, "address": "web:127.0.0.1"}, "bob")
    state.record(EventKind.ALERT, clock.seconds(),
                 {"rule": "load_high", "message": "High load", "var": "ups.load", "value": 85.0,
                  "threshold": 80.0})
    clock.advance(20)        # no poll for longer than MAXAGE
    state.update({"ups.status": "OL"}, clock.seconds())
    messages = [(e.kind, e.message, e.user) for e in service.recent]
    assert messages == [
        ("status", "on battery (OL -> OB DISCHRG)", None),
        ("status", "low battery (OB DISCHRG -> OB DISCHRG LB)", None),
        ("alarm", "device alarm: Overheat", None),
        ("setvar", "ups.delay set to '30' by admin (10.0.0.9)", "admin"),
        ("instcmd", "command load.off run by bob (web:127.0.0.1)", "bob"),
        ("alert", "alert: High load (ups.load 85)", None),
        ("comm", "communication lost (DATA-STALE)", None),   # the sampler, at MAXAGE
        ("status", "on line power, battery no longer low (OB DISCHRG LB -> OL)", None),
        ("comm", "communication restored", None),
    ]
    clock.advance(16)
    service.sample()         # stale by the clock: no state event, the sampler sees it
    state.update({"battery.charge": "90"}, clock.seconds())
    stored = service.query_events(None, 0, clock.seconds(), 100)
    kinds = [(e.kind, e.message) for e in stored.result]  # type: ignore[attr-defined]
    assert kinds[:2] == [("comm", "communication restored"),
                         ("comm", "communication lost (DATA-STALE)")]
    assert len(kinds) == 11 and all(e.id for e in stored.result)  # type: ignore[attr-defined]


def test_retention_and_rollup(tmp_path: Path) -> None:
    """Raw rows go after raw_retention, minutes and events after retention."""
    db = HistoryDB(str(tmp_path / "r.sqlite"))
    samples = [("ups", T0 + i * 10, "ups.load", float(i)) for i in range(36)]   # 6 minutes
    db.write(samples, [LogEntry("ups", T0, EntryKind.STATUS, "old"),
                       LogEntry("ups", T0 + 3000, EntryKind.STATUS, "new")])
    db.rollup(T0 - 60, T0 + 360)           # only whole minutes: T0 is 20 s into one
    minutes = db.conn.execute("SELECT t, avg, min, max, n FROM minutes ORDER BY t").fetchall()
    start = int(T0 // 60) * 60
    assert (minutes[0][0], sum(m[4] for m in minutes)) == (start, 34)
    assert minutes[1] == (start + 60, 6.5, 4.0, 9.0, 6)
    db.rollup(T0 - 60, T0 + 400)
    assert db.counts()["minutes"] == 7
    db.prune(T0 + 3600, raw_retention=3600 - 200, retention=3600 - 100)
    counts = db.counts()
    assert counts["samples"] == len([s for s in samples if s[1] >= T0 + 200])
    assert counts["events"] == 1
    minutes_left = [t for (t,) in db.conn.execute("SELECT t FROM minutes")]
    assert minutes_left and min(minutes_left) >= T0 + 100
    assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_service_maintenance_applies_retention(tmp_path: Path) -> None:
    """The minute loop rolls up and prunes with the configured retentions."""
    service, state, clock = make_service(tmp_path, raw_retention=120.0, retention=600.0)
    for _ in range(100):
        clock.advance(2)
        state.update({"battery.charge": str(50 + int(clock.seconds()) % 7)}, clock.seconds())
    service.sample()
    for _ in range(150):   # 300 s more of fresh polls; sample, flush and maintain run meanwhile
        clock.advance(2)
        state.update({"battery.charge": str(50 + int(clock.seconds()) % 7)}, clock.seconds())
    assert service.db is not None
    counts = service.db.counts()
    oldest, newest = service.db.conn.execute("SELECT min(t), max(t) FROM samples").fetchone()
    # Rows are written (newest is recent) and pruned: none older than the raw
    # retention plus one maintenance period, though 500 s of rows were written.
    assert newest is not None and newest >= clock.seconds() - 60
    assert oldest >= clock.seconds() - 120 - 60
    assert counts["minutes"] > 0


def test_query_series_raw_and_downsampled(tmp_path: Path) -> None:
    """Short ranges return raw rows; long ranges bucket-average; minutes beyond raw."""
    db_path = tmp_path / "q.sqlite"
    service, _state, clock = make_service(tmp_path)
    assert service.db is not None
    service.db.write([("ups", T0 + i, "ups.load", float(i % 10)) for i in range(1, 601)], [])
    clock.advance(600)
    raw = service.query_series("ups", ["ups.load"], T0 + 1, T0 + 10, 500).result  # type: ignore
    assert raw["step"] == 0.0 and len(raw["series"]["ups.load"]) == 10
    coarse = service.query_series("ups", ["ups.load"], T0, T0 + 600, 10).result  # type: ignore
    assert coarse["step"] == 60.0
    points = coarse["series"]["ups.load"]
    assert all(p[0] % 60 == 0 for p in points) and 10 <= len(points) <= 11
    assert all(0 <= p[1] <= 9 for p in points)
    service.db.rollup(T0, T0 + 600)
    clock.advance(3 * 86400)   # the raw window has passed
    old = service.query_series("ups", [], T0, T0 + 600, 500).result  # type: ignore
    assert old["step"] == 60.0 and list(old["series"]) == ["battery.charge", "input.voltage",
                                                          "ups.load"]
    assert not db_path.exists()


def test_history_endpoints() -> None:
    """/history and /events answer from the service; bad parameters are 400."""
    h = make_harness()
    service = HistoryService(h.registry, HistoryConfig(), h.clock, 15, run=maybeDeferred)
    service.startService()
    h.ctx.history = service
    h.clock.advance(2)
    h.main.update({"ups.load": "50"}, h.clock.seconds())
    h.clock.advance(2)
    request(h.site, "POST", "/api/v1/devices/main/command/load.off", b"",
            basic("admin", "adminpw"))
    body = request(h.site, "GET", "/api/v1/devices/main/history?var=ups.load&since=-1m").json()
    assert body["ups"] == "main" and body["step"] == 0.0
    assert [v for _, v in body["series"]["ups.load"]] == [23.0, 50.0]
    events = request(h.site, "GET", "/api/v1/devices/main/events").json()
    assert events[0]["kind"] == "instcmd" and events[0]["user"] == "admin"
    assert events[0]["message"].startswith("command load.off run by admin")
    all_events = request(h.site, "GET", "/api/v1/events?kind=alert").json()
    assert {e["ups"] for e in all_events} == {"spare"} or all_events == []
    assert request(h.site, "GET", "/api/v1/devices?meta=x").status == 400
    backwards = request(h.site, "GET", "/api/v1/devices/main/history?since=-1h&until=-2h").json()
    assert backwards["series"]["ups.load"] == []
    for bad in ("since=yesterday", "points=3", "limit=x", "kind=nope", "until="):
        path = "/api/v1/devices/main/history?" + bad if "limit" not in bad and "kind" not in bad \
            else "/api/v1/events?" + bad
        assert request(h.site, "GET", path).status == 400, bad


def test_history_not_running_is_503() -> None:
    """Without a history service the endpoints say so."""
    h = make_harness()
    assert request(h.site, "GET", "/api/v1/events").status == 503


@pytest.mark.parametrize("text,seconds", [("30d", 2592000), ("48h", 172800), ("15m", 900),
                                          ("90", 90), ("1.5h", 5400)])
def test_parse_duration(text: str, seconds: float) -> None:
    """Durations take s/m/h/d suffixes; plain numbers are seconds."""
    assert parse_duration(text) == seconds


def test_slow_disk_never_blocks(tmp_path: Path) -> None:
    """With writes stuck on the database thread, polling and events go on; rows queue up."""
    from twisted.internet.defer import Deferred

    from pynutd.records.dbthread import open_database

    stuck: list[Deferred[None]] = []

    def never(func: object, *args: object) -> Deferred[None]:
        if func is open_database:      # the file opens; then every write hangs
            return maybeDeferred(func, *args)
        d: Deferred[None] = Deferred()
        stuck.append(d)
        return d

    clock = task.Clock()
    clock.advance(T0)
    state = UpsState("ups")
    state.set_connected(True, clock.seconds())
    state.update({"ups.status": "OL", "ups.load": "10"}, clock.seconds())
    service = HistoryService(UpsRegistry([state]), HistoryConfig(), clock, 15, run=never)
    seen: list[LogEntry] = []
    service.listeners.append(seen.append)
    service.startService()
    for i in range(30):
        clock.advance(1)
        state.update({"ups.load": str(11 + i), "ups.status": "OB" if i % 2 else "OL"},
                     clock.seconds())
    assert len(stuck) <= 3           # at most two batches in flight, plus maintenance
    assert service.queued() > 0      # the rest waits in memory
    assert len([e for e in seen if e.kind == "status"]) == 29   # live events unaffected
    stuck[0].callback(None)          # the disk catches up: the next flush goes out
    clock.advance(1)
    assert len(stuck) >= 3


def test_refused_command_is_logged_as_refused():
    """A command the device refuses shows as failed in the event log, with who asked."""
    from twisted.internet import task
    from twisted.internet.defer import fail

    from pynutd.control import record_outcome
    from pynutd.records.events import EventDeriver

    clock = task.Clock()
    state = UpsState("ups")
    entries = []
    registry = UpsRegistry([state])
    registry.subscribe(EventDeriver(registry, clock, 15, entries.append).observe)
    d = record_outcome(state, EventKind.INSTCMD, clock,
                       {"command": "load.off", "param": None, "address": "127.0.0.1"},
                       "admin", fail(OSError("no answer from slave 10")))
    d.addErrback(lambda f: None)
    assert [e.message for e in entries if e.kind == "instcmd"] == [
        "command load.off failed: no answer from slave 10 by admin (127.0.0.1)"]


def test_history_timers_outlive_a_failing_tick(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """A sample, flush or maintenance tick that raises or fails is logged; the timers go on."""
    clock = task.Clock()
    clock.advance(T0)
    state = UpsState("ups")
    state.set_connected(True, clock.seconds())
    state.update({"ups.status": "OL", "ups.load": "10"}, clock.seconds())
    config = HistoryConfig(database=str(tmp_path / "h.sqlite"))
    service = HistoryService(UpsRegistry([state]), config, clock, 15, run=maybeDeferred)
    service.sample = failing_first(service.sample)      # type: ignore[method-assign]
    service.flush = failing_first(service.flush)        # type: ignore[method-assign]
    service.maintain = failing_first(service.maintain)  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, "pynutd.records.history"):
        service.startService()
        for i in range(200):
            clock.advance(1)
            state.update({"ups.load": str(10 + i % 7)}, clock.seconds())
    assert service.db is not None
    counts = service.db.counts()
    assert counts["samples"] >= 90 and counts["minutes"] >= 1
    failed = [r.getMessage().split(" failed")[0] for r in caplog.records]
    assert sorted(failed) == ["history flush"] * 2 + ["history maintenance"] * 2 + \
        ["history sample"] * 2


def test_stored_kinds_read_back(tmp_path: Path) -> None:
    """Kinds stored as plain strings read back as EntryKind; one this version lacks is skipped."""
    # The stored names never change: history written by any pynutd stays readable.
    assert [k.value for k in EntryKind] == ["status", "comm", "alarm", "alert", "alert_clear",
                                           "setvar", "instcmd", "fsd"]
    # The state events that become log entries keep their names in the log.
    assert {"setvar", "instcmd", "fsd", "alert", "alert_clear"} <= {k.value for k in EventKind}
    db = HistoryDB(str(tmp_path / "k.sqlite"))
    db.conn.executemany(
        "INSERT INTO events (ups, t, kind, message, user, detail) VALUES (?, ?, ?, ?, NULL, '{}')",
        [("ups", 1.0, "alert_clear", "cleared"), ("ups", 2.0, "from_a_newer_pynutd", "new"),
         ("ups", 3.0, "status", "on battery")])
    entries = db.events(None, 0, 10, 100)
    assert [(e.kind, e.message) for e in entries] == [(EntryKind.STATUS, "on battery"),
                                                       (EntryKind.ALERT_CLEAR, "cleared")]
    assert all(isinstance(e.kind, EntryKind) for e in entries)
    assert [e.message for e in db.events(None, 0, 10, 100, ["alert_clear"])] == ["cleared"]
    assert db.events(None, 0, 10, 100, ["from_a_newer_pynutd"]) == []
    db.close()
