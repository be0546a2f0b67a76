"""Delta UPS HID Power Devices (vendor 05dd: Amplon R / RT series, 041b).

Rows as NUT master's ``drivers/delta_ups-hid.c`` (Delta UPS HID 0.6) maps
them, in its order, with its vendor usage names (page 0xFFFF, the
``DeltaCustom`` collection 0xFFFF0010 and its configuration items).
ups.model is NUT's ``delta_ups_format_model``: the USB string the
``DeltaModelName`` item points at, else the product string.  The claim is
NUT's: product 041b, any other 05dd product only with ups.conf
``productid`` (05dd is also Belkin's and Minuteman's vendor ID, which other
tables claim).  The writable rows without ST_FLAG_STRING (sensitivity,
transfer points, start delay, auto start) are plain numbers, as NUT types
them (no HU_FLAG_ENUM here).

test-case-name: tests.test_hid_vendor_delta_ups
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import (
    Context,
    beeper,
    kelvin_celsius,
    lookup,
    reads_string,
    selftest_result,
    string_index,
)
from pynutd.drivers.hid.rows import (
    QUICK,
    SEMI,
    STATIC,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
)

DELTA_VENDORID = 0x05DD
PRODUCTS = (0x041B,)   # RT series / Amplon R series, single phase 1-3 kVA

USAGES = {
    0x00000000: "DELTA1", 0xFF000055: "DELTA2", 0xFFFF0010: "DeltaCustom",
    0xFFFF0056: "DELTA4", 0xFFFF0057: "DeltaConfigTransferLowMax",
    0xFFFF0058: "DeltaConfigTransferLowMin", 0xFFFF0059: "DeltaConfigTransferHighMax",
    0xFFFF005A: "DeltaConfigTransferHighMin", 0xFFFF0060: "DELTA9",
    0xFFFF0061: "DeltaConfigExternalBatteryPack", 0xFFFF0062: "DELTA11",
    0xFFFF0063: "DELTA12", 0xFFFF0064: "DELTA13", 0xFFFF0065: "DELTA14",
    0xFFFF0066: "DELTA15", 0xFFFF0067: "DELTA16", 0xFFFF0068: "DELTA17",
    0xFFFF0075: "DeltaModelName", 0xFFFF0076: "DELTA19", 0xFFFF007C: "DeltaUPSType",
    0xFFFF007D: "DELTA21", 0xFFFF0081: "DeltaConfigStartPowerRestoreDelay",
    0xFFFF0091: "DeltaOutputSource", 0xFFFF0092: "DELTA24", 0xFFFF0093: "DELTA25",
    0xFFFF0094: "DELTA26", 0xFFFF0095: "DELTA27", 0xFFFF0096: "DELTA28",
    0xFFFF0097: "DELTA29", 0xFFFF0098: "DELTA30", 0xFFFF0099: "DELTA31",
    0xFFFF009A: "DELTA32", 0xFFFF009B: "DeltaConfigSensitivity",
    0xFFFF009C: "DeltaConfigStartPowerRestore",
}

sensitivity = lookup({0: "normal", 1: "reduced", 2: "low"})
output_source = lookup({0: "normal", 1: "battery", 2: "bypass/reserve", 3: "reducing",
                        4: "boosting", 5: "manual bypass", 6: "other", 7: "no output",
                        8: "on eco"})
yes_no = lookup({0: "no", 1: "yes"})
UPS_TYPES = ("online", "offline", "line-interactive", "3-phase", "split-phase")


def ups_type(value: float, ctx: Context) -> str | None:
    """ups.type from the low nibble of DeltaUPSType (codes 3-5 shift down by 2, 6 is split-phase)."""
    code = int(value) & 0xF
    if code == 6:
        code = 4
    elif 2 < code <= 5:
        code -= 2
    return UPS_TYPES[code] if 0 <= code <= 4 else None


@reads_string
def model_name(value: float, ctx: Context) -> str | None:
    """ups.model from the string DeltaModelName indexes; None (keep the product string) if empty."""
    return string_index(value, ctx) or None


_PS = "UPS.PowerSummary"
_ST = f"{_PS}.PresentStatus"
_PC = "UPS.PowerConverter"
_CST = f"{_PC}.PresentStatus"
_OUTLET = "UPS.OutletSystem.Outlet"
_CUSTOM = "UPS.DeltaCustom.[1]"
_TEST = "UPS.BatterySystem.Test"


DELTA_UPS = Subdriver(
    name="Delta UPS HID 0.6",
    vendor_ids=(DELTA_VENDORID,),
    products=PRODUCTS,
    usages=USAGES,
    mfr_default="Delta",
    variables=(
        HidVar("input.sensitivity", f"{_CUSTOM}.DeltaConfigSensitivity", convert=sensitivity,
               rw=True),
        HidVar("input.voltage.nominal", f"{_PS}.Input.ConfigVoltage", "%.1f", tier=SEMI),
        HidVar("input.voltage", f"{_PS}.Input.Voltage", "%.1f", tier=QUICK),
        HidVar("input.voltage", f"{_PC}.Input.Voltage", "%.1f", tier=QUICK),
        HidVar("input.transfer.low", f"{_PC}.Output.LowVoltageTransfer", "%.1f", rw=True),
        HidVar("input.transfer.high", f"{_PC}.Output.HighVoltageTransfer", "%.1f", rw=True),
        HidVar("input.transfer.low.min", f"{_PC}.Output.DeltaConfigTransferLowMin", "%.1f",
               tier=STATIC),
        HidVar("input.transfer.low.max", f"{_PC}.Output.DeltaConfigTransferLowMax", "%.1f",
               tier=STATIC),
        HidVar("input.transfer.high.min", f"{_PC}.Output.DeltaConfigTransferHighMin", "%.1f",
               tier=STATIC),
        HidVar("input.transfer.high.max", f"{_PC}.Output.DeltaConfigTransferHighMax", "%.1f",
               tier=STATIC),
        HidVar("input.source", f"{_OUTLET}.DeltaOutputSource", convert=output_source),
        HidVar("input.frequency", f"{_PC}.Input.Frequency", "%.1f", tier=QUICK),
        HidVar("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.1f",
               tier=STATIC),
        HidVar("battery.voltage", "UPS.BatterySystem.Battery.Voltage", "%.1f", tier=QUICK),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity", tier=QUICK),
        HidVar("battery.charge", "UPS.BatterySystem.Battery.RemainingCapacity"),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=SEMI, rw=True,
               string_len=5),
        HidVar("battery.charge.warning", f"{_PS}.WarningCapacityLimit", tier=SEMI),
        HidVar("battery.temperature", "UPS.BatterySystem.Temperature", convert=kelvin_celsius,
               tier=QUICK),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty", tier=QUICK),
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index, tier=STATIC),
        HidVar("battery.capacity", f"{_PS}.DesignCapacity", tier=SEMI),
        HidVar("battery.capacity", f"{_PS}.FullChargeCapacity", tier=SEMI),
        HidVar("output.voltage.nominal", "UPS.Flow.ConfigVoltage", "%.1f", tier=SEMI),
        HidVar("output.frequency.nominal", "UPS.Flow.ConfigFrequency", "%.1f", tier=SEMI),
        HidVar("output.voltage", f"{_PC}.Output.Voltage", "%.1f", tier=QUICK),
        HidVar("output.frequency", f"{_PC}.Output.Frequency", "%.1f", tier=QUICK),
        HidVar("output.current", f"{_PC}.Output.Current", "%.1f", tier=QUICK),
        HidVar("ups.beeper.status", f"{_PS}.AudibleAlarmControl", convert=beeper, tier=QUICK),
        HidVar("ups.test.result", _TEST, convert=selftest_result),
        HidVar("ups.type", f"{_CUSTOM}.DeltaUPSType", convert=ups_type, tier=STATIC),
        HidVar("ups.start.auto", f"{_CUSTOM}.DeltaConfigStartPowerRestore", convert=yes_no,
               rw=True),
        HidVar("ups.power.nominal", "UPS.Flow.ConfigApparentPower", tier=STATIC),
        HidVar("ups.realpower", f"{_OUTLET}.ActivePower", "%.1f", tier=QUICK),
        HidVar("ups.realpower", f"{_PC}.Output.ActivePower", "%.1f", tier=QUICK),
        HidVar("ups.load", f"{_OUTLET}.PercentLoad", "%.1f", tier=QUICK),
        # delta_ups_format_model: read once, at connect
        HidVar("ups.model", f"{_CUSTOM}.DeltaModelName", convert=model_name, tier=STATIC),
        # a device setting here, not the driver-side delay other tables keep
        HidVar("ups.delay.start", f"{_OUTLET}.DeltaConfigStartPowerRestoreDelay", rw=True),
        HidVar("ups.timer.start", f"{_OUTLET}.DelayBeforeStartup", tier=QUICK),
        HidVar("ups.timer.shutdown", f"{_OUTLET}.DelayBeforeShutdown", tier=QUICK),
        HidVar("ups.timer.reboot", f"{_OUTLET}.DelayBeforeReboot", tier=QUICK),
    ),
    status=(
        HidStatus(f"{_ST}.Good", "off", quick=True, inverted=True),
        HidStatus(f"{_ST}.InternalFailure", "commfault", quick=True),
        HidStatus(f"{_ST}.ShutdownImminent", "shutdownimm", quick=True),
        HidStatus(f"{_ST}.ACPresent", "online", quick=True),
        HidStatus(f"{_ST}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_ST}.FullyCharged", "fullycharged", quick=True),
        HidStatus(f"{_ST}.Charging", "chrg", quick=True),
        HidStatus(f"{_ST}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_ST}.FullyDischarged", "depleted", quick=True),
        HidStatus(f"{_ST}.NeedReplacement", "replacebatt", quick=True),
        HidStatus(f"{_CST}.VoltageOutOfRange", "vrange", quick=True),
        HidStatus(f"{_CST}.Buck", "trim", quick=True),
        HidStatus(f"{_CST}.Boost", "boost", quick=True),
        HidStatus(f"{_CST}.Overload", "overload", quick=True),
        HidStatus(f"{_CST}.Used", "nobattery", quick=True, inverted=True),
        HidStatus(f"{_CST}.OverTemperature", "overheat", quick=True),
        HidStatus(f"{_CST}.InternalFailure", "commfault", quick=True),
        HidStatus(f"{_CST}.AwaitingPower", "awaitingpower", quick=True),
    ),
    commands=(
        HidCommand("beeper.on", f"{_PS}.AudibleAlarmControl", "2"),
        HidCommand("beeper.off", f"{_PS}.AudibleAlarmControl", "3"),
        HidCommand("beeper.enable", f"{_PS}.AudibleAlarmControl", "2"),
        HidCommand("beeper.disable", f"{_PS}.AudibleAlarmControl", "1"),
        HidCommand("beeper.mute", f"{_PS}.AudibleAlarmControl", "3"),
        HidCommand("test.battery.start.quick", _TEST, "1"),   # 10 s
        HidCommand("test.battery.start.deep", _TEST, "2"),    # until battery low
        HidCommand("test.battery.stop", _TEST, "3"),
        HidCommand("load.on.delay", f"{_OUTLET}.DelayBeforeStartup", "30"),
        HidCommand("load.off.delay", f"{_OUTLET}.DelayBeforeShutdown", "20"),
        HidCommand("shutdown.stop", f"{_OUTLET}.DelayBeforeShutdown", "-1"),
        HidCommand("shutdown.reboot", f"{_OUTLET}.DelayBeforeReboot", "10"),
    ),
)
