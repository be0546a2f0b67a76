"""The alert rules in force: the default table, per-UPS overrides, the notify command.

Plain frozen data, built from ``[alerts]`` and ``[alerts:<ups>]`` of
pynutd.conf by :mod:`pynutd.config.pynutdconf`; the engine that applies it
is :mod:`pynutd.records.alerts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Rule:
    """One threshold rule.

    ``variables`` are tried in order; the first one the UPS has is used.
    ``above`` is true when the alert is raised above ``threshold`` (false:
    below).  ``hysteresis`` is in the variable's unit.  With ``nominal``,
    threshold and hysteresis scale by that variable's value / ``reference``
    on a UPS that has it.
    """

    name: str
    variables: tuple[str, ...]
    above: bool
    threshold: float
    hysteresis: float
    message: str
    nominal: str | None = None
    reference: float = 1.0


# The MUST EP20 monitor's (mustmon.py) check_alarms(): input below 180 V,
# battery below 20 %, temperature above 40 C, load above 80 %.
RULES: tuple[Rule, ...] = (
    # 180 V is mustmon.py's limit for 230 V mains; a 120 V UPS (input.voltage.nominal)
    # gets the same proportion, 94 V, unless pynutd.conf sets a threshold.
    Rule("input_voltage_low", ("input.voltage",), False, 180.0, 5.0, "Low input voltage",
         "input.voltage.nominal", 230.0),
    Rule("battery_low", ("battery.charge",), False, 20.0, 5.0, "Low battery"),
    Rule("temperature_high", ("ups.temperature", "battery.temperature"), True, 40.0, 2.0,
         "High temperature"),
    Rule("load_high", ("ups.load",), True, 80.0, 5.0, "High load"),
)


@dataclass(frozen=True, slots=True)
class AlertConfig:
    """The rules in force: defaults, per-UPS overrides, and the notify command."""

    rules: tuple[Rule, ...] = RULES
    per_ups: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    notifycmd: str | None = None

    def rules_for(self, ups: str) -> tuple[Rule, ...]:
        """Return the rules that apply to UPS ``ups`` (any case)."""
        return self.per_ups.get(ups.lower(), self.rules)
