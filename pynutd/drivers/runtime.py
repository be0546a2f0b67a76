"""battery.runtime for a UPS that reports none: estimated from charge, load and experience.

Pure code, no Twisted, no I/O.  Three ways, in order of preference:

* ``runtimecal`` (ups.conf), as NUT's blazer and nutdrv_qx drivers read it:
  ``runtimecal = R1,L1,R2,L2``, the runtime in seconds at two loads in %.
  The runtime falls with the load as a power law ``R ~ L^-e`` with
  ``e = ln(R2/R1) / ln(L1/L2)``; the runtime at full load is
  ``R1 * (L1/100)^e``, the share left of it is ``battery.charge`` and the
  load counts as at least ``idleload`` % (NUT's default 10).  NUT
  integrates the charge itself (with ``chargetime``) only where the UPS
  measures none; every UPS this serves measures it, so the charge it
  reports is used at each poll.
* the battery's energy: ``battery_ah`` x ``battery.voltage.nominal`` x the
  inverter efficiency, the ``battery.charge`` share of it, over the present
  load (``ups.realpower``).
* what discharges have shown: the load's energy drawn per % of charge lost
  while on battery (:class:`DischargeLearner`).  It refines the energy
  figure as it grows (fully trusted once half a battery's worth of drop has
  been watched) and stands alone when no capacity is configured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

EFFICIENCY = 0.88      # inverter efficiency: mustmon.py's default inverter_efficiency
DEFAULT_IDLELOAD = 10.0  # %, NUT's blazer/nutdrv_qx default
MAX_GAP = 120.0        # seconds: a longer silence splits a discharge
MIN_DROP = 10.0        # % of charge a learned figure needs before it is used
TRUSTED_DROP = 50.0    # % of charge after which the learned figure stands alone
MAX_RUNTIME = 7 * 86400.0   # a week: at near-zero load the quotient means nothing


@dataclass(frozen=True, slots=True)
class RuntimeCal:
    """NUT's ``runtimecal``: runtime ``high_runtime`` s at ``high_load`` %, and so on."""

    high_runtime: float
    high_load: float
    low_runtime: float
    low_load: float

    @property
    def exponent(self) -> float:
        """The load exponent: runtime scales with load ** -exponent."""
        return math.log(self.low_runtime / self.high_runtime) / math.log(self.high_load / self.low_load)

    @property
    def nominal(self) -> float:
        """The runtime in seconds of a full battery at 100 % load."""
        return self.high_runtime * (self.high_load / 100.0) ** self.exponent


def parse_runtimecal(text: str) -> RuntimeCal:
    """Parse ``R1,L1,R2,L2``; ValueError says what NUT's drivers would refuse."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise ValueError("runtimecal needs four numbers: runtime,load,runtime,load "
                         "(seconds at a high load %, seconds at a low load %)")
    try:
        rh, lh, rl, ll = (float(p) for p in parts)
    except ValueError:
        raise ValueError("runtimecal must be four numbers: runtime,load,runtime,load") from None
    if not all(math.isfinite(v) for v in (rh, lh, rl, ll)):
        raise ValueError("runtimecal must be four finite numbers")
    if rh <= 0 or rl < rh:
        raise ValueError("runtimecal: the runtimes must be positive, "
                         "the second at least the first (the lower load lasts longer)")
    if ll <= 0 or lh > 100 or ll > lh:
        raise ValueError("runtimecal: the loads must be in 0..100 %, the second "
                         "below the first")
    if rl != rh and ll == lh:
        raise ValueError("runtimecal: two runtimes at one load")
    if ll == lh:
        # One point only: NUT would divide by zero; scale linearly with the load.
        return RuntimeCal(rh, lh, rh * 2.0, lh / 2.0)
    return RuntimeCal(rh, lh, rl, ll)


def runtimecal_seconds(cal: RuntimeCal, charge: float, load: float,
                       idleload: float = DEFAULT_IDLELOAD) -> float:
    """NUT's runtimecal estimate: seconds left at ``load`` % with ``charge`` %."""
    effective = max((max(load, 0.0) / 100.0) ** cal.exponent, idleload / 100.0)
    if effective <= 0:
        return MAX_RUNTIME
    return min(cal.nominal * _share(charge) / effective, MAX_RUNTIME)


def energy_seconds(charge: float, energy_wh: float, watts: float) -> float | None:
    """Seconds ``charge`` % of ``energy_wh`` lasts at ``watts``; None without a load."""
    if watts <= 0 or energy_wh <= 0:
        return None
    return min(_share(charge) * energy_wh * 3600.0 / watts, MAX_RUNTIME)


