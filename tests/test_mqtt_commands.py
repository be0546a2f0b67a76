"""Home Assistant's requests over MQTT: through the write contract with commands_user's rights, or refused."""

from __future__ import annotations

import logging

import pytest
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from pynutd.config import User
from pynutd.control import CommandUnknown
from pynutd.mqtt.commands import Commands
from pynutd.mqtt.topics import Topics, ident
from pynutd.ups import Event, UpsState, VarSpec

SPECS = {
    "ups.delay.shutdown": VarSpec(rw=True, ranges=((0, 600),)),
    "input.sensitivity": VarSpec(rw=True, string_len=1, enums=("L", "M", "H")),
    "battery.charge": VarSpec(),
}
USERS = {
    "hass": User("hass", "pw", frozenset({"set"}), frozenset({"beeper.mute", "load.off"})),
    "viewer": User("viewer", "pw", frozenset(), frozenset()),
}


class Device:
    """A controller that records what it is asked and answers as told."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str | None]] = []
        self.answer: Deferred[None] | None = None

    def set_var(self, name: str, value: str) -> Deferred[None]:
        self.asked.append(("set", name, value))
        return self.answer or succeed(None)

    def instcmd(self, name: str, param: str | None) -> Deferred[None]:
        self.asked.append(("instcmd", name, param))
        return self.answer or succeed(None)


class Rig:
    """One UPS, its device, the recorded events and a Commands acting as ``user``."""

    def __init__(self, user: str = "hass") -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.state = UpsState("Rack.1", None, "dummy-ups")
        self.state.update({"ups.status": "OL", "ups.delay.shutdown": "20",
                           "input.sensitivity": "M", "battery.charge": "90"},
                          self.clock.seconds(), SPECS, ("beeper.mute", "load.off", "shutdown.stayoff"))
        self.state.set_connected(True, self.clock.seconds())
        self.device = Device()
        self.state.controller = self.device
        self.events: list[Event] = []
        self.state.subscribe(self.events.append)
        self.users = dict(USERS)
        topics = Topics("pynutd")
        self.commands = Commands(
            topics, user, lambda: self.users,
            lambda i: self.state if i == ident(self.state.name) else None, self.clock, 15.0)

    def send(self, topic: str, payload: bytes) -> Deferred[None] | None:
        return self.commands.handle(topic, payload)

    def recorded(self) -> list[tuple[str, dict, str | None]]:
        return [(e.kind, dict(e.detail), e.user) for e in self.events
                if e.kind in ("setvar", "instcmd")]


def test_a_setting_goes_through_the_write_contract() -> None:
    """A value from Home Assistant reaches the device and the event log as the commands_user."""
    rig = Rig()
    assert rig.send("pynutd/Rack_1/set/ups.delay.shutdown", b"30") is not None
    assert rig.device.asked == [("set", "ups.delay.shutdown", "30")]
    assert rig.recorded() == [("setvar", {"var": "ups.delay.shutdown", "value": "30",
                                          "address": "mqtt", "result": "ok"}, "hass")]


def test_a_button_runs_the_command() -> None:
    """PRESS (or nothing) means no parameter; the command's case is the UPS's."""
    rig = Rig()
    rig.send("pynutd/Rack_1/command/BEEPER.MUTE", b"PRESS")
    rig.send("pynutd/Rack_1/command/load.off", b"")
    rig.send("pynutd/Rack_1/command/load.off", b"10")
    assert rig.device.asked == [("instcmd", "beeper.mute", None), ("instcmd", "load.off", None),
                                ("instcmd", "load.off", "10")]
    assert [d["command"] for _, d, _ in rig.recorded()] == ["beeper.mute", "load.off",
                                                            "load.off"]


def test_the_device_refusing_is_recorded_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A driver's refusal ends in the event log as failed, and one warning."""
    rig = Rig()
    rig.device.answer = fail(CommandUnknown("dummy-ups does not handle load.off"))
    with caplog.at_level(logging.WARNING, "pynutd.mqtt.commands"):
        d = rig.send("pynutd/Rack_1/command/load.off", b"PRESS")
    assert d is not None
    assert rig.recorded()[0][1]["result"] == "failed: dummy-ups does not handle load.off"
    assert "MQTT request load.off on Rack.1 failed: dummy-ups does not handle" in caplog.text


