"""The MQTT publisher on task.Clock with a recording client: what is published when, and what it logs."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from pynutd.config import MqttConfig, User
from pynutd.mqtt.outbox import Message
from pynutd.mqtt.service import MqttService
from pynutd.ups import UpsRegistry, UpsState, VarSpec

USERS = {"hass": User("hass", "pw", frozenset({"set"}), frozenset({"load.off"}))}


class Recorder:
    """Stands for MqttClient: records publishes and subscriptions; the test says when it connects."""

    def __init__(self, config: MqttConfig, reactor: Any, handler: Any, status_topic: str) -> None:
        self.handler = handler
        self.status_topic = status_topic
        self.connected = False
        self.sent: list[Message] = []
        self.filters: list[str] = []
        self.started = self.stopped = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> Deferred[None]:
        self.stopped = True
        return succeed(None)

    def publish(self, message: Message) -> None:
        assert self.connected
        self.sent.append(message)

    def subscribe(self, filters: list[str]) -> None:
        self.filters.extend(filters)

    def connect(self) -> None:
        self.connected = True
        self.handler.connected()

    def lose(self, reason: str = "Unspecified error") -> None:
        self.connected = False
        self.handler.disconnected(reason)

    def topics(self) -> list[str]:
        return [m.topic for m in self.sent]

    def last(self, topic: str) -> bytes:
        return [m.payload for m in self.sent if m.topic == topic][-1]


class Rig:
    """A registry with one polled UPS, an MqttService on a Clock, and its recording client."""

    def __init__(self, **settings: Any) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.registry = UpsRegistry()
        self.state = self.add("ups")
        self.parts: dict[str, str] = {}
        config = MqttConfig(host="broker", **settings)
        self.service = MqttService(config, self.registry, self.clock, self.parts,
                                   lambda: USERS, maxage=15.0, interval=lambda _: 2.0,
                                   alerts=lambda _: [], make_client=Recorder)
        self.service.startService()
        self.first = self.service.start_client()
        self.client: Recorder = self.service.client

    def add(self, name: str) -> UpsState:
        state = UpsState(name, None, "dummy-ups")
        self.registry.add(state)
        self.poll(state, {"ups.status": "OL", "battery.charge": "90",
                          "ups.delay.shutdown": "20"})
        state.set_connected(True, self.clock.seconds())
        return state

    def poll(self, state: UpsState | None = None, values: dict[str, str] | None = None) -> None:
        state = state or self.state
        state.update(values or {}, self.clock.seconds(),
                     {"ups.delay.shutdown": VarSpec(rw=True), "ups.status": VarSpec(string_len=32)},
                     ("load.off",))

    def states(self) -> list[dict[str, Any]]:
        return [json.loads(m.payload) for m in self.client.sent if m.topic == "pynutd/ups/state"]


def test_nothing_before_the_broker_answers() -> None:
    """Until the first connection: nothing sent, the part says it is connecting."""
    rig = Rig()
    assert rig.client.started and rig.client.sent == []
    assert rig.parts == {"mqtt": "off: connecting to broker:1883"}
    assert not rig.first.called


def test_connect_publishes_everything_retained() -> None:
    """online, each UPS's availability, state and discovery; subscriptions; the part is ok."""
    rig = Rig(commands_user="hass")
    rig.client.connect()
    topics = rig.client.topics()
    assert topics[:3] == ["pynutd/status", "pynutd/ups/availability", "pynutd/ups/state"]
    assert rig.client.last("pynutd/status") == b"online"
    assert rig.client.last("pynutd/ups/availability") == b"online"
    assert rig.states()[-1]["battery.charge"] == 90
    assert "homeassistant/sensor/pynutd_ups/battery_charge/config" in topics
    assert "homeassistant/button/pynutd_ups/load_off/config" in topics
    assert "homeassistant/number/pynutd_ups/ups_delay_shutdown/config" in topics
    assert all(m.retain for m in rig.client.sent)
    assert rig.client.filters == ["homeassistant/status", "pynutd/+/command/+", "pynutd/+/set/+"]
    assert rig.first.called and rig.parts["mqtt"] == "ok"


def test_at_most_once_per_poll_interval() -> None:
    """Changes within one poll interval are published once, with the latest values, at its end."""
    rig = Rig()
    rig.client.connect()
    rig.clock.advance(0.5)
    rig.poll(values={"battery.charge": "89"})
    rig.clock.advance(0.5)
    rig.poll(values={"battery.charge": "88"})
    assert [s["battery.charge"] for s in rig.states()] == [90]
    rig.clock.advance(1.0)
    assert [s["battery.charge"] for s in rig.states()] == [90, 88]
    rig.clock.advance(5)
    rig.poll(values={"battery.charge": "87"})
    assert [s["battery.charge"] for s in rig.states()] == [90, 88, 87]


def test_an_unchanged_payload_is_not_sent_again() -> None:
    """A poll that changes no value sends nothing (retained messages stay)."""
    rig = Rig()
    rig.client.connect()
    count = len(rig.client.sent)
    rig.clock.advance(3)
    rig.poll(values={"battery.charge": "90"})
    rig.clock.advance(3)
    assert len(rig.client.sent) == count


