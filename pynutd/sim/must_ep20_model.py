"""A small physical model of a MUST EP20-1000 Pro and its register image.

Sans-IO: :meth:`Ep20Model.advance` takes the clock's ``now``; the registers
are the real unit's (RESEARCH §2.3): 30000..30026 status, 31000..31017
settings, 32000..32002 commands.  The physics is deliberately simple: mains
present or absent with AVR trim and boost, a lead-acid battery that
discharges with the load and recharges CC/CV/float, overload and
transformer temperature with trips.  A :class:`Scenario` (data) drives the
mains, the load and the ambient temperature over time.
"""

from __future__ import annotations

from dataclasses import dataclass

RATED_W = 1000
BAT_CLASS = 12
FIRMWARE = 36402          # SoftwareVersion of the captured EP20-1000 Pro
MACHINE_TYPE = 2
POWER_FACTOR = 0.6        # the captures give 0.58-0.66 (30010 / 30011)
EFFICIENCY = 0.88
R_INTERNAL = 0.025        # ohm

DEFAULT_SETTINGS = {31000: 0, 31001: 230, 31002: 105, 31003: 141, 31004: 136, 31005: 20,
                    31006: 0, 31007: 0, 31008: 0, 31009: 1, 31016: 0, 31017: 1}
# Values each settings register accepts (vendor map, 12 V unit).
SETTING_VALUES = {31000: range(2), 31001: (220, 230), 31002: range(100, 121),
                  31003: range(138, 146), 31004: range(135, 146), 31005: range(5, 31, 5),
                  31006: range(2), 31007: range(2), 31008: range(1),
                  31009: range(2), 31016: range(2), 31017: range(2)}
LINE, BACKUP, STOP, POWER_OFF = 4, 3, 5, 6


@dataclass(frozen=True, slots=True)
class Phase:
    """A stretch of model time with fixed mains (V, 0 = outage), load (W), ambient (degC)."""

    duration: float
    grid: float = 230.0
    load: float = 150.0
    ambient: float = 25.0
    silent: bool = False   # the unit stops answering (a pulled cable)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A looping sequence of phases; ``speed`` model seconds pass per clock second."""

    name: str
    description: str
    phases: tuple[Phase, ...]
    speed: float = 1.0
    battery_ah: float = 100.0
    soc: float = 100.0
    settings: tuple[tuple[int, int], ...] = ()   # registers that differ from the defaults


SCENARIOS = {s.name: s for s in (
    Scenario("online", "mains present, 150 W load, full battery", (Phase(3600),)),
    # 60 s OL CHRG, mains lost for 88 s (LB after ~50 s with lowbatt = 30),
    # then 188 s of recharge; a 9 Ah battery charged at 5 A keeps it cycling.
    Scenario("outage", "OL CHRG, a mains failure down to LB, mains back; loops (15x time)",
             (Phase(900), Phase(1320, grid=0.0), Phase(2820)), speed=15, battery_ah=9,
             soc=50, settings=((31005, 5),)),
    Scenario("brownout", "low mains (190 V): AVR boost", (Phase(3600, grid=190.0),)),
    Scenario("highmains", "high mains (258 V): AVR trim", (Phase(3600, grid=258.0),)),
    Scenario("overload", "the load rises to 115 % and trips the output",
             (Phase(60, load=600.0), Phase(7200, load=1150.0)), speed=2),
    Scenario("overheat", "hot room and heavy load: over-temperature trip",
             (Phase(7200, load=950.0, ambient=55.0),), speed=60),
    Scenario("dropout", "answers 10 s, silent 15 s, answers again; loops",
             (Phase(10), Phase(15, silent=True), Phase(3600))),
)}


