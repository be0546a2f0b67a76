"""The event log's entries, derived from what happens to each UPS.

:class:`EventDeriver` observes the state store and turns state events into
:class:`~pynutd.historydb.LogEntry` objects: ups.status changes in words
(on battery, low battery...), communication established / lost / restored,
the UPS's own alarms, pynutd's alerts, and SET VAR / INSTCMD with who did
them.  Staleness by MAXAGE fires no state event, so the history sampler
also calls :meth:`EventDeriver.check_availability` on its timer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pynutd.historydb import LogEntry
from pynutd.ups import Availability, Event, UpsRegistry

# ups.status tokens worth a sentence when they appear / disappear.
STATUS_PHRASES: dict[str, tuple[str | None, str | None]] = {
    "OL": ("on line power", None),
    "OB": ("on battery", None),
    "LB": ("low battery", "battery no longer low"),
    "FSD": ("forced shutdown", None),
    "RB": ("replace battery", "battery replacement cleared"),
    "OVER": ("overloaded", "no longer overloaded"),
    "BYPASS": ("on bypass", "off bypass"),
    "OFF": ("output off", "output on"),
    "CAL": ("calibrating", "calibration ended"),
}


class EventDeriver:
    """Turns state events into log entries handed to ``sink``."""

    def __init__(self, registry: UpsRegistry, clock: Any, maxage: float,
                 sink: Callable[[LogEntry], None]) -> None:
        self.registry = registry
        self.clock = clock
        self.maxage = maxage
        self.sink = sink
        self._available: dict[str, Availability] = {}
        self._was_ok: set[str] = set()

    def observe(self, event: Event) -> None:
        """Registry observer: turn a state event into log entries."""
        state = self.registry.get(event.ups)
        name = state.name if state is not None else event.ups
        if event.kind == "update":
            changed = event.detail.get("changed", {})
            snap = state.snapshot() if state is not None else None
            if "ups.status" in changed and snap is not None:
                self._status_changed(name, event, changed["ups.status"] or "", snap.status)
            if "ups.alarm" in changed and snap is not None:
                text = snap.value("ups.alarm")
                self.sink(LogEntry(name, event.time, "alarm",
                                  f"device alarm: {text}" if text else "device alarm cleared",
                                  None, {"old": changed["ups.alarm"], "new": text}))
            self.check_availability(name)
        elif event.kind in ("stale", "disconnected", "connected"):
            self.check_availability(name, event.detail.get("reason"))
        elif event.kind == "setvar":
            d = event.detail
            what = f"{d.get('var')} set to {d.get('value')!r}"
            self.sink(LogEntry(name, event.time, "setvar",
                              f"{_outcome(what, d)}{_by(event.user, d.get('address'))}",
                              event.user, dict(d)))
        elif event.kind == "instcmd":
            d = event.detail
            param = f" {d['param']}" if d.get("param") is not None else ""
            what = f"command {d.get('command')}{param} run"
            self.sink(LogEntry(name, event.time, "instcmd",
                              f"{_outcome(what, d)}{_by(event.user, d.get('address'))}",
                              event.user, dict(d)))
        elif event.kind == "fsd":
            self.sink(LogEntry(name, event.time, "fsd",
                              f"forced shutdown set{_by(event.user, None)}", event.user, {}))
        elif event.kind in ("alert", "alert_clear"):
            d = dict(event.detail)
            verb = "alert" if event.kind == "alert" else "alert cleared"
            self.sink(LogEntry(name, event.time, event.kind,
                              f"{verb}: {d.get('message')} ({d.get('var')} {d.get('value'):g})",
                              None, d))

    def _status_changed(self, name: str, event: Event, old: str, new: str) -> None:
        before, after = set(old.split()), set(new.split())
        phrases = [STATUS_PHRASES[t][0] for t in new.split()
                   if t not in before and t in STATUS_PHRASES and STATUS_PHRASES[t][0]]
        phrases += [STATUS_PHRASES[t][1] for t in old.split()
                    if t not in after and t in STATUS_PHRASES and STATUS_PHRASES[t][1]]
        summary = ", ".join(p for p in phrases if p) or "status changed"
        if not old:
            summary = "first status"
        self.sink(LogEntry(name, event.time, "status", f"{summary} ({old or '-'} -> {new or '-'})",
                          None, {"old": old, "new": new}))

    def check_availability(self, name: str, reason: str | None = None) -> None:
        """Log communication lost / restored when a UPS's availability changes."""
        state = self.registry.get(name)
        if state is None:
            return
        now = self.clock.seconds()
        current = state.snapshot().availability(now, self.maxage)
        before = self._available.get(state.name)
        self._available[state.name] = current
        if before is None and current is Availability.OK:
            self._was_ok.add(state.name)
        if before is None or before == current:
            return
        if current is Availability.OK:
            message = ("communication restored" if state.name in self._was_ok
                       else "communication established")
            self._was_ok.add(state.name)
        elif before is Availability.OK:
            message = f"communication lost ({current.value}{': ' + reason if reason else ''})"
        else:
            return   # still not talking (e.g. connected, first poll pending): nothing new
        self.sink(LogEntry(state.name, now, "comm", message, None,
                          {"old": before.value, "new": current.value}))


def _outcome(what: str, detail: Mapping[str, Any]) -> str:
    """``what`` as asked, or why the device refused it."""
    result = detail.get("result")
    if isinstance(result, str) and result.startswith("failed"):
        return f"{what} {result}".replace(" run failed", " failed")
    return what


def _by(user: str | None, address: str | None) -> str:
    if user and address:
        return f" by {user} ({address})"
    return f" by {user}" if user else ""
