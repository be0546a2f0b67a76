"""JSON views of the state store: the shapes the web API documents.

Pure functions from :class:`~pynutd.ups.Snapshot` (and the time) to plain
dicts and lists; no Twisted, no requests.  ``docs/web-api.md`` is the
contract; the golden tests pin it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from pynutd.nut.wire import type_words
from pynutd.ups import Snapshot, Variable

INTEGER = re.compile(r"^-?[0-9]+$")
DECIMAL = re.compile(r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$")
DESC_UNAVAILABLE = "Description unavailable"   # upsd's text for GET DESC


def number(text: str | None) -> int | float | None:
    """Return ``text`` as an int or float when it is a plain decimal number."""
    if text is None:
        return None
    text = text.strip()
    if INTEGER.match(text):
        return int(text)
    if DECIMAL.match(text):
        return float(text)
    return None


def typed(var: Variable) -> int | float | str:
    """Return a variable's value as PeaNUT does: a number when NUMBER-typed."""
    if var.spec.string_len == 0:
        value = number(var.value)
        if value is not None:
            return value
    return var.value


def served_value(snap: Snapshot, var: Variable) -> str:
    """Return the value NUT clients see (``FSD`` prefixed to ups.status)."""
    if snap.fsd and var.name.lower() == "ups.status":
        return f"FSD {var.value}"
    return var.value


def flat_vars(snap: Snapshot) -> dict[str, int | float | str]:
    """Return ``{"battery.charge": 100, ...}``, sorted as upsd lists them."""
    out: dict[str, int | float | str] = {}
    for var in snap.variables:
        value = served_value(snap, var)
        out[var.name] = typed(Variable(var.name, value, var.spec))
    return out




def var_info(snap: Snapshot, var: Variable, description: str | None) -> dict[str, Any]:
    """Return everything about one variable (``/var/{name}/info``)."""
    return {
        "name": var.name,
        "value": served_value(snap, var),
        "description": description or DESC_UNAVAILABLE,
        "type": type_words(var.spec),
        "rw": var.spec.rw,
        "string_len": var.spec.string_len,
        "enum": list(var.spec.enums),
        "range": [[lo, hi] for lo, hi in var.spec.ranges],
    }


def summary(snap: Snapshot, now: float, maxage: float,
            alerts: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Return the UPS summary the dashboard and the live stream use."""
    alarm = snap.value("ups.alarm")
    return {
        "name": snap.name,
        "desc": snap.desc,
        "driver": snap.driver,
        "availability": snap.availability(now, maxage).value,
        "last_update": snap.last_update,
        "age": round(now - snap.last_update, 3) if snap.last_update is not None else None,
        "status": " ".join(snap.status_tokens),
        "status_tokens": list(snap.status_tokens),
        "alerts": list(alerts),
        "alarms": [a["message"] for a in alerts] + ([alarm] if alarm else []),
        "vars": flat_vars(snap),
        "commands": list(snap.commands),
        "rw": [v.name for v in snap.variables if v.spec.rw],
    }


# -- the seed monitor's /api/telemetry ------------------------------------------

# field -> (NUT variables tried in order, int or float), as the seed's UPSTelemetry.
SEED_FIELDS: tuple[tuple[str, tuple[str, ...], type], ...] = (
    ("input_voltage", ("input.voltage",), float),
    ("output_voltage", ("output.voltage",), float),
    ("battery_voltage", ("battery.voltage",), float),
    ("battery_level", ("battery.charge",), int),
    ("load_percent", ("ups.load",), int),
    ("load_power", ("ups.realpower", "ups.power"), int),
    ("frequency", ("output.frequency", "input.frequency"), float),
    ("input_frequency", ("input.frequency",), float),
    ("temperature", ("ups.temperature", "battery.temperature"), float),
)


def hms(seconds: float) -> str:
    """Return ``HH:MM:SS`` as the seed's get_uptime (hours may exceed 99)."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def seed_status(snap: Snapshot, available: bool) -> str:
    """Return ``online``, ``battery`` or ``unknown`` (stale or neither)."""
    tokens = snap.status_tokens
    if not available:
        return "unknown"
    if "OB" in tokens:
        return "battery"
    if "OL" in tokens:
        return "online"
    return "unknown"


def seed_telemetry(snap: Snapshot, now: float, started: float, available: bool,
                   alarms: Sequence[str], tz: tzinfo | None = None) -> dict[str, Any]:
    """Return the seed monitor's telemetry JSON, field for field."""
    out: dict[str, Any] = {}
    for field_name, names, kind in SEED_FIELDS:
        value: float = 0.0
        for name in names:
            found = number(snap.value(name))
            if found is not None:
                value = found
                break
        out[field_name] = round(value) if kind is int else float(value)
    stamp = snap.last_update if snap.last_update is not None else now
    out["timestamp"] = datetime.fromtimestamp(stamp, tz).strftime("%Y-%m-%d %H:%M:%S")
    out["status"] = seed_status(snap, available)
    out["uptime"] = hms(now - started)
    out["alarms"] = list(alarms)
    return out
