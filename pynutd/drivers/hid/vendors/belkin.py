"""Belkin HID Power Devices (vendor 050d) and the Liebert units that share their firmware (10af).

Rows as NUT master's ``drivers/belkin-hid.c`` (Belkin/Liebert HID 0.23)
maps them.  Belkin declared its own usages on page 0x86, which the HID
specification reserves for Power Devices, so the names below shadow that
page; newer Liebert firmware (PSA, PSI5, GXT4) uses the standard pages and
gets its own rows further down, with NUT's guesses for the exponent some of
those units get wrong.  Status words: Belkin packs its flags into two
bit sets (PowerStatus, BatteryStatus) read with :attr:`HidStatus.mask`; a
lost AC input clears "online" without setting "offline", as NUT's Belkin
and Liebert functions do (NUT master then shows neither OL nor OB unless
the UPS also says it is discharging).

Claim (``belkin_claim``): a listed vendor:product is served; another
product of either vendor only with ups.conf ``productid`` (NUT's
POSSIBLY_SUPPORTED), except Belkin's F5U218 USB hub, never.

test-case-name: tests.test_hid_vendor_belkin
"""

from __future__ import annotations

from collections.abc import Mapping

from pynutd.drivers.hid.converters import (
    Context,
    Converter,
    beeper,
    c_format,
    lookup,
    packed_date,
    string_index,
)
from pynutd.drivers.hid.rows import (
    QUICK,
    STATIC,
    DeviceIdent,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
)

BELKIN_VENDORID = 0x050D
LIEBERT_VENDORID = 0x10AF
HUB_F5U218 = 0x0218   # a Belkin USB hub: never a UPS, even with productid

# belkin_usb_device_table
PRODUCTS = frozenset({
    (BELKIN_VENDORID, 0x0980), (BELKIN_VENDORID, 0x0900), (BELKIN_VENDORID, 0x0910),
    (BELKIN_VENDORID, 0x0912), (BELKIN_VENDORID, 0x0551), (BELKIN_VENDORID, 0x0750),
    (BELKIN_VENDORID, 0x0751), (BELKIN_VENDORID, 0x0375), (BELKIN_VENDORID, 0x0F51),
    (BELKIN_VENDORID, 0x1100),
    (LIEBERT_VENDORID, 0x0000), (LIEBERT_VENDORID, 0x0001), (LIEBERT_VENDORID, 0x0002),
    (LIEBERT_VENDORID, 0x0004), (LIEBERT_VENDORID, 0x0008),
})

# belkin_usage_lkp: Belkin's names for its page-0x86 usages.
USAGES = {
    0x00860026: "BELKINConfig", 0x00860040: "BELKINConfigVoltage",
    0x00860042: "BELKINConfigFrequency", 0x00860043: "BELKINConfigApparentPower",
    0x00860044: "BELKINConfigBatteryVoltage", 0x00860045: "BELKINConfigOverloadTransfer",
    0x00860053: "BELKINLowVoltageTransfer", 0x00860054: "BELKINHighVoltageTransfer",
    0x0086005B: "BELKINLowVoltageTransferMax", 0x0086005C: "BELKINLowVoltageTransferMin",
    0x0086005D: "BELKINHighVoltageTransferMax", 0x0086005E: "BELKINHighVoltageTransferMin",
    0x00860027: "BELKINControls", 0x00860050: "BELKINLoadOn", 0x00860051: "BELKINLoadOff",
    0x00860052: "BELKINLoadToggle", 0x00860055: "BELKINDelayBeforeReboot",
    0x00860056: "BELKINDelayBeforeStartup", 0x00860057: "BELKINDelayBeforeShutdown",
    0x00860058: "BELKINTest", 0x0086005A: "BELKINAudibleAlarmControl",
    0x00860029: "BELKINDevice", 0x00860074: "BELKINVoltageSensitivity",
    0x00860075: "BELKINModelString", 0x00860076: "BELKINModelStringOffset",
    0x0086007C: "BELKINUPSType",
    0x0086002A: "BELKINPowerState", 0x0086001A: "BELKINInput", 0x0086001C: "BELKINOutput",
    0x00860010: "BELKINBatterySystem", 0x00860030: "BELKINVoltage",
    0x00860032: "BELKINFrequency", 0x00860034: "BELKINPower", 0x00860035: "BELKINPercentLoad",
    0x00860036: "BELKINTemperature", 0x00860039: "BELKINCharge",
    0x0086006C: "BELKINRunTimeToEmpty",
    0x00860028: "BELKINStatus", 0x00860022: "BELKINBatteryStatus",
    0x00860021: "BELKINPowerStatus",
}