def _share(charge: float) -> float:
    return min(max(charge, 0.0), 100.0) / 100.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading of a discharge curve: time (s), on battery, charge (%), load (W)."""

    time: float
    on_battery: bool
    charge: float
    watts: float


class DischargeLearner:
    """The load's energy drawn per % of charge, from the discharges seen.

    Consecutive on-battery samples (no gap over :data:`MAX_GAP`) form a
    discharge; its energy is the load integrated over time (trapezoids) and
    its drop the charge lost from its first sample to its last.  The
    figure is the sum of energies over the sum of drops, so long discharges
    weigh more than short ones.
    """

    def __init__(self) -> None:
        self.energy_wh = 0.0       # of the finished discharges
        self.drop = 0.0            # % of charge, likewise
        self.discharges = 0
        self._last: Sample | None = None
        self._start_charge: float | None = None   # of the running discharge
        self._run_energy = 0.0

    def observe(self, sample: Sample) -> None:
        """Take the next reading (in time order; an older or repeated one is ignored)."""
        last = self._last
        if last is not None and sample.time <= last.time:
            return
        if last is not None and last.on_battery and sample.on_battery \
                and sample.time - last.time <= MAX_GAP:
            self._run_energy += (last.watts + sample.watts) / 2.0 * (sample.time - last.time) / 3600.0
        else:
            self._close()
            if sample.on_battery:
                self._start_charge = sample.charge
        self._last = sample

    def feed(self, samples: Iterable[Sample]) -> None:
        """Observe a whole recorded curve, then end its last discharge."""
        for sample in samples:
            self.observe(sample)
        self._close()
        self._last = None

    def _running(self) -> tuple[float, float]:
        """Energy and drop of the running discharge ((0, 0) when none or no drop yet)."""
        if self._start_charge is None or self._last is None:
            return 0.0, 0.0
        drop = self._start_charge - self._last.charge
        return (self._run_energy, drop) if drop > 0 and self._run_energy > 0 else (0.0, 0.0)

    def _close(self) -> None:
        energy, drop = self._running()
        if drop > 0:
            self.energy_wh += energy
            self.drop += drop
            self.discharges += 1
        self._start_charge = None
        self._run_energy = 0.0

    def totals(self) -> tuple[float, float]:
        """Energy (Wh) and drop (%) of every discharge, the running one included."""
        energy, drop = self._running()
        return self.energy_wh + energy, self.drop + drop

    def full_energy(self) -> float | None:
        """Wh a full battery gives the load, once :data:`MIN_DROP` % has been watched."""
        energy, drop = self.totals()
        if drop < MIN_DROP:
            return None
        return energy * 100.0 / drop


@dataclass(frozen=True, slots=True)
class Estimate:
    """The estimate of one poll: seconds left and the method that gave them."""

    seconds: float
    method: str     # "runtimecal", "battery_ah", "battery_ah+history" or "history"


class RuntimeEstimator:
    """battery.runtime from a UPS's readings, by the best method configured or learned.

    ``battery_ah`` (Ah) and ``runtimecal`` come from ups.conf; without
    either, an estimate appears once the learner has watched enough
    discharge (unless ``learn`` is off).  ``battery_ah`` needs the
    readings' ``battery.voltage.nominal``.
    """

    def __init__(self, runtimecal: RuntimeCal | None = None,
                 idleload: float = DEFAULT_IDLELOAD, battery_ah: float | None = None,
                 efficiency: float = EFFICIENCY, learn: bool = True) -> None:
        self.runtimecal = runtimecal
        self.learn = learn
        self.idleload = idleload
        self.battery_ah = battery_ah
        self.efficiency = efficiency
        self.learner = DischargeLearner()

    def energy(self, values: Mapping[str, str]) -> tuple[float, str] | None:
        """The full battery's energy for the load (Wh) and where it comes from."""
        nominal = None
        volts = _number(values.get("battery.voltage.nominal"))
        if self.battery_ah is not None and volts:
            nominal = self.battery_ah * volts * self.efficiency
        learned = self.learner.full_energy()
        if learned is None:
            return (nominal, "battery_ah") if nominal is not None else None
        if nominal is None:
            return learned, "history"
        # Trust the measurement more as more of a battery's drop has been watched.
        weight = min(self.learner.totals()[1] / TRUSTED_DROP, 1.0)
        return nominal + (learned - nominal) * weight, "battery_ah+history"

    def update(self, now: float, values: Mapping[str, str]) -> Estimate | None:
        """Learn from one poll's ``values`` and return its estimate (None: cannot tell)."""
        charge = _number(values.get("battery.charge"))
        watts = load_watts(values)
        tokens = values.get("ups.status", "").split()
        if self.learn and charge is not None and watts is not None:
            self.learner.observe(Sample(now, "OB" in tokens, charge, watts))
        if charge is None:
            return None
        if self.runtimecal is not None:
            load = _number(values.get("ups.load"))
            if load is None:
                return None
            return Estimate(runtimecal_seconds(self.runtimecal, charge, load, self.idleload),
                            "runtimecal")
        energy = self.energy(values)
        if energy is None or watts is None:
            return None
        seconds = energy_seconds(charge, energy[0], watts)
        return Estimate(seconds, energy[1]) if seconds is not None else None


def load_watts(values: Mapping[str, str]) -> float | None:
    """The load in W: ``ups.realpower``, else ``ups.load`` % of ``ups.realpower.nominal``."""
    watts = _number(values.get("ups.realpower"))
    if watts is not None:
        return watts
    load, rated = _number(values.get("ups.load")), _number(values.get("ups.realpower.nominal"))
    if load is not None and rated is not None:
        return load * rated / 100.0
    return None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


__all__ = ["DischargeLearner", "Estimate", "RuntimeCal", "RuntimeEstimator", "Sample",
           "energy_seconds", "load_watts", "parse_runtimecal", "runtimecal_seconds"]
