"""JSON views of the state store: the shapes the web API documents.

Pure functions from :class:`~pynutd.ups.Snapshot` (and the time) to plain
dicts and lists; no Twisted, no requests.  ``docs/web-api.md`` is the
contract; the golden tests pin it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynutd.telemetry_json import number
from pynutd.ups import Snapshot, Variable

DESC_UNAVAILABLE = "Description unavailable"   # upsd's text for GET DESC


def typed(var: Variable) -> int | float | str:
    """Return a variable's value as PeaNUT does: a number when NUMBER-typed."""
    if var.spec.string_len == 0:
        value = number(var.value)
        if value is not None:
            return value
    return var.value


def flat_vars(snap: Snapshot) -> dict[str, int | float | str]:
    """Return ``{"battery.charge": 100, ...}``, sorted as upsd lists them."""
    out: dict[str, int | float | str] = {}
    for var in snap.variables:
        value = snap.served_value(var)
        out[var.name] = typed(Variable(var.name, value, var.spec))
    return out




def var_info(snap: Snapshot, var: Variable, description: str | None) -> dict[str, Any]:
    """Return everything about one variable (``/var/{name}/info``)."""
    return {
        "name": var.name,
        "value": snap.served_value(var),
        "description": description or DESC_UNAVAILABLE,
        "type": var.spec.type_words(),
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
