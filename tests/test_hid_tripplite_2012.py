"""Tripp Lite protocol 2012: the seed tool's fixed report layout and the NUT fallback."""

from __future__ import annotations

import pytest

from pynutd.drivers import tripplite_2012 as tl
from pynutd.drivers.hid_map import status_text

# Feature reports as a SMART1500LCD (09ae:2012) answers them, built from the
# protocol document's layout to reproduce the numbers in the seed tool's
# README example (117.2 V, 59.7 Hz, 324 W, 1004 s, AC present, full).
REPORTS = {
    0x30: bytes([0x30, 0x78]), 0x02: bytes([0x02, 0x3C]), 0x03: bytes([0x03, 0xDC, 0x05]),
    0x18: bytes([0x18, 0x94, 0x04]), 0x19: bytes([0x19, 0x55, 0x02]),
    0x1B: bytes([0x1B, 0x94, 0x04]), 0x47: bytes([0x47, 0x44, 0x01]),
    0x34: bytes([0x34, 0x64]), 0x35: bytes([0x35, 0xEC, 0x03]), 0x32: bytes([0x32, 0x62]),
    0x20: bytes([0x20, 0x87, 0x00]),
}


def test_seed_layout_matches_seed_tool_readme() -> None:
    """The JSON object equals the seed tool's documented output for those readings."""
    assert tl.seed_layout(REPORTS) == {
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
    layout = tl.seed_layout({0x34: bytes([0x34, 0x50])})
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
    """GET_REPORT lengths are payload + 1, as the seed tool asks."""
    lengths = tl.report_lengths()
    assert lengths[0x35] == 3 and lengths[0x34] == 2 and lengths[0x32] == 2
