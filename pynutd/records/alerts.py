"""Alerts: the MUST EP20 monitor's (mustmon.py) threshold rules, per UPS, with hysteresis.

An :class:`AlertEngine` watches every UPS's values and raises an alert when
a reading crosses its rule's threshold, and clears it only once the value
is back past the threshold by the rule's hysteresis, so a reading that
hovers at the limit does not flap.  Raising and clearing are logged as
warnings, told to the UPS's observers as ``alert`` / ``alert_clear`` events
(history stores them, the web side shows them) and may run a notify
command, as upsmon's NOTIFYCMD.  The rules themselves are configuration
(:mod:`pynutd.config.alerts`).

Alerts never touch ``ups.status``: upsmon must not shut a host down
because a room is warm.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from twisted.internet.interfaces import IReactorTime

from pynutd.config.alerts import RULES, AlertConfig, Rule
from pynutd.ups import Event, EventKind, Snapshot, UpsRegistry, UpsState

log = logging.getLogger(__name__)

NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]*)?$")


@dataclass(frozen=True, slots=True)
class Alert:
    """A raised alert of one UPS."""

    rule: str
    message: str
    var: str
    value: float
    threshold: float
    since: float

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form the web API documents."""
        return {"rule": self.rule, "message": self.message, "var": self.var,
                "value": self.value, "threshold": self.threshold, "since": self.since}


def scaled(rule: Rule, snap: Snapshot) -> Rule:
    """Return ``rule`` with threshold and hysteresis scaled to the UPS's nominal value."""
    if rule.nominal is None:
        return rule
    text = snap.value(rule.nominal)
    if text is None or not NUMBER.match(text.strip()) or float(text) <= 0:
        return rule
    factor = float(text) / rule.reference
    return replace(rule, threshold=round(rule.threshold * factor, 1),
                   hysteresis=round(rule.hysteresis * factor, 1), nominal=None)


def still_raised(rule: Rule, active: bool, value: float) -> bool:
    """Return whether ``rule`` is raised after reading ``value``.

    ``active`` is whether it was raised before: a raised alert stays until
    the value is past the threshold by the hysteresis.
    """
    if rule.above:
        return value > (rule.threshold - rule.hysteresis if active else rule.threshold)
    return value < (rule.threshold + rule.hysteresis if active else rule.threshold)


def reading(rule: Rule, snap: Snapshot) -> tuple[str, float] | None:
    """Return the variable and numeric value ``rule`` watches on ``snap``."""
    for name in rule.variables:
        text = snap.value(name)
        if text is not None and NUMBER.match(text.strip()):
            return name, float(text)
    return None


Notifier = Callable[[str, Mapping[str, str]], None]


class AlertEngine:
    """Evaluates every UPS's rules on each change of its values."""

    def __init__(self, registry: UpsRegistry, config: AlertConfig, clock: IReactorTime,
                 notify: Notifier | None = None) -> None:
        self.registry = registry
        self.config = config
        self.clock = clock
        self.notify = notify
        self._active: dict[str, dict[str, Alert]] = {}

    def start(self) -> None:
        """Watch every UPS and evaluate the current values once."""
        self.registry.subscribe(self.observe)
        for state in self.registry:
            self.check(state.name)

    def observe(self, event: Event) -> None:
        """Registry observer: re-check a UPS whose values changed."""
        if event.kind is EventKind.UPDATE:
            self.check(event.ups)

    def active(self, ups: str) -> list[Alert]:
        """Return the raised alerts of ``ups``, in rule order."""
        current = self._active.get(ups.lower(), {})
        return [current[r.name] for r in RULES if r.name in current]

    def all_active(self) -> dict[str, list[Alert]]:
        """Return the raised alerts of every UPS that has some."""
        return {s.name: self.active(s.name) for s in self.registry if self.active(s.name)}

    def check(self, ups: str) -> None:
        """Evaluate ``ups``'s rules against its current values."""
        state = self.registry.get(ups)
        if state is None:
            return
        snap = state.snapshot()
        current = self._active.setdefault(state.name.lower(), {})
        now = self.clock.seconds()
        for configured in self.config.rules_for(state.name):
            rule = scaled(configured, snap)
            found = reading(rule, snap)
            if found is None:
                continue  # no reading: keep what we had
            var, value = found
            was = current.get(rule.name)
            if still_raised(rule, was is not None, value):
                if was is None:
                    alert = Alert(rule.name, rule.message, var, value, rule.threshold, now)
                    current[rule.name] = alert
                    self._tell(state, alert, raised=True)
                else:
                    current[rule.name] = replace(was, value=value)
            elif was is not None:
                del current[rule.name]
                self._tell(state, replace(was, value=value), raised=False)

    def _tell(self, state: UpsState, alert: Alert, raised: bool) -> None:
        sign = ">" if next(r for r in RULES if r.name == alert.rule).above else "<"
        if raised:
            log.warning("[%s] alert: %s (%s %g %s %g)", state.name, alert.message,
                        alert.var, alert.value, sign, alert.threshold)
        else:
            log.warning("[%s] alert cleared: %s (%s %g)", state.name, alert.message,
                        alert.var, alert.value)
        now = self.clock.seconds()
        state.record(EventKind.ALERT if raised else EventKind.ALERT_CLEAR, now, alert.to_json())
        if self.notify is not None and self.config.notifycmd:
            message = (f"UPS {state.name}: {alert.message} ({alert.var} {alert.value:g})"
                       if raised else f"UPS {state.name}: {alert.message} cleared "
                       f"({alert.var} {alert.value:g})")
            env = {
                "NOTIFYTYPE": "ALERT" if raised else "ALERTCLEAR",
                "UPSNAME": state.name, "PYNUTD_RULE": alert.rule, "PYNUTD_VAR": alert.var,
                "PYNUTD_VALUE": f"{alert.value:g}", "PYNUTD_THRESHOLD": f"{alert.threshold:g}",
                "PYNUTD_MESSAGE": message,
                "PYNUTD_TIME": datetime.fromtimestamp(now).isoformat(timespec="seconds"),
            }
            try:
                self.notify(message, env)
            except Exception:  # a broken notify command must not stop alerting
                log.exception("[%s] notify command failed", state.name)
