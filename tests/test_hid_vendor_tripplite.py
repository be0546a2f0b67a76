"""Tripp Lite table (tripplite-hid.c 0.85): its claim and per-product quirks.

The real devices (SmartOnline 09ae:4003, SMART1500LCDT 09ae:3016) are run
through the virtual UPS in tests/test_hid_golden.py.
"""

from __future__ import annotations

import pytest

from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.rows import DeviceIdent
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.tripplite import TRIPPLITE, chemistry
from tests.hidfakes import FIXTURES, Rig


@pytest.mark.parametrize(("vid", "pid", "forced", "claimed"), [
    (0x09AE, 0x3016, False, True), (0x09AE, 0x9999, False, False),
    (0x09AE, 0x9999, True, True),
    (0x09AE, 0x0001, True, False),           # serial over USB: tripplite_usb's, always
    (0x03F0, 0x1F0A, False, True), (0x03F0, 0x7777, False, False),
    (0x03F0, 0x7777, True, True),            # HP: other products only with productid
    (0x05DD, 0xA0A0, False, True),
    (0x05DD, 0x7777, True, False),           # Delta: the catch-all says no, productid or not
    (0x0764, 0x0501, True, False),
])
def test_claim_as_tripplite_claim(vid: int, pid: int, forced: bool, claimed: bool) -> None:
    """The product table and the three vendors' POSSIBLY_SUPPORTED rules."""
    assert TRIPPLITE.claims(DeviceIdent(vid, pid, forced=forced)) is claimed


def test_hp_t1500_goes_to_tripplite() -> None:
    """An HP device NUT lists (03f0:1fe0) gets the Tripp Lite table, not the generic one."""
    assert subdriver_for(0x03F0, 0x1FE0) is TRIPPLITE


def test_chemistry_unknown_on_the_broken_firmwares() -> None:
    """AVR550U (1003) and OMNI1000LCD (2005) firmware give a bad chemistry string index."""
    ctx = Context(lambda i: "PbAc", TRIPPLITE.scale_for(0x2005), {})
    assert chemistry(4, ctx) == "unknown"
    assert chemistry(4, Context(lambda i: "PbAc", TRIPPLITE.scale_for(0x3016), {})) == "PbAc"


def test_no_battery_system_status_duplicates() -> None:
    """NUT master dropped the BatterySystem.Battery.PresentStatus rows (kept commented out)."""
    assert not [r for r in TRIPPLITE.status if r.path.startswith("UPS.BatterySystem")]
    rig = Rig(FIXTURES / "tripplite-smartonline3000-09ae_4003.hex")
    rig.connect()
    assert rig.values()["ups.status"] == "OL"
