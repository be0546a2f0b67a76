"""The MUST EP20 / EP2000 Pro register map as data: readings, settings, commands, codes.

Source: ``shared/must/RESEARCH.md`` §2 and ``ep20-registers.csv``, where NUT's
``drivers/must_ep2000pro.c`` (the manufacturer's map), the decompiled vendor
software (``Ep2000ProM``) and real EP20-1000 Pro captures agree.  Slave 10;
every register is a holding register (FC03 to read, FC16 to write).

Deliberate differences from NUT's upstream driver, per RESEARCH §2.3/§4:
LoadPower (30010) is ``ups.realpower`` (W), not ``ups.power`` (VA); 30011
fits apparent power and is published as ``ups.power``; RatedPower is
``ups.realpower.nominal``; ``output.voltage.nominal`` writes 31001 (NUT
wrote 31000).  Settings with no NUT name use ``experimental.*`` names, as
NUT's ``docs/nut-names.txt`` asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

STATUS_BLOCK = (30000, 27)      # 30000..30026, read every poll
SETTINGS_BLOCK = (31000, 10)    # 31000..31009, read by the settings tier
SETTINGS_TAIL = (31016, 2)      # 31016..31017 (REV set.js only: medium confidence)
DEFAULT_SLAVE = 10


def deci(raw: int) -> str:
    """Format a register in tenths (0.1 V, 0.1 Hz, 0.1 A) as NUT does ("%.1f")."""
    return f"{raw / 10:.1f}"


def signed_deci(raw: int) -> str:
    """Format an int16 register in tenths: 0xFFAA is "-8.6"."""
    return deci(raw - 0x10000 if raw & 0x8000 else raw)


def integer(raw: int) -> str:
    """Format a register as an unsigned integer."""
    return str(raw)


@dataclass(frozen=True, slots=True)
class Reading:
    """A read-only register published as a NUT variable."""

    address: int
    var: str
    convert: Callable[[int], str]


# 30000..30026 (RESEARCH §2.3).  Registers that only feed ups.status,
# ups.alarm or battery.charger.status are handled by the status rules.
READINGS = (
    Reading(30001, "ups.firmware", integer),
    Reading(30003, "battery.voltage.nominal", integer),
    Reading(30004, "ups.realpower.nominal", integer),
    # The only rating the unit reports is in W; NUT's upstream driver calls it
    # ups.power.nominal, so clients written for it find it there too.
    Reading(30004, "ups.power.nominal", integer),
    Reading(30005, "input.voltage", deci),
    Reading(30006, "input.frequency", deci),
    Reading(30007, "output.voltage", deci),
    Reading(30008, "output.frequency", deci),
    Reading(30009, "output.current", deci),
    Reading(30010, "ups.realpower", integer),
    Reading(30011, "ups.power", integer),          # "reserved"; fits V x I in VA
    Reading(30012, "ups.load", integer),
    Reading(30014, "battery.voltage", deci),
    Reading(30015, "battery.current", signed_deci),
    Reading(30017, "battery.charge", integer),
    Reading(30018, "ups.temperature", integer),
)


@dataclass(frozen=True, slots=True)
class Setting:
    """A settings register (31000..31017) and its NUT variable.

    Either ``choices`` maps raw values to NUT values (an enum), or the
    register holds tenths of a volt limited to ``limits`` for a 12 V battery
    (doubled for 24 V, as the vendor's map says).  ``rw`` is False for
    rows that only mirror a setting under a second name.
    """

    address: int
    var: str
    choices: tuple[tuple[int, str], ...] = ()
    limits: tuple[float, float] | None = None
    rw: bool = True


_ENABLED_0 = ((0, "enabled"), (1, "disabled"))
_ENABLED_1 = ((1, "enabled"), (0, "disabled"))

SETTINGS = (
    Setting(31000, "output.frequency.nominal", ((0, "50"), (1, "60"))),
    Setting(31001, "output.voltage.nominal", ((220, "220"), (230, "230"))),
    Setting(31001, "input.voltage.nominal", ((220, "220"), (230, "230")), rw=False),
    Setting(31002, "battery.voltage.low", limits=(10.0, 12.0)),
    Setting(31003, "battery.voltage.high", limits=(13.8, 14.5)),
    Setting(31004, "experimental.battery.voltage.float", limits=(13.5, 14.5)),
    Setting(31005, "experimental.battery.charger.current",
            tuple((a, str(a)) for a in (5, 10, 15, 20, 25, 30))),
    Setting(31006, "ups.beeper.status", _ENABLED_0),          # 1 = silence
    Setting(31007, "experimental.battery.charger.grid", _ENABLED_0),
    Setting(31009, "experimental.ups.display.backlight", _ENABLED_1),
    Setting(31016, "experimental.ups.start.auto", _ENABLED_0),      # "UtilityPowerOn"
    Setting(31017, "experimental.ups.overload.recover", _ENABLED_1),
)


@dataclass(frozen=True, slots=True)
class InstCmd:
    """An instant command: write ``value`` to ``address`` with FC16."""

    name: str
    address: int
    value: int


COMMANDS = (
    InstCmd("beeper.enable", 31006, 0),
    InstCmd("beeper.disable", 31006, 1),
    # Output off at once; the unit ignores it while mains is present (NUT man page).
    InstCmd("shutdown.return", 32002, 1),
    # Frames confirmed (AYA/EP2000PY), effects only named by the vendor.
    InstCmd("experimental.ups.reset", 32001, 1),
    InstCmd("experimental.settings.factory", 32000, 1),
)


@dataclass(frozen=True, slots=True)
class WorkState:
    """One WorkState (30002) value and the status it stands for.

    ``line`` is "OL" or "OB" when the state says where the power comes
    from, None for transitional or off states (the grid voltage decides).
    """

    code: int
    name: str
    line: str | None
    off: bool = False
    charging: bool = False


WORK_STATES = {row.code: row for row in (
    WorkState(1, "INIT", None),
    WorkState(2, "SELF_CHECK", None),
    WorkState(3, "BACKUP", "OB"),
    WorkState(4, "LINE", "OL"),
    WorkState(5, "STOP", None, off=True),
    WorkState(6, "POWER_OFF", None, off=True),
    WorkState(7, "GRID_CHG", "OL", charging=True),
    WorkState(8, "SOFT_START", None),
)}

# The vendor UI's own "AC present" threshold (RESEARCH §4), in tenths of a volt.
GRID_PRESENT = 500

# AvrState (30019) -> token, applied only on LINE (capture A shows 2 on battery).
AVR_TOKENS = {1: "TRIM", 2: "BOOST", 4: "BOOST"}


@dataclass(frozen=True, slots=True)
class AlarmBit:
    """A bit of AlarmId (30022): a status token and/or an alarm text."""

    bit: int
    token: str | None
    text: str | None = None


ALARM_BITS = (
    AlarmBit(1, "LB"),                      # battery voltage too low
    AlarmBit(2, "OVER"),                    # overload
    AlarmBit(3, "HB"),                      # battery voltage too high
    AlarmBit(4, None, "[Parameter error]"),
)

# FaultId (30021) texts.  The first group is the manufacturer's list (NUT,
# VENDOR); the rest is borrowed from the 18-series table (REV / NUT "found
# in internet") and unconfirmed on the EP20.
FAULTS = {
    2: "Inverter over temperature", 3: "Battery voltage is too high",
    4: "Battery voltage is too low", 5: "Output short circuited",
    6: "Inverter output voltage is high", 7: "Overload", 11: "Main relay failed",
    41: "Inverter grid voltage is low", 42: "Inverter grid voltage is high",
    43: "Inverter grid under frequency", 44: "Inverter grid over frequency",
    45: "AVR failed", 51: "Inverter over current protection error",
    58: "Inverter output voltage is too low",
    1: "Fan is locked when inverter is off", 8: "Inverter bus voltage is too high",
    9: "Bus soft start failed", 21: "Inverter output voltage sensor error",
    22: "Inverter grid voltage sensor error", 23: "Inverter output current sensor error",
    24: "Inverter grid current sensor error", 25: "Inverter load current sensor error",
    26: "Inverter grid over current error", 27: "Inverter radiator over temperature",
    31: "Solar charger battery voltage class error", 32: "Solar charger current sensor error",
    33: "Solar charger current is uncontrollable", 52: "Inverter bus voltage is too low",
    53: "Inverter soft start failed", 54: "Over DC voltage in AC output",
    56: "Battery connection is open", 57: "Inverter control current sensor error",
    61: "Fan is locked when inverter is on", 62: "Fan2 is locked when inverter is on",
    63: "Battery is over-charged", 64: "Low battery", 67: "Overload",
    70: "Output power derating", 72: "Solar charger stops due to low battery",
    73: "Solar charger stops due to high PV voltage", 74: "Solar charger stops due to over load",
    75: "Solar charger over temperature", 76: "PV charger communication error",
    77: "Parameter error",
}

# FaultId values that also mean low battery.
LOW_BATTERY_FAULTS = frozenset({4, 64})

# ChargeState (30023) when charging -> battery.charger.status.
CHARGER_STATUS = {0: "charging", 1: "charging", 2: "floating"}
