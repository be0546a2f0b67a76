"""Arduino HID Power Device sketches (vendors 2341 and 2a03: Leonardo, Pro Micro).

Rows as NUT master's ``drivers/arduino-hid.c`` (Arduino HID 0.22) maps
them: the standard PowerSummary paths a sketch built on the HID Power
Device library declares, capacities taken as percent (CapacityMode 2).
NUT's claim also points libusb at interface 2 and endpoints 4/5, the
sketch's HID interface beside the serial port; hidapi enumerates that
interface by itself, so nothing here needs it.

test-case-name: tests.test_hid_vendor_arduino
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import string_index
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
)

ARDUINO_VENDORID = 0x2341
ARDUINO_VENDORID2 = 0x2A03

# arduino_usb_device_table: Leonardo, Leonardo ETH, Pro Micro
PRODUCTS = frozenset({
    (ARDUINO_VENDORID, 0x0036), (ARDUINO_VENDORID, 0x8036),
    (ARDUINO_VENDORID2, 0x0036), (ARDUINO_VENDORID2, 0x8036),
    (ARDUINO_VENDORID2, 0x0040), (ARDUINO_VENDORID2, 0x8040),
})


def arduino_claim(ident: DeviceIdent) -> bool:
    """NUT's arduino_claim: the listed boards; another product of the vendors only when forced."""
    if (ident.vendor_id, ident.product_id) in PRODUCTS:
        return True
    return ident.vendor_id in (ARDUINO_VENDORID, ARDUINO_VENDORID2) and ident.forced


_PS = "UPS.PowerSummary"
_PST = f"{_PS}.PresentStatus"

ARDUINO = Subdriver(
    name="Arduino HID 0.22",
    vendor_ids=(ARDUINO_VENDORID, ARDUINO_VENDORID2),
    claim=arduino_claim,
    mfr_default="Arduino",
    variables=(
        HidAbsent("ups.delay.start", f"{_PS}.DelayBeforeStartup", "30"),
        HidAbsent("ups.delay.shutdown", f"{_PS}.DelayBeforeShutdown", "20"),
        HidVar("ups.timer.start", f"{_PS}.DelayBeforeStartup", tier=QUICK),
        HidVar("ups.timer.shutdown", f"{_PS}.DelayBeforeShutdown", tier=QUICK),
        HidVar("ups.timer.reboot", f"{_PS}.DelayBeforeReboot", tier=QUICK),
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index, tier=STATIC),
        HidVar("battery.voltage.nominal", f"{_PS}.ConfigVoltage", "%.2f", tier=QUICK),
        HidVar("battery.voltage", f"{_PS}.Voltage", "%.2f", tier=QUICK),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty", tier=QUICK),
        HidVar("battery.runtime.low", f"{_PS}.RemainingTimeLimit", tier=SEMI),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=SEMI),
        HidVar("battery.charge.warning", f"{_PS}.WarningCapacityLimit", tier=SEMI),
        HidVar("ups.load", f"{_PS}.PercentLoad"),
        HidVar("input.voltage", "UPS.PowerConverter.Input.[1].Voltage", "%.1f"),
        HidVar("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
    ),
    status=(
        HidStatus(f"{_PST}.ACPresent", "online", quick=True),
        HidStatus(f"{_PST}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_PST}.Charging", "chrg", quick=True),
        HidStatus(f"{_PST}.NeedReplacement", "replacebatt"),
        HidStatus(f"{_PST}.ShutdownImminent", "shutdownimm"),
        HidStatus(f"{_PST}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_PST}.Overload", "overload"),
        HidStatus(f"{_PST}.RemainingTimeLimitExpired", "timelimitexp"),
        HidStatus(f"{_PST}.BatteryPresent", "nobattery", inverted=True),
        HidStatus(f"{_PST}.FullyCharged", "fullycharged", quick=True),
        HidStatus(f"{_PST}.FullyDischarged", "depleted", quick=True),
    ),
    commands=(
        HidCommand("load.off.delay", f"{_PS}.DelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{_PS}.DelayBeforeStartup", "30"),
        HidCommand("shutdown.stop", f"{_PS}.DelayBeforeShutdown", "-1"),
        HidCommand("shutdown.reboot", f"{_PS}.DelayBeforeReboot", "10"),
    ),
)
