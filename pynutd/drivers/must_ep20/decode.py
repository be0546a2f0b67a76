"""Pure decoding of MUST EP20 registers into NUT variables, and encoding of settings.

No I/O here: register values in, NUT strings out, so the three real reply
frames of RESEARCH §2.2 can be checked exactly.  ``ups.status`` comes from
WorkState (30002) and the other state registers, never from a voltage
threshold: mustmon.py's "input voltage > 200 V means online" rule called the
unit online while it ran on battery (RESEARCH §1.4).
"""

from __future__ import annotations

from collections.abc import Mapping

from pynutd.control import CommandRejected
from pynutd.drivers.must_ep20.tables import (
    ALARM_BITS,
    AVR_TOKENS,
    CHARGER_STATUS,
    FAULTS,
    GRID_PRESENT,
    LOW_BATTERY_FAULTS,
    READINGS,
    SETTINGS,
    WORK_STATES,
    Setting,
    deci,
)
from pynutd.ups import STATUS_ORDER, VarSpec

Registers = Mapping[int, int]


def registers(start: int, values: tuple[int, ...] | list[int]) -> dict[int, int]:
    """Return ``{address: value}`` for a block read from ``start``."""
    return {start + i: v for i, v in enumerate(values)}


def invalid_status(values: tuple[int, ...]) -> str | None:
    """Say why a 30000 block cannot be real, or None when it can.

    The EP20 sometimes sends frames with a good CRC and every register 0
    (RESEARCH §2.1, AYA); WorkState 0 or BatClass 0 never occur otherwise.
    """
    work_state, bat_class = values[2], values[3]
    if not any(values):
        return "all-zero reply"
    if work_state not in WORK_STATES:
        return f"invalid reply (WorkState {work_state})"
    if bat_class == 0:
        return "invalid reply (BatClass 0)"
    return None


def invalid_settings(values: tuple[int, ...]) -> str | None:
    """Say why a 31000 block cannot be real (all zero: 0 V nominal), or None."""
    if not any(values) or values[1] == 0:
        return "all-zero settings reply"
    return None


def model_name(regs: Registers) -> str:
    """Return the vendor's model name from RatedPower and BatClass.

    There is no identity register; the vendor names the 1000 W / 12 V unit
    "EP20-1012 PRO" and the 600 W / 12 V one "EP20-0612 PRO" (RESEARCH §2.1).
    """
    rated, bat_class = regs.get(30004, 0), regs.get(30003, 0)
    if rated and bat_class:
        return f"EP20-{rated // 100:02d}{bat_class:02d} PRO"
    return "EP20 PRO"


def decode_status(regs: Registers, lowbatt: int) -> dict[str, str]:
    """Return the NUT variables of one 30000..30026 block.

    ``lowbatt`` is battery.charge.low in percent.  ``ups.alarm`` is only
    present when something is wrong, as NUT's alarm_commit leaves it.
    """
    values = {row.var: row.convert(regs[row.address]) for row in READINGS}
    tokens, alarms = status_tokens(regs, lowbatt)
    if alarms:
        values["ups.alarm"] = " ".join(alarms)
        tokens.insert(0, "ALARM")   # NUT's status_commit prefixes ALARM
    values["ups.status"] = " ".join(tokens)
    values["battery.charger.status"] = charger_status(regs)
    values["ups.model"] = model_name(regs)
    return values