REFUSED = [
    ("viewer", "pynutd/Rack_1/set/ups.delay.shutdown", b"30",
     "user viewer may not set variables (actions = SET)"),
    ("viewer", "pynutd/Rack_1/command/load.off", b"PRESS",
     "user viewer may not run load.off (instcmds)"),
    ("hass", "pynutd/Rack_1/command/shutdown.stayoff", b"PRESS",
     "user hass may not run shutdown.stayoff (instcmds)"),
    ("hass", "pynutd/Rack_1/command/no.such", b"PRESS", "Rack.1 has no command no.such"),
    ("hass", "pynutd/Rack_1/set/no.such", b"1", "Rack.1 has no variable no.such"),
    ("hass", "pynutd/Other/set/ups.delay.shutdown", b"1", "no UPS Other"),
    ("hass", "pynutd/Rack_1/set/input.sensitivity", b"X",
     "input.sensitivity does not accept 'X': INVALID-VALUE"),
    ("hass", "pynutd/Rack_1/set/ups.delay.shutdown", b"601",
     "ups.delay.shutdown does not accept '601': INVALID-VALUE"),
    ("hass", "pynutd/Rack_1/set/battery.charge", b"50",
     "battery.charge does not accept '50': READONLY"),
    ("hass", "pynutd/Rack_1/set/ups.delay.shutdown", b"3\n0",
     "ups.delay.shutdown does not accept '3\\n0': INVALID-VALUE"),
    ("hass", "pynutd/Rack_1/command/load.off", b"1\r\nX",
     "load.off does not take '1\\r\\nX': INVALID-ARGUMENT"),
    ("hass", "pynutd/Rack_1/set/ups.delay.shutdown", b"\xff",
     "the payload is not UTF-8 text"),
    ("hass", "pynutd/Rack_1/get/ups.delay.shutdown", b"1", "not a command or setting topic"),
    ("gone", "pynutd/Rack_1/command/load.off", b"PRESS",
     "commands_user gone is no longer in upsd.users"),
]


@pytest.mark.parametrize(("user", "topic", "payload", "reason"), REFUSED,
                         ids=[r[3] for r in REFUSED])
def test_refused(user: str, topic: str, payload: bytes, reason: str,
                 caplog: pytest.LogCaptureFixture) -> None:
    """Anything not allowed reaches no device and no event record, and is logged once, escaped."""
    rig = Rig(user)
    with caplog.at_level(logging.WARNING, "pynutd.mqtt.commands"):
        assert rig.send(topic, payload) is None
    assert rig.device.asked == [] and rig.recorded() == []
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and f"MQTT request refused: {reason} (topic " in lines[0], lines
    assert "\n" not in lines[0] and "\r" not in lines[0]


def test_stale_data_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    """A UPS whose data is stale takes no request, as on the NUT port."""
    rig = Rig()
    rig.clock.advance(16)
    with caplog.at_level(logging.WARNING, "pynutd.mqtt.commands"):
        assert rig.send("pynutd/Rack_1/command/load.off", b"PRESS") is None
    assert "Rack.1's data is unavailable (DATA-STALE)" in caplog.text
    assert rig.device.asked == []


def test_rights_are_read_at_each_request() -> None:
    """A reload of upsd.users that takes a right away applies to the next request."""
    rig = Rig()
    assert rig.send("pynutd/Rack_1/command/load.off", b"PRESS") is not None
    rig.users["hass"] = User("hass", "pw", frozenset(), frozenset())
    assert rig.send("pynutd/Rack_1/command/load.off", b"PRESS") is None
    assert len(rig.device.asked) == 1
