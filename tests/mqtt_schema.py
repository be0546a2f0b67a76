"""Home Assistant's MQTT discovery schema, as data, to judge pynutd's discovery configs.

The facts are Home Assistant's (2024-2025 core), read from its sources and
documentation, not its code: the keys each MQTT platform's discovery
schema knows (``homeassistant/components/mqtt/<platform>.py`` with
``MQTT_ENTITY_COMMON_SCHEMA``; unknown keys are silently dropped there,
so a misspelt key would be lost without a word: here it is an error), the
sensor device classes with the units each accepts
(``components/sensor/const.py`` ``DEVICE_CLASS_UNITS``) and the state
classes each allows (``DEVICE_CLASS_STATE_CLASSES``), and the binary
sensor device classes (``components/binary_sensor``
``BinarySensorDeviceClass``).  Only the device classes a UPS could use
carry their units; the others are listed as known names.
"""

from __future__ import annotations

import re
from typing import Any

COMMON = {
    "availability", "availability_mode", "availability_template", "availability_topic",
    "device", "enabled_by_default", "encoding", "entity_category", "entity_picture", "icon",
    "json_attributes_template", "json_attributes_topic", "name", "object_id",
    "default_entity_id", "origin", "payload_available", "payload_not_available", "qos",
    "unique_id",
}
KEYS = {
    "sensor": COMMON | {"device_class", "expire_after", "force_update",
                        "last_reset_value_template", "options", "state_class", "state_topic",
                        "suggested_display_precision", "unit_of_measurement",
                        "value_template"},
    "binary_sensor": COMMON | {"device_class", "expire_after", "force_update", "off_delay",
                               "payload_off", "payload_on", "state_topic", "value_template"},
    "button": COMMON | {"command_template", "command_topic", "device_class", "payload_press",
                        "retain"},
    "number": COMMON | {"command_template", "command_topic", "device_class", "max", "min",
                        "mode", "optimistic", "payload_reset", "retain", "state_topic", "step",
                        "unit_of_measurement", "value_template"},
    "select": COMMON | {"command_template", "command_topic", "optimistic", "options", "retain",
                        "state_topic", "value_template"},
    "text": COMMON | {"command_template", "command_topic", "max", "min", "mode", "pattern",
                      "retain", "state_topic", "value_template"},
}
REQUIRED = {
    "sensor": {"state_topic"}, "binary_sensor": {"state_topic"}, "button": {"command_topic"},
    "number": {"command_topic"}, "select": {"command_topic", "options"},
    "text": {"command_topic"},
}
# Sensor device classes a UPS may use -> the units Home Assistant accepts.
SENSOR_UNITS = {
    "apparent_power": {"mVA", "VA", "kVA"},
    "battery": {"%"},
    "current": {"A", "mA"},
    "duration": {"d", "h", "min", "s", "ms"},
    "frequency": {"Hz", "kHz", "MHz", "GHz"},
    "humidity": {"%"},
    "power": {"mW", "W", "kW", "MW", "GW", "TW"},
    "power_factor": {"%", None},
    "temperature": {"°C", "°F", "K"},
    "voltage": {"µV", "mV", "V", "kV", "MV"},
    "enum": {None},
}
# Device classes whose only allowed state class is measurement (duration: any).
MEASUREMENT_ONLY = {"apparent_power", "battery", "current", "frequency", "humidity", "power",
                    "power_factor", "temperature", "voltage"}
STATE_CLASSES = {"measurement", "total", "total_increasing", "measurement_angle"}
BINARY_CLASSES = {
    "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door",
    "garage_door", "gas", "heat", "light", "lock", "moisture", "motion", "moving", "occupancy",
    "opening", "plug", "power", "presence", "problem", "running", "safety", "smoke", "sound",
    "tamper", "update", "vibration", "window",
}
ENTITY_CATEGORIES = {"config", "diagnostic"}
DEVICE_KEYS = {"configuration_url", "connections", "hw_version", "identifiers",
               "manufacturer", "model", "model_id", "name", "serial_number",
               "suggested_area", "sw_version", "via_device"}
# <discovery_prefix>/<component>/[<node_id>/]<object_id>/config, ids [a-zA-Z0-9_-]+.
TOPIC = r"(?P<component>[a-z_]+)/(?:[a-zA-Z0-9_-]+/)?[a-zA-Z0-9_-]+/config"


def problems(topic: str, config: dict[str, Any], prefix: str = "homeassistant") -> list[str]:
    """Return what Home Assistant would drop or refuse in one discovery config."""
    match = re.fullmatch(re.escape(prefix) + "/" + TOPIC, topic)
    if match is None:
        return [f"{topic}: not a discovery topic"]
    component = match["component"]
    if component not in KEYS:
        return [f"{topic}: unknown component {component}"]
    out = [f"{topic}: unknown key {k}" for k in sorted(set(config) - KEYS[component])]
    out += [f"{topic}: missing {k}" for k in sorted(REQUIRED[component] - set(config))]
    device = config.get("device")
    if not config.get("unique_id"):
        out.append(f"{topic}: no unique_id (the device block is then ignored)")
    if not isinstance(device, dict) or not device.get("identifiers"):
        out.append(f"{topic}: device block without identifiers")
    else:
        out += [f"{topic}: unknown device key {k}" for k in sorted(set(device) - DEVICE_KEYS)]
    if not config.get("availability") and not config.get("availability_topic"):
        out.append(f"{topic}: no availability topic")
    category = config.get("entity_category")
    if category is not None and category not in ENTITY_CATEGORIES:
        out.append(f"{topic}: entity_category {category}")
    out += _classes(topic, component, config)
    return out


def _classes(topic: str, component: str, config: dict[str, Any]) -> list[str]:
    out = []
    device_class = config.get("device_class")
    unit = config.get("unit_of_measurement")
    state_class = config.get("state_class")
    if component == "sensor":
        if device_class is not None:
            if device_class not in SENSOR_UNITS:
                out.append(f"{topic}: sensor device_class {device_class} not checked here")
            elif unit not in SENSOR_UNITS[device_class]:
                out.append(f"{topic}: unit {unit!r} is not one of {device_class}'s")
            if device_class in MEASUREMENT_ONLY and state_class not in (None, "measurement"):
                out.append(f"{topic}: {device_class} allows only state_class measurement")
        if state_class is not None and state_class not in STATE_CLASSES:
            out.append(f"{topic}: state_class {state_class}")
    elif component == "binary_sensor":
        if device_class is not None and device_class not in BINARY_CLASSES:
            out.append(f"{topic}: binary_sensor device_class {device_class}")
    elif component == "number":
        if not config.get("min", 1) < config.get("max", 100):
            out.append(f"{topic}: min must be below max")
        if config.get("mode", "auto") not in ("auto", "box", "slider"):
            out.append(f"{topic}: number mode {config.get('mode')}")
    elif component == "text":
        if not 0 <= config.get("min", 0) <= config.get("max", 255) <= 255:
            out.append(f"{topic}: text min/max out of 0..255")
        if config.get("mode", "text") not in ("text", "password"):
            out.append(f"{topic}: text mode {config.get('mode')}")
    elif component == "select" and not config.get("options"):
        out.append(f"{topic}: select without options")
    return out
