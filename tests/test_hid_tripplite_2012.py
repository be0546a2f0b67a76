"""Tripp Lite protocol 2012: the fixed report layout the TrippLite USB HID reader used, and NUT's fallback."""

from __future__ import annotations

import pytest

from pynutd.drivers.hid.status import status_text
from pynutd.drivers.hid.vendors import tripplite_2012 as tl

# Feature reports as a SMART1500LCD (09ae:2012) answers them, built from the
# protocol document's layout to reproduce the numbers in the tripplite reader's
# README example (117.2 V, 59.7 Hz, 324 W, 1004 s, AC present, full).
REPORTS = {
    0x30: bytes([0x30, 0x78]), 0x02: bytes([0x02, 0x3C]), 0x03: bytes([0x03, 0xDC, 0x05]),
    0x18: bytes([0x18, 0x94, 0x04]), 0x19: bytes([0x19, 0x55, 0x02]),
    0x1B: bytes([0x1B, 0x94, 0x04]), 0x47: bytes([0x47, 0x44, 0x01]),
    0x34: bytes([0x34, 0x64]), 0x35: bytes([0x35, 0xEC, 0x03]), 0x32: bytes([0x32, 0x62]),
    0x20: bytes([0x20, 0x87, 0x00]),
}


def test_reader_layout_matches_the_tripplite_readme() -> None:
    """The JSON object equals the tripplite reader's documented output for those readings."""
    assert tl.reader_layout(REPORTS) == {
        "config": {"voltage": 120, "frequency": 60, "power": 1500},
        "health": 100,
        "input": {"voltage": pytest.approx(117.2), "frequency": pytest.approx(59.7)},
        "output": {"voltage": pytest.approx(117.2), "power": 324},
        "status": {"shutdown imminent": False, "ac present": True, "charging": False,
                   "discharging": False, "needs replacement": False,
                   "below remaining capacity": True, "fully charged": True,
                   "fully discharged": False},
        "time to empty": 1004,
    }


def test_missing_reports_are_null() -> None:
    """A report the device did not answer shows as null, not a crash."""
    layout = tl.reader_layout({0x34: bytes([0x34, 0x50])})
    assert layout["health"] == 80 and layout["status"] is None
    assert layout["input"] == {"voltage": None, "frequency": None}


def test_fallback_values_as_nut_formats_them() -> None:
    """Variables the 2012 descriptor route lacks come from the fixed layout."""
    missing = {"input.voltage", "ups.realpower", "battery.voltage", "battery.runtime"}
    assert tl.fallback_values(REPORTS, missing) == {
        "input.voltage": "117.2", "ups.realpower": "324.0", "battery.voltage": "13.5",
        "battery.runtime": "1004"}


def test_fallback_skips_not_supported_marker() -> None:
    """0xFFFF means "not supported" (ActivePower on some units): no variable."""
    assert tl.fallback_values({0x47: bytes([0x47, 0xFF, 0xFF])}, {"ups.realpower"}) == {}


def test_fallback_flags_give_nut_status() -> None:
    """Report 0x32 bits become usbhid-ups flags: AC present + full + below limit = OL LB."""
    flags = tl.fallback_flags(REPORTS)
    assert flags["online"] and flags["fullycharged"] and flags["lowbatt"]
    assert status_text(flags)[0] == "OL LB"
    on_battery = tl.fallback_flags({0x32: bytes([0x32, 0b00001000])})
    assert status_text(on_battery)[0] == "OB DISCHRG"


def test_report_lengths_include_the_id_byte() -> None:
    """GET_REPORT lengths are payload + 1, as the tripplite reader asks."""
    lengths = tl.report_lengths()
    assert lengths[0x35] == 3 and lengths[0x34] == 2 and lengths[0x32] == 2


def _layout_only_descriptor() -> bytes:
    """A descriptor declaring the fixed reports under paths no Tripp Lite row maps (UPS.Voltage)."""
    items = [0x05, 0x84, 0x09, 0x04, 0xA1, 0x01,      # Power Device page, UPS, Application
             0x15, 0x00, 0x27, 0xFF, 0xFF, 0x00, 0x00, 0x95, 0x01]
    for rid, length in tl.report_lengths().items():
        items += [0x85, rid, 0x75, 8 * (length - 1), 0x09, 0x30, 0xB1, 0x02]
    return bytes(items + [0xC0])


@pytest.mark.parametrize("product_id, hooked", [(0x2012, True), (0x3016, False)])
def test_driver_reads_unbound_variables_through_the_layout_hook(product_id: int,
                                                                hooked: bool) -> None:
    """On 09ae:2012 the Tripp Lite table's hook fills what the descriptor lacks, status included."""
    from twisted.internet.defer import maybeDeferred
    from twisted.internet.task import Clock

    from pynutd.drivers.hid.driver import UsbHidDriver
    from pynutd.sim.hid_virtual import VirtualHidUps
    from pynutd.sim.hid_virtual_model import SCENARIOS
    from tests.hidfakes import result, section
    clock = Clock()
    device = VirtualHidUps(_layout_only_descriptor(), dict(REPORTS), 0x09AE, product_id, {},
                           clock, SCENARIOS["replay"])
    driver = UsbHidDriver(section("virtual:layout.hex"), clock, lambda: device, maybeDeferred)
    result(driver.connect())
    values = result(driver.poll("full")).values
    if hooked:
        assert (values["input.voltage"], values["battery.charge"]) == ("117.2", "100")
        assert values["ups.status"] == "OL LB"
    else:
        # No status row: neither online nor offline, so NUT master's
        # ups_status_set gives no OL/OB word at all.
        assert "input.voltage" not in values and values["ups.status"] == ""


def test_layout_hook_idle_when_the_descriptor_binds_its_variables() -> None:
    """A 2012 whose descriptor maps every fallback variable reads no extra reports."""
    from pynutd.drivers.hid.bind import bind
    from pynutd.drivers.hid.descriptor import parse
    from pynutd.drivers.hid.vendors import subdriver_for
    from tests.hidfakes import descriptor
    sub = subdriver_for(0x09AE, 0x2012)
    full = bind(sub, descriptor("tripplite-smart1500lcdt-09ae_3016.hex"), 0x2012, 0x09AE)
    assert (full.layout, full.unbound) == (None, frozenset())
    bare = bind(sub, parse(_layout_only_descriptor()), 0x2012, 0x09AE)
    assert bare.layout is tl.LAYOUT and bare.unbound == tl.LAYOUT.variables