def status_tokens(regs: Registers, lowbatt: int) -> tuple[list[str], list[str]]:
    """Return the ups.status tokens (in NUT's order) and the alarm texts."""
    state = WORK_STATES[regs[30002]]
    grid = regs[30005] >= GRID_PRESENT
    line = state.line or ("OL" if grid else "OB")
    alarm_id, fault, load_state = regs[30022], regs[30021], regs[30013]
    tokens = {line}
    if state.code == 3:                                   # BACKUP
        tokens.add("DISCHRG")
    if state.charging or (state.code == 4 and regs[30024] == 1 and regs[30023] < 2):
        tokens.add("CHRG")
    # On mains a low state of charge is only a charging battery: LB from the
    # charge counts on battery; the device's own low-voltage alarm always.
    if line == "OB" and regs[30017] <= lowbatt:
        tokens.add("LB")
    if fault in LOW_BATTERY_FAULTS:
        tokens.add("LB")
    if load_state >= 1:
        tokens.add("OVER")
    if state.code == 4 and regs[30019] in AVR_TOKENS:      # not on battery (capture A)
        tokens.add(AVR_TOKENS[regs[30019]])
    if state.off or regs[30025] == 0 or (state.code == 7 and regs[30007] < GRID_PRESENT):
        tokens.add("OFF")
    alarms: list[str] = []
    for bit in ALARM_BITS:
        if alarm_id & (1 << bit.bit):
            if bit.token:
                tokens.add(bit.token)
            if bit.text:
                alarms.append(bit.text)
    if fault:
        alarms.insert(0, f"[{FAULTS.get(fault, f'Fault code {fault}')}]")
    if load_state >= 2 and "[Overload]" not in alarms:
        alarms.append("[Overload]")
    return sorted(tokens, key=STATUS_ORDER.index), alarms


def charger_status(regs: Registers) -> str:
    """Return battery.charger.status as NUT's must_ep2000pro decides it."""
    if regs[30002] == 3:
        return "discharging"
    if regs[30024] == 0:
        return "resting"
    return CHARGER_STATUS.get(regs[30023], "charging")


def _scale(bat_class: int) -> float:
    # Voltage limits in the vendor map are for 12 V batteries; x2 for 24 V.
    return max(1.0, bat_class / 12) if bat_class else 1.0


def setting_spec(row: Setting, bat_class: int) -> VarSpec:
    """Return the NUT type of a settings variable (enum, range, RW)."""
    if row.choices:
        return VarSpec(rw=row.rw, enums=tuple(text for _, text in row.choices) if row.rw else ())
    assert row.limits is not None
    lo, hi = (v * _scale(bat_class) for v in row.limits)
    # NUT ranges are integers compared with atoi(); exact tenths are checked on write.
    return VarSpec(rw=row.rw, ranges=((int(lo), int(hi)),))


def decode_settings(regs: Registers, bat_class: int) -> tuple[dict[str, str], dict[str, VarSpec]]:
    """Return the settings variables present in ``regs`` and their types."""
    values: dict[str, str] = {}
    specs: dict[str, VarSpec] = {}
    for row in SETTINGS:
        if row.address not in regs:
            continue
        raw = regs[row.address]
        values[row.var] = dict(row.choices).get(raw, str(raw)) if row.choices else deci(raw)
        specs[row.var] = setting_spec(row, bat_class)
    return values, specs


def find_setting(name: str) -> Setting | None:
    """Return the writable settings row for NUT variable ``name``, if any."""
    lname = name.lower()
    return next((r for r in SETTINGS if r.rw and r.var == lname), None)


def encode_setting(row: Setting, value: str, bat_class: int) -> int:
    """Return the register value for ``value``, or raise CommandRejected."""
    if row.choices:
        for raw, text in row.choices:
            if text == value:
                return raw
        allowed = ", ".join(t for _, t in row.choices)
        raise CommandRejected(f"{row.var} must be one of {allowed}, not {value!r}")
    assert row.limits is not None
    lo, hi = (v * _scale(bat_class) for v in row.limits)
    try:
        volts = float(value)
    except ValueError:
        raise CommandRejected(f"{row.var} must be a voltage, not {value!r}") from None
    if not lo - 1e-9 <= volts <= hi + 1e-9:
        raise CommandRejected(f"{row.var} must be between {lo:.1f} and {hi:.1f} V")
    return round(volts * 10)

