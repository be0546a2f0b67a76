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
from pynutd.drivers.hid.vendors.explore import EXPLORE
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

# NUT's subdriver_list, in its order (explore first: it claims only with
# the explore option).
NUT_SUBDRIVERS: tuple[Subdriver, ...] = (
    EXPLORE, MGE, APC, ARDUINO, BELKIN, CYBERPOWER, DELTA_UPS, ECOFLOW, EVER, IDOWELL, LEGRAND,
    LIEBERT, OPENUPS, POWERCOM, POWERVAR, SALICRU, TRIPPLITE)
# pynutd's generic Power Device table last: the device NUT would refuse.
SUBDRIVERS: tuple[Subdriver, ...] = (*NUT_SUBDRIVERS, GENERIC)


def subdriver_for(vendor_id: int, product_id: int, forced: bool = False, *,
                  manufacturer: str | None = None, product: str | None = None,
                  serial: str | None = None, name: str | None = None,
                  explore: bool = False) -> Subdriver:
    """Return the table for a device: the first in :data:`SUBDRIVERS` that claims it.

    ``forced`` (ups.conf ``productid`` given) accepts product IDs a vendor
    table does not list, as NUT does for unknown Tripp Lite models; the USB
    strings are there for the claim functions that test them.  ``name``
    (ups.conf ``subdriver``) picks a table by name first, whatever claims;
    ``explore`` (ups.conf ``explore``) lets NUT's explore table claim.
    """
    named = by_name(name) if name else None
    if named is not None:
        return named
    ident = DeviceIdent(vendor_id, product_id, manufacturer, product, serial, forced, explore)
    return next(table for table in SUBDRIVERS if table.claims(ident))


def is_fallback(table: Subdriver) -> bool:
    """Return whether ``table`` is pynutd's generic one (no NUT subdriver claimed the device)."""
    return table is GENERIC


def by_name(name: str) -> Subdriver | None:
    """Return the table ups.conf ``subdriver = NAME`` means, or None.

    As usbhid-ups' match_function_subdriver_name: the exact name ("MGE HID
    1.59"), else the first whose whole name the case-insensitive regular
    expression matches, else the same with ``.*`` appended ("mge" finds "MGE
    HID 1.59"), which NUT skips when NAME is 3 characters or more and its
    second-last is ``.`` or its last ``*``.  pynutd's generic table answers
    too ("generic"), after NUT's.
    """
    for table in SUBDRIVERS:
        if table.name == name:
            return table
    patterns = [name]
    if len(name) < 3 or (name[-2] != "." and name[-1] != "*"):
        patterns.append(name + ".*")
    for pattern in patterns:
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error:
            continue
        found = next((table for table in SUBDRIVERS if regex.fullmatch(table.name.strip())),
                     None)
        if found is not None:
            return found
    return None


__all__ = ["NUT_SUBDRIVERS", "SUBDRIVERS", "DeviceIdent", "Subdriver", "by_name",
           "is_fallback", "subdriver_for"]
