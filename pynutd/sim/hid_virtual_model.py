"""The virtual HID UPS's behaviour: report buffers changed by power events.

Sans-IO: :class:`HidUpsModel` holds a device's feature and input report
buffers (from a real descriptor and ``.reports.txt``) and, each time it is
asked at a given ``now``, brings them up to date with the scenario: mains
lost, discharge, low battery, self-test, shutdown delay counting down, the
UPS switching off.  Values are written as the device's raw (logical)
numbers into every field whose usage path ends the same way, so a status
flag carried by two reports changes in both.  Model time is wall time times
``timescale`` so tests see an outage reach low battery in seconds.

test-case-name: tests.test_hid_virtual
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pynutd.drivers.hid.descriptor import FEATURE, INPUT, HidField, ReportDescriptor
from pynutd.drivers.hid.usages import path_to_string


@dataclass(frozen=True, slots=True)
class Scenario:
    """Mains on/off phases in model seconds; the last phase lasts forever unless looping."""

    name: str
    description: str
    phases: tuple[tuple[float, bool], ...]
    loop: bool = False
    discharge_rate: float = 1.0    # % per model second on battery
    charge_rate: float = 0.5       # % per model second on mains


SCENARIOS = {s.name: s for s in (
    Scenario("replay", "report values exactly as in the file; writes are stored only", ()),
    Scenario("online", "mains present all the time", ((0, True),)),
    Scenario("outage", "mains fail after 10 s and never return", ((10, True), (0, False))),
    Scenario("cycle", "mains fail for 100 s every 3 minutes (the demo)",
             ((80, True), (100, False)), loop=True, discharge_rate=0.9),
)}

TEST_SECONDS = {1: 10.0, 2: 60.0}   # quick / deep self-test length
# PresentStatus bits a healthy UPS on mains has at 0.
TROUBLE = ("NeedReplacement", "Overload", "InternalFailure", "OverTemperature",
           "CommunicationLost", "VoltageOutOfRange", "FrequencyOutOfRange",
           "RemainingTimeLimitExpired", "ShutdownImminent", "BelowRemainingCapacityLimit",
           "FullyDischarged", "AwaitingPower", "Discharging")
# Mains-side voltages, index nodes allowed (UPS.PowerConverter.Input.[1].Voltage).
INPUT_VOLTAGE = re.compile(r"\.Input(\.\[\d+\])?\.Voltage$")
OUTPUT_VOLTAGE = re.compile(r"\.Output(\.\[\d+\])?\.Voltage$")
CONFIG_VOLTAGE = re.compile(r"\.(Input|Output|Flow)(\.\[\d+\])?\.ConfigVoltage$")


def _encoding(f: HidField) -> tuple[object, ...]:
    """What makes two fields' raw numbers mean the same physical value."""
    return (f.unit, f.unit_exp, f.log_min, f.log_max, f.phy_min, f.phy_max)
QUEUE_LIMIT = 64                      # interrupt-in reports kept for a reader


