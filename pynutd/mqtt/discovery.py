"""Home Assistant MQTT discovery: which entities a UPS gets, as data, and their config payloads.

The entity table follows what Home Assistant's own NUT integration offers
(``homeassistant/components/nut/sensor.py``: the same NUT variables, device
classes, units and state classes), so a UPS looks the same through MQTT:
a sensor per measured variable the UPS has, the raw ``ups.status`` and a
readable status, the alarm, and binary sensors for online, on battery,
low battery, charging, replace battery and overload.  One Home Assistant
device per UPS carries the manufacturer, model, serial and firmware.

With a ``commands_user`` the UPS also gets a button per instant command
that user may run, and, when the user may SET, a number (NUMBER
variables), select (variables with enums) or text entity (other strings)
per writable variable.  They are ``config`` entities: Home Assistant keeps
them off its default dashboards, so no one cuts the load by a stray tap.

Every entity is available only while pynutd is (its last will) and the
UPS's data may be served (not stale).  Pure: snapshot in, payloads out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynutd.mqtt.topics import Topics
from pynutd.ups import Snapshot, Variable

SENSOR = "sensor"
BINARY = "binary_sensor"
DIAGNOSTIC = "diagnostic"
CONFIG = "config"
MEASUREMENT = "measurement"
PRESS = "PRESS"
INT_RANGE = (-2147483648, 2147483647)   # a NUMBER without ranges: any C int
HA_TEXT_MAX = 255                       # Home Assistant's text entity holds at most 255


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity a UPS may get: the state JSON key it shows and how Home Assistant treats it.

    ``key`` is a NUT variable (the entity exists when the UPS has it) or a
    derived key of :mod:`pynutd.mqtt.state` (it exists when ``ups.status``
    does).  ``unit`` is Home Assistant's spelling; ``enabled`` False
    leaves it disabled until the user turns it on, as the NUT integration
    does for its diagnostic rows.
    """

    key: str
    component: str
    name: str
    device_class: str | None = None
    unit: str | None = None
    state_class: str | None = None
    category: str | None = None
    enabled: bool = True
    icon: str | None = None


def _measure(key: str, name: str, device_class: str | None, unit: str,
             diagnostic: bool = False, enabled: bool = True) -> Entity:
    return Entity(key, SENSOR, name, device_class, unit, MEASUREMENT,
                  DIAGNOSTIC if diagnostic else None, enabled)


def _nominal(key: str, name: str, device_class: str, unit: str) -> Entity:
    # A rating, not a reading: no state class (no long-term statistics).
    return Entity(key, SENSOR, name, device_class, unit, None, DIAGNOSTIC, False)


# NUT variable -> sensor, in the order Home Assistant lists them.
SENSORS: tuple[Entity, ...] = (
    _measure("battery.charge", "Battery charge", "battery", "%"),
    _measure("battery.runtime", "Battery runtime", "duration", "s"),
    _measure("battery.voltage", "Battery voltage", "voltage", "V"),
    _nominal("battery.voltage.nominal", "Nominal battery voltage", "voltage", "V"),
    _measure("battery.current", "Battery current", "current", "A", diagnostic=True),
    _measure("battery.temperature", "Battery temperature", "temperature", "°C",
             diagnostic=True),
    Entity("battery.charge.low", SENSOR, "Low battery setpoint", None, "%", None,
           DIAGNOSTIC, False),
    _measure("input.voltage", "Input voltage", "voltage", "V"),
    _nominal("input.voltage.nominal", "Nominal input voltage", "voltage", "V"),
    _measure("input.frequency", "Input frequency", "frequency", "Hz"),
    _measure("input.current", "Input current", "current", "A", diagnostic=True),
    _measure("output.voltage", "Output voltage", "voltage", "V"),
    _nominal("output.voltage.nominal", "Nominal output voltage", "voltage", "V"),
    _measure("output.frequency", "Output frequency", "frequency", "Hz"),
    _measure("output.current", "Output current", "current", "A", diagnostic=True),
    _measure("ups.load", "Load", None, "%"),
    _measure("ups.realpower", "Real power", "power", "W"),
    _nominal("ups.realpower.nominal", "Nominal real power", "power", "W"),
    _measure("ups.power", "Apparent power", "apparent_power", "VA", diagnostic=True),
    _nominal("ups.power.nominal", "Nominal apparent power", "apparent_power", "VA"),
    _measure("ups.temperature", "Temperature", "temperature", "°C"),
    _measure("ambient.temperature", "Ambient temperature", "temperature", "°C"),
    _measure("ambient.humidity", "Ambient humidity", "humidity", "%"),
)

# Derived keys (pynutd.mqtt.state), present whenever ups.status is.
STATUS_ENTITIES: tuple[Entity, ...] = (
    Entity("status", SENSOR, "Status", icon="mdi:information-outline"),
    Entity("ups.status", SENSOR, "Status data", category=DIAGNOSTIC,
           icon="mdi:information-outline"),
    Entity("alarm", SENSOR, "Alarm", icon="mdi:alarm-light"),
    Entity("online", BINARY, "Online", "power"),
    Entity("on_battery", BINARY, "On battery", icon="mdi:battery-arrow-down"),
    Entity("low_battery", BINARY, "Low battery", "battery"),
    Entity("charging", BINARY, "Charging", "battery_charging"),
    Entity("replace_battery", BINARY, "Replace battery", "problem"),
    Entity("overload", BINARY, "Overload", "problem"),
)

