"""make_service's records and web side: sections read once, listeners and optional parts wired."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest
from twisted.internet.defer import maybeDeferred
from twisted.internet.testing import MemoryReactorClock

from pynutd import config as configmod
from pynutd.listeners import LISTEN_BACKLOG
from pynutd.records.dbthread import open_database
from pynutd.records.telemetry import TelemetryLog, telemetry_line
from pynutd.service import PynutdService, make_service
from pynutd.web.api import health
from pynutd.web.metrics import render_metrics
from tests.faults import failing_first


def load(tmp_path: Path, ini: str) -> configmod.Config:
    (tmp_path / "ups.conf").write_text("[serverroom]\n driver = dummy-ups\n port = x.dev\n")
    (tmp_path / "upsd.conf").write_text("LISTEN 127.0.0.1 3493\n")
    (tmp_path / "pynutd.conf").write_text(ini)
    return configmod.load(tmp_path)


def build(conf: configmod.Config) -> tuple[PynutdService, MemoryReactorClock]:
    reactor = MemoryReactorClock()
    return make_service(conf, reactor, run=maybeDeferred), reactor


def started(conf: configmod.Config) -> tuple[PynutdService, MemoryReactorClock]:
    service, reactor = build(conf)
    service.privilegedStartService()
    service.startService()
    return service, reactor


def listening(reactor: MemoryReactorClock) -> list[tuple[int, str, int]]:
    return [(port, interface, backlog) for port, _, backlog, interface in reactor.tcpServers]


def test_defaults_listen_on_8080_with_the_nut_backlog(tmp_path: Path) -> None:
    """Without [web] the site listens on 127.0.0.1:8080, with the NUT port's deep backlog."""
    service, reactor = started(load(tmp_path, ""))
    assert listening(reactor) == [(3493, "127.0.0.1", LISTEN_BACKLOG),
                                  (8080, "127.0.0.1", LISTEN_BACKLOG)]
    names = [s.name for s in service]
    assert names[names.index("alerts"):] == ["alerts", "history-sampler", "history",
                                             "telemetry-log", "stream", "web"]
    assert service.parts.status == {"history": "ok", "web": "ok"}
    service.stopService()


def test_configured_listener_and_disabled_web(tmp_path: Path) -> None:
    """[web] listen/port are used; enabled = no leaves out only the listener."""
    service, reactor = started(load(tmp_path, "[web]\nlisten = *\nport = 9999\n"))
    assert listening(reactor)[1] == (9999, "0.0.0.0", LISTEN_BACKLOG)
    service.stopService()
    off, _ = build(load(tmp_path, "[web]\nenabled = no\n"))
    assert "history" in [s.name for s in off]
    assert "web" not in [s.name for s in off] and "web" not in off.parts.status


def test_ipv6_listen(tmp_path: Path) -> None:
    """An IPv6 [web] listen address gets an IPv6 listener."""
    service, reactor = started(load(tmp_path, "[web]\nlisten = ::1\nport = 8081\n"))
    assert listening(reactor)[1] == (8081, "::1", LISTEN_BACKLOG)
    service.stopService()


def test_allowed_origins_reach_the_web_context(tmp_path: Path) -> None:
    """[web] allowed_origins is handed to the web side as parsed."""
    service, _ = build(load(tmp_path, "[web]\nallowed_origins = https://UPS.example.com\n"))
    assert service.web_context.allowed_origins == ("https://ups.example.com",)


def test_log_file_rotates(tmp_path: Path) -> None:
    """[log] file adds a rotating handler to the root logger while the service runs."""
    conf = load(tmp_path, "[log]\nfile = pynutd.log\nmax_bytes = 200\nbackups = 2\n")
    service, _ = started(conf)
    try:
        assert service.parts.status["log-file"] == "ok"
        for i in range(20):
            logging.getLogger("pynutd.test").warning("line %d of the rotation test", i)
    finally:
        service.stopService()
    assert (tmp_path / "pynutd.log").exists() and (tmp_path / "pynutd.log.1").exists()
    assert not (tmp_path / "pynutd.log.3").exists()
    before = (tmp_path / "pynutd.log").read_text()
    logging.getLogger("pynutd.test").warning("after stop")
    assert (tmp_path / "pynutd.log").read_text() == before


