"""AMETEK Powervar UPM (vendor 4234, product 0002).

Rows as NUT master's ``drivers/powervar-hid.c`` (Powervar HID 0.21) maps
them.  Two of NUT's rows have no effect and are left out: the
InternalFailure and Good bits go through a yes/no lookup whose words are
no status flag NUT knows.  NUT's runtime row spells the usage
``RuntimeToEmpty``; names match without regard to case (libhid's
hid_lookup_usage), so it reads RunTimeToEmpty.  NUT's claim also selects the device's second interface
(usb_hid_rep_index 1), which hidapi finds by its usage page.

test-case-name: tests.test_hid_vendor_powervar
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import string_index
from pynutd.drivers.hid.rows import DeviceIdent, HidStatus, HidVar, Subdriver

POWERVAR_VENDORID = 0x4234
PRODUCTS = (0x0002,)


def powervar_claim(ident: DeviceIdent) -> bool:
    """NUT's powervar_claim: 4234:0002; another 4234 product only when forced."""
    if ident.vendor_id != POWERVAR_VENDORID:
        return False
    return ident.product_id in PRODUCTS or ident.forced


_PS = "UPS.PowerSummary"
_PST = f"{_PS}.PresentStatus"

POWERVAR = Subdriver(
    name="Powervar HID 0.21",
    vendor_ids=(POWERVAR_VENDORID,),
    products=PRODUCTS,
    claim=powervar_claim,
    usages={0xFF000001: "POWERVAR1"},
    mfr_default="Powervar",
    variables=(
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index),
        HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
        HidVar("battery.capacity", f"{_PS}.FullChargeCapacity"),
        HidVar("battery.runtime", f"{_PS}.RuntimeToEmpty"),   # sic, as NUT spells it
    ),
    status=(
        HidStatus(f"{_PST}.ACPresent", "online", quick=True),
        HidStatus(f"{_PST}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_PST}.Charging", "chrg", quick=True),
        HidStatus(f"{_PST}.ShutdownImminent", "shutdownimm"),
        HidStatus(f"{_PST}.BelowRemainingCapacityLimit", "lowbatt"),
        HidStatus(f"{_PST}.Overload", "overload"),
        HidStatus(f"{_PST}.NeedReplacement", "replacebatt"),
        HidStatus(f"{_PST}.RemainingTimeLimitExpired", "timelimitexp"),
        HidStatus(f"{_PST}.OverTemperature", "overheat"),
        HidStatus(f"{_PST}.FullyCharged", "fullycharged"),
        HidStatus(f"{_PST}.FullyDischarged", "depleted"),
    ),
    commands=(),
)
