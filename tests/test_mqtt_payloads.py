"""MQTT payloads, pure: the state JSON, the discovery configs against Home Assistant's schema, topics."""

from __future__ import annotations

import json

import pytest

from pynutd.mqtt import discovery
from pynutd.mqtt.discovery import Controls, Origin
from pynutd.mqtt.outbox import Message, Outbox
from pynutd.mqtt.state import FLAGS, state_payload, status_words
from pynutd.mqtt.topics import Topics, ident
from pynutd.ups import UpsState, VarSpec
from tests.mqtt_schema import problems

NUMBER = VarSpec()
STRING = VarSpec(string_len=32)
ORIGIN = Origin("pynutd", "9.9")
TOPICS = Topics("pynutd", "homeassistant")

VALUES = {
    "battery.charge": "97", "battery.runtime": "1800", "battery.voltage": "13.60",
    "battery.voltage.nominal": "12", "input.voltage": "230.5", "input.frequency": "50.0",
    "output.voltage": "229.8", "output.frequency": "49.9", "ups.load": "14",
    "ups.realpower": "120", "ups.power": "150", "ups.temperature": "31.5",
    "ups.status": "OL CHRG", "ups.mfr": "ACME", "ups.model": "Rack 1500",
    "ups.serial": "007", "ups.firmware": "2.1", "device.mfr": "ACME Corp",
    "ups.delay.shutdown": "20", "input.sensitivity": "M", "ups.id": "rack-a",
}
SPECS = {
    "ups.status": STRING, "ups.mfr": STRING, "ups.model": STRING, "ups.serial": STRING,
    "ups.firmware": STRING, "device.mfr": STRING,
    "ups.delay.shutdown": VarSpec(rw=True, ranges=((0, 600),)),
    "input.sensitivity": VarSpec(rw=True, string_len=1, enums=("L", "M", "H")),
    "ups.id": VarSpec(rw=True, string_len=16),
    "battery.voltage.nominal": VarSpec(rw=True),
}


def ups(values: dict[str, str] | None = None, commands: tuple[str, ...] = ("beeper.mute",
        "load.off", "test.battery.start"), name: str = "rack.ups",
        desc: str | None = "Rack UPS") -> UpsState:
    state = UpsState(name, desc, "dummy-ups")
    state.update(VALUES if values is None else values, 100.0, SPECS, commands)
    state.set_connected(True, 100.0)
    return state


# -- state -----------------------------------------------------------------------------


def test_state_numbers_are_numbers_and_strings_stay_strings() -> None:
    """NUMBER variables become JSON numbers; STRING ones stay text, even when they look numeric."""
    out = state_payload(ups().snapshot())
    assert out["battery.charge"] == 97 and isinstance(out["battery.charge"], int)
    assert out["battery.voltage"] == 13.6 and isinstance(out["battery.voltage"], float)
    assert out["ups.serial"] == "007" and out["ups.firmware"] == "2.1"
    assert out["ups.status"] == "OL CHRG"
    assert json.loads(json.dumps(out)) == out


def test_state_has_every_variable_and_the_derived_keys() -> None:
    """Every NUT variable is there under its own name; derived keys have no dot."""
    out = state_payload(ups().snapshot())
    assert set(VALUES) <= set(out)
    derived = set(out) - set(VALUES)
    assert derived == {"status", "alarm", *FLAGS} and not any("." in k for k in derived)
    assert out["status"] == "Online, Battery Charging"
    assert out["alarm"] == "none"
    assert [k for k in FLAGS if out[k] == "ON"] == ["online", "charging"]


def test_state_fsd_and_alarms() -> None:
    """FSD prefixes ups.status as NUT clients read it; the UPS's alarm and pynutd's alerts join."""
    state = ups({**VALUES, "ups.status": "OB LB", "ups.alarm": "Replace battery!"})
    state.set_fsd(101.0)
    out = state_payload(state.snapshot(), ["load high (85 %)"])
    assert out["ups.status"] == "FSD OB LB"
    assert out["status"] == "Forced Shutdown, On Battery, Low Battery"
    assert out["alarm"] == "load high (85 %); Replace battery!"
    assert (out["online"], out["on_battery"], out["low_battery"]) == ("OFF", "ON", "ON")


