"""make_web_service: pynutd.conf sections checked up front, listener and parts wired."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from twisted.internet.testing import MemoryReactorClock

from pynutd import config as configmod
from pynutd.config import ConfigError
from pynutd.history import HistoryConfig, synchronous_runner
from pynutd.nut.descriptions import Descriptions
from pynutd.nut.session import ServerContext
from pynutd.ups import UpsRegistry
from pynutd.web import make_web_service
from pynutd.web.logsetup import LogConfig, TelemetryLog, telemetry_line


def load(tmp_path: Path, ini: str) -> configmod.Config:
    (tmp_path / "ups.conf").write_text("[serverroom]\n driver = dummy-ups\n port = x.dev\n")
    (tmp_path / "pynutd.conf").write_text(ini)
    return configmod.load(tmp_path)


def build(conf: configmod.Config) -> tuple[object, MemoryReactorClock]:
    reactor = MemoryReactorClock()
    registry = UpsRegistry()
    context = ServerContext(registry=registry, users={}, descriptions=Descriptions(),
                            maxage=15, clock=reactor)
    return make_web_service(conf, registry, reactor, context, Descriptions(),
                            run=synchronous_runner), reactor


def test_defaults_listen_on_8080(tmp_path: Path) -> None:
    """Without [web] the site listens on 127.0.0.1:8080."""
    service, reactor = build(load(tmp_path, ""))
    service.privilegedStartService()  # type: ignore[attr-defined]
    service.startService()            # type: ignore[attr-defined]
    port, _, _, interface = reactor.tcpServers[0]
    assert (port, interface) == (8080, "127.0.0.1")
    names = [s.name for s in service]  # type: ignore[attr-defined]
    assert names == ["alerts", "history", "telemetry-log", "stream", "web:[127.0.0.1]:8080"]
    service.stopService()             # type: ignore[attr-defined]


def test_configured_listener_and_disabled_web(tmp_path: Path) -> None:
    """[web] listen/port are used; enabled = no leaves out only the listener."""
    service, reactor = build(load(tmp_path, "[web]\nlisten = *\nport = 9999\n"))
    service.privilegedStartService()  # type: ignore[attr-defined]
    service.startService()            # type: ignore[attr-defined]
    assert reactor.tcpServers[0][0] == 9999 and reactor.tcpServers[0][3] == "0.0.0.0"
    service.stopService()             # type: ignore[attr-defined]
    off, _ = build(load(tmp_path, "[web]\nenabled = no\n"))
    assert "history" in [s.name for s in off]  # type: ignore[attr-defined]
    assert not any(s.name.startswith("web:") for s in off)  # type: ignore[attr-defined]


@pytest.mark.parametrize("ini,line,message", [
    ("[web]\nport = 99999\n", 2, "[web] port must be 0..65535"),
    ("[web]\nbind = 1.2.3.4\n", 2, "[web] unknown key 'bind'"),
    ("[web]\nenabled = maybe\n", 2, "enabled must be yes or no"),
    ("[history]\n\nretention = forever\n", 3, "[history] retention must be a duration"),
    ("[history]\nwhat = 1\n", 2, "[history] unknown key 'what'"),
    ("[log]\nmax_bytes = -5\n", 2, "[log] max_bytes must be a positive integer"),
    ("[log]\ncolour = yes\n", 2, "[log] unknown key 'colour'"),
    ("[alerts]\nload_high = x\n", 2, "load_high must be a number"),
])
def test_bad_sections_are_config_errors(tmp_path: Path, ini: str, line: int, message: str) -> None:
    """Each bad value is reported as pynutd.conf:line before anything listens."""
    with pytest.raises(ConfigError) as info:
        build(load(tmp_path, ini))
    assert info.value.line == line
    assert message in str(info.value)


def test_history_config(tmp_path: Path) -> None:
    """[history] values; a relative database is under the configuration directory."""
    conf = load(tmp_path, "[history]\ndatabase = h.sqlite\nretention = 7d\nraw_retention = 2h\n"
                          "interval = 5\nvariables = ups.load, battery.charge\n")
    cfg = HistoryConfig.from_config(conf)
    assert cfg == HistoryConfig(str(tmp_path / "h.sqlite"), 7 * 86400, 7200, 5.0,
                                ("ups.load", "battery.charge"))
    assert HistoryConfig.from_config(load(tmp_path, "")).database is None


def test_log_file_rotates(tmp_path: Path) -> None:
    """[log] file adds a rotating handler to the root logger while the service runs."""
    conf = load(tmp_path, "[log]\nfile = pynutd.log\nmax_bytes = 200\nbackups = 2\n")
    assert LogConfig.from_config(conf).file == str(tmp_path / "pynutd.log")
    service, _ = build(conf)
    service.startService()            # type: ignore[attr-defined]
    try:
        for i in range(20):
            logging.getLogger("pynutd.test").warning("line %d of the rotation test", i)
    finally:
        service.stopService()         # type: ignore[attr-defined]
    assert (tmp_path / "pynutd.log").exists() and (tmp_path / "pynutd.log.1").exists()
    assert not (tmp_path / "pynutd.log.3").exists()
    before = (tmp_path / "pynutd.log").read_text()
    logging.getLogger("pynutd.test").warning("after stop")
    assert (tmp_path / "pynutd.log").read_text() == before


def test_telemetry_line(caplog: pytest.LogCaptureFixture) -> None:
    """The seed's line per poll, at INFO, at most once per interval per UPS."""
    from twisted.internet import task

    from pynutd.ups import UpsState
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


def test_ipv6_listen(tmp_path: Path) -> None:
    """An IPv6 [web] listen address gets an IPv6 listener."""
    service, reactor = build(load(tmp_path, "[web]\nlisten = ::1\nport = 8081\n"))
    service.privilegedStartService()  # type: ignore[attr-defined]
    service.startService()            # type: ignore[attr-defined]
    assert reactor.tcpServers[0][0] == 8081 and reactor.tcpServers[0][3] == "::1"
    service.stopService()             # type: ignore[attr-defined]


def test_history_database_folder(tmp_path: Path) -> None:
    """The database's folder is created; an unusable path stops start-up with one line."""
    from pynutd.history import open_database
    db = open_database(str(tmp_path / "new" / "dir" / "h.sqlite"))
    db.close()
    assert (tmp_path / "new" / "dir" / "h.sqlite").exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(RuntimeError, match="cannot open the history database"):
        open_database(str(tmp_path / "file" / "h.sqlite"))
