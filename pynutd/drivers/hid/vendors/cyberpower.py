"""CyberPower HID Power Devices (vendor 0764; also STMicro 0483:a430).

Rows as NUT master's ``drivers/cps-hid.c`` (CyberPower HID 0.85) maps them,
with its quirks: delays default to whole minutes (NUT's CPS defaults 60 s /
120 s: the device counts minutes and truncates) and pollfreq to 12 s;
battery.charge capped at 100; on 0764:0501 a battery voltage first read
more than 1.4 times nominal is scaled by 2/3 from then on, and the
frequencies by 0.1 when the reading sits ten times above the 50/60 Hz band
(decided once per device); ``cps_fix_report_desc`` on 0501/0601 widens the
output (and input) voltage range that copies the high-transfer one to
0..511 and raises a ConfigActivePower maximum below 2048.  Delays use
Physical Min/Max (-60..1966020), so the device counts minutes while NUT
shows seconds.

test-case-name: tests.test_hid_vendor_cps
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import (
    Context,
    beeper,
    c_format,
    kelvin_celsius,
    lookup,
    packed_date,
    selftest_result,
    string_index,
)
from pynutd.drivers.hid.descriptor import ReportDescriptor
from pynutd.drivers.hid.rows import (
    QUICK,
    SEMI,
    STATIC,
    DeviceIdent,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
    beeper_commands,
    selftest_commands,
)
from pynutd.drivers.hid.vendors.descfix import (
    CONFIG_ACTIVE_POWER,
    HIGH_VOLTAGE_TRANSFER,
    VOLTAGE,
    find_by_id,
    with_range,
)

CPS_VENDORID = 0x0764
STMICRO_VENDORID = 0x0483
# cps_usb_device_table; 0501 is the one whose readings may need scaling.
DEVICES = ((CPS_VENDORID, 0x0005), (CPS_VENDORID, 0x0501), (CPS_VENDORID, 0x0601),
           (STMICRO_VENDORID, 0xA430))
OFF_DELAY, ON_DELAY = "60", "120"      # DEFAULT_OFFDELAY_CPS, DEFAULT_ONDELAY_CPS
VOLTAGE_RANGE = (0, 511)               # CPS_VOLTAGE_LOGMIN/LOGMAX, a safety margin included
NOMINAL_POWER_MAX = 2048


def claim(ident: DeviceIdent) -> bool:
    """cps_claim: the listed devices; another product of those vendors with productid."""
    if (ident.vendor_id, ident.product_id) in DEVICES:
        return True
    return ident.forced and ident.vendor_id in {v for v, _ in DEVICES}


def fix_descriptor(desc: ReportDescriptor, product_id: int) -> ReportDescriptor:
    """cps_fix_report_desc on 0764:0501/0601 (fields found by report ID as NUT does)."""
    if product_id not in (0x0501, 0x0601):
        return desc
    hvt = find_by_id(desc, 0x10, HIGH_VOLTAGE_TRANSFER)
    out = find_by_id(desc, 0x12, VOLTAGE)
    if hvt and out and (out.log_min, out.log_max) == (hvt.log_min, hvt.log_max):
        desc = with_range(desc, out, *VOLTAGE_RANGE)
        inp = find_by_id(desc, 0x0F, VOLTAGE)
        if inp and (inp.log_min, inp.log_max) == (hvt.log_min, hvt.log_max):
            desc = with_range(desc, inp, *VOLTAGE_RANGE)
    power = find_by_id(desc, 0x18, CONFIG_ACTIVE_POWER)
    if power and power.log_max < NOMINAL_POWER_MAX:
        desc = with_range(desc, power, power.log_min, NOMINAL_POWER_MAX)
    return desc


def _number(text: str | None) -> float:
    """C's strtod on a dstate value: its leading number, 0 when there is none."""
    try:
        return float((text or "0").split()[0])
    except ValueError:
        return 0.0


def battery_charge(value: float, ctx: Context) -> str:
    """battery.charge never above 100 (some models report 101+)."""
    return c_format(min(value, 100.0), "%.0f")