def test_status_words_keep_unknown_tokens() -> None:
    """A token NUT adds later shows as itself."""
    assert status_words(("OL", "ECO")) == "Online, ECO"


# -- discovery -------------------------------------------------------------------------


def all_configs(state: UpsState, controls: Controls | None = None) -> dict[str, dict]:
    return discovery.configs(state.snapshot(), TOPICS, ident(state.name), ORIGIN,
                             controls or Controls())


def test_every_config_passes_home_assistants_schema() -> None:
    """Sensors, binary sensors, buttons, numbers, selects and texts: keys, classes, units, ids."""
    configs = all_configs(ups(), Controls(("beeper.mute", "load.off"), settable=True))
    assert configs
    found = [p for topic, config in configs.items() for p in problems(topic, config)]
    assert found == []
    ids = [c["unique_id"] for c in configs.values()]
    assert len(ids) == len(set(ids))


def test_the_schema_check_catches_mistakes() -> None:
    """The judge itself: a wrong unit, class, key or a missing topic is reported."""
    topic = "homeassistant/sensor/pynutd_rack_ups/battery_charge/config"
    good = all_configs(ups())[topic]
    assert problems(topic, good) == []
    for bad in ({"unit_of_measurement": "V"}, {"device_class": "batery"},
                {"state_class": "total"}, {"stat_t": "x"}, {"device": {"name": "x"}}):
        assert problems(topic, {**good, **bad}), bad
    assert problems(topic, {k: v for k, v in good.items() if k != "state_topic"})
    assert problems("homeassistant/binary_sensor/x/y/config",
                    {**good, "device_class": "voltage", "unit_of_measurement": None})


def test_sensors_follow_the_table_and_only_for_present_variables() -> None:
    """A variable the UPS lacks gets no sensor; each sensor has its table row's class and unit."""
    configs = all_configs(ups())
    sensors = {c["value_template"]: c for t, c in configs.items() if "/sensor/" in t}
    for entity in discovery.SENSORS:
        key = discovery.template(entity.key)
        if entity.key in VALUES:
            assert sensors[key].get("device_class") == entity.device_class
            assert sensors[key].get("unit_of_measurement") == entity.unit
        else:
            assert key not in sensors
    assert "{{ value_json['ambient.humidity'] }}" not in sensors


def test_entities_for_a_ups_with_status_and_charge() -> None:
    """The topics a minimal UPS gets, in full: its two readings and the status entities."""
    state = ups({"ups.status": "OL", "battery.charge": "100"}, commands=())
    base = "homeassistant/{}/pynutd_rack_ups/{}/config"
    assert sorted(all_configs(state)) == sorted(
        [base.format("sensor", k) for k in ("battery_charge", "status", "ups_status", "alarm")]
        + [base.format("binary_sensor", k) for k in FLAGS])


def test_binary_sensor_keys_are_the_state_flags() -> None:
    """Every binary sensor reads a flag the state JSON carries."""
    assert {e.key for e in discovery.STATUS_ENTITIES if e.component == "binary_sensor"} == \
        set(FLAGS)


def test_every_template_reads_a_key_the_state_has() -> None:
    """No entity reads a key its UPS's state JSON lacks (Home Assistant would log errors)."""
    state = ups()
    payload = state_payload(state.snapshot())
    for config in all_configs(state, Controls(("load.off",), True)).values():
        if "value_template" in config:
            key = config["value_template"].split("'")[1]
            assert key in payload, key