def belkin_claim(ident: DeviceIdent) -> bool:
    """NUT's belkin_claim: listed devices; others of the two vendors only when forced."""
    if (ident.vendor_id, ident.product_id) in PRODUCTS:
        return True
    if ident.vendor_id == BELKIN_VENDORID:
        return ident.product_id != HUB_F5U218 and ident.forced
    return ident.vendor_id == LIEBERT_VENDORID and ident.forced


# -- conversions ---------------------------------------------------------------------

def tenths(value: float, ctx: Context) -> str:
    """NUT's divide_by_10_conversion: the value in tenths, one decimal."""
    return c_format(value * 0.1, "%0.1f")


def hundredths(value: float, ctx: Context) -> str:
    """NUT's divide_by_100_conversion: the value in hundredths, one decimal."""
    return c_format(value * 0.01, "%0.1f")


def firmware(value: float, ctx: Context) -> str:
    """ups.firmware: the high nibble of BELKINUPSType (C's ``(long)value >> 4``)."""
    return str(int(value) >> 4)


_UPS_TYPES = {1: "offline", 2: "line-interactive", 3: "simple online", 4: "simple offline",
              5: "simple line-interactive"}


def ups_type(value: float, ctx: Context) -> str:
    """ups.type: the low nibble of BELKINUPSType; anything unlisted is "online"."""
    return _UPS_TYPES.get(int(value) & 0x0F, "online")


def _sensitivity(value: float, ctx: Context) -> str:
    return {1: "reduced", 2: "low"}.get(int(value), "normal")


# NUT gives this conversion no reverse: every upsrw of input.sensitivity is
# refused as a conversion failure, so no text maps back here either.
_sensitivity.reverse = {}  # type: ignore[attr-defined]
sensitivity: Converter = _sensitivity

test_result = lookup({0: "No test initiated", 1: "Done and passed", 2: "Done and warning",
                      3: "Done and error", 4: "Aborted", 5: "In progress"})


def liebert_online(value: float, ctx: Context, flags: Mapping[str, bool]) -> str:
    """Liebert's ACPresent: 0 clears online without saying offline (liebert_online_fun)."""
    return "online" if value else "!online"


def belkin_online(value: float, ctx: Context, flags: Mapping[str, bool]) -> str:
    """BELKINPowerStatus bit 0 (AC failure) clears online, never says offline."""
    return "!online" if int(value) & 0x0001 else "online"


def liebert_line_volts(value: float, ctx: Context) -> str:
    """Liebert input/output/battery voltage: NUT's guess at a wrong exponent.

    A reading below 1 V about 1e-5 sets the device's line factor to 1e7,
    one about 1e-3 to 1e5; every reading is printed times the factor last
    set (1 until then).  NUT keeps the factor in a global, so a later
    reading of 1 V or more is multiplied too; :attr:`Context.state` keeps
    it per device the same way.
    """
    if value < 1:
        if abs(value - 1e-5) < 4e-5:
            ctx.state["liebert_line"] = 1e7
        elif abs(value - 1e-3) < 4e-3:
            ctx.state["liebert_line"] = 1e5
    return c_format(value * ctx.state.get("liebert_line", 1.0), "%.1f")


def liebert_config_volts(value: float, ctx: Context) -> str:
    """Liebert battery.voltage.nominal: a reading of 1e-7 sets factors 1e8 (and 1e7 for lines)."""
    if value < 1 and abs(value - 1e-7) < 1e-9:
        ctx.state["liebert_config"] = 1e8
        ctx.state["liebert_line"] = 1e7
    return c_format(value * ctx.state.get("liebert_config", 1.0), "%.1f")


def belkin_identity(ident: DeviceIdent) -> dict[str, str]:
    """belkin_format_model: "unknown" when the device has no product string."""
    return {} if ident.product else {"ups.model": "unknown"}


# -- the table ---------------------------------------------------------------------

_CF = "UPS.BELKINConfig"
_CTL = "UPS.BELKINControls"
_DEV = "UPS.BELKINDevice"
_PS = "UPS.BELKINPowerState"
_ST = "UPS.BELKINStatus"
_SUM = "UPS.PowerSummary"


def _rw(var: str, path: str, convert: Converter | None = None) -> HidVar:
    return HidVar(var, path, convert=convert, rw=True, string_len=10)


