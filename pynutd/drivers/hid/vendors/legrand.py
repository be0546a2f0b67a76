"""Legrand HID Power Devices (vendor 1cb0: Keor PDU 0038, Keor SP 0032).

Rows as NUT master's ``drivers/legrand-hid.c`` (Legrand HID 0.2) maps
them, in its order: each variable first under the Keor PDU's
``UPS.Input``/``UPS.Output`` paths, then under the Keor SP's
``UPS.PowerConverter``/``UPS.BatterySystem`` paths.  The Keor SP declares
unit exponents that leave its readings powers of ten too small; NUT
multiplies them back per row (:func:`times`).  Both products run with the
interrupt pipe off (NUT's ``disable_interrupt_pipe``).  The claim is NUT's:
the two product IDs, any other 1cb0 product only with ups.conf
``productid``.

test-case-name: tests.test_hid_vendor_legrand
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import Context, Converter
from pynutd.drivers.hid.rows import (
    STATIC,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
    selftest_commands,
)

LEGRAND_VENDORID = 0x1CB0
PID_PDU, PID_SP = 0x0038, 0x0032


def times(factor: float) -> Converter:
    """Return a converter printing ``value * factor`` with one decimal (NUT's %0.1f)."""
    def convert(value: float, ctx: Context) -> str:
        return f"{value * factor:0.1f}"
    return convert


_PS = "UPS.PowerSummary"
_ST = f"{_PS}.PresentStatus"
_PC = "UPS.PowerConverter"
_OUTLET = "UPS.OutletSystem.Outlet"
_OUT = "UPS.Output"

LEGRAND = Subdriver(
    name="Legrand HID 0.2",
    vendor_ids=(LEGRAND_VENDORID,),
    products=(PID_PDU, PID_SP),
    pollonly_products=(PID_PDU, PID_SP),
    mfr_default="Legrand",
    variables=(
        # input
        HidVar("input.voltage", "UPS.Input.Voltage"),
        HidVar("input.voltage", f"{_PC}.Input.Voltage", convert=times(1e6)),
        HidVar("input.transfer.high", "UPS.Input.HighVoltageTransfer", tier=STATIC),
        HidVar("input.transfer.high", f"{_PC}.Output.HighVoltageTransfer", tier=STATIC,
               convert=times(10)),
        HidVar("input.transfer.low", "UPS.Input.LowVoltageTransfer", tier=STATIC),
        HidVar("input.transfer.low", f"{_PC}.Output.LowVoltageTransfer", tier=STATIC),
        HidVar("input.voltage.nominal", "UPS.Input.ConfigVoltage", tier=STATIC),
        HidVar("input.voltage.nominal", "UPS.Flow.ConfigVoltage", tier=STATIC),
        # battery
        HidVar("battery.voltage.nominal", f"{_PS}.ConfigVoltage", tier=STATIC,
               convert=times(0.1)),
        HidVar("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage",
               tier=STATIC),
        HidVar("battery.voltage", f"{_PS}.Voltage", convert=times(0.1)),
        HidVar("battery.voltage", "UPS.BatterySystem.Battery.Voltage", convert=times(1e5)),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
        # NUT spells it "RuntimeToEmpty" and matches usage names in any case.
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty"),
        HidVar("battery.charge.warning", f"{_PS}.WarningCapacityLimit", tier=STATIC),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=STATIC),
        # output
        HidVar("output.voltage", f"{_OUT}.Voltage"),
        HidVar("output.voltage", f"{_PC}.Output.Voltage", convert=times(1e7)),
        HidVar("output.frequency", f"{_OUT}.Frequency"),
        HidVar("ups.load", f"{_OUT}.PercentLoad"),
        HidVar("ups.load", f"{_OUTLET}.PercentLoad"),
        HidVar("ups.realpower.nominal", f"{_OUT}.ConfigActivePower", tier=STATIC),
        HidVar("ups.realpower.nominal", "UPS.Flow.ConfigApparentPower", tier=STATIC),
        # delays (driver-side settings; the outlet's first)
        HidAbsent("ups.delay.shutdown", f"{_OUTLET}.DelayBeforeShutdown", "20"),
        HidAbsent("ups.delay.start", f"{_OUTLET}.DelayBeforeStartup", "30"),
        HidAbsent("ups.delay.shutdown", f"{_OUT}.DelayBeforeShutdown", "20"),
        HidAbsent("ups.delay.start", f"{_OUT}.DelayBeforeStartup", "30"),
    ),
    status=(
        HidStatus(f"{_ST}.ACPresent", "online", quick=True),
        HidStatus(f"{_ST}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_ST}.Charging", "chrg", quick=True),
        HidStatus(f"{_ST}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_OUT}.Overload", "overload", quick=True),
    ),
    commands=(
        HidCommand("load.off.delay", f"{_OUTLET}.DelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{_OUTLET}.DelayBeforeStartup", "30"),
        HidCommand("load.off.delay", f"{_OUT}.DelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{_OUT}.DelayBeforeStartup", "30"),
        *selftest_commands("UPS.BatterySystem.Battery.Test"),
        *selftest_commands(f"{_OUT}.Test"),
        # Legrand's table: 3 disables the beeper (not mute, as elsewhere).
        HidCommand("beeper.enable", f"{_PS}.AudibleAlarmControl", "2"),
        HidCommand("beeper.disable", f"{_PS}.AudibleAlarmControl", "3"),
    ),
)
