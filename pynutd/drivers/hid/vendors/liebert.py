"""Phoenixtec / Liebert HID Power Devices (vendor 06da, product ffff: PowerWalker, BlueWalker...).

Rows as NUT master's ``drivers/liebert-hid.c`` (Phoenixtec/Liebert HID 0.41)
maps them, each with its own format (``output.frequency`` is ``%.2f`` here).
The vendor ID belongs to Phoenixtec; MGE's table, tried first, takes only
the 06da devices whose USB strings name AEG, and this one the rest of
06da:ffff (another 06da product ID only with ``productid`` set, NUT's
POSSIBLY_SUPPORTED).  No vendor usage names: the ``ffff00xx`` rows are
numeric paths.  No descriptor fix.

test-case-name: tests.test_hid_vendor_liebert
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import beeper, selftest_result, string_index
from pynutd.drivers.hid.rows import (
    SEMI,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
)

PHOENIXTEC_VENDORID = 0x06DA

_PS = "UPS.PowerSummary"
_OUT = "UPS.PowerConverter.Output"
_IN = "UPS.PowerConverter.Input.[1]"
_FLOW = "UPS.Flow.[4]"

LIEBERT = Subdriver(
    name="Phoenixtec/Liebert HID 0.41",
    vendor_ids=(PHOENIXTEC_VENDORID,),
    products=(0xFFFF,),
    mfr_default="Liebert",
    variables=(
        HidVar("battery.voltage", f"{_PS}.Voltage", "%.2f"),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
        HidVar("experimental.battery.capacity", f"{_PS}.FullChargeCapacity"),
        HidVar("experimental.battery.capacity.nominal", f"{_PS}.DesignCapacity"),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty"),
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index),
        HidVar("ups.load", f"{_PS}.PercentLoad"),
        HidVar("ups.power.nominal", f"{_FLOW}.ConfigApparentPower", tier=SEMI),
        HidVar("ups.test.result", "UPS.BatterySystem.Battery.Test", convert=selftest_result),
        HidVar("ups.beeper.status", f"{_PS}.AudibleAlarmControl", convert=beeper, tier=SEMI),
        HidVar("output.voltage", f"{_OUT}.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", f"{_FLOW}.ConfigVoltage", tier=SEMI),
        HidVar("output.frequency", f"{_OUT}.Frequency", "%.2f"),
        HidVar("output.frequency.nominal", f"{_FLOW}.ConfigFrequency", tier=SEMI),
        HidVar("output.transfer.high", f"{_OUT}.HighVoltageTransfer", "%.1f", tier=SEMI),
        HidVar("output.transfer.low", f"{_OUT}.LowVoltageTransfer", "%.1f", tier=SEMI),
        HidVar("input.voltage", f"{_IN}.Voltage", "%.1f"),
        HidVar("input.frequency", f"{_IN}.Frequency", "%.2f"),
        HidVar("input.transfer.low", f"{_OUT}.ffff0057", tier=SEMI),
        HidVar("input.transfer.high", f"{_OUT}.ffff0058", tier=SEMI),
        HidVar("input.frequency.transfer.low", f"{_OUT}.ffff00f9", tier=SEMI),
        HidVar("input.frequency.transfer.high", f"{_OUT}.ffff00f8", tier=SEMI),
        HidAbsent("ups.delay.start", f"{_PS}.DelayBeforeStartup", "30"),
        HidAbsent("ups.delay.shutdown", f"{_PS}.DelayBeforeShutdown", "20"),
    ),
    status=(
        HidStatus(f"{_PS}.PresentStatus.ACPresent", "online", quick=True),
        HidStatus(f"{_PS}.PresentStatus.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_PS}.PresentStatus.Charging", "chrg", quick=True),
        HidStatus(f"{_PS}.PresentStatus.Discharging", "dischrg", quick=True),
        HidStatus(f"{_PS}.PresentStatus.Overload", "overload", quick=True),
        # NUT's off_info on Good: "off" when the UPS says it is not good.
        HidStatus(f"{_PS}.PresentStatus.Good", "off", quick=True, inverted=True),
        HidStatus(f"{_PS}.PresentStatus.InternalFailure", "commfault", quick=True),
        HidStatus(f"{_PS}.PresentStatus.ShutdownImminent", "shutdownimm", quick=True),
        HidStatus(f"{_IN}.PresentStatus.Buck", "trim"),
        HidStatus(f"{_IN}.PresentStatus.Boost", "boost"),
    ),
    commands=(
        HidCommand("test.battery.start", "UPS.BatterySystem.Battery.Test", "1"),
        HidCommand("load.off.delay", f"{_PS}.DelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{_PS}.DelayBeforeStartup", "30"),
        HidCommand("shutdown.stop", f"{_PS}.DelayBeforeShutdown", "-1"),
        HidCommand("beeper.toggle", f"{_PS}.AudibleAlarmControl", "1"),
    ),
)
