"""iDowell / GoldenMate HID battery packs (vendor 075d:0300, and 06da:ffff GoldenMate).

Rows as NUT master's ``drivers/idowell-hid.c`` (iDowell HID 0.22) maps
them, in its order, all under ``UPS.PowerSummary`` and ``UPS.Flow.[4]``.
The claim is NUT's: 075d:0300, and on the Phoenixtec vendor ID 06da (which
liebert-hid and mge-hid also serve) only product ffff whose manufacturer
string holds "BMS" or whose product string holds "Smart-Battery" (the
GoldenMate LiFePO4 packs); any other 075d product only with ups.conf
``productid``.  NUT's ``idowell_fix_report_desc`` is :func:`fix_descriptor`.

test-case-name: tests.test_hid_vendor_idowell
"""

from __future__ import annotations

from dataclasses import replace

from pynutd.drivers.hid.converters import string_index
from pynutd.drivers.hid.descriptor import ReportDescriptor
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

IDOWELL_VENDORID = 0x075D
PHOENIXTEC_VENDORID = 0x06DA
# (vendor, product) pairs of NUT's idowell_usb_device_table
DEVICES = ((IDOWELL_VENDORID, 0x0300), (PHOENIXTEC_VENDORID, 0xFFFF))


def is_goldenmate(ident: DeviceIdent) -> bool:
    """Return whether the USB strings are those of a GoldenMate pack's -BMS- firmware."""
    return "BMS" in (ident.manufacturer or "") or "Smart-Battery" in (ident.product or "")


def idowell_claim(ident: DeviceIdent) -> bool:
    """NUT's idowell_claim: listed devices (06da only for GoldenMate), other products if forced."""
    if (ident.vendor_id, ident.product_id) in DEVICES:
        return ident.vendor_id != PHOENIXTEC_VENDORID or is_goldenmate(ident)
    # is_usb_device_supported: a listed vendor with another product is "possibly supported"
    return ident.forced and ident.vendor_id in {v for v, _ in DEVICES}


# The logical maxima the packs declare for the same usages in report 0x01,
# restored on the report 0x02 copies when those read below their minimum.
RUNTIME_LOGMAX, VOLTAGE_LOGMAX = 0x75FFFFFF, 65535
USAGE_RUNTIME, USAGE_VOLTAGE = 0x00850068, 0x00840030


def fix_descriptor(desc: ReportDescriptor, product_id: int) -> ReportDescriptor:
    """idowell_fix_report_desc: report 0x02's RunTimeToEmpty and Voltage maxima.

    The -BMS- firmware encodes the 4-byte Logical Maximum of report 0x02's
    RunTimeToEmpty byte-swapped (0xFEFFFFFF), and Voltage inherits it.  A
    parser keeping 32-bit signed values sees a maximum below the minimum;
    only then is it replaced by the value the device declares for the same
    usage in report 0x01 (NUT marks it assumed).  pynutd reads the item
    unsigned, as NUT does on 64-bit Unix, so the real descriptors pass as
    they are.  Applied for products 0300 and ffff, the two NUT lists.
    """
    if product_id not in (0x0300, 0xFFFF):
        return desc
    fields = list(desc.fields)
    for usage, log_max in ((USAGE_RUNTIME, RUNTIME_LOGMAX), (USAGE_VOLTAGE, VOLTAGE_LOGMAX)):
        f = desc.find_id_node(0x02, usage)
        if f is not None and f.log_max < f.log_min:
            fields[fields.index(f)] = replace(f, log_max=log_max, assumed_log_max=True)
    return replace(desc, fields=tuple(fields))


_PS = "UPS.PowerSummary"
_ST = f"{_PS}.PresentStatus"
_FLOW = "UPS.Flow.[4]"

IDOWELL = Subdriver(
    name="iDowell HID 0.22",
    vendor_ids=(IDOWELL_VENDORID, PHOENIXTEC_VENDORID),
    claim=idowell_claim,
    fix_descriptor=fix_descriptor,
    mfr_default="iDowell",
    variables=(
        HidVar("device.mfr", f"{_PS}.iManufacturer", convert=string_index, tier=STATIC),
        HidVar("device.model", f"{_PS}.iProduct", convert=string_index, tier=STATIC),
        HidVar("device.serial", f"{_PS}.iSerialNumber", convert=string_index, tier=STATIC),
        HidVar("battery.capacity.design", f"{_PS}.DesignCapacity", tier=STATIC),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=STATIC),
        HidVar("battery.charge.low", f"{_PS}.WarningCapacityLimit", tier=STATIC),
        HidVar("battery.capacity.full", f"{_PS}.FullChargeCapacity"),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty"),
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index, tier=STATIC),
        HidAbsent("ups.delay.start", f"{_PS}.DelayBeforeStartup", "30"),
        HidAbsent("ups.delay.shutdown", f"{_PS}.DelayBeforeShutdown", "20"),
        HidVar("ups.timer.start", f"{_PS}.DelayBeforeStartup", tier=QUICK),
        HidVar("ups.timer.shutdown", f"{_PS}.DelayBeforeShutdown", tier=QUICK),
        HidVar("ups.load", f"{_PS}.PercentLoad"),
        HidVar("ups.power.nominal", f"{_FLOW}.ConfigApparentPower", tier=STATIC),
        HidVar("input.transfer.high", "UPS.PowerConverter.Output.HighVoltageTransfer",
               tier=STATIC),
        HidVar("input.transfer.low", "UPS.PowerConverter.Output.LowVoltageTransfer",
               tier=STATIC),
        HidVar("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
        HidVar("battery.voltage", f"{_PS}.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", f"{_FLOW}.ConfigVoltage", tier=STATIC),
        HidVar("battery.voltage.nominal", f"{_PS}.ConfigVoltage", "%.1f", tier=STATIC),
        HidVar("output.frequency.nominal", f"{_FLOW}.ConfigFrequency", tier=STATIC),
    ),
    status=(
        HidStatus(f"{_ST}.ACPresent", "online", quick=True),
        HidStatus(f"{_ST}.BatteryPresent", "nobattery", inverted=True),
        HidStatus(f"{_ST}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_ST}.Charging", "chrg", quick=True),
        HidStatus(f"{_ST}.CommunicationLost", "commfault"),
        HidStatus(f"{_ST}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_ST}.Good", "off", inverted=True),
        HidStatus(f"{_ST}.InternalFailure", "commfault"),
        HidStatus(f"{_ST}.NeedReplacement", "replacebatt"),
        HidStatus(f"{_ST}.Overload", "overload"),
        HidStatus(f"{_ST}.ShutdownImminent", "shutdownimm"),
    ),
    commands=(
        HidCommand("load.off.delay", f"{_PS}.DelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{_PS}.DelayBeforeStartup", "30"),
        HidCommand("shutdown.stop", f"{_PS}.DelayBeforeShutdown", "-1"),
    ),
)
