"""The HID subdriver registry: every vendor table, and the choice of one for a device.

One module per vendor table, as NUT has one ``*-hid.c`` per subdriver;
:data:`SUBDRIVERS` lists them in the order usbhid-ups tries them
(``subdriver_list``), the generic table last because it claims any device.
A vendor module imports only row and converter types from below
(:mod:`pynutd.drivers.hid.rows`, :mod:`pynutd.drivers.hid.converters`),
never this registry.

test-case-name: tests.test_hid_driver
"""

from __future__ import annotations

import re

from pynutd.drivers.hid.rows import DeviceIdent, Subdriver
from pynutd.drivers.hid.vendors.apc import APC
from pynutd.drivers.hid.vendors.arduino import ARDUINO
from pynutd.drivers.hid.vendors.belkin import BELKIN
from pynutd.drivers.hid.vendors.cyberpower import CYBERPOWER
from pynutd.drivers.hid.vendors.delta_ups import DELTA_UPS
from pynutd.drivers.hid.vendors.ecoflow import ECOFLOW
from pynutd.drivers.hid.vendors.ever import EVER
from pynutd.drivers.hid.vendors.generic import GENERIC
from pynutd.drivers.hid.vendors.idowell import IDOWELL
from pynutd.drivers.hid.vendors.legrand import LEGRAND
from pynutd.drivers.hid.vendors.liebert import LIEBERT
from pynutd.drivers.hid.vendors.mge import MGE
from pynutd.drivers.hid.vendors.openups import OPENUPS
from pynutd.drivers.hid.vendors.powercom import POWERCOM
from pynutd.drivers.hid.vendors.powervar import POWERVAR
from pynutd.drivers.hid.vendors.salicru import SALICRU
from pynutd.drivers.hid.vendors.tripplite import TRIPPLITE

SUBDRIVERS: tuple[Subdriver, ...] = (MGE, APC, ARDUINO, BELKIN, CYBERPOWER, DELTA_UPS, ECOFLOW, EVER,
                                   IDOWELL, LEGRAND, LIEBERT, OPENUPS, POWERCOM, POWERVAR, SALICRU, TRIPPLITE,
                                   GENERIC)


def subdriver_for(vendor_id: int, product_id: int, forced: bool = False, *,
                  manufacturer: str | None = None, product: str | None = None,
                  serial: str | None = None, name: str | None = None) -> Subdriver:
    """Return the table for a device: the first in :data:`SUBDRIVERS` that claims it.

    ``forced`` (ups.conf ``productid`` given) accepts product IDs a vendor
    table does not list, as NUT does for unknown Tripp Lite models; the USB
    strings are there for the claim functions that test them.  ``name``
    (ups.conf ``subdriver``) picks a table by name first, whatever claims.
    """
    named = by_name(name) if name else None
    if named is not None:
        return named
    ident = DeviceIdent(vendor_id, product_id, manufacturer, product, serial, forced)
    return next(table for table in SUBDRIVERS if table.claims(ident))


def by_name(name: str) -> Subdriver | None:
    """Return the table ups.conf ``subdriver = NAME`` means, or None.

    As usbhid-ups: the exact name ("MGE HID 1.59"), else the first whose
    name the case-insensitive regular expression matches whole, else with
    ``.*`` appended ("mge" finds "MGE HID 1.59").
    """
    for table in SUBDRIVERS:
        if table.name == name:
            return table
    for pattern in (name, name + ".*"):
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error:
            return None
        found = next((table for table in SUBDRIVERS if regex.fullmatch(table.name)), None)
        if found is not None:
            return found
    return None


__all__ = ["SUBDRIVERS", "DeviceIdent", "Subdriver", "by_name", "subdriver_for"]