def test_history_off_then_retried(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A database path that is a directory: history is off (health, metrics), NUT listens, retried."""
    (tmp_path / "h.sqlite").mkdir()
    service, reactor = started(load(tmp_path, "[history]\ndatabase = h.sqlite\n"))
    try:
        assert listening(reactor)[0] == (3493, "127.0.0.1", LISTEN_BACKLOG)
        state = service.parts.status["history"]
        assert state.startswith(f"off: cannot open the history database {tmp_path}/h.sqlite")
        body: Any = health(service.web_context, None)  # type: ignore[arg-type]
        assert body["parts"] == {"history": state, "web": "ok"}
        metrics = render_metrics(service.web_context).decode()
        assert 'pynutd_part_up{part="history"} 0.0' in metrics
        assert 'pynutd_part_up{part="web"} 1.0' in metrics
        reactor.advance(60)                      # still a directory: still off, not logged again
        (tmp_path / "h.sqlite").rmdir()
        service.reload()                         # SIGHUP: tried at once
        assert service.parts.status["history"] == "ok"
        assert service.history.db is not None
    finally:
        service.stopService()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len([e for e in errors if e.startswith("history is off")]) == 1


def test_telemetry_line(caplog: pytest.LogCaptureFixture) -> None:
    """mustmon.py's line per poll, at INFO, at most once per interval per UPS."""
    from twisted.internet import task

    from pynutd.ups import UpsRegistry, UpsState
    clock = task.Clock()
    state = UpsState("ups")
    state.update({"input.voltage": "225.6", "output.voltage": "224.8",
                  "battery.voltage": "13.6", "ups.load": "14"}, clock.seconds())
    assert telemetry_line(state.snapshot()) == "Vin=225.6V, Vout=224.8V, Batt=13.6V, Load=14%"
    tlog = TelemetryLog(UpsRegistry([state]), clock, 30)
    with caplog.at_level(logging.INFO, "pynutd.telemetry"):
        tlog.start()
        for _ in range(60):
            clock.advance(1)
            state.update({"ups.load": str(14 + int(clock.seconds()) % 2)}, clock.seconds())
    lines = [r.getMessage() for r in caplog.records if r.name == "pynutd.telemetry"]
    assert len(lines) == 2
    assert lines[0].startswith("[ups] Vin=225.6V, Vout=224.8V, Batt=13.6V, Load=")
    assert all(r.levelname == "INFO" for r in caplog.records if r.name == "pynutd.telemetry")
    tlog.stop()


def test_telemetry_log_outlives_a_failing_tick(caplog: pytest.LogCaptureFixture) -> None:
    """A tick that raises or fails is logged, and the next poll's line is still written."""
    from twisted.internet import task

    from pynutd.ups import UpsRegistry, UpsState
    clock = task.Clock()
    state = UpsState("ups")
    tlog = TelemetryLog(UpsRegistry([state]), clock, 0)
    tlog.tick = failing_first(tlog.tick)  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO):
        tlog.start()
        clock.pump([1.0, 1.0])           # the raising tick, the failing tick
        state.update({"ups.load": "14"}, clock.seconds())
        clock.advance(1)
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert lines == ["[ups] Load=14%"]
    errors = [r.getMessage()[:20] for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["telemetry log failed"] * 2
    tlog.stop()


def test_history_database_folder(tmp_path: Path) -> None:
    """The database's folder is created; an unusable path is one line, and nothing is written."""
    db = open_database(str(tmp_path / "new" / "dir" / "h.sqlite"))
    db.close()
    assert (tmp_path / "new" / "dir" / "h.sqlite").exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(RuntimeError, match="cannot open the history database"):
        open_database(str(tmp_path / "file" / "h.sqlite"))
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database\n" * 500)
    with pytest.raises(RuntimeError, match=r"garbage\.sqlite: file is not a database"):
        open_database(str(garbage))
    assert garbage.read_bytes() == b"not a database\n" * 500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "garbage.sqlite", "new"]


def test_read_only_database_file_fails_at_open(tmp_path: Path) -> None:
    """A database file SQLite may only read (chattr +i: root can write anything else) fails
    at open, not at every batch later."""
    path = tmp_path / "h.sqlite"
    open_database(str(path)).close()
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode:
        pytest.skip("chattr +i is not supported here")
    try:
        with pytest.raises(RuntimeError, match="attempt to write a readonly database"):
            open_database(str(path))
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_peanut_server_is_the_nut_port(tmp_path: Path) -> None:
    """The web side learns the NUT port's address: PeaNUT's peanut.server (issue 13.2)."""
    (tmp_path / "ups.conf").write_text("[serverroom]\n driver = dummy-ups\n port = x.dev\n")
    (tmp_path / "upsd.conf").write_text("LISTEN 192.0.2.9 3495\nLISTEN 127.0.0.1 3493\n")
    (tmp_path / "pynutd.conf").write_text("")
    service, _ = build(configmod.load(tmp_path))
    assert service.web_context.nut_address == ("192.0.2.9", 3495)
