"""HID Power Device mapping tables: usage paths to NUT variables, as data.

A :class:`Subdriver` bundles what NUT's ``subdriver_t`` holds: the usage
names its paths use, its variable rows (:class:`HidVar`, first existing
path wins for a repeated variable, as in ``hid_ups_walk``), status rows
(:class:`HidStatus` feeding the internal flags ``ups_status_set`` reads),
instant commands (:class:`HidCommand`) and per-product-ID scale factors.
:data:`GENERIC` serves any Power Device no vendor table claims; the vendor
tables live in :mod:`hid_tripplite`, :mod:`hid_apc` and :mod:`hid_cyberpower`.

Usage names: USB HID Usage Tables for Power Devices (page 0x84 Power Device,
0x85 Battery System), as spelled in NUT's ``drivers/libhid.c``.

test-case-name: tests.test_hid_tables
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# -- usage names ------------------------------------------------------------

USAGE_NAMES: dict[int, str] = {
    0x00840001: "iName", 0x00840002: "PresentStatus", 0x00840003: "ChangedStatus",
    0x00840004: "UPS", 0x00840005: "PowerSupply", 0x00840010: "BatterySystem",
    0x00840011: "BatterySystemID", 0x00840012: "Battery", 0x00840013: "BatteryID",
    0x00840014: "Charger", 0x00840015: "ChargerID", 0x00840016: "PowerConverter",
    0x00840017: "PowerConverterID", 0x00840018: "OutletSystem", 0x00840019: "OutletSystemID",
    0x0084001A: "Input", 0x0084001B: "InputID", 0x0084001C: "Output",
    0x0084001D: "OutputID", 0x0084001E: "Flow", 0x0084001F: "FlowID",
    0x00840020: "Outlet", 0x00840021: "OutletID", 0x00840022: "Gang",
    0x00840023: "GangID", 0x00840024: "PowerSummary", 0x00840025: "PowerSummaryID",
    0x00840030: "Voltage", 0x00840031: "Current", 0x00840032: "Frequency",
    0x00840033: "ApparentPower", 0x00840034: "ActivePower", 0x00840035: "PercentLoad",
    0x00840036: "Temperature", 0x00840037: "Humidity", 0x00840038: "BadCount",
    0x00840040: "ConfigVoltage", 0x00840041: "ConfigCurrent", 0x00840042: "ConfigFrequency",
    0x00840043: "ConfigApparentPower", 0x00840044: "ConfigActivePower", 0x00840045: "ConfigPercentLoad",
    0x00840046: "ConfigTemperature", 0x00840047: "ConfigHumidity", 0x00840050: "SwitchOnControl",
    0x00840051: "SwitchOffControl", 0x00840052: "ToggleControl", 0x00840053: "LowVoltageTransfer",
    0x00840054: "HighVoltageTransfer", 0x00840055: "DelayBeforeReboot", 0x00840056: "DelayBeforeStartup",
    0x00840057: "DelayBeforeShutdown", 0x00840058: "Test", 0x00840059: "ModuleReset",
    0x0084005A: "AudibleAlarmControl", 0x00840060: "Present", 0x00840061: "Good",
    0x00840062: "InternalFailure", 0x00840063: "VoltageOutOfRange", 0x00840064: "FrequencyOutOfRange",
    0x00840065: "Overload", 0x00840066: "OverCharged", 0x00840067: "OverTemperature",
    0x00840068: "ShutdownRequested", 0x00840069: "ShutdownImminent", 0x0084006B: "SwitchOnOff",
    0x0084006C: "Switchable", 0x0084006D: "Used", 0x0084006E: "Boost",
    0x0084006F: "Buck", 0x00840070: "Initialized", 0x00840071: "Tested",
    0x00840072: "AwaitingPower", 0x00840073: "CommunicationLost", 0x008400FD: "iManufacturer",
    0x008400FE: "iProduct", 0x008400FF: "iSerialNumber", 0x00850028: "ManufacturerAccess",
    0x00850029: "RemainingCapacityLimit", 0x0085002A: "RemainingTimeLimit", 0x0085002B: "AtRate",
    0x0085002C: "CapacityMode", 0x0085002D: "BroadcastToCharger", 0x0085002E: "PrimaryBattery",
    0x0085002F: "ChargeController", 0x00850040: "TerminateCharge", 0x00850041: "TerminateDischarge",
    0x00850042: "BelowRemainingCapacityLimit", 0x00850043: "RemainingTimeLimitExpired", 0x00850044: "Charging",
    0x00850045: "Discharging", 0x00850046: "FullyCharged", 0x00850047: "FullyDischarged",
    0x00850048: "ConditioningFlag", 0x00850049: "AtRateOK", 0x0085004A: "SMBErrorCode",
    0x0085004B: "NeedReplacement", 0x00850060: "AtRateTimeToFull", 0x00850061: "AtRateTimeToEmpty",
    0x00850062: "AverageCurrent", 0x00850063: "Maxerror", 0x00850064: "RelativeStateOfCharge",
    0x00850065: "AbsoluteStateOfCharge", 0x00850066: "RemainingCapacity", 0x00850067: "FullChargeCapacity",
    0x00850068: "RunTimeToEmpty", 0x00850069: "AverageTimeToEmpty", 0x0085006A: "AverageTimeToFull",
    0x0085006B: "CycleCount", 0x00850080: "BattPackModelLevel", 0x00850081: "InternalChargeController",
    0x00850082: "PrimaryBatterySupport", 0x00850083: "DesignCapacity", 0x00850084: "SpecificationInfo",
    0x00850085: "ManufacturerDate", 0x00850086: "SerialNumber", 0x00850087: "iManufacturerName",
    0x00850088: "iDeviceName", 0x00850089: "iDeviceChemistry", 0x0085008A: "ManufacturerData",
    0x0085008B: "Rechargeable", 0x0085008C: "WarningCapacityLimit", 0x0085008D: "CapacityGranularity1",
    0x0085008E: "CapacityGranularity2", 0x0085008F: "iOEMInformation", 0x008500C0: "InhibitCharge",
    0x008500C1: "EnablePolling", 0x008500C2: "ResetToZero", 0x008500D0: "ACPresent",
    0x008500D1: "BatteryPresent", 0x008500D2: "PowerFail", 0x008500D3: "AlarmInhibited",
    0x008500D8: "VoltageOutOfRange", 0x008500D9: "CurrentOutOfRange", 0x008500DA: "CurrentNotRegulated",
    0x008500DB: "VoltageNotRegulated", 0x008500DC: "MasterMode",
}

INDEX_NODE = 0x00FF0000


def path_to_string(path: tuple[int, ...], names: Mapping[int, str]) -> str:
    """Return NUT's dotted form of a usage path (``UPS.PowerSummary.Voltage``).

    Unknown usages print as 8 hex digits and vendor collection index nodes
    as ``[n]``, as NUT's ``path_to_string`` does.
    """
    parts = []
    for node in path:
        if node & 0xFFFF0000 == INDEX_NODE:
            parts.append(f"[{node & 0xFFFF}]")
        else:
            parts.append(names.get(node) or USAGE_NAMES.get(node) or f"{node:08x}")
    return ".".join(parts)


def string_to_path(text: str, names: Mapping[int, str]) -> tuple[int, ...] | None:
    """Return the usage path for a dotted name, or None if a part is unknown.

    Vendor names are looked up before the standard ones (NUT searches the
    subdriver's table first); ``0x…`` and bare 8-digit hex parts are taken
    as usages, ``[n]`` as an index node.
    """
    lookup: dict[str, int] = {}
    for table in (names, USAGE_NAMES):
        for usage, name in table.items():
            lookup.setdefault(name, usage)
    path = []
    for part in text.split("."):
        if part.startswith("[") and part.endswith("]"):
            path.append(INDEX_NODE | int(part[1:-1]))
        elif part in lookup:
            path.append(lookup[part])
        elif part.lower().startswith("0x") or len(part) == 8:
            try:
                path.append(int(part, 16))
            except ValueError:
                return None
        else:
            return None
    return tuple(path)


# -- converters (hid2info) ----------------------------------------------------

class Context:
    """What converters may consult: device strings and scale factors."""

    def __init__(self, strings: Callable[[int], str | None],
                 scales: Mapping[str, float], values: Mapping[str, str]) -> None:
        self.strings = strings
        self.scales = scales
        self.values = values


Converter = Callable[[float, Context], "str | None"]


def c_format(value: float, fmt: str) -> str:
    """Format like C's printf for the formats NUT's tables use."""
    if fmt == "%s":
        return str(value)
    return fmt % value


def lookup(table: Mapping[int, str]) -> Converter:
    """Return a converter mapping an integer value to text (None if absent)."""
    def convert(value: float, ctx: Context) -> str | None:
        return table.get(int(value))
    convert.reverse = {v: k for k, v in table.items()}  # type: ignore[attr-defined]
    return convert


def kelvin_celsius(value: float, ctx: Context) -> str:
    """Kelvin to °C; values outside 273..373 are taken as °C already (HP)."""
    return f"{value - 273.15:.1f}" if 273 <= value <= 373 else f"{value:.1f}"


def packed_date(value: float, ctx: Context) -> str:
    """The Battery System date: (year - 1980) * 512 + month * 32 + day."""
    raw = int(value)
    if raw == 0:
        return "not set"
    return f"{(raw >> 9) + 1980:04d}/{(raw >> 5) & 0x0F:02d}/{raw & 0x1F:02d}"


def string_index(value: float, ctx: Context) -> str | None:
    """A USB string descriptor index: the string itself."""
    return ctx.strings(int(value))


def scaled(scale: str, fmt: str = "%.1f") -> Converter:
    """Return a converter multiplying by the subdriver's named scale factor."""
    def convert(value: float, ctx: Context) -> str:
        return c_format(value * ctx.scales.get(scale, 1.0), fmt)
    return convert


TEST_RESULT = {1: "Done and passed", 2: "Done and warning", 3: "Done and error",
               4: "Aborted", 5: "In progress", 6: "No test initiated", 7: "Test scheduled"}
BEEPER = {1: "disabled", 2: "enabled", 3: "muted"}
selftest_result = lookup(TEST_RESULT)
beeper = lookup(BEEPER)


# -- rows ------------------------------------------------------------------------

STATIC, SEMI, FULL, QUICK = "static", "semi", "full", "quick"


@dataclass(frozen=True, slots=True)
class HidVar:
    """A usage path read into a NUT variable.

    ``tier``: ``static`` read at connect only, ``semi`` at connect and after
    a write, ``full`` every pollfreq, ``quick`` every pollinterval.
    ``string_len`` > 0 with ``rw`` makes the variable STRING:n and writable.
    """

    var: str
    path: str
    fmt: str = "%.0f"
    convert: Converter | None = None
    tier: str = FULL
    rw: bool = False
    string_len: int = 0


@dataclass(frozen=True, slots=True)
class HidAbsent:
    """A driver-side setting that exists when ``path`` does (HU_FLAG_ABSENT).

    ups.delay.start / ups.delay.shutdown: kept by the driver, used by the
    shutdown commands, writable with upsrw.
    """

    var: str
    path: str
    default: str
    string_len: int = 10


@dataclass(frozen=True, slots=True)
class HidStatus:
    """A one-bit status usage setting an internal flag when 1.

    ``inverted`` flags are set when the bit is 0 (NUT's ``off`` and
    ``nobattery``).  Flags are read by :func:`pynutd.drivers.hid_status.status`.
    """

    path: str
    flag: str
    quick: bool = False
    inverted: bool = False


@dataclass(frozen=True, slots=True)
class HidCommand:
    """An instant command writing ``value`` (or the client's argument) to a path."""

    name: str
    path: str
    value: str


@dataclass(frozen=True, slots=True)
class FieldFix:
    """A correction for a field some firmware declares wrongly (NUT's fix_report_desc).

    Applies to ``products`` (empty: all of the vendor's).  ``unit_exp``
    replaces the unit exponent when it equals ``when_unit_exp``;
    ``log_range`` replaces the logical range when the field's range equals
    that of the field at ``when_same_range_as``.
    """

    path: str
    products: tuple[int, ...] = ()
    unit_exp: int | None = None
    when_unit_exp: int | None = None
    log_range: tuple[int, int] | None = None
    when_same_range_as: str | None = None


@dataclass(frozen=True, slots=True)
class Subdriver:
    """One vendor's tables, as NUT's ``subdriver_t``."""

    name: str                                  # driver.version.data
    vendor_ids: tuple[int, ...]
    variables: tuple[HidVar | HidAbsent, ...]
    status: tuple[HidStatus, ...]
    commands: tuple[HidCommand, ...]
    usages: Mapping[int, str] = field(default_factory=dict)
    scales: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    products: tuple[int, ...] = ()             # claimed without productid=
    pollfreq: int = 30
    fixes: tuple[FieldFix, ...] = ()
    # product ID -> report IDs never read (firmware hangs on them)
    skip_reports: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    pollonly_products: tuple[int, ...] = ()    # interrupt pipe known broken

    def claims(self, vendor_id: int, product_id: int, forced: bool) -> bool:
        """Return whether this table serves the device (NUT's claim)."""
        if vendor_id not in self.vendor_ids:
            return False
        return forced or not self.products or product_id in self.products

    def scale_for(self, product_id: int) -> Mapping[str, float]:
        """Return the scale factors for one product ID."""
        return self.scales.get(product_id, {})


# -- generic rows shared by the tables -------------------------------------------

def status_rows(prefix: str) -> tuple[HidStatus, ...]:
    """The PresentStatus flags every Power Device table maps under ``prefix``."""
    return (
        HidStatus(f"{prefix}.ACPresent", "online", quick=True),
        HidStatus(f"{prefix}.Discharging", "dischrg", quick=True),
        HidStatus(f"{prefix}.Charging", "chrg", quick=True),
        HidStatus(f"{prefix}.ShutdownImminent", "shutdownimm"),
        HidStatus(f"{prefix}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{prefix}.Overload", "overload"),
        HidStatus(f"{prefix}.NeedReplacement", "replacebatt"),
        HidStatus(f"{prefix}.RemainingTimeLimitExpired", "timelimitexp"),
        HidStatus(f"{prefix}.BatteryPresent", "nobattery", inverted=True),
        HidStatus(f"{prefix}.FullyCharged", "fullycharged", quick=True),
        HidStatus(f"{prefix}.FullyDischarged", "depleted", quick=True),
        HidStatus(f"{prefix}.InternalFailure", "commfault"),
        HidStatus(f"{prefix}.OverTemperature", "overheat"),
        HidStatus(f"{prefix}.Buck", "trim"),
        HidStatus(f"{prefix}.Boost", "boost"),
        HidStatus(f"{prefix}.AwaitingPower", "awaitingpower"),
        HidStatus(f"{prefix}.VoltageOutOfRange", "vrange"),
        HidStatus(f"{prefix}.FrequencyOutOfRange", "frange"),
    )


def beeper_commands(path: str) -> tuple[HidCommand, ...]:
    """beeper.* commands on an AudibleAlarmControl path (1 off, 2 on, 3 mute)."""
    return (HidCommand("beeper.enable", path, "2"), HidCommand("beeper.disable", path, "1"),
            HidCommand("beeper.mute", path, "3"))


def selftest_commands(path: str) -> tuple[HidCommand, ...]:
    """Battery test commands on a Test path (1 quick, 2 deep, 3 abort)."""
    return (HidCommand("test.battery.start.quick", path, "1"),
            HidCommand("test.battery.start.deep", path, "2"),
            HidCommand("test.battery.stop", path, "3"))


def delay_rows(prefix: str) -> tuple[HidVar | HidAbsent, ...]:
    """Delay settings and countdown timers under ``prefix`` (NUT defaults 30/20 s)."""
    return (
        HidAbsent("ups.delay.start", f"{prefix}.DelayBeforeStartup", "30"),
        HidAbsent("ups.delay.shutdown", f"{prefix}.DelayBeforeShutdown", "20"),
        HidVar("ups.timer.start", f"{prefix}.DelayBeforeStartup", tier=QUICK),
        HidVar("ups.timer.shutdown", f"{prefix}.DelayBeforeShutdown", tier=QUICK),
        HidVar("ups.timer.reboot", f"{prefix}.DelayBeforeReboot", tier=QUICK),
    )


def delay_commands(prefix: str) -> tuple[HidCommand, ...]:
    """load.off.delay / load.on.delay / shutdown.stop / shutdown.reboot under ``prefix``."""
    return (
        HidCommand("load.off.delay", f"{prefix}.DelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{prefix}.DelayBeforeStartup", "30"),
        HidCommand("shutdown.stop", f"{prefix}.DelayBeforeShutdown", "-1"),
        HidCommand("shutdown.reboot", f"{prefix}.DelayBeforeReboot", "10"),
    )


# Any HID Power Device: the paths the PDC specification's examples use.
GENERIC = Subdriver(
    name="Generic HID 0.1",
    vendor_ids=(),
    variables=(
        HidVar("battery.charge", "UPS.PowerSummary.RemainingCapacity"),
        HidVar("battery.charge", "UPS.BatterySystem.Battery.RemainingCapacity"),
        HidVar("battery.charge", "UPS.Battery.RemainingCapacity"),
        HidVar("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit",
               tier=SEMI, rw=True, string_len=10),
        HidVar("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit"),
        HidVar("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty"),
        HidVar("battery.runtime", "UPS.Battery.RunTimeToEmpty"),
        HidVar("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit",
               tier=SEMI, rw=True, string_len=10),
        HidVar("battery.voltage", "UPS.BatterySystem.Battery.Voltage", "%.1f"),
        HidVar("battery.voltage", "UPS.Battery.Voltage", "%.1f"),
        HidVar("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f"),
        HidVar("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.1f"),
        HidVar("battery.voltage.nominal", "UPS.Battery.ConfigVoltage", "%.1f"),
        HidVar("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.1f"),
        HidVar("battery.temperature", "UPS.BatterySystem.Temperature", convert=kelvin_celsius),
        HidVar("battery.temperature", "UPS.Battery.Temperature", convert=kelvin_celsius),
        HidVar("battery.type", "UPS.PowerSummary.iDeviceChemistry", convert=string_index,
               tier=STATIC),
        HidVar("battery.mfr.date", "UPS.Battery.ManufacturerDate", convert=packed_date),
        HidVar("ups.mfr.date", "UPS.ManufacturerDate", convert=packed_date),
        *delay_rows("UPS.PowerSummary"),
        *delay_rows("UPS.Output"),
        *delay_rows("UPS.OutletSystem.Outlet"),
        HidVar("ups.test.result", "UPS.BatterySystem.Test", convert=selftest_result),
        HidVar("ups.test.result", "UPS.Battery.Test", convert=selftest_result),
        HidVar("ups.test.result", "UPS.Output.Test", convert=selftest_result),
        HidVar("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", convert=beeper),
        HidVar("ups.load", "UPS.Output.PercentLoad"),
        HidVar("ups.load", "UPS.OutletSystem.Outlet.PercentLoad"),
        HidVar("ups.load", "UPS.PowerConverter.PercentLoad"),
        HidVar("ups.power.nominal", "UPS.Flow.ConfigApparentPower", tier=STATIC),
        HidVar("ups.realpower.nominal", "UPS.Output.ConfigActivePower"),
        HidVar("ups.realpower.nominal", "UPS.PowerConverter.ConfigActivePower"),
        HidVar("input.voltage", "UPS.Input.Voltage", "%.1f"),
        HidVar("input.voltage", "UPS.PowerConverter.Input.Voltage", "%.1f"),
        HidVar("input.voltage.nominal", "UPS.Input.ConfigVoltage"),
        HidVar("input.frequency", "UPS.Input.Frequency", "%.1f"),
        HidVar("input.frequency", "UPS.PowerConverter.Input.Frequency", "%.1f"),
        HidVar("input.transfer.low", "UPS.Input.LowVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.transfer.high", "UPS.Input.HighVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("output.voltage", "UPS.Output.Voltage", "%.1f"),
        HidVar("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", "UPS.Output.ConfigVoltage"),
        HidVar("output.voltage.nominal", "UPS.Flow.ConfigVoltage"),
        HidVar("output.frequency", "UPS.Output.Frequency", "%.1f"),
        HidVar("output.frequency", "UPS.PowerConverter.Output.Frequency", "%.1f"),
        HidVar("output.current", "UPS.Output.Current", "%.2f"),
    ),
    status=status_rows("UPS.PowerSummary.PresentStatus") + (
        HidStatus("UPS.Output.Boost", "boost"), HidStatus("UPS.Output.Overload", "overload"),
    ),
    commands=(
        *selftest_commands("UPS.BatterySystem.Test"), *selftest_commands("UPS.Battery.Test"),
        *selftest_commands("UPS.Output.Test"),
        *delay_commands("UPS.PowerSummary"), *delay_commands("UPS.Output"),
        *delay_commands("UPS.OutletSystem.Outlet"),
        *beeper_commands("UPS.PowerSummary.AudibleAlarmControl"),
    ),
)


def subdriver_for(vendor_id: int, product_id: int, forced: bool = False) -> Subdriver:
    """Return the table for a device, by vendor ID as usbhid-ups chooses it.

    ``forced`` (ups.conf ``productid`` given) accepts product IDs a vendor
    table does not list, as NUT does for unknown Tripp Lite models.
    """
    from pynutd.drivers.hid_apc import APC
    from pynutd.drivers.hid_cyberpower import CYBERPOWER
    from pynutd.drivers.hid_tripplite import TRIPPLITE
    for table in (TRIPPLITE, APC, CYBERPOWER):
        if table.claims(vendor_id, product_id, forced):
            return table
    return GENERIC
