"""MQTT against a real broker: Debian's mosquitto, a real pynutd, paho subscribing, upsc as the judge.

Each test starts mosquitto on a free loopback port (tests/integration/
mosquitto.py) and pynutd as a subprocess (harness.Pynutd) with a
dummy-ups polled every second, and always kills both.  Home Assistant's
discovery configs are judged by tests/mqtt_schema.py, the state by the
real ``upsc``; kill -9, a broker restart and Home Assistant's requests
are done for real.
"""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import Pynutd, run
from tests.integration.mosquitto import Listener, Mosquitto
from tests.mqtt_schema import problems

DEV = """\
device.mfr: ACME
device.model: Rack 1500
device.serial: AB123
ups.mfr: ACME
ups.model: Rack 1500
ups.firmware: 2.10
ups.status: OL CHRG
ups.load: 23
ups.realpower: 180
ups.power: 210
ups.temperature: 31.5
ups.delay.shutdown: 20
battery.charge: 97
battery.runtime: 2400
battery.voltage: 27.2
battery.voltage.nominal: 24
input.voltage: 231.4
input.frequency: 50.0
output.voltage: 230.1
output.frequency: 50.0
"""
POLL = 1.0
STATE = "pynutd/ups/state"
STATUS = "pynutd/status"
CONFIGS = "homeassistant/"


def confdir(path: Path, broker: Mosquitto, extra: str = "",
            users: str = "[admin]\n password = pw\n actions = SET\n") -> Path:
    path.mkdir(exist_ok=True)
    (path / "ups.dev").write_text(DEV)
    (path / "ups.conf").write_text(f"[ups]\n driver = dummy-ups\n port = ups.dev\n"
                                   f" pollinterval = {POLL}\n desc = \"Rack UPS\"\n")
    (path / "upsd.users").write_text(users)
    (path / "pynutd.conf").write_text(
        f"[mqtt]\nhost = 127.0.0.1\nport = {broker.port}\n{extra}")
    return path


@contextmanager
def running(tmp_path: Path, extra: str = "", users: str | None = None
            ) -> Iterator[tuple[Mosquitto, Pynutd, Listener]]:
    """mosquitto, pynutd (web on) and a listener on every topic; all stopped afterwards."""
    with Mosquitto(tmp_path) as broker:
        conf = confdir(tmp_path / "conf", broker, extra,
                       *([users] if users is not None else []))
        with Pynutd(conf, web=True, wait_for_ups="ups") as server, \
                Listener(broker.port) as listener:
            try:
                yield broker, server, listener
            finally:
                assert "Traceback" not in server.log(), server.log()


def web(server: Pynutd, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.web_port}{path}", timeout=10) as r:
        body = r.read()
    return json.loads(body) if path.startswith("/api") else body.decode()


def upsc(server: Pynutd) -> dict[str, str]:
    out = run(["upsc", f"ups@127.0.0.1:{server.port}"])
    assert out.returncode == 0, out.stderr
    return dict(line.split(": ", 1) for line in out.stdout.splitlines())