class HidUpsModel:
    """Report buffers plus the state machine that moves them."""

    def __init__(self, desc: ReportDescriptor, reports: dict[int, bytes],
                 names: dict[int, str], scenario: Scenario, timescale: float = 1.0) -> None:
        self.desc = desc
        self.scenario = scenario
        self.timescale = timescale
        self.names = names
        self.buffers: dict[tuple[int, str], bytearray] = {}
        for rid in desc.report_ids(FEATURE):
            self.buffers[(rid, FEATURE)] = bytearray(
                reports.get(rid) or bytes([rid]) + bytes(desc.report_length(rid) - 1))
        for rid in desc.report_ids(INPUT):
            src = reports.get(rid) or bytes([rid])
            buf = bytearray(src) + bytearray(max(0, desc.report_length(rid) - len(src)))
            self.buffers[(rid, INPUT)] = buf
        self.paths = {f: path_to_string(f.path, names) for f in desc.fields
                      if f.kind in (FEATURE, INPUT)}
        self._suffixes: dict[str, list[HidField]] = {}
        self.queue: list[bytes] = []
        self.start: float | None = None
        self.last = 0.0                      # model seconds at the last update
        self.charge = float(self.raw(".RemainingCapacity", 100))
        runtime = self.raw(".RunTimeToEmpty", 1800)
        self.low = self.raw(".RemainingCapacityLimit", 20) or 20
        if scenario.phases:
            # A simulation starts on mains, fully charged, with nothing wrong,
            # whatever the capture held (a report missing from .reports.txt
            # reads 0: no charge, no runtime, no mains voltage).
            self.charge = 100.0
            runtime = runtime if runtime > 0 else self._logical(".RunTimeToEmpty", 1800)
            self._start_healthy()
        self.full_runtime = runtime * 100 / max(self.charge, 1)
        self.nominal_input = {f: f.decode(bytes(self._buf(f)))
                              for f in self.matching(INPUT_VOLTAGE)}
        self.forced_mains: bool | None = None
        self.output_on = True
        self.off_at: float | None = None     # model time the output switches off
        self.on_at: float | None = None      # model time it switches back on
        self.test_until: float | None = None
        self.dead = False                    # switched off on battery: USB gone

    # -- fields -------------------------------------------------------------------

    def fields(self, suffix: str) -> list[HidField]:
        """Every field (feature and input) whose path ends with ``suffix``."""
        found = self._suffixes.get(suffix)
        if found is None:
            found = [f for f, p in self.paths.items() if p.endswith(suffix)]
            self._suffixes[suffix] = found
        return found

    def matching(self, pattern: re.Pattern[str]) -> list[HidField]:
        """Every field (feature and input) whose path the regular expression ``pattern`` finds."""
        return [f for f, p in self.paths.items() if pattern.search(p)]

    def _logical(self, suffix: str, physical: float) -> int:
        """The raw value the first field ending with ``suffix`` has for ``physical``."""
        for f in self.fields(suffix):
            return f.from_physical(physical)
        return int(physical)

    def _start_healthy(self) -> None:
        """Mains voltages, a battery present and no trouble bits, for a coherent first poll."""
        for flag in TROUBLE:
            self.set(f"PresentStatus.{flag}", 0)
        self.set("PresentStatus.BatteryPresent", 1)
        voltages = self.matching(INPUT_VOLTAGE) + self.matching(OUTPUT_VOLTAGE)
        known = [f for f in voltages + self.matching(CONFIG_VOLTAGE) if self._value(f)]
        nominal = next((f.to_physical(self._value(f)) for f in self.matching(CONFIG_VOLTAGE)
                        if f.kind == FEATURE and self._value(f)), 230.0)
        for f in voltages:
            if self._value(f):
                continue
            # Another mains voltage in the same encoding gives the raw value;
            # else the nominal voltage converted into this field's units.
            same = next((k for k in known if _encoding(k) == _encoding(f)), None)
            raw = self._value(same) if same is not None else f.from_physical(nominal)
            f.encode(self._buf(f), raw & ((1 << f.size) - 1))

    def _value(self, f: HidField) -> int:
        return f.decode(bytes(self._buf(f)))

    def _buf(self, f: HidField) -> bytearray:
        return self.buffers[(f.report_id, f.kind)]

    def raw(self, suffix: str, default: int) -> int:
        """Return the raw value of the first feature field ending with ``suffix``."""
        for f in self.fields(suffix):
            if f.kind == FEATURE:
                return f.decode(bytes(self._buf(f)))
        return default

    def set(self, suffix: str, value: int) -> None:
        """Write raw ``value`` into every field ending with ``suffix``."""
        for f in self.fields(suffix):
            buf = self._buf(f)
            before = bytes(buf)
            f.encode(buf, max(f.log_min, min(value, f.log_max)) & ((1 << f.size) - 1))
            if f.kind == INPUT and bytes(buf) != before:
                self.queue.append(bytes(buf))
                del self.queue[:-QUEUE_LIMIT]   # nobody reading: keep the newest only

    # -- time -----------------------------------------------------------------------

    def mains(self, t: float) -> bool:
        """Whether the mains are present at model time ``t``."""
        if self.forced_mains is not None:
            return self.forced_mains
        phases = self.scenario.phases
        cycle = sum(d for d, _ in phases)
        if self.scenario.loop and cycle > 0:
            t %= cycle
        for duration, present in phases:
            if t < duration or duration == 0:
                return present
            t -= duration
        return phases[-1][1]

    def update(self, now: float) -> None:
        """Advance the model to wall time ``now`` (seconds)."""
        if not self.scenario.phases:
            return
        if self.start is None:
            self.start = now
        t = (now - self.start) * self.timescale
        # Integrate in steps of at most 1 model second so phase edges are seen.
        while self.last < t:
            step = min(1.0, t - self.last)
            self._step(self.last + step, step)
            self.last += step
        self._publish(t)

    def _step(self, t: float, dt: float) -> None:
        mains = self.mains(t)
        if self.dead and mains:
            self.dead, self.output_on = False, True
        if self.off_at is not None and t >= self.off_at:
            self.off_at, self.output_on = None, False
            self.dead = not mains
        if self.on_at is not None and t >= self.on_at and mains:
            self.on_at, self.output_on = None, True
        testing = self.test_until is not None
        if testing and self.test_until is not None and t >= self.test_until:
            self.test_until = None
            self.set(".Test", 1)
        if (not mains or testing) and self.output_on:
            self.charge = max(0.0, self.charge - self.scenario.discharge_rate * dt)
        elif mains:
            self.charge = min(100.0, self.charge + self.scenario.charge_rate * dt)

    def _publish(self, t: float) -> None:
        mains = self.mains(t)
        on_battery = (not mains or self.test_until is not None) and self.output_on
        charge = int(self.charge)
        low = charge <= self.low and on_battery
        self.set(".RemainingCapacity", charge)
        self.set(".RunTimeToEmpty", int(self.full_runtime * self.charge / 100))
        self.set("PresentStatus.ACPresent", int(mains))
        self.set("PresentStatus.Discharging", int(on_battery))
        testing = self.test_until is not None
        self.set("PresentStatus.Charging", int(mains and not testing and charge < 100))
        self.set("PresentStatus.FullyCharged", int(charge >= 100))
        self.set("PresentStatus.FullyDischarged", int(charge == 0))
        self.set("PresentStatus.BelowRemainingCapacityLimit", int(low))
        # Firmware raises ShutdownImminent when its own off-delay runs on battery.
        self.set("PresentStatus.ShutdownImminent", int(not mains and self.off_at is not None))
        for f, nominal in self.nominal_input.items():
            f.encode(self._buf(f), nominal if mains else 0)
        if self.off_at is not None:
            per_unit = self._seconds_per_unit(".DelayBeforeShutdown")
            self.set(".DelayBeforeShutdown", max(0, round((self.off_at - t) / per_unit)))

    def _seconds_per_unit(self, suffix: str) -> float:
        for f in self.fields(suffix):
            step = f.to_physical(1) - f.to_physical(0)
            return step if step > 0 else 1.0
        return 1.0

    # -- writes ---------------------------------------------------------------------

    def write(self, data: bytes, now: float) -> None:
        """Store a SET_REPORT and react to the controls it touches."""
        self.update(now)
        rid = data[0]
        buf = self.buffers[(rid, FEATURE)]
        buf[:len(data)] = data
        if not self.scenario.phases:
            return
        t = self.last
        for f in self.desc.in_report(rid, FEATURE):
            name = self.paths[f]
            value = f.decode(data)
            if name.endswith(".Test"):
                self._test(value, t)
            elif name.endswith("DelayBeforeShutdown"):
                self.off_at = self._delay(f, value, t)
            elif name.endswith("DelayBeforeStartup"):
                self.on_at = self._delay(f, value, t)
        self._publish(t)

    def _delay(self, f: HidField, value: int, t: float) -> float | None:
        seconds = f.to_physical(value)
        if seconds < 0 or (value in (f.log_max, (1 << f.size) - 1) and f.log_min >= 0):
            return None            # -1 (or all ones): cancel
        return t + seconds

    def _test(self, value: int, t: float) -> None:
        if value in TEST_SECONDS:
            self.test_until = t + TEST_SECONDS[value]
            self.set(".Test", 5)            # in progress
        elif value == 3 and self.test_until is not None:
            self.test_until = None
            self.set(".Test", 4)            # aborted

    def report(self, rid: int, kind: str = FEATURE) -> bytes | None:
        """Return the current bytes of a report (None if the device has none)."""
        buf = self.buffers.get((rid, kind))
        return bytes(buf) if buf is not None else None
