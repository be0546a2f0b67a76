"""A UPS's state as one JSON object for MQTT: NUT's variables, numbers as numbers, plus a few words.

Every variable appears under its NUT name with the value NUT clients read
(``ups.status`` with the ``FSD`` prefix when forced shutdown is set); a
NUMBER variable holding a plain decimal is a JSON number, so Home
Assistant's templates and statistics need no conversion.  The derived keys
have no dot, so they can never clash with a NUT name:

``status``
    ``ups.status`` in words (``Online, Battery Charging``).
``alarm``
    the UPS's ``ups.alarm`` and pynutd's own alerts joined with ``; ``, or ``none``.
``online`` ``on_battery`` ``low_battery`` ``charging`` ``replace_battery`` ``overload``
    ``ON`` or ``OFF`` from the ``ups.status`` tokens OL, OB, LB, CHRG, RB, OVER.

Pure: a snapshot in, a dict out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynutd.telemetry_json import number
from pynutd.ups import Snapshot

# ups.status tokens in words (NUT's docs/new-drivers.txt, "Status data").
STATUS_WORDS = {
    "OL": "Online", "OB": "On Battery", "LB": "Low Battery", "HB": "High Battery",
    "RB": "Replace Battery", "CHRG": "Battery Charging", "DISCHRG": "Battery Discharging",
    "BYPASS": "Bypass Active", "CAL": "Runtime Calibration", "OFF": "Offline",
    "OVER": "Overloaded", "TRIM": "Trimming Voltage", "BOOST": "Boosting Voltage",
    "FSD": "Forced Shutdown", "ALARM": "Alarm",
}

# derived key -> the ups.status token that makes it ON.
FLAGS = {
    "online": "OL", "on_battery": "OB", "low_battery": "LB", "charging": "CHRG",
    "replace_battery": "RB", "overload": "OVER",
}
NO_ALARM = "none"


def status_words(tokens: Sequence[str]) -> str:
    """Return ``ups.status`` tokens in words, unknown tokens as they are."""
    return ", ".join(STATUS_WORDS.get(t, t) for t in tokens)


def state_payload(snap: Snapshot, alerts: Sequence[str] = ()) -> dict[str, Any]:
    """Return the state JSON of ``snap``; ``alerts`` are pynutd's raised alert messages."""
    out: dict[str, Any] = {}
    for var in snap.variables:
        value = var.value
        if snap.fsd and var.name.lower() == "ups.status":
            value = f"FSD {value}"
        found = number(value) if var.spec.string_len == 0 else None
        out[var.name] = found if found is not None else value
    tokens = snap.status_tokens
    out["status"] = status_words(tokens)
    alarm = snap.value("ups.alarm")
    out["alarm"] = "; ".join([*alerts, *([alarm] if alarm else [])]) or NO_ALARM
    for key, token in FLAGS.items():
        out[key] = "ON" if token in tokens else "OFF"
    return out