def test_stale_by_maxage_makes_the_ups_unavailable() -> None:
    """No poll for MAXAGE: availability offline within a second; a poll brings it back."""
    rig = Rig()
    rig.client.connect()
    rig.clock.advance(15)
    assert rig.client.last("pynutd/ups/availability") == b"online"
    rig.clock.advance(1)
    assert rig.client.last("pynutd/ups/availability") == b"offline"
    rig.poll(values={"battery.charge": "80"})
    assert rig.client.last("pynutd/ups/availability") == b"online"


def test_reconnect_publishes_everything_again(caplog: pytest.LogCaptureFixture) -> None:
    """After a lost connection: one warning, the part off, and on reconnect all of it again."""
    rig = Rig()
    rig.client.connect()
    first = list(rig.client.sent)
    rig.client.sent.clear()
    with caplog.at_level(logging.INFO, "pynutd.mqtt.service"):
        rig.client.lose()
        rig.service.unreachable()
        rig.service.unreachable()
        assert rig.parts["mqtt"] == "off: broker broker:1883 unreachable; retrying"
        rig.client.connect()
    assert [m.topic for m in rig.client.sent] == [m.topic for m in first]
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "MQTT: lost the broker broker:1883 (Unspecified error); reconnecting with backoff",
        "MQTT: broker broker:1883 unreachable; retrying with backoff (1 s up to 30 s)",
        "MQTT: connected to broker:1883"]
    assert rig.parts["mqtt"] == "ok"


def test_refused_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    """Bad credentials: one error naming the settings to check."""
    rig = Rig()
    with caplog.at_level(logging.ERROR, "pynutd.mqtt.service"):
        rig.service.refused("Not authorized")
        rig.service.refused("Not authorized")
    assert len(caplog.records) == 1
    assert "refused the connection: Not authorized (check [mqtt] username" in caplog.text
    assert rig.parts["mqtt"].startswith("off: broker broker:1883 refused")


def test_home_assistant_birth_republishes() -> None:
    """Home Assistant saying online on its status topic gets every config and state again."""
    rig = Rig()
    rig.client.connect()
    count = len(rig.client.sent)
    rig.service.message("homeassistant/status", b"offline")
    assert len(rig.client.sent) == count
    rig.service.message("homeassistant/status", b"online")
    assert rig.client.topics()[count:] == rig.client.topics()[:count]


def test_entities_that_go_away_are_removed() -> None:
    """A variable the UPS no longer has: its config is cleared (empty retained payload)."""
    rig = Rig()
    rig.client.connect()
    rig.clock.advance(3)
    rig.state.update({"ups.status": "OL"}, rig.clock.seconds(), replace_all=True)
    assert rig.client.last("homeassistant/sensor/pynutd_ups/battery_charge/config") == b""


def test_a_removed_ups_is_cleared() -> None:
    """A UPS dropped from ups.conf by a reload: every retained topic of it is emptied."""
    rig = Rig()
    rig.add("other")
    rig.client.connect()
    owned = {t for t in rig.client.topics() if "other" in t}
    rig.registry.remove("other")
    rig.clock.advance(1)
    cleared = {m.topic for m in rig.client.sent if m.payload == b""}
    assert owned and cleared == owned


def test_discovery_off() -> None:
    """discovery = no: state and availability only."""
    rig = Rig(discovery=False)
    rig.client.connect()
    assert not [t for t in rig.client.topics() if t.startswith("homeassistant/")]
    assert rig.client.filters == []


def test_legacy_topic_gets_the_seed_telemetry() -> None:
    """legacy_topic carries /api/telemetry's JSON of the first UPS."""
    rig = Rig(legacy_topic="ups/telemetry")
    rig.add("second")
    rig.client.connect()
    body = json.loads(rig.client.last("ups/telemetry"))
    assert body["battery_level"] == 90 and body["status"] == "online"
    assert set(body) >= {"input_voltage", "load_percent", "timestamp", "uptime", "alarms"}


def test_stop_cancels_and_disconnects() -> None:
    """Stopping stops the check loop, pending publishes and the client."""
    rig = Rig()
    rig.client.connect()
    rig.clock.advance(0.5)
    rig.poll(values={"battery.charge": "10"})
    rig.service.stopService()
    assert rig.client.stopped and rig.service.client is None
    assert rig.clock.getDelayedCalls() == []


@pytest.mark.parametrize(("pynutd_conf", "listen", "parts"), [
    ("", "127.0.0.1 3493", set()),
    ("[mqtt]\nhost = broker\n", "127.0.0.1 3493", {"mqtt"}),
    ("", "0.0.0.0 3493", {"zeroconf"}),
    ("[mqtt]\nhost = broker\nenabled = no\n[zeroconf]\nenabled = no\n", "0.0.0.0 3493", set()),
])
def test_wiring(tmp_path: Any, pynutd_conf: str, listen: str, parts: set[str]) -> None:
    """MQTT is a part when [mqtt] names a broker; zeroconf when a listener is not loopback."""
    from twisted.internet.testing import MemoryReactorClock

    from pynutd import config
    from pynutd.service import make_service
    (tmp_path / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n")
    (tmp_path / "upsd.conf").write_text(f"LISTEN {listen}\n")
    (tmp_path / "pynutd.conf").write_text(pynutd_conf)
    service = make_service(config.load(tmp_path), MemoryReactorClock())
    assert set(service.parts.status) & {"mqtt", "zeroconf"} == parts
    assert ("mqtt-publisher" in service.namedServices) == ("mqtt" in parts)
