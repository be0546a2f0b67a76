"""Tripp Lite HID Power Devices (vendor 09ae; also HP 03f0, Delta/Minuteman 05dd).

Rows as NUT master's ``drivers/tripplite-hid.c`` (TrippLite HID 0.85) maps
them, with two changes NUT made after that source (PR #3581, issue #3580):
ActivePower is ``ups.realpower`` (W) not ``ups.power`` (VA), and the
SMART1500LCD (09ae:2012) ActivePower field's unit exponent 0 is read as 7.
Vendor usages are on page 0xFFFF (shared/hid/USAGES.md).  The product ID
is Tripp Lite's protocol number; its scale quirks are in :data:`SCALES`, and
protocol 2012's fixed report layout is a hook (:mod:`.tripplite_2012`).
Claim as tripplite_claim: the product table; another Tripp Lite or HP
product only with ``productid`` (never 09ae:0001, a serial-over-USB model);
another Delta/Minuteman product never.

test-case-name: tests.test_hid_vendor_tripplite
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import (
    Context,
    beeper,
    kelvin_celsius,
    reads_string,
    scaled,
    selftest_result,
    string_index,
)
from pynutd.drivers.hid.rows import (
    QUICK,
    SEMI,
    STATIC,
    DeviceIdent,
    FieldFix,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
    beeper_commands,
    selftest_commands,
)
from pynutd.drivers.hid.vendors.tripplite_2012 import LAYOUT as PROTOCOL_2012

TRIPPLITE_VENDORID = 0x09AE
HP_VENDORID = 0x03F0
DELTA_VENDORID = 0x05DD

USAGES = {
    0xFFFF0010: "TLCustom", 0xFFFF0056: "TLDelayBeforeStartup",
    0xFFFF0057: "TLLowVoltageTransferMax", 0xFFFF0058: "TLLowVoltageTransferMin",
    0xFFFF0059: "TLHighVoltageTransferMax", 0xFFFF005A: "TLHighVoltageTransferMin",
    0xFFFF007A: "OutletState", 0xFFFF007B: "OutletCount",
    0xFFFF007C: "UPSFirmwareVersion", 0xFFFF007D: "CommunicationProtocolVersion",
    0xFFFF007E: "CommunicationVersion", 0xFFFF007F: "iUPSPartNumber",
    0xFFFF0080: "AutoOnDelay", 0xFFFF0092: "TLWatchdog",
    0xFFFF0095: "TLOutletsAvailableMask", 0xFFFF0096: "TLOutletsStatusMask",
    # Battery System flags some OMNI1000LCD firmware puts on page 0x84.
    0x00840044: "TLCharging", 0x00840045: "TLDischarging",
    0x0084004B: "TLNeedReplacement", 0x008400D0: "TLACPresent",
}

_TENTH = {"battery": 0.1}
_ONE = {"battery": 1.0}
# SMART1500LCDT-class firmware declares decivolts as volts with UnitExp 1,
# so NUT multiplies back (tripplite-hid.c smart1500lcdt_scale).
_LCDT = {"battery": 1e5, "io_voltage": 1e5, "io_frequency": 0.01, "io_current": 0.01}
# Chemistry string index is broken on these (AVR550U, OMNI1000LCD).
_NO_CHEMISTRY = {"battery": 0.1, "chemistry_broken": 1.0}

SCALES = {
    0x1003: _NO_CHEMISTRY, 0x1007: _TENTH, 0x1008: _TENTH, 0x1009: _TENTH, 0x1010: _TENTH,
    0x1330: _ONE, 0x2005: _NO_CHEMISTRY,
    **{pid: _TENTH for pid in range(0x2007, 0x2015) if pid not in (0x200A, 0x200B, 0x200C,
                                                                   0x200D, 0x200E, 0x200F)},
    **{pid: _ONE for pid in (0x3008, 0x3009, 0x3010, 0x3011, 0x3012, 0x3013, 0x3014, 0x3015)},
    0x3016: _LCDT, 0x3024: _LCDT,
    **{pid: _ONE for pid in range(0x4001, 0x4009)},
}

PRODUCTS = tuple(SCALES)
# Every HP and Delta/Minuteman entry of NUT's table has battery scale 1.
OTHER_DEVICES = tuple((HP_VENDORID, pid) for pid in (0x0001, 0x1FE0, 0x1FE1, 0x1FE2, 0x1FE3,
                                                     0x1F06, 0x1F08, 0x1F09, 0x1F0A)) + (
    (DELTA_VENDORID, 0xA011), (DELTA_VENDORID, 0xA0A0))
SERIAL_OVER_USB = 0x0001   # a Tripp Lite product for the tripplite_usb driver


def claim(ident: DeviceIdent) -> bool:
    """tripplite_claim: listed devices; HP and Tripp Lite others only with productid."""
    if ident.vendor_id == TRIPPLITE_VENDORID:
        if ident.product_id in SCALES:
            return True
        return ident.forced and ident.product_id != SERIAL_OVER_USB
    if (ident.vendor_id, ident.product_id) in OTHER_DEVICES:
        return True
    return ident.vendor_id == HP_VENDORID and ident.forced


@reads_string
def chemistry(value: float, ctx: Context) -> str | None:
    """battery.type: the string by index, "unknown" where the firmware is broken."""
    if ctx.scales.get("chemistry_broken"):
        return "unknown"
    return string_index(value, ctx)


_OUTLET = "UPS.OutletSystem.Outlet"
_IOVOLT = scaled("io_voltage")
_IOFREQ = scaled("io_frequency")

TRIPPLITE = Subdriver(
    name="TrippLite HID 0.85",
    vendor_ids=(TRIPPLITE_VENDORID, HP_VENDORID, DELTA_VENDORID),
    claim=claim,
    usages=USAGES,
    scales=SCALES,
    products=PRODUCTS,
    layouts=(PROTOCOL_2012,),
    # SU3000LCD2UHV: reading report 0x54 hangs the firmware (usbhid-ups.c).
    skip_reports={0x1330: (0x54,)},
    # SMART1500LCD declares ActivePower in W with exponent 0 (NUT #3580).
    fixes=(FieldFix("UPS.PowerConverter.Output.ActivePower", (0x2012,), unit_exp=7,
                    when_unit_exp=0),
           FieldFix(f"{_OUTLET}.ActivePower", (0x2012,), unit_exp=7, when_unit_exp=0)),
    variables=(
        HidVar("device.part", "UPS.TLCustom.[1].iUPSPartNumber", convert=string_index,
               tier=STATIC),
        HidVar("battery.charge", "UPS.PowerSummary.RemainingCapacity"),
        HidVar("battery.charge", "UPS.BatterySystem.Battery.RemainingCapacity"),
        HidVar("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", tier=SEMI,
               rw=True, string_len=5),
        HidVar("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit"),
        HidVar("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty"),
        HidVar("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.1f",
               tier=STATIC),
        HidVar("battery.voltage", "UPS.BatterySystem.Battery.Voltage", convert=scaled("battery")),
        HidVar("battery.type", "UPS.PowerSummary.iDeviceChemistry", convert=chemistry,
               tier=STATIC),
        HidVar("battery.temperature", "UPS.BatterySystem.Temperature", convert=kelvin_celsius),
        HidAbsent("ups.delay.start", f"{_OUTLET}.DelayBeforeStartup", "30"),
        HidAbsent("ups.delay.start", f"{_OUTLET}.TLDelayBeforeStartup", "30"),
        HidAbsent("ups.delay.shutdown", f"{_OUTLET}.DelayBeforeShutdown", "20"),
        HidVar("ups.timer.start", f"{_OUTLET}.DelayBeforeStartup", tier=QUICK),
        HidVar("ups.timer.start", f"{_OUTLET}.TLDelayBeforeStartup", tier=QUICK),
        HidVar("ups.timer.shutdown", f"{_OUTLET}.DelayBeforeShutdown", tier=QUICK),
        HidVar("ups.timer.reboot", f"{_OUTLET}.DelayBeforeReboot", tier=QUICK),
        HidVar("ups.test.result", "UPS.BatterySystem.Test", convert=selftest_result),
        HidVar("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", convert=beeper),
        HidVar("ups.power.nominal", "UPS.Flow.ConfigApparentPower", tier=STATIC),
        HidVar("ups.realpower", f"{_OUTLET}.ActivePower", "%.1f"),
        HidVar("ups.realpower", "UPS.PowerConverter.Output.ActivePower", "%.1f"),
        HidVar("ups.load", f"{_OUTLET}.PercentLoad"),
        HidVar("ups.firmware", "UPS.TLCustom.[1].UPSFirmwareVersion", tier=STATIC),
        HidVar("ups.watchdog.status", f"{_OUTLET}.TLWatchdog"),
        HidVar("ups.load.nominal", "UPS.Flow.ConfigPercentLoad"),
        HidVar("input.voltage.nominal", "UPS.PowerSummary.Input.ConfigVoltage", tier=STATIC),
        HidVar("input.voltage", "UPS.PowerSummary.Input.Voltage", convert=_IOVOLT),
        HidVar("input.voltage", "UPS.PowerConverter.Input.Voltage", convert=_IOVOLT),
        HidVar("input.frequency", "UPS.PowerConverter.Input.Frequency", convert=_IOFREQ),
        HidVar("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer", "%.1f",
               tier=SEMI, rw=True, string_len=5),
        HidVar("input.transfer.low.max", "UPS.PowerConverter.Output.TLLowVoltageTransferMax",
               tier=STATIC),
        HidVar("input.transfer.low.min", "UPS.PowerConverter.Output.TLLowVoltageTransferMin",
               tier=STATIC),
        HidVar("input.transfer.high", "UPS.PowerConverter.Output.HighVoltageTransfer", "%.1f",
               tier=SEMI, rw=True, string_len=5),
        HidVar("input.transfer.high.max", "UPS.PowerConverter.Output.TLHighVoltageTransferMax",
               tier=STATIC),
        HidVar("input.transfer.high.min", "UPS.PowerConverter.Output.TLHighVoltageTransferMin",
               tier=STATIC),
        HidVar("output.voltage.nominal", "UPS.Flow.ConfigVoltage", tier=STATIC),
        HidVar("output.voltage", "UPS.PowerConverter.Output.Voltage", convert=_IOVOLT),
        HidVar("output.voltage", "UPS.PowerSummary.Voltage", convert=_IOVOLT),
        HidVar("output.current", "UPS.PowerConverter.Output.Current",
               convert=scaled("io_current")),
        HidVar("output.frequency.nominal", "UPS.Flow.ConfigFrequency", tier=STATIC),
        HidVar("output.frequency", "UPS.PowerConverter.Output.Frequency", convert=_IOFREQ),
    ),
    status=(
        HidStatus("UPS.PowerSummary.PresentStatus.InternalFailure", "commfault"),
        HidStatus("UPS.PowerSummary.PresentStatus.ShutdownImminent", "shutdownimm"),
        HidStatus("UPS.PowerSummary.PresentStatus.ACPresent", "online", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", "lowbatt",
                  quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.FullyCharged", "fullycharged", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.Charging", "chrg", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.Discharging", "dischrg", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.FullyDischarged", "depleted", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.NeedReplacement", "replacebatt"),
        HidStatus("UPS.PowerSummary.PresentStatus.TLACPresent", "online", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.TLDischarging", "dischrg", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.TLCharging", "chrg", quick=True),
        HidStatus("UPS.PowerSummary.PresentStatus.TLNeedReplacement", "replacebatt"),
        HidStatus("UPS.PowerConverter.PresentStatus.VoltageOutOfRange", "vrange"),
        HidStatus("UPS.PowerConverter.PresentStatus.Buck", "trim"),
        HidStatus("UPS.PowerConverter.PresentStatus.Boost", "boost"),
        HidStatus("UPS.PowerConverter.PresentStatus.Overload", "overload"),
        HidStatus("UPS.PowerConverter.PresentStatus.OverTemperature", "overheat"),
        HidStatus("UPS.PowerConverter.PresentStatus.InternalFailure", "commfault"),
        HidStatus("UPS.PowerConverter.PresentStatus.AwaitingPower", "awaitingpower"),
        # NUT master leaves the BatterySystem.Battery.PresentStatus duplicates out.
    ),
    commands=(
        # deep and stop are "reported not to work" in NUT's table.
        *selftest_commands("UPS.BatterySystem.Test"),
        HidCommand("load.off.delay", f"{_OUTLET}.DelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{_OUTLET}.DelayBeforeStartup", "30"),
        # TLDelayBeforeStartup counts minutes, but NUT writes seconds' default.
        HidCommand("load.on.delay", f"{_OUTLET}.TLDelayBeforeStartup", "30"),
        HidCommand("shutdown.stop", f"{_OUTLET}.DelayBeforeShutdown", "-1"),
        HidCommand("shutdown.reboot", f"{_OUTLET}.DelayBeforeReboot", "10"),
        # The ECO550UPS has no DelayBeforeReboot: the watchdog reboots it.
        HidCommand("shutdown.reboot", f"{_OUTLET}.TLWatchdog", "10"),
        HidCommand("reset.watchdog", f"{_OUTLET}.TLWatchdog", "60"),
        # beeper.on/off: listed by NUT, turned into beeper.enable/disable by usbhid-ups.
        HidCommand("beeper.on", "UPS.PowerSummary.AudibleAlarmControl", "2"),
        HidCommand("beeper.off", "UPS.PowerSummary.AudibleAlarmControl", "3"),
        *beeper_commands("UPS.PowerSummary.AudibleAlarmControl"),
    ),
)