def configs(latest: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return {t: json.loads(p) for t, p in latest.items() if t.startswith(CONFIGS) and p}


LAST_CONFIG = "homeassistant/binary_sensor/pynutd_ups/overload/config"


def has_configs(latest: dict[str, bytes]) -> bool:
    # The state, then every config in the table's order: the last one
    # arrived means all did (one connection keeps the order).
    return STATE in latest and LAST_CONFIG in latest


def test_discovery_configs_pass_home_assistants_schema(tmp_path: Path) -> None:
    """Every retained config is valid; sensors carry HA's classes and units; one device."""
    with running(tmp_path) as (_, server, listener):
        latest = listener.wait(has_configs, what="discovery configs and state")
        found = configs(latest)
        assert [p for t, c in found.items() for p in problems(t, c)] == []
        retained = {t for t, _, r in listener.messages if r}
        assert set(found) <= retained and STATE in retained and STATUS in retained
        by_key = {c["value_template"].split("'")[1]: c for c in found.values()
                  if "value_template" in c}
        assert (by_key["battery.charge"]["device_class"],
                by_key["battery.charge"]["unit_of_measurement"]) == ("battery", "%")
        assert by_key["input.voltage"]["unit_of_measurement"] == "V"
        assert by_key["ups.realpower"]["device_class"] == "power"
        assert by_key["battery.runtime"]["device_class"] == "duration"
        assert {c["device"]["identifiers"][0] for c in found.values()} == {"pynutd_ups"}
        assert by_key["status"]["device"] == {
            "identifiers": ["pynutd_ups"], "name": "Rack UPS", "manufacturer": "ACME",
            "model": "Rack 1500", "serial_number": "AB123", "sw_version": "2.10"}
        for config in found.values():   # every availability topic says online
            for item in config["availability"]:
                assert latest[item["topic"]] == b"online", item
        # No commands_user: no buttons, numbers, selects or texts.
        assert {t.split("/")[1] for t in found} == {"sensor", "binary_sensor"}
        assert web(server, "/api/health")["parts"]["mqtt"] == "ok"
        assert 'pynutd_part_up{part="mqtt"} 1.0' in web(server, "/metrics")


def test_every_state_equals_upscs_reading(tmp_path: Path) -> None:
    """Each NUT variable in the state JSON is what upsc reads; numbers are JSON numbers."""
    with running(tmp_path, "legacy_topic = ups/telemetry\n") as (_, server, listener):
        listener.wait(lambda m: STATE in m and "ups/telemetry" in m, what="state")
        state = listener.json(STATE)
        reading = upsc(server)
        assert {k for k in state if "." in k} == set(reading)
        for name, text in reading.items():
            value = state[name]
            if isinstance(value, (int, float)):
                assert float(text) == value, name
            else:
                assert value == text, name
        assert isinstance(state["battery.charge"], int) and state["battery.charge"] == 97
        assert isinstance(state["input.voltage"], float)
        assert (state["status"], state["online"], state["charging"], state["on_battery"]) == \
            ("Online, Battery Charging", "ON", "ON", "OFF")
        # The MUST monitor's topic: /api/telemetry's JSON, field for field,
        # without recent_warnings (mustmon.py added those on HTTP only).
        telemetry = listener.json("ups/telemetry")
        api = web(server, "/api/telemetry")
        assert "recent_warnings" in api and "recent_warnings" not in telemetry
        assert {k: v for k, v in telemetry.items() if k != "uptime"} == \
            {k: v for k, v in api.items() if k not in ("uptime", "recent_warnings")}


def test_a_set_on_the_nut_port_appears_within_a_poll(tmp_path: Path) -> None:
    """upsrw changes a value; the retained state carries it within about a poll interval."""
    with running(tmp_path) as (_, server, listener):
        listener.wait(lambda m: STATE in m, what="state")
        out = run(["upsrw", "-s", "ups.delay.shutdown=42", "-u", "admin", "-p", "pw",
                   f"ups@127.0.0.1:{server.port}"])
        assert out.returncode == 0, out.stderr
        sent = time.monotonic()
        listener.wait(lambda m: json.loads(m[STATE])["ups.delay.shutdown"] == 42,
                      timeout=10, what="ups.delay.shutdown = 42")
        # The driver's next poll (<= 1 s), then at most one interval of rate limit.
        assert time.monotonic() - sent < 2 * POLL + 1.0


def test_kill_9_gives_offline_and_a_restart_online(tmp_path: Path) -> None:
    """The broker's last will says offline when pynutd dies; the next pynutd says online."""
    with running(tmp_path) as (_, server, listener):
        listener.wait(lambda m: m.get(STATUS) == b"online", what="online")
        assert server.proc is not None
        server.proc.kill()
        server.proc.wait(10)
        listener.wait(lambda m: m.get(STATUS) == b"offline", timeout=10, what="the last will")
        listener.clear()
        server.__enter__()   # the same configuration again (the harness rewrites its ports)
        listener.wait(lambda m: m.get(STATUS) == b"online" and STATE in m, what="online")


def test_a_clean_stop_says_offline(tmp_path: Path) -> None:
    """SIGTERM: pynutd itself publishes offline before it disconnects."""
    with running(tmp_path) as (_, server, listener):
        listener.wait(lambda m: m.get(STATUS) == b"online", what="online")
        server._stop()
        listener.wait(lambda m: m.get(STATUS) == b"offline", timeout=10, what="offline")


def test_a_broker_restart_is_survived(tmp_path: Path) -> None:
    """The broker dies: NUT goes on, health says off, once in the log; back: all re-published."""
    with running(tmp_path) as (broker, server, listener):
        listener.wait(has_configs, what="discovery")
        count = len(configs(listener.latest))
        broker.stop()
        server.wait_until(lambda: web(server, "/api/health")["parts"]["mqtt"].startswith(
            "off: lost the broker"), 10)
        assert upsc(server)["battery.charge"] == "97"
        listener.clear()
        broker.start()   # same port; it remembers no retained message
        latest = listener.wait(lambda m: len(configs(m)) == count and STATE in m
                               and m.get(STATUS) == b"online", timeout=20,
                               what="discovery re-published")
        assert [p for t, c in configs(latest).items() for p in problems(t, c)] == []
        server.wait_until(lambda: web(server, "/api/health")["parts"]["mqtt"] == "ok", 10)
        log = server.log()
        assert log.count("MQTT: lost the broker") == 1, log
        assert log.count("MQTT: connected to") == 2, log


def events(server: Pynutd, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = web(server, f"/api/v1/devices/ups/events?kind={kind}")
    return found


def test_commands_from_home_assistant_with_and_without_the_right(tmp_path: Path) -> None:
    """As commands_user: a setting it may make is made and logged; a command it may not run
    is refused; after upsd.users grants it (SIGHUP), the command reaches the driver."""
    users = "[admin]\n password = pw\n actions = SET\n[hass]\n password = x\n actions = SET\n"
    with running(tmp_path, "commands_user = hass\n", users) as (_, server, listener):
        number = "homeassistant/number/pynutd_ups/ups_delay_shutdown/config"
        listener.wait(lambda m: number in m, what="the number entity")
        time.sleep(0.5)   # every config is sent in one burst: let the rest arrive
        assert not [t for t in configs(listener.latest) if "/button/" in t]   # no right yet
        listener.publish("pynutd/ups/set/ups.delay.shutdown", "55")
        server.wait_until(lambda: upsc(server)["ups.delay.shutdown"] == "55", 10)
        server.wait_until(lambda: events(server, "setvar") != [], 10)
        setvar = events(server, "setvar")[0]
        assert (setvar["user"], setvar["detail"]["address"], setvar["detail"]["value"]) == \
            ("hass", "mqtt", "55")

        listener.publish("pynutd/ups/command/load.off", "PRESS")
        server.wait_until(lambda: "MQTT request refused: user hass may not run load.off "
                          "(instcmds)" in server.log(), 10)
        listener.publish("pynutd/ups/set/ups.delay.shutdown", "5\n5")
        server.wait_until(lambda: "does not accept '5\\n5': INVALID-VALUE" in server.log(), 10)
        assert events(server, "instcmd") == [] and len(events(server, "setvar")) == 1

        (server.confdir / "upsd.users").write_text(users + " instcmds = load.off\n")
        server.reload()
        server.wait_until(lambda: "configuration reloaded" in server.log(), 10)
        listener.publish("pynutd/ups/command/load.off", "PRESS")
        server.wait_until(lambda: events(server, "instcmd") != [], 10)
        instcmd = events(server, "instcmd")[0]
        assert instcmd["user"] == "hass" and instcmd["detail"]["command"] == "load.off"
        assert re.match(r"failed: dummy-ups does not handle", instcmd["detail"]["result"])


@pytest.mark.parametrize("setting", ["discovery = no\n", "topic_prefix = home/ups\n"])
def test_discovery_off_and_another_prefix(tmp_path: Path, setting: str) -> None:
    """discovery = no publishes no config; topic_prefix moves every pynutd topic."""
    with running(tmp_path, setting) as (_, _server, listener):
        prefix = "home/ups" if "prefix" in setting else "pynutd"
        latest = listener.wait(lambda m: f"{prefix}/ups/state" in m
                               and m.get(f"{prefix}/status") == b"online", what="state")
        time.sleep(0.5)   # let anything else retained arrive
        found = configs(listener.latest)
        if "discovery" in setting:
            assert found == {}
        else:
            assert found and all(c["state_topic"] == "home/ups/ups/state"
                                 for c in found.values() if "state_topic" in c)
        assert not [t for t in latest if t.startswith("pynutd/")] or prefix == "pynutd"


def test_broker_down_at_start(tmp_path: Path) -> None:
    """No broker yet: the NUT port serves, health says why MQTT is off, one log line; the broker
    comes: everything is published without a restart."""
    broker = Mosquitto(tmp_path)
    # Hold the broker's port (bound, not listening: connections are refused) so
    # that no other process, pynutd's own ports included, takes it meanwhile.
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", broker.port))
    try:
        conf = confdir(tmp_path / "conf", broker)
        with Pynutd(conf, web=True, wait_for_ups="ups") as server:
            server.wait_until(lambda: "unreachable" in web(server, "/api/health")["parts"]
                              ["mqtt"], 10)
            assert upsc(server)["battery.charge"] == "97"
            assert 'pynutd_part_up{part="mqtt"} 0.0' in web(server, "/metrics")
            time.sleep(3.5)   # the retries after 1 s and 3 s failed too: still one line
            assert server.log().count("MQTT: broker 127.0.0.1") == 1, server.log()
            holder.close()
            broker.start()
            with Listener(broker.port) as listener:
                listener.wait(has_configs, timeout=20, what="discovery after the broker came")
            server.wait_until(lambda: web(server, "/api/health")["parts"]["mqtt"] == "ok", 10)
            assert "Traceback" not in server.log()
    finally:
        holder.close()
        broker.stop()
