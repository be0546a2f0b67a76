"""The seed monitor's telemetry JSON, built from a snapshot, for every front end that serves it.

The MUST EP20 monitor this project replaces answered ``/api/telemetry``
with one flat JSON object, and its later versions published the same
object on MQTT (``ups/telemetry``); Home Assistant sensors written for it
read both.  Its later versions added ``battery_soc_percent``,
``battery_current_a``, ``battery_time_remaining_hours`` and
``battery_time_remaining_minutes`` (computed there from a battery model; here
from the UPS's ``battery.charge`` and ``battery.current`` and from
``battery.runtime``, which pynutd estimates for a UPS without one) and, on
HTTP only, ``recent_warnings``.  :func:`seed_telemetry` builds that object field for field; the
web API (:mod:`pynutd.web.api`) and the MQTT publisher
(:mod:`pynutd.mqtt.service`) both call it, so neither imports the other.
Pure functions: no Twisted, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from pynutd.ups import Snapshot

INTEGER = re.compile(r"^-?[0-9]+$")
DECIMAL = re.compile(r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$")

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


def battery_fields(snap: Snapshot) -> dict[str, float]:
    """mustmon.py's later battery fields; 0.0 where the UPS gives no data, as it sent.

    ``battery_current_a`` is the current out of the battery (mustmon.py
    computed the discharge current, positive, on battery); NUT's
    ``battery.current`` counts charging as positive, so the sign flips and
    a charging battery shows a negative current.  The time remaining is
    ``battery.runtime`` in total hours and total minutes (mustmon.py showed
    ``int(hours)`` h and ``int(minutes % 60)`` min).
    """
    soc = number(snap.value("battery.charge"))
    current = number(snap.value("battery.current"))
    runtime = number(snap.value("battery.runtime"))
    seconds = max(float(runtime), 0.0) if runtime is not None else 0.0
    return {
        "battery_soc_percent": float(soc) if soc is not None else 0.0,
        "battery_current_a": -float(current) if current else 0.0,
        "battery_time_remaining_hours": round(seconds / 3600.0, 3),
        "battery_time_remaining_minutes": round(seconds / 60.0, 1),
    }


def warnings_json(warnings: Sequence[tuple[float, str]],
                  tz: tzinfo | None = None) -> list[dict[str, str]]:
    """mustmon.py's ``recent_warnings``: ``{"timestamp", "message"}``, oldest first."""
    return [{"timestamp": datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S"),
             "message": message} for t, message in warnings]


def seed_telemetry(snap: Snapshot, now: float, started: float, available: bool,
                   alarms: Sequence[str], tz: tzinfo | None = None,
                   warnings: Sequence[tuple[float, str]] | None = None) -> dict[str, Any]:
    """Return the seed monitor's telemetry JSON, field for field.

    ``warnings`` (time, message) become ``recent_warnings``; None leaves the
    field out, as mustmon.py's MQTT message did.
    """
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
    out.update(battery_fields(snap))
    out["alarms"] = list(alarms)
    if warnings is not None:
        out["recent_warnings"] = warnings_json(warnings, tz)
    return out