VARIABLES: tuple[HidVar | HidAbsent, ...] = (
    HidVar("battery.charge", "UPS.BELKINBatterySystem.BELKINCharge"),
    HidVar("battery.charge.low", f"{_SUM}.RemainingCapacityLimit"),
    HidVar("battery.charge.warning", f"{_SUM}.WarningCapacityLimit"),
    HidVar("battery.runtime", f"{_SUM}.RunTimeToEmpty"),
    HidVar("battery.type", f"{_SUM}.iDeviceChemistry", convert=string_index),
    HidVar("battery.voltage", "UPS.BELKINBatterySystem.BELKINVoltage", convert=tenths),
    HidVar("battery.voltage.nominal", f"{_CF}.BELKINConfigBatteryVoltage"),
    HidVar("input.frequency", f"{_PS}.BELKINInput.BELKINFrequency", convert=tenths),
    HidVar("input.frequency.nominal", f"{_CF}.BELKINConfigFrequency"),
    _rw("input.sensitivity", f"{_DEV}.BELKINVoltageSensitivity", convert=sensitivity),
    _rw("input.transfer.high", f"{_CF}.BELKINHighVoltageTransfer"),
    HidVar("input.transfer.high.max", f"{_CF}.BELKINHighVoltageTransferMax"),
    HidVar("input.transfer.high.min", f"{_CF}.BELKINHighVoltageTransferMin"),
    _rw("input.transfer.low", f"{_CF}.BELKINLowVoltageTransfer"),
    HidVar("input.transfer.low.max", f"{_CF}.BELKINLowVoltageTransferMax"),
    HidVar("input.transfer.low.min", f"{_CF}.BELKINLowVoltageTransferMin"),
    HidVar("input.voltage", f"{_PS}.BELKINInput.BELKINVoltage", convert=tenths),
    HidVar("input.voltage.nominal", f"{_CF}.BELKINConfigVoltage"),
    HidVar("output.frequency", f"{_PS}.BELKINOutput.BELKINFrequency", convert=tenths),
    HidVar("output.voltage", f"{_PS}.BELKINOutput.BELKINVoltage", convert=tenths),
    HidVar("ups.beeper.status", f"{_CTL}.BELKINAudibleAlarmControl", convert=beeper),
    HidAbsent("ups.delay.start", f"{_CTL}.BELKINDelayBeforeStartup", "30"),
    HidAbsent("ups.delay.shutdown", f"{_CTL}.BELKINDelayBeforeShutdown", "20"),
    HidVar("ups.timer.start", f"{_CTL}.BELKINDelayBeforeStartup", tier=QUICK),
    HidVar("ups.timer.shutdown", f"{_CTL}.BELKINDelayBeforeShutdown", tier=QUICK),
    HidVar("ups.timer.reboot", f"{_CTL}.BELKINDelayBeforeReboot", tier=QUICK),
    HidVar("ups.firmware", f"{_DEV}.BELKINUPSType", convert=firmware),
    HidVar("ups.load", f"{_PS}.BELKINOutput.BELKINPercentLoad"),
    HidVar("ups.load.high", f"{_CF}.BELKINConfigOverloadTransfer"),
    HidVar("ups.mfr.date", f"{_SUM}.ManufacturerDate", convert=packed_date),
    HidVar("ups.power.nominal", f"{_CF}.BELKINConfigApparentPower"),
    HidVar("ups.serial", f"{_SUM}.iSerialNumber", convert=string_index),
    HidVar("ups.test.result", f"{_CTL}.BELKINTest", convert=test_result),
    HidVar("ups.type", f"{_DEV}.BELKINUPSType", convert=ups_type),
    # Liebert PSA
    HidVar("battery.charge", f"{_SUM}.RemainingCapacity", tier=QUICK),
    HidVar("input.frequency", "UPS.Input.Frequency", convert=tenths),
    HidVar("input.voltage", "UPS.Input.Voltage", convert=liebert_line_volts),
    HidVar("output.voltage", "UPS.Output.Voltage", convert=liebert_line_volts),
    HidVar("battery.voltage", f"{_SUM}.Voltage", convert=liebert_line_volts),
    HidVar("battery.voltage.nominal", f"{_SUM}.ConfigVoltage", convert=liebert_config_volts,
           tier=STATIC),
    HidVar("ups.load", "UPS.Output.PercentLoad"),
    # Liebert PSI5
    HidVar("input.voltage.nominal", "UPS.Flow.ConfigVoltage"),
    HidVar("input.frequency", "UPS.PowerConverter.Input.Frequency", convert=hundredths),
    HidVar("input.voltage", "UPS.PowerConverter.Input.Voltage", convert=liebert_line_volts),
    HidVar("output.voltage.nominal", "UPS.Flow.ConfigVoltage"),
    HidVar("output.frequency", "UPS.PowerConverter.Output.Frequency", convert=hundredths),
    HidVar("output.voltage", "UPS.PowerConverter.Output.Voltage", convert=liebert_line_volts),
    HidVar("ups.load", "UPS.OutletSystem.Outlet.PercentLoad"),
    HidVar("battery.voltage", "UPS.BatterySystem.Battery.Voltage", convert=liebert_line_volts),
    HidVar("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage"),
    HidVar("battery.capacity", "UPS.Flow.ConfigApparentPower"),
)