def test_device_block() -> None:
    """One device per UPS: identifiers, its description as name, maker, model, serial, firmware."""
    config = next(iter(all_configs(ups()).values()))
    assert config["device"] == {
        "identifiers": ["pynutd_rack_ups"], "name": "Rack UPS", "manufacturer": "ACME Corp",
        "model": "Rack 1500", "serial_number": "007", "sw_version": "2.1"}
    assert config["availability"] == [{"topic": "pynutd/status"},
                                      {"topic": "pynutd/rack_ups/availability"}]
    assert config["availability_mode"] == "all"
    bare = next(iter(all_configs(ups({"ups.status": "OL"}, desc=None)).values()))
    assert bare["device"] == {"identifiers": ["pynutd_rack_ups"], "name": "rack.ups"}


def test_no_controls_without_rights() -> None:
    """Without a commands_user's rights there are no buttons, numbers, selects or texts."""
    components = {t.split("/")[1] for t in all_configs(ups())}
    assert components == {"sensor", "binary_sensor"}


def test_controls() -> None:
    """Buttons for the allowed commands; settings by type: range, enums, string length."""
    configs = all_configs(ups(), Controls(("load.off",), settable=True))
    button = configs["homeassistant/button/pynutd_rack_ups/load_off/config"]
    assert (button["command_topic"], button["payload_press"], button["entity_category"]) == \
        ("pynutd/rack_ups/command/load.off", "PRESS", "config")
    assert not [t for t in configs if "/button/" in t and "load_off" not in t]
    delay = configs["homeassistant/number/pynutd_rack_ups/ups_delay_shutdown/config"]
    assert (delay["min"], delay["max"], delay["step"], delay["command_topic"]) == \
        (0, 600, 1, "pynutd/rack_ups/set/ups.delay.shutdown")
    nominal = configs["homeassistant/number/pynutd_rack_ups/battery_voltage_nominal/config"]
    assert (nominal["min"], nominal["max"]) == discovery.INT_RANGE
    select = configs["homeassistant/select/pynutd_rack_ups/input_sensitivity/config"]
    assert select["options"] == ["L", "M", "H"]
    text = configs["homeassistant/text/pynutd_rack_ups/ups_id/config"]
    assert (text["min"], text["max"]) == (0, 16)
    # Read-only variables are not offered.
    assert not [t for t in configs if t.endswith("/battery_charge/config") and "/sensor/" not in t]


# -- topics and the outbox -------------------------------------------------------------


@pytest.mark.parametrize(("topic", "parsed"), [
    ("pynutd/ups/command/load.off", ("ups", "command", "load.off")),
    ("pynutd/ups/set/ups.delay.shutdown", ("ups", "set", "ups.delay.shutdown")),
    ("pynutd/ups/set/", None), ("pynutd//set/x", None), ("pynutd/ups/get/x", None),
    ("pynutd/ups/set/x/y", None), ("other/ups/set/x", None), ("pynutdx/ups/set/x", None),
])
def test_request_topics(topic: str, parsed: tuple[str, str, str] | None) -> None:
    """Only <prefix>/<ups>/command|set/<name> is a request."""
    assert TOPICS.parse_request(topic) == parsed


def test_ids_fit_topics_and_home_assistant() -> None:
    """UPS names become ids without wildcards, slashes or dots."""
    assert ident("rack.ups") == "rack_ups" and ident("a/b+#c") == "a_b__c" and ident("") == "_"
    assert Topics("home/ups").node("x") == "home_ups_x"


def test_outbox_coalesces_by_topic() -> None:
    """A topic waiting is replaced where it stands: the newest payload, one publish."""
    box = Outbox(10)
    for payload in (b"1", b"2", b"3"):
        box.put(Message("a", payload))
    box.put(Message("b", b"x"))
    box.put(Message("a", b"4"))
    assert [(m.topic, m.payload) for m in box.take(5)] == [("a", b"4"), ("b", b"x")]
    assert len(box) == 0


def test_outbox_is_bounded() -> None:
    """Beyond its limit the oldest topic is dropped and counted."""
    box = Outbox(3)
    for n in range(10):
        box.put(Message(f"t{n}", b""))
    assert len(box) == 3 and box.dropped == 7
    assert [m.topic for m in box.take(2)] == ["t7", "t8"]