def battery_status(value: float, ctx: Context) -> str:
    """battery.status: FullChargeCapacity as a percentage."""
    return f"{value:.0f}%"


def battery_volts(value: float, ctx: Context) -> str:
    """battery.voltage; on 0501, scaled by 2/3 when its first reading is 1.4x nominal."""
    state = ctx.state
    if ctx.scales.get("might_scale") and not state.get("cps_battery_checked"):
        nominal = _number(ctx.values.get("battery.voltage.nominal"))
        if "battery.voltage.nominal" in ctx.values and nominal:
            if value / nominal > 1.4:
                state["cps_battery_scale"] = 2.0 / 3
            state["cps_battery_checked"] = True
    return f"{state.get('cps_battery_scale', 1.0) * value:.1f}"


def _guess_nominal(low: float, high: float, reading: float) -> float:
    """cps_adjust_frequency_scale's guess of 50 or 60 Hz (0: no idea)."""
    for nominal, lo, hi in ((50, 45, 50), (60, 55, 60)):
        if (lo < low <= hi or nominal <= high <= nominal + 5 or nominal - 5 < reading <= nominal + 5
                or 10 * (nominal - 5) < reading <= 10 * (nominal + 5)):
            return nominal
    return 0


def _frequency(value: float, ctx: Context, side: str) -> str:
    state = ctx.state
    if ctx.scales.get("might_scale") and not state.get(f"cps_{side}_checked"):
        nominal = _number(ctx.values.get(f"{side}.frequency.nominal"))
        low = _number(ctx.values.get(f"{side}.frequency.low"))
        high = _number(ctx.values.get(f"{side}.frequency.high"))
        nominal = nominal or _guess_nominal(low, high, value)
        low = low or (nominal * 0.95 if nominal else 45.0)
        high = high or (nominal * 1.05 if nominal else 65.0)
        if low <= value <= high:
            state[f"cps_{side}_scale"], state[f"cps_{side}_checked"] = 1.0, True
        elif low <= value / 10.0 <= high:
            state[f"cps_{side}_scale"], state[f"cps_{side}_checked"] = 0.1, True
    return f"{state.get(f'cps_{side}_scale', 1.0) * value:.1f}"


def input_frequency(value: float, ctx: Context) -> str:
    """input.frequency, on 0501 scaled by 0.1 when it reads in decihertz."""
    return _frequency(value, ctx, "input")


def output_frequency(value: float, ctx: Context) -> str:
    """output.frequency, on 0501 scaled by 0.1 when it reads in decihertz."""
    return _frequency(value, ctx, "output")


sensitivity = lookup({0: "low", 1: "normal", 2: "high"})

_OUT = "UPS.Output"
_PS = "UPS.PowerSummary"
_ST = f"{_PS}.PresentStatus"

