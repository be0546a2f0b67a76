"""EcoFlow HID (ecoflow-hid.c): the real River 3 Plus descriptor through the virtual HID UPS, and the claim.

The descriptor is the unit's own (greyltc/r3pcomms, read from the kernel's
hid debugfs); the reports are the values one unit logged in issue #2735's
explore run, the part of that walk published.  No full walk nor NUT output
for the EcoFlow table on one unit is public, so the test checks the rows
bound on the real descriptor and the variables those logged reports give.
"""

from __future__ import annotations

import pytest

from pynutd.drivers.hid.bind import bind
from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.ecoflow import ECOFLOW, runtime_seconds
from pynutd.drivers.hid.vendors.generic import GENERIC
from tests.hidfakes import FIXTURES, Rig, descriptor

RIVER = "ecoflow-river3plus-3746_ffff.hex"

# Logged values (issue #2735, ykuksenko's explore log) through ecoflow-hid.c's
# rows: Design/FullChargeCapacity 100, RemainingCapacity 81, WarningCapacityLimit
# 10, RemainingCapacityLimit 20, ManufacturerDate 0 ("not set").
LOGGED = {
    "battery.capacity.nominal": "100",
    "battery.capacity": "100",
    "battery.charge": "81",
    "battery.charge.warning": "10",
    "battery.charge.low": "20",
    "ups.mfr.date": "not set",
    "ups.mfr": "EcoFlow",
    "ups.model": "EF-UPS-RIVER 3 Plus",
    "driver.version.data": "EcoFlow HID 0.01",
}

RIVER_VARIABLES = {
    "ups.beeper.status", "ups.power.nominal", "battery.voltage.nominal",
    "battery.capacity.nominal", "battery.capacity", "battery.type",
    "experimental.ups.powersummary.ioeminformation", "ups.mfr.date",
    "experimental.ups.powersummary.presentstatus.shutdownrequested",
    "experimental.ups.powersummary.presentstatus.voltagenotregulated",
    "experimental.ups.powersummary.rechargeable", "battery.charge", "battery.charge.low",
    "battery.runtime.low", "battery.runtime", "battery.voltage", "battery.charge.warning",
}
RIVER_FLAGS = {"online", "nobattery", "lowbatt", "chrg", "dischrg", "fullycharged", "depleted",
               "replacebatt", "timelimitexp"}


def test_river3plus_logged_values() -> None:
    """River 3 Plus (3746:ffff): the logged reports give NUT's table's values, same strings."""
    rig = Rig(FIXTURES / RIVER)
    rig.connect()
    values = rig.values()
    assert {k: values.get(k) for k in LOGGED} == LOGGED


def test_river3plus_rows_bound_as_nut() -> None:
    """The variables and flags NUT's rows find on the real descriptor; no commands, one RW."""
    dmap = bind(ECOFLOW, descriptor(RIVER), 0xFFFF, 0x3746)
    assert {row.var for row, _ in dmap.variables} == RIVER_VARIABLES
    assert {row.flag for row, _ in dmap.status} == RIVER_FLAGS
    assert dmap.command_names() == []
    assert {k for k, s in dmap.specs().items() if s.rw} == {"battery.charge.low"}


@pytest.mark.parametrize("minutes, text", [(0.0, "0"), (154.0, "9240"), (2400.0, "144000"),
                                           (-1.0, None)])
def test_runtime_minutes_to_seconds(minutes: float, text: str | None) -> None:
    """ecoflow_battery_runtime_conversion: minutes * 60, negative readings left out."""
    assert runtime_seconds(minutes, Context(lambda i: None, {}, {})) == text


@pytest.mark.parametrize("pid, forced, name", [
    (0xFFFF, False, ECOFLOW.name),
    (0x0001, False, GENERIC.name),
    (0x0001, True, ECOFLOW.name),
])
def test_claim(pid: int, forced: bool, name: str) -> None:
    """NUT's ecoflow_claim: product ffff; other 3746 products only with productid=."""
    assert subdriver_for(0x3746, pid, forced).name == name