_PST = f"{_SUM}.PresentStatus"
STATUS: tuple[HidStatus, ...] = (
    HidStatus(f"{_SUM}.Discharging", "dischrg", quick=True),
    HidStatus(f"{_SUM}.Charging", "chrg", quick=True),
    HidStatus(f"{_SUM}.ShutdownImminent", "shutdownimm"),
    HidStatus(f"{_SUM}.ACPresent", "online", quick=True, convert=liebert_online),
    HidStatus(f"{_PST}.Discharging", "dischrg", quick=True),
    HidStatus(f"{_PST}.Charging", "chrg", quick=True),
    HidStatus(f"{_PST}.ShutdownImminent", "shutdownimm"),
    HidStatus(f"{_PST}.ACPresent", "online", quick=True, convert=liebert_online),
    HidStatus(f"{_PST}.NeedReplacement", "replacebatt", quick=True),
    HidStatus(f"{_PST}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
    # PowerStatus: bit 0 AC failure, 4 overload, 6 overheat, 7 UPS fault, 13 awaiting power.
    HidStatus(f"{_ST}.BELKINPowerStatus", "overload", mask=0x0010),
    HidStatus(f"{_ST}.BELKINPowerStatus", "overheat", mask=0x0040),
    HidStatus(f"{_ST}.BELKINPowerStatus", "commfault", mask=0x0080),
    HidStatus(f"{_ST}.BELKINPowerStatus", "awaitingpower", mask=0x2000),
    HidStatus(f"{_ST}.BELKINPowerStatus", "online", quick=True, convert=belkin_online),
    # BatteryStatus: bit 2 low battery, 6 empty, 7 replace battery.
    HidStatus(f"{_ST}.BELKINBatteryStatus", "depleted", quick=True, mask=0x0040),
    HidStatus(f"{_ST}.BELKINBatteryStatus", "replacebatt", mask=0x0080),
    HidStatus(f"{_ST}.BELKINBatteryStatus", "lowbatt", quick=True, mask=0x0004),
)

COMMANDS: tuple[HidCommand, ...] = (
    HidCommand("test.battery.start.quick", f"{_CTL}.BELKINTest", "1"),
    HidCommand("test.battery.start.deep", f"{_CTL}.BELKINTest", "2"),
    HidCommand("test.battery.stop", f"{_CTL}.BELKINTest", "3"),
    HidCommand("beeper.on", f"{_CTL}.BELKINAudibleAlarmControl", "2"),
    HidCommand("beeper.off", f"{_CTL}.BELKINAudibleAlarmControl", "3"),
    HidCommand("beeper.disable", f"{_CTL}.BELKINAudibleAlarmControl", "1"),
    HidCommand("beeper.enable", f"{_CTL}.BELKINAudibleAlarmControl", "2"),
    HidCommand("beeper.mute", f"{_CTL}.BELKINAudibleAlarmControl", "3"),
    HidCommand("load.off", f"{_CTL}.BELKINDelayBeforeShutdown", "1"),
    HidCommand("load.on", f"{_CTL}.BELKINDelayBeforeStartup", "1"),
    HidCommand("load.off.delay", f"{_CTL}.BELKINDelayBeforeShutdown", "20"),
    HidCommand("load.on.delay", f"{_CTL}.BELKINDelayBeforeStartup", "30"),
    HidCommand("shutdown.stop", f"{_CTL}.BELKINDelayBeforeShutdown", "-1"),
    HidCommand("shutdown.reboot", f"{_CTL}.BELKINDelayBeforeReboot", "10"),
)

BELKIN = Subdriver(
    name="Belkin/Liebert HID 0.23",
    vendor_ids=(BELKIN_VENDORID, LIEBERT_VENDORID),
    usages=USAGES,
    variables=VARIABLES,
    status=STATUS,
    commands=COMMANDS,
    claim=belkin_claim,
    mfr_default="Belkin",
    identity=belkin_identity,
)