CYBERPOWER = Subdriver(
    name="CyberPower HID 0.85",
    vendor_ids=(CPS_VENDORID, STMICRO_VENDORID),
    products=tuple(pid for _, pid in DEVICES),
    claim=claim,
    usages={0xFF0100D0: "CPSFirmwareVersion", 0xFF010043: "CPSInputSensitivity"},
    mfr_default="CPS",
    pollfreq=12,                       # DEFAULT_POLLFREQ_CPS
    scales={0x0501: {"might_scale": 1.0}},
    fix_descriptor=fix_descriptor,
    variables=(
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index),
        HidVar("battery.mfr.date", "UPS.Battery.ManufacturerDate", convert=packed_date,
               tier=SEMI, rw=True, string_len=10),
        HidVar("battery.mfr.date", f"{_PS}.iOEMInformation", convert=string_index),
        HidVar("battery.charge.warning", f"{_PS}.WarningCapacityLimit"),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity", convert=battery_charge),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty"),
        HidVar("battery.runtime.low", f"{_PS}.RemainingTimeLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.voltage.nominal", f"{_PS}.ConfigVoltage"),
        HidVar("battery.voltage", f"{_PS}.Voltage", convert=battery_volts),
        HidVar("battery.status", f"{_PS}.FullChargeCapacity", convert=battery_status),
        HidVar("ups.load", f"{_OUT}.PercentLoad"),
        HidVar("ups.beeper.status", f"{_PS}.AudibleAlarmControl", convert=beeper),
        HidVar("ups.test.result", f"{_OUT}.Test", convert=selftest_result),
        HidVar("ups.power", f"{_OUT}.ApparentPower"),
        HidVar("ups.power.nominal", f"{_OUT}.ConfigApparentPower"),
        HidVar("ups.realpower", f"{_OUT}.ActivePower"),
        HidVar("ups.realpower.nominal", f"{_OUT}.ConfigActivePower"),
        HidAbsent("ups.delay.start", f"{_OUT}.DelayBeforeStartup", ON_DELAY),
        HidAbsent("ups.delay.shutdown", f"{_OUT}.DelayBeforeShutdown", OFF_DELAY),
        HidVar("ups.timer.start", f"{_OUT}.DelayBeforeStartup", tier=QUICK),
        HidVar("ups.timer.shutdown", f"{_OUT}.DelayBeforeShutdown", tier=QUICK),
        HidVar("ups.timer.reboot", f"{_OUT}.DelayBeforeReboot", tier=QUICK),
        HidVar("ups.firmware", f"{_PS}.CPSFirmwareVersion", convert=string_index, tier=STATIC),
        HidVar("ups.temperature", f"{_PS}.Temperature", convert=kelvin_celsius),
        HidVar("input.frequency", "UPS.Input.Frequency", convert=input_frequency),
        HidVar("input.voltage.nominal", "UPS.Input.ConfigVoltage"),
        HidVar("input.voltage", "UPS.Input.Voltage", "%.1f"),
        HidVar("input.transfer.low", "UPS.Input.LowVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.transfer.high", "UPS.Input.HighVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.transfer.low", f"{_OUT}.LowVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.transfer.high", f"{_OUT}.HighVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        # HU_FLAG_ENUM: upsrw lists low/normal/high.
        HidVar("input.sensitivity", f"{_OUT}.CPSInputSensitivity", convert=sensitivity,
               tier=SEMI, rw=True, enum=True),
        HidVar("output.frequency", f"{_OUT}.Frequency", convert=output_frequency),
        HidVar("output.voltage", f"{_OUT}.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", f"{_OUT}.ConfigVoltage"),
    ),
    status=(
        HidStatus(f"{_ST}.ACPresent", "online", quick=True),
        HidStatus(f"{_ST}.Charging", "chrg", quick=True),
        HidStatus(f"{_ST}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_ST}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_ST}.FullyCharged", "fullycharged"),
        HidStatus(f"{_ST}.RemainingTimeLimitExpired", "timelimitexp"),
        HidStatus(f"{_ST}.NeedReplacement", "replacebatt"),
        HidStatus(f"{_OUT}.Boost", "boost"),
        HidStatus(f"{_OUT}.Overload", "overload"),
    ),
    commands=(
        *selftest_commands(f"{_OUT}.Test"),
        HidCommand("load.off.delay", f"{_OUT}.DelayBeforeShutdown", OFF_DELAY),
        HidCommand("load.on.delay", f"{_OUT}.DelayBeforeStartup", ON_DELAY),
        HidCommand("shutdown.stop", f"{_OUT}.DelayBeforeShutdown", "-1"),
        HidCommand("shutdown.reboot", f"{_OUT}.DelayBeforeReboot", "10"),
        # beeper.on/off: listed by NUT, turned into beeper.enable/disable by usbhid-ups.
        HidCommand("beeper.on", f"{_PS}.AudibleAlarmControl", "2"),
        HidCommand("beeper.off", f"{_PS}.AudibleAlarmControl", "3"),
        *beeper_commands(f"{_PS}.AudibleAlarmControl"),
    ),
)
