"""Mini-Box openUPS (vendor 04d8, products d004 and d005).

Rows as NUT master's ``drivers/openups-hid.c`` (openUPS HID 0.50) maps
them.  The firmware reports raw converter readings: NUT multiplies input
and output voltages and currents by per-product factors (openUPS d004:
the ones of Mini-Box's Windows tool; d005: tenths), kept here as
:attr:`Subdriver.scales`, and reads the battery temperature off the
thermistor curve of that tool.  A product forced with ``productid`` gets
no factors (NUT sets them only for the listed IDs).

test-case-name: tests.test_hid_vendor_openups
"""

from __future__ import annotations

from collections.abc import Mapping

from pynutd.drivers.hid.converters import Context, c_format, scaled, string_index
from pynutd.drivers.hid.rows import (
    QUICK,
    STATIC,
    DeviceIdent,
    HidStatus,
    HidVar,
    Subdriver,
)

OPENUPS_VENDORID = 0x04D8
PRODUCTS = (0xD004, 0xD005)

# get_voltage_multiplier: factors per product ID.
SCALES = {
    0xD004: {"vin": 0.03545 * 100, "vout": 0.02571 * 100, "ccharge": 0.8274 / 10,
             "cdischarge": 16.113 / 10},
    0xD005: {"vin": 0.1, "vout": 0.1, "ccharge": 0.1, "cdischarge": 0.1},
}

# openups_usage_lkp: battery cells on connectors J6/J4 (NUT maps none of them).
USAGES = {0x00000001: "Cell1", 0x00000002: "Cell2", 0x00000003: "Cell3",
          0x00000004: "Cell4", 0x00000005: "Cell5", 0x00000006: "Cell6"}

# Thermistor readings at -40, -35, ... 125 °C (therm_tbl of openups-hid.c).
THERMISTOR = (0x31, 0x40, 0x53, 0x68, 0x82, 0xA0, 0xC3, 0xE9, 0x113, 0x13F, 0x16E, 0x19F,
              0x1CF, 0x200, 0x22F, 0x25C, 0x286, 0x2AE, 0x2D3, 0x2F4, 0x312, 0x32D, 0x345,
              0x35A, 0x36D, 0x37E, 0x38C, 0x399, 0x3A5, 0x3AF, 0x3B7, 0x3BF, 0x3C6, 0x3CC)


def openups_claim(ident: DeviceIdent) -> bool:
    """NUT's openups_claim: d004 and d005; another 04d8 product only when forced."""
    if ident.vendor_id != OPENUPS_VENDORID:
        return False
    return ident.product_id in PRODUCTS or ident.forced


def temperature(value: float, ctx: Context) -> str:
    """battery.temperature: the thermistor reading (value * 100) on the 5 °C table.

    Below the table -40, above it 125 (integers, as NUT prints them); a
    reading on a table point prints that point's whole degrees; between two
    points, the linear interpolation with two decimals.
    """
    reading = int(value * 100) & 0xFFFFFFFF   # C's conversion to unsigned int
    if reading <= THERMISTOR[0]:
        return "-40"
    if reading >= THERMISTOR[-1]:
        return "125"
    pos = max(i for i, point in enumerate(THERMISTOR) if reading >= point)
    low = pos * 5 - 40
    if reading == THERMISTOR[pos]:
        return str(low)
    span = THERMISTOR[pos + 1] - THERMISTOR[pos]
    return c_format((reading - THERMISTOR[pos]) * 5 / span + low, "%.2f")


def online(value: float, ctx: Context, flags: Mapping[str, bool]) -> str:
    """ACPresent: 0 clears online without saying offline (openups_online_fun)."""
    return "online" if value else "!online"


_PS = "UPS.PowerSummary"
_PST = f"{_PS}.PresentStatus"

OPENUPS = Subdriver(
    name="openUPS HID 0.50",
    vendor_ids=(OPENUPS_VENDORID,),
    products=PRODUCTS,
    claim=openups_claim,
    usages=USAGES,
    scales=SCALES,
    mfr_default="openUPS",
    variables=(
        HidVar("ups.serial", f"{_PS}.iSerialNumber", convert=string_index),
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index, tier=STATIC),
        HidVar("battery.mfr.date", f"{_PS}.iOEMInformation", convert=string_index, tier=STATIC),
        HidVar("battery.voltage", f"{_PS}.Voltage", "%.2f", tier=QUICK),
        HidVar("battery.current", f"{_PS}.Current", "%.3f", tier=QUICK),
        HidVar("battery.capacity", f"{_PS}.DesignCapacity", tier=STATIC),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity", tier=QUICK),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=QUICK),
        HidVar("battery.charge.warning", f"{_PS}.WarningCapacityLimit"),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty", tier=QUICK),
        HidVar("battery.temperature", f"{_PS}.Temperature", convert=temperature, tier=QUICK),
        HidVar("output.voltage", f"{_PS}.Output.Voltage", convert=scaled("vout", "%.2f"),
               tier=QUICK),
        HidVar("output.current", f"{_PS}.Output.Current", convert=scaled("cdischarge", "%.3f"),
               tier=QUICK),
        HidVar("input.voltage", f"{_PS}.Input.Voltage", convert=scaled("vin", "%.2f"),
               tier=QUICK),
        HidVar("input.current", f"{_PS}.Input.Current", convert=scaled("ccharge", "%.3f"),
               tier=QUICK),
    ),
    status=(
        HidStatus(f"{_PST}.Good", "off", quick=True, inverted=True),
        HidStatus(f"{_PST}.InternalFailure", "commfault", quick=True),
        HidStatus(f"{_PST}.Overload", "overload", quick=True),
        HidStatus(f"{_PST}.OverTemperature", "overheat", quick=True),
        HidStatus(f"{_PST}.ShutdownImminent", "shutdownimm", quick=True),
        HidStatus(f"{_PST}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_PST}.RemainingTimeLimitExpired", "timelimitexp", quick=True),
        HidStatus(f"{_PST}.Charging", "chrg", quick=True),
        HidStatus(f"{_PST}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_PST}.NeedReplacement", "replacebatt"),
        HidStatus(f"{_PST}.ACPresent", "online", quick=True, convert=online),
        HidStatus(f"{_PST}.BatteryPresent", "nobattery", quick=True, inverted=True),
    ),
    commands=(),
)