# Device registry fields, each from the first of its NUT variables the UPS has.
DEVICE_FIELDS = (
    ("manufacturer", ("device.mfr", "ups.mfr")),
    ("model", ("device.model", "ups.model")),
    ("serial_number", ("device.serial", "ups.serial")),
    ("sw_version", ("ups.firmware", "device.firmware")),
)


@dataclass(frozen=True, slots=True)
class Controls:
    """What Home Assistant may ask of a UPS: the commands_user's rights, resolved.

    ``commands`` are the instant commands offered as buttons; ``settable``
    is whether writable variables are offered (the user holds SET).
    """

    commands: tuple[str, ...] = ()
    settable: bool = False


@dataclass(frozen=True, slots=True)
class Origin:
    """Who publishes: pynutd and its version (Home Assistant's ``origin``)."""

    name: str
    version: str


def template(key: str) -> str:
    """Return the value template reading ``key`` from the state JSON."""
    return "{{ value_json['" + key + "'] }}"


def device(snap: Snapshot, topics: Topics, ups_id: str) -> dict[str, Any]:
    """Return Home Assistant's device block for the UPS of ``snap``."""
    out: dict[str, Any] = {"identifiers": [topics.node(ups_id)], "name": snap.desc or snap.name}
    for field, names in DEVICE_FIELDS:
        value = next((v for v in (snap.value(n) for n in names) if v), None)
        if value is not None:
            out[field] = value
    return out


def _common(snap: Snapshot, topics: Topics, ups_id: str, origin: Origin, key: str,
            name: str, component: str) -> dict[str, Any]:
    return {
        "name": name,
        "unique_id": f"{topics.node(ups_id)}_{component}_{key.replace('.', '_')}",
        "device": device(snap, topics, ups_id),
        "origin": {"name": origin.name, "sw_version": origin.version},
        "availability": [{"topic": topics.status}, {"topic": topics.availability(ups_id)}],
        "availability_mode": "all",
        "payload_available": "online",
        "payload_not_available": "offline",
    }


def _reading(snap: Snapshot, topics: Topics, ups_id: str, origin: Origin,
             entity: Entity) -> dict[str, Any]:
    out = _common(snap, topics, ups_id, origin, entity.key, entity.name, entity.component)
    out["state_topic"] = topics.state(ups_id)
    out["value_template"] = template(entity.key)
    optional = {"device_class": entity.device_class, "unit_of_measurement": entity.unit,
                "state_class": entity.state_class, "entity_category": entity.category,
                "icon": entity.icon}
    out.update({k: v for k, v in optional.items() if v is not None})
    if not entity.enabled:
        out["enabled_by_default"] = False
    if entity.component == BINARY:
        out["payload_on"], out["payload_off"] = "ON", "OFF"
    return out


def _button(snap: Snapshot, topics: Topics, ups_id: str, origin: Origin,
            cmd: str) -> dict[str, Any]:
    out = _common(snap, topics, ups_id, origin, cmd, f"Command {cmd}", "button")
    out.update(command_topic=topics.command(ups_id, cmd), payload_press=PRESS,
               entity_category=CONFIG)
    return out


def setting_component(var: Variable) -> str:
    """Return the entity a writable variable becomes: select, number or text."""
    if var.spec.enums:
        return "select"
    return "number" if var.spec.string_len == 0 else "text"


def _setting(snap: Snapshot, topics: Topics, ups_id: str, origin: Origin,
             var: Variable) -> dict[str, Any]:
    component = setting_component(var)
    out = _common(snap, topics, ups_id, origin, var.name, f"Set {var.name}", component)
    out.update(state_topic=topics.state(ups_id), value_template=template(var.name),
               command_topic=topics.setting(ups_id, var.name), entity_category=CONFIG)
    if component == "select":
        out["options"] = list(var.spec.enums)
    elif component == "number":
        low, high = INT_RANGE
        if var.spec.ranges:   # NUT checks atoi(value) against the ranges: whole numbers
            low = min(lo for lo, _ in var.spec.ranges)
            high = max(hi for _, hi in var.spec.ranges)
        out.update(min=low, max=high, step=1 if var.spec.ranges else 0.1, mode="box")
    else:
        out.update(min=0, max=min(var.spec.string_len, HA_TEXT_MAX), mode="text")
    return out


def _readings(snap: Snapshot) -> Iterable[Entity]:
    for entity in SENSORS:
        if snap.get(entity.key) is not None:
            yield entity
    if snap.get("ups.status") is not None:
        yield from STATUS_ENTITIES


def configs(snap: Snapshot, topics: Topics, ups_id: str, origin: Origin,
            controls: Controls = Controls()) -> dict[str, dict[str, Any]]:
    """Return ``{config topic: payload}`` for every entity the UPS of ``snap`` gets now."""
    out: dict[str, dict[str, Any]] = {}
    for entity in _readings(snap):
        out[topics.config(entity.component, ups_id, entity.key)] = _reading(
            snap, topics, ups_id, origin, entity)
    for cmd in controls.commands:
        out[topics.config("button", ups_id, cmd)] = _button(snap, topics, ups_id, origin, cmd)
    if controls.settable:
        for var in snap.variables:
            if var.spec.rw:
                component = setting_component(var)
                out[topics.config(component, ups_id, var.name)] = _setting(
                    snap, topics, ups_id, origin, var)
    return out
