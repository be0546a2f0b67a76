"""EcoFlow portable power stations as HID UPSes (vendor 3746: River 3 Plus, Delta 3 Plus).

Rows as NUT master's ``drivers/ecoflow-hid.c`` (EcoFlow HID 0.01) maps
them, in its order: everything under ``UPS.PowerSummary``, the runtime
reported in minutes (:func:`runtime_seconds`), a few unmapped bits kept as
NUT's ``experimental.*`` variables.  NUT defines no instant commands (the
beeper and delay writes it tried had no effect on the devices).  The claim
is NUT's: product ffff, any other 3746 product only with ups.conf
``productid``.

test-case-name: tests.test_hid_vendor_ecoflow
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import (
    Context,
    beeper,
    c_format,
    packed_date,
    string_index,
)
from pynutd.drivers.hid.rows import (
    QUICK,
    SEMI,
    STATIC,
    HidStatus,
    HidVar,
    Subdriver,
)

ECOFLOW_VENDORID = 0x3746


def runtime_seconds(value: float, ctx: Context) -> str | None:
    """battery.runtime: the device counts minutes; negative readings are left out."""
    return c_format(value * 60.0, "%.0f") if value >= 0 else None


_PS = "UPS.PowerSummary"
_ST = f"{_PS}.PresentStatus"
_EXP = "experimental.ups.powersummary"

ECOFLOW = Subdriver(
    name="EcoFlow HID 0.01",
    vendor_ids=(ECOFLOW_VENDORID,),
    products=(0xFFFF,),
    mfr_default="EcoFlow",
    variables=(
        HidVar("ups.beeper.status", f"{_PS}.AudibleAlarmControl", convert=beeper, tier=QUICK),
        HidVar("ups.power.nominal", "UPS.Flow.[4].ConfigActivePower", tier=STATIC),
        HidVar("battery.voltage.nominal", f"{_PS}.ConfigVoltage", "%.1f", tier=SEMI),
        HidVar("ups.timer.reboot", "UPS.OutletSystem.Outlet.DelayBeforeReboot", tier=QUICK),
        HidVar("ups.timer.shutdown", "UPS.OutletSystem.Outlet.DelayBeforeShutdown",
               tier=QUICK),
        HidVar("battery.capacity.nominal", f"{_PS}.DesignCapacity", tier=SEMI),
        HidVar("battery.capacity", f"{_PS}.FullChargeCapacity", tier=SEMI),
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index, tier=STATIC),
        HidVar(f"{_EXP}.ioeminformation", f"{_PS}.iOEMInformation", convert=string_index,
               tier=STATIC),
        HidVar("ups.mfr.date", f"{_PS}.ManufacturerDate", convert=packed_date),
        HidVar(f"{_EXP}.presentstatus.shutdownrequested", f"{_ST}.ShutdownRequested"),
        HidVar(f"{_EXP}.presentstatus.voltagenotregulated", f"{_ST}.VoltageNotRegulated"),
        HidVar(f"{_EXP}.rechargeable", f"{_PS}.Rechargeable"),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity", tier=QUICK),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=SEMI, rw=True,
               string_len=5),
        HidVar("battery.runtime.low", f"{_PS}.RemainingTimeLimit", tier=SEMI),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty", convert=runtime_seconds,
               tier=QUICK),
        HidVar("battery.voltage", f"{_PS}.Voltage", "%.1f", tier=QUICK),
        HidVar("battery.charge.warning", f"{_PS}.WarningCapacityLimit", tier=SEMI),
    ),
    status=(
        HidStatus(f"{_ST}.ACPresent", "online", quick=True),
        HidStatus(f"{_ST}.BatteryPresent", "nobattery", quick=True, inverted=True),
        HidStatus(f"{_ST}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_ST}.CommunicationLost", "commfault", quick=True),
        HidStatus(f"{_ST}.Charging", "chrg", quick=True),
        HidStatus(f"{_ST}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_ST}.FullyCharged", "fullycharged", quick=True),
        HidStatus(f"{_ST}.FullyDischarged", "depleted", quick=True),
        HidStatus(f"{_ST}.NeedReplacement", "replacebatt", quick=True),
        HidStatus(f"{_ST}.Overload", "overload", quick=True),
        HidStatus(f"{_ST}.RemainingTimeLimitExpired", "timelimitexp", quick=True),
        HidStatus(f"{_ST}.ShutdownImminent", "shutdownimm", quick=True),
    ),
    commands=(),
)
