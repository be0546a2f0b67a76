"""The event log's entries, derived from what happens to each UPS.

:class:`EventDeriver` observes the state store and turns state events into
:class:`~pynutd.records.db.LogEntry` objects: ups.status changes in words
(on battery, low battery...), communication established / lost / restored,
the UPS's own alarms, pynutd's alerts, and SET VAR / INSTCMD with who did
them.  Staleness by MAXAGE fires no state event, so the history sampler
also calls :meth:`EventDeriver.check_availability` on its timer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twisted.internet.interfaces import IReactorTime

from pynutd.records.db import EntryKind, LogEntry
from pynutd.ups import Availability, Event, EventKind, UpsRegistry

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

    def __init__(self, registry: UpsRegistry, clock: IReactorTime, maxage: float,
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
        handler = _BY_KIND.get(event.kind)
        if handler is not None:
            handler(self, state.name if state is not None else event.ups, event)

    def _update(self, name: str, event: Event) -> None:
        changed = event.detail.get("changed", {})
        state = self.registry.get(name)
        snap = state.snapshot() if state is not None else None
        if "ups.status" in changed and snap is not None:
            self._status_changed(name, event, changed["ups.status"] or "", snap.status)
        if "ups.alarm" in changed and snap is not None:
            text = snap.value("ups.alarm")
            self.sink(LogEntry(name, event.time, EntryKind.ALARM,
                               f"device alarm: {text}" if text else "device alarm cleared",
                               None, {"old": changed["ups.alarm"], "new": text}))
        self.check_availability(name)

    def _link(self, name: str, event: Event) -> None:
        self.check_availability(name, event.detail.get("reason"))

    def _setvar(self, name: str, event: Event) -> None:
        d = event.detail
        what = f"{d.get('var')} set to {d.get('value')!r}"
        self.sink(LogEntry(name, event.time, EntryKind.SETVAR,
                           f"{_outcome(what, d)}{_by(event.user, d.get('address'))}",
                           event.user, dict(d)))

    def _instcmd(self, name: str, event: Event) -> None:
        d = event.detail
        param = f" {d['param']}" if d.get("param") is not None else ""
        what = f"command {d.get('command')}{param} run"
        self.sink(LogEntry(name, event.time, EntryKind.INSTCMD,
                           f"{_outcome(what, d)}{_by(event.user, d.get('address'))}",
                           event.user, dict(d)))

    def _fsd(self, name: str, event: Event) -> None:
        self.sink(LogEntry(name, event.time, EntryKind.FSD,
                           f"forced shutdown set{_by(event.user, None)}", event.user, {}))

    def _alert(self, name: str, event: Event) -> None:
        d = dict(event.detail)
        raised = event.kind is EventKind.ALERT
        verb = "alert" if raised else "alert cleared"
        self.sink(LogEntry(name, event.time, EntryKind.ALERT if raised else EntryKind.ALERT_CLEAR,
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
        self.sink(LogEntry(name, event.time, EntryKind.STATUS,
                           f"{summary} ({old or '-'} -> {new or '-'})", None,
                           {"old": old, "new": new}))

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
        self.sink(LogEntry(state.name, now, EntryKind.COMM, message, None,
                           {"old": before.value, "new": current.value}))


# What each kind of state event becomes in the log; other kinds log nothing.
_BY_KIND: dict[EventKind, Callable[[EventDeriver, str, Event], None]] = {
    EventKind.UPDATE: EventDeriver._update,
    EventKind.STALE: EventDeriver._link,
    EventKind.DISCONNECTED: EventDeriver._link,
    EventKind.CONNECTED: EventDeriver._link,
    EventKind.SETVAR: EventDeriver._setvar,
    EventKind.INSTCMD: EventDeriver._instcmd,
    EventKind.FSD: EventDeriver._fsd,
    EventKind.ALERT: EventDeriver._alert,
    EventKind.ALERT_CLEAR: EventDeriver._alert,
}


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