class Ep20Model:
    """The state of one simulated EP20 and its Modbus register image."""

    def __init__(self, scenario: Scenario, now: float, speed: float | None = None,
                 start: float = 0.0) -> None:
        self.scenario = scenario
        self.speed = speed if speed is not None else scenario.speed
        self.last = now
        self.model_time = 0.0
        self.settings = {**DEFAULT_SETTINGS, **dict(scenario.settings)}
        self.soc = scenario.soc
        self.temperature = scenario.phases[0].ambient + 5.0
        self.state = LINE
        self.fault = 0
        self.overload_time = 0.0
        self.off_by_command = False
        self.phase = scenario.phases[0]
        self._step(0.0)
        self._run(start)    # fast-forward, so the battery is where the scenario put it

    # -- time -------------------------------------------------------------

    def phase_at(self, model_time: float) -> Phase:
        """Return the scenario phase in force at ``model_time`` (looping)."""
        total = sum(p.duration for p in self.scenario.phases)
        t = model_time % total
        for phase in self.scenario.phases:
            if t < phase.duration:
                return phase
            t -= phase.duration
        return self.scenario.phases[-1]

    def advance(self, now: float) -> None:
        """Run the physics up to clock time ``now`` in steps of at most 1 model second."""
        self._run(max(0.0, now - self.last) * self.speed)
        self.last = max(self.last, now)

    def _run(self, remaining: float) -> None:
        while remaining > 1e-9:
            dt = min(1.0, remaining)
            self.phase = self.phase_at(self.model_time)
            self._step(dt)
            self.model_time += dt
            remaining -= dt
        self.phase = self.phase_at(self.model_time)

    @property
    def silent(self) -> bool:
        """Whether the unit currently ignores requests."""
        return self.phase.silent

    # -- physics ------------------------------------------------------------

    def _mains_ok(self) -> bool:
        return 150.0 <= self.phase.grid <= 280.0

    def _step(self, dt: float) -> None:
        phase = self.phase
        mains = self._mains_ok()
        if mains and self.state == POWER_OFF:
            self.off_by_command = False
            self.state = LINE          # output comes back with the mains
        if self.state in (LINE, BACKUP):
            self.state = LINE if mains else BACKUP
        output_on = self.state in (LINE, BACKUP)
        load = phase.load if output_on else 0.0
        pct = load * 100 / RATED_W
        self.overload_time = self.overload_time + dt if pct >= 110 else 0.0
        if output_on and self.overload_time >= 30:
            self.state, self.fault = STOP, 7
        target = phase.ambient + 35.0 * load / RATED_W
        self.temperature += (target - self.temperature) * min(1.0, dt / 300.0)
        if output_on and self.temperature >= 85:
            self.state, self.fault = STOP, 2
        if self.state == STOP and self._may_recover(pct):
            self.state, self.fault = (LINE if mains else BACKUP), 0
        if self.state not in (LINE, BACKUP):
            load = 0.0
        current = self._battery_current(mains, load)
        self.soc = min(100.0, max(0.0, self.soc + current * dt / 36.0 / self.scenario.battery_ah))
        self._update_outputs(load, current)
        if self.state == BACKUP and (self.soc <= 0.0 or self.bat_v * 10 <= self.settings[31002]):
            self.state = POWER_OFF     # the inverter's low-voltage cut-off
            self._update_outputs(0.0, 0.0)

    def _may_recover(self, pct: float) -> bool:
        if self.fault == 2:
            return self.temperature < 70
        return self.settings[31017] == 1 and pct < 100 and self.phase.load < RATED_W

    def _battery_current(self, mains: bool, load: float) -> float:
        """Amps into the battery (+ charging, - discharging)."""
        if self.state == BACKUP:
            return -load / EFFICIENCY / max(10.0, self._ocv())
        if not mains or self.settings[31007] == 1 or self.soc >= 100.0:
            return 0.3 if mains and self.soc >= 100.0 and self.settings[31007] == 0 else 0.0
        bulk = float(self.settings[31005])
        if self.soc < 85:
            return bulk
        return max(1.0, bulk * (100.0 - self.soc) / 15.0)

    def _ocv(self) -> float:
        return 11.3 + 1.5 * self.soc / 100.0

    def _update_outputs(self, load: float, current: float) -> None:
        self.load_w = load
        self.bat_i = current
        v = self._ocv() + current * R_INTERNAL
        if current > 0:
            # A charger holds the battery above its rest voltage, up to its setting.
            v = min(v + 0.5, self.settings[31003 if self.soc < 100 else 31004] / 10)
        self.bat_v = v
        grid = self.phase.grid if self._mains_ok() else 0.0
        self.avr = 0
        if self.state == LINE:
            nominal = self.settings[31001]
            self.avr = 2 if grid < nominal * 0.92 else 1 if grid > nominal * 1.08 else 0
            self.out_v = grid * (1.1 if self.avr == 2 else 0.9 if self.avr == 1 else 1.0)
        else:
            self.out_v = float(self.settings[31001]) if self.state == BACKUP else 0.0
        self.grid_v = grid

    # -- registers ---------------------------------------------------------

    def status_registers(self) -> list[int]:
        """Return 30000..30026 as the unit would report them now."""
        on_line = self.state == LINE
        va = self.load_w / POWER_FACTOR
        pct = int(self.load_w * 100 / RATED_W)
        load_state = 2 if pct >= 110 else 1 if pct >= 100 else 0
        low = self.state == BACKUP and self.bat_v * 10 < self.settings[31002] + 6
        alarm = (2 if low else 0) | (4 if load_state else 0)
        charging = on_line and self.settings[31007] == 0
        charge_state = 2 if self.soc >= 100 else 1 if self.soc >= 85 else 0
        buzzer = 2 if (alarm or self.fault) and self.settings[31006] == 0 else 0
        current = round(self.bat_i * 10) & 0xFFFF
        return [MACHINE_TYPE, FIRMWARE, self.state, BAT_CLASS, RATED_W,
                round(self.grid_v * 10), 500 if self.grid_v else 0,
                round(self.out_v * 10), 500 if self.out_v else 0,
                round(va / self.out_v * 10) if self.out_v else 0,
                round(self.load_w), round(va), pct, load_state,
                round(self.bat_v * 10), current, 0, int(self.soc), round(self.temperature),
                self.avr, buzzer, self.fault, alarm, charge_state, int(charging), 1, 1]

    def read(self, address: int, count: int) -> list[int] | None:
        """Return ``count`` registers from ``address``, or None if out of the map."""
        image = {30000 + i: v for i, v in enumerate(self.status_registers())}
        image.update({31000 + i: self.settings.get(31000 + i, 0) for i in range(18)})
        image.update({32000: 0, 32001: 0, 32002: 0})
        wanted = range(address, address + count)
        if count < 1 or count > 125 or any(a not in image for a in wanted):
            return None
        return [image[a] for a in wanted]

    def write(self, address: int, values: tuple[int, ...]) -> int:
        """Apply an FC16 write; return 0 or a Modbus exception code."""
        for offset, value in enumerate(values):
            reg = address + offset
            if reg in SETTING_VALUES:
                if value not in SETTING_VALUES[reg]:
                    return 3
                self.settings[reg] = value
            elif reg in (32000, 32001, 32002):
                if value == 1:
                    self._command(reg)
            else:
                return 2
        return 0

    def _command(self, reg: int) -> None:
        if reg == 32000:
            self.settings = dict(DEFAULT_SETTINGS)
        elif reg == 32001:
            self.fault, self.overload_time = 0, 0.0
            self.state = LINE if self._mains_ok() else BACKUP
        elif reg == 32002 and not self._mains_ok():
            # Remote shutdown works only without mains (NUT man page).
            self.state, self.off_by_command = POWER_OFF, True
        self._update_outputs(self.load_w if self.state in (LINE, BACKUP) else 0.0, self.bat_i)
