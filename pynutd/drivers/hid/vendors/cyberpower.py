"""CyberPower HID Power Devices (vendor 0764).

Rows as NUT's ``drivers/cps-hid.c`` (CyberPower HID 0.6, NUT 2.8.0) maps
them, except the delay defaults (:data:`OFF_DELAY`, :data:`ON_DELAY`).
Quirks kept: battery.charge capped at 100; a battery voltage read more than
1.4 times nominal is scaled by 2/3; the output voltage field copies the
high-transfer logical range on 0764:0501 and is widened to 0..511 as NUT's
``cps_fix_report_desc`` does.  Delays use Physical Min/Max (-60..1966020),
so the device counts minutes while NUT shows seconds.

test-case-name: tests.test_hid_golden
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import (
    Context,
    beeper,
    c_format,
    selftest_result,
    string_index,
)
from pynutd.drivers.hid.rows import (
    QUICK,
    SEMI,
    FieldFix,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
    beeper_commands,
    selftest_commands,
)

CPS_VENDORID = 0x0764
# The device counts whole minutes and NUT truncates: NUT 2.8.0's generic
# 20 s / 30 s defaults become 0 minutes, i.e. "now".  Later NUT releases
# default CyberPower to minute multiples; so does pynutd.
OFF_DELAY, ON_DELAY = "60", "120"


def charge_capped(value: float, ctx: Context) -> str:
    """battery.charge never above 100 (some models report 101+)."""
    return c_format(min(value, 100.0), "%.0f")


def battery_volts(value: float, ctx: Context) -> str:
    """battery.voltage, scaled by 2/3 when it reads far above nominal."""
    try:
        nominal = float(ctx.values.get("battery.voltage.nominal", "0"))
    except ValueError:
        nominal = 0.0
    if nominal and value / nominal > 1.4:
        value = value * 2.0 / 3.0
    return c_format(value, "%.1f")


_OUT = "UPS.Output"

CYBERPOWER = Subdriver(
    name="CyberPower HID 0.6",
    vendor_ids=(CPS_VENDORID,),
    fixes=(FieldFix(f"{_OUT}.Voltage", (0x0501,), log_range=(0, 511),
                    when_same_range_as="UPS.Input.HighVoltageTransfer"),),
    variables=(
        HidVar("battery.type", "UPS.PowerSummary.iDeviceChemistry", convert=string_index),
        HidVar("battery.mfr.date", "UPS.PowerSummary.iOEMInformation", convert=string_index),
        HidVar("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit"),
        HidVar("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.charge", "UPS.PowerSummary.RemainingCapacity", convert=charge_capped),
        HidVar("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty"),
        HidVar("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage"),
        HidVar("battery.voltage", "UPS.PowerSummary.Voltage", convert=battery_volts),
        HidVar("ups.load", f"{_OUT}.PercentLoad"),
        HidVar("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", convert=beeper),
        HidVar("ups.test.result", f"{_OUT}.Test", convert=selftest_result),
        HidVar("ups.realpower.nominal", f"{_OUT}.ConfigActivePower"),
        HidAbsent("ups.delay.start", f"{_OUT}.DelayBeforeStartup", ON_DELAY),
        HidAbsent("ups.delay.shutdown", f"{_OUT}.DelayBeforeShutdown", OFF_DELAY),
        HidVar("ups.timer.start", f"{_OUT}.DelayBeforeStartup", tier=QUICK),
        HidVar("ups.timer.shutdown", f"{_OUT}.DelayBeforeShutdown", tier=QUICK),
        HidVar("ups.timer.reboot", f"{_OUT}.DelayBeforeReboot", tier=QUICK),
        HidVar("input.frequency", "UPS.Input.Frequency", "%.1f"),
        HidVar("input.voltage.nominal", "UPS.Input.ConfigVoltage"),
        HidVar("input.voltage", "UPS.Input.Voltage", "%.1f"),
        HidVar("input.transfer.low", "UPS.Input.LowVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.transfer.high", "UPS.Input.HighVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("output.frequency", f"{_OUT}.Frequency", "%.1f"),
        HidVar("output.voltage", f"{_OUT}.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", f"{_OUT}.ConfigVoltage"),
    ),
    status=(
        HidStatus("UPS.PowerSummary.PresentStatus.ACPresent", "online", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.Charging", "chrg", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.Discharging", "dischrg", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", "lowbatt",
                  quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.FullyCharged", "fullycharged"),
        HidStatus("UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", "timelimitexp"),
        HidStatus(f"{_OUT}.Boost", "boost"),
        HidStatus(f"{_OUT}.Overload", "overload"),
    ),
    commands=(
        *selftest_commands(f"{_OUT}.Test"),
        HidCommand("load.off.delay", f"{_OUT}.DelayBeforeShutdown", OFF_DELAY),
        HidCommand("load.on.delay", f"{_OUT}.DelayBeforeStartup", ON_DELAY),
        HidCommand("shutdown.stop", f"{_OUT}.DelayBeforeShutdown", "-1"),
        HidCommand("shutdown.reboot", f"{_OUT}.DelayBeforeReboot", "10"),
        *beeper_commands("UPS.PowerSummary.AudibleAlarmControl"),
    ),
)
