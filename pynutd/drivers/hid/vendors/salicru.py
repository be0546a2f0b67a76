"""Salicru HID Power Devices (vendor 2e66: SPS Home/ADV, SLC TWIN PRO2/PRO3).

Rows as NUT master's ``drivers/salicru-hid.c`` (Salicru HID 0.4) maps
them, in its order: first the classic ``UPS.Output``/``UPS.Input`` layout
of the SPS line, then the TWIN PRO 2 paths under ``UPS.PowerConverter``,
which only take a variable the first layout left unset.  The claim is
NUT's: the listed product IDs, any other 2e66 product only with ups.conf
``productid``.  NUT leaves its instant commands commented out for the SPS
paths ("need testing"); only the TWIN PRO battery test commands are live.

test-case-name: tests.test_hid_vendor_salicru
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import beeper, selftest_result, string_index
from pynutd.drivers.hid.rows import (
    SEMI,
    STATIC,
    HidStatus,
    HidVar,
    Subdriver,
    selftest_commands,
)

SALICRU_VENDORID = 0x2E66
# SPS 3000 ADV RT2; TWIN PRO3/RT3 and TWIN PRO2 <= 3 kVA; SPS 850 HOME; SPS 850 ADV T.
PRODUCTS = (0x0101, 0x0201, 0x0202, 0x0203, 0x0300, 0x0302)

_PS = "UPS.PowerSummary"
_ST = f"{_PS}.PresentStatus"
_OUT = "UPS.Output"
_PC = "UPS.PowerConverter"
_TEST = "UPS.BatterySystem.Battery.Test"

SALICRU = Subdriver(
    name="Salicru HID 0.4",
    vendor_ids=(SALICRU_VENDORID,),
    products=PRODUCTS,
    mfr_default="Salicru",
    variables=(
        # battery
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
        HidVar("battery.charge.warning", f"{_PS}.WarningCapacityLimit"),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty"),
        HidVar("battery.runtime.low", f"{_PS}.RemainingTimeLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.voltage.nominal", f"{_PS}.ConfigVoltage"),
        HidVar("battery.voltage", f"{_PS}.Voltage", "%.2f"),
        # ups
        HidVar("ups.load", f"{_OUT}.PercentLoad"),
        HidVar("ups.beeper.status", f"{_PS}.AudibleAlarmControl", convert=beeper),
        HidVar("ups.test.result", f"{_OUT}.Test", convert=selftest_result),
        HidVar("ups.realpower.nominal", f"{_OUT}.ConfigActivePower"),
        # input (NUT reads the transfer points from the converter's output, static)
        HidVar("input.frequency", "UPS.Input.Frequency", "%.1f"),
        HidVar("input.voltage.nominal", "UPS.Input.ConfigVoltage"),
        HidVar("input.voltage", "UPS.Input.Voltage", "%.1f"),
        HidVar("input.transfer.high", f"{_PC}.Output.HighVoltageTransfer", tier=STATIC),
        HidVar("input.transfer.low", f"{_PC}.Output.LowVoltageTransfer", tier=STATIC),
        # output
        HidVar("output.frequency", f"{_OUT}.Frequency", "%.1f"),
        HidVar("output.voltage", f"{_OUT}.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", f"{_OUT}.ConfigVoltage"),
        # TWIN PRO 2 layout
        HidVar("ups.load", f"{_PS}.PercentLoad"),
        HidVar("ups.test.result", _TEST, convert=selftest_result),
        HidVar("ups.realpower.nominal", "UPS.Flow.[4].ConfigActivePower"),
        HidVar("ups.realpower", f"{_PC}.Output.ActivePower"),
        HidVar("input.frequency", f"{_PC}.Input.[1].Frequency", "%.1f"),
        HidVar("input.voltage", f"{_PC}.Input.[1].Voltage", "%.1f"),
        HidVar("output.frequency", f"{_PC}.Output.Frequency", "%.1f"),
        HidVar("output.voltage", f"{_PC}.Output.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", f"{_PS}.ConfigVoltage"),
    ),
    status=(
        HidStatus(f"{_ST}.ACPresent", "online", quick=True),
        HidStatus(f"{_ST}.Charging", "chrg", quick=True),
        HidStatus(f"{_ST}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_ST}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_ST}.FullyCharged", "fullycharged"),
        HidStatus(f"{_ST}.RemainingTimeLimitExpired", "timelimitexp"),
        HidStatus(f"{_OUT}.CommunicationLost", "commfault"),
        HidStatus(f"{_OUT}.Boost", "boost"),
        HidStatus(f"{_OUT}.Overload", "overload"),
        HidStatus(f"{_ST}.Overload", "overload"),
        HidStatus(f"{_ST}.OverTemperature", "overheat"),
    ),
    commands=selftest_commands(_TEST),
)
