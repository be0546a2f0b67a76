"""NUT's explore subdriver: no mapping at all, for finding out what a device has.

As ``drivers/explore-hid.c`` (EXPLORE HID 0.2): it claims any device, but
only when ups.conf sets ``explore`` (which also needs ``vendorid``), and
its mapping table is empty, so the driver publishes only the identity
(ups.mfr, ups.model and ups.serial from the USB strings, the IDs) and the
status words.  The registry tries it first, as NUT's ``subdriver_list``.

test-case-name: tests.test_hid_registry
"""

from __future__ import annotations

from pynutd.drivers.hid.rows import DeviceIdent, Subdriver


def explore_claim(ident: DeviceIdent) -> bool:
    """Claim the device when the ``explore`` option is set, whatever it is."""
    return ident.explore


EXPLORE = Subdriver(
    name="EXPLORE HID 0.2",
    vendor_ids=(),
    variables=(),
    status=(),
    commands=(),
    claim=explore_claim,
)
