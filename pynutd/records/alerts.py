"""Alerts: the seed monitor's threshold rules, per UPS, with hysteresis.

An :class:`AlertEngine` watches every UPS's values and raises an alert when
a reading crosses its rule's threshold, and clears it only once the value
is back past the threshold by the rule's hysteresis, so a reading that
hovers at the limit does not flap.  Raising and clearing are logged as
warnings, told to the UPS's observers as ``alert`` / ``alert_clear`` events
(history stores them, the web side shows them) and may run a notify
command, as upsmon's NOTIFYCMD.

Alerts never touch ``ups.status``: upsmon must not shut a host down
because a room is warm.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pynutd.ups import Event, Snapshot, UpsRegistry

log = logging.getLogger(__name__)

NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]*)?$")


@dataclass(frozen=True, slots=True)
class Rule:
    """One threshold rule.

    ``variables`` are tried in order; the first one the UPS has is used.
    ``above`` is true when the alert is raised above ``threshold`` (false:
    below).  ``hysteresis`` is in the variable's unit.
    """

    name: str
    variables: tuple[str, ...]
    above: bool
    threshold: float
    hysteresis: float
    message: str
    nominal: str | None = None      # scale by this variable / ``reference`` when present
    reference: float = 1.0

    def for_ups(self, snap: Snapshot) -> Rule:
        """Return the rule with threshold and hysteresis scaled to the UPS's nominal."""
        if self.nominal is None:
            return self
        text = snap.value(self.nominal)
        if text is None or not NUMBER.match(text.strip()) or float(text) <= 0:
            return self
        factor = float(text) / self.reference
        return replace(self, threshold=round(self.threshold * factor, 1),
                       hysteresis=round(self.hysteresis * factor, 1), nominal=None)


# The seed monitor's check_alarms(): input below 180 V, battery below 20 %,
# temperature above 40 C, load above 80 %.
RULES: tuple[Rule, ...] = (
    # 180 V is the seed's limit for 230 V mains; a 120 V UPS (input.voltage.nominal)
    # gets the same proportion, 94 V, unless pynutd.conf sets a threshold.
    Rule("input_voltage_low", ("input.voltage",), False, 180.0, 5.0, "Low input voltage",
         "input.voltage.nominal", 230.0),
    Rule("battery_low", ("battery.charge",), False, 20.0, 5.0, "Low battery"),
    Rule("temperature_high", ("ups.temperature", "battery.temperature"), True, 40.0, 2.0,
         "High temperature"),
    Rule("load_high", ("ups.load",), True, 80.0, 5.0, "High load"),
)

RULE_NAMES = {r.name for r in RULES}


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


@dataclass(frozen=True, slots=True)
class AlertConfig:
    """The rules in force: defaults, per-UPS overrides, and the notify command.

    Built from ``[alerts]`` and ``[alerts:<ups>]`` of pynutd.conf by
    :mod:`pynutd.config.pynutdconf`.
    """

    rules: tuple[Rule, ...] = RULES
    per_ups: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    notifycmd: str | None = None

    def rules_for(self, ups: str) -> tuple[Rule, ...]:
        """Return the rules that apply to UPS ``ups`` (any case)."""
        return self.per_ups.get(ups.lower(), self.rules)


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

    def __init__(self, registry: UpsRegistry, config: AlertConfig, clock: Any,
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
        if event.kind == "update":
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
            rule = configured.for_ups(snap)
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

    def _tell(self, state: Any, alert: Alert, raised: bool) -> None:
        sign = ">" if next(r for r in RULES if r.name == alert.rule).above else "<"
        if raised:
            log.warning("[%s] alert: %s (%s %g %s %g)", state.name, alert.message,
                        alert.var, alert.value, sign, alert.threshold)
        else:
            log.warning("[%s] alert cleared: %s (%s %g)", state.name, alert.message,
                        alert.var, alert.value)
        now = self.clock.seconds()
        state.record("alert" if raised else "alert_clear", now, alert.to_json())
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
