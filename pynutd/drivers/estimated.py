"""An estimated battery.runtime for a driver whose UPS reports none: options and publishing.

:func:`runtime_options` reads the ups.conf keys (checked at load, the error
on the key's line); :class:`EstimatedRuntime` turns one poll's values into
``battery.runtime`` (with :class:`~pynutd.drivers.runtime.RuntimeEstimator`),
``battery.runtime.low`` where configured, ``LB`` on battery at or below it,
and ``driver.parameter.runtime_estimate``, which names the method.  That
one variable marks the runtime as estimated whichever option gave it
(``driver.parameter.runtimecal`` only exists when the user set runtimecal),
so the dashboard and other clients need to look in one place.

ups.conf keys: ``runtimecal`` and ``idleload`` (NUT's blazer/nutdrv_qx
meaning), ``battery_ah`` (the battery's capacity; mustmon.py's
``capacity_ah``), ``runtime_learn`` (``off``: do not learn from discharges),
and NUT's driver-core ``default.battery.runtime.low`` /
``override.battery.runtime.low`` (seconds).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pynutd.config import UpsSection
from pynutd.config.values import shown
from pynutd.drivers.runtime import (
    DEFAULT_IDLELOAD,
    RuntimeEstimator,
    Sample,
    parse_runtimecal,
)
from pynutd.ups import STATUS_ORDER

PARAMETER = "driver.parameter.runtime_estimate"
LOW_KEYS = ("override.battery.runtime.low", "default.battery.runtime.low")


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """The checked ups.conf options of the estimate."""

    estimator: RuntimeEstimator
    runtime_low: int | None


def runtime_options(section: UpsSection) -> RuntimeOptions:
    """Read and check the estimate's ups.conf keys (ConfigError at the key's line)."""
    cal = None
    raw = section.get("runtimecal")
    if raw is not None:
        try:
            cal = parse_runtimecal(raw)
        except ValueError as exc:
            raise section.error("runtimecal", str(exc)) from None
    idleload = section.get_float("idleload", DEFAULT_IDLELOAD, minimum=0.0, maximum=100.0)
    if section.get("idleload") is not None and idleload <= 0:
        raise section.error("idleload", "idleload must be above 0 (a %, as NUT's)")
    battery_ah = None
    if section.get("battery_ah") is not None:
        battery_ah = section.get_float("battery_ah", 0.0, minimum=0.1, maximum=100000.0)
    low = None
    for key in LOW_KEYS:
        if section.get(key) is not None:
            low = section.get_int(key, 0)
            if not 0 <= low <= 86400:
                raise section.error(key, f"{key} must be 0..86400 seconds")
            break
    learn_raw = (section.get("runtime_learn") or "on").strip().lower()
    if learn_raw not in ("on", "off", "yes", "no", "1", "0", "true", "false"):
        raise section.error("runtime_learn",
                            f"runtime_learn must be on or off, not {shown(learn_raw)}")
    learn = learn_raw in ("on", "yes", "1", "true")
    return RuntimeOptions(RuntimeEstimator(cal, idleload, battery_ah, learn=learn), low)


class EstimatedRuntime:
    """Adds the estimate to each poll's values of a UPS without battery.runtime."""

    def __init__(self, options: RuntimeOptions) -> None:
        self.options = options
        self.estimator = options.estimator

    def learn(self, samples: Iterable[Sample]) -> None:
        """Take a recorded discharge curve (the history's), unless learning is off."""
        if self.estimator.learn:
            self.estimator.learner.feed(samples)

    def apply(self, now: float, values: Mapping[str, str]) -> dict[str, str]:
        """Return ``values`` with the estimate's variables (unchanged if the UPS has a runtime)."""
        out = dict(values)
        if "battery.runtime" in values:
            return out
        estimate = self.estimator.update(now, values)
        low = self.options.runtime_low
        if low is not None:
            out["battery.runtime.low"] = str(low)
        if estimate is None:
            return out
        out["battery.runtime"] = f"{estimate.seconds:.0f}"
        out[PARAMETER] = estimate.method
        status = out.get("ups.status", "").split()
        if low is not None and "OB" in status and "LB" not in status and estimate.seconds <= low:
            out["ups.status"] = " ".join(_with_token(status, "LB"))
        return out


def _with_token(tokens: list[str], token: str) -> list[str]:
    """``tokens`` plus ``token`` in NUT's order, ALARM kept in front."""
    head = [t for t in tokens if t not in STATUS_ORDER]
    rest = sorted({*[t for t in tokens if t in STATUS_ORDER], token}, key=STATUS_ORDER.index)
    return head + rest


__all__ = ["PARAMETER", "EstimatedRuntime", "RuntimeOptions", "runtime_options"]
