"""Salicru HID (salicru-hid.c): a real SLC TWIN PRO2 descriptor through the virtual HID UPS, and the claim.

Only part of that unit's reports were ever published (issue #1312's log
stops early), so the test checks which path NUT's rows take on the real
descriptor, and the one mapped value the log has (ups.test.result).
"""

from __future__ import annotations

import pytest

from pynutd.drivers.hid.bind import bind
from pynutd.drivers.hid.usages import path_to_string
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.generic import GENERIC
from pynutd.drivers.hid.vendors.salicru import SALICRU
from tests.hidfakes import FIXTURES, Rig, descriptor

TWIN_PRO2 = "salicru-slctwinpro2-2e66_0201.hex"

# Where each variable comes from on the TWIN PRO2, by salicru-hid.c's rows
# (first existing path wins): the SPS paths under UPS.Output/UPS.Input are
# absent, so the TWIN PRO 2 block supplies load, power, voltages, test.
TWIN_PRO2_PATHS = {
    "battery.type": "UPS.PowerSummary.iDeviceChemistry",
    "battery.charge": "UPS.PowerSummary.RemainingCapacity",
    "battery.runtime": "UPS.PowerSummary.RunTimeToEmpty",
    "battery.voltage.nominal": "UPS.PowerSummary.ConfigVoltage",
    "battery.voltage": "UPS.PowerSummary.Voltage",
    "ups.beeper.status": "UPS.PowerSummary.AudibleAlarmControl",
    "input.transfer.high": "UPS.PowerConverter.Output.HighVoltageTransfer",
    "input.transfer.low": "UPS.PowerConverter.Output.LowVoltageTransfer",
    "ups.load": "UPS.PowerSummary.PercentLoad",
    "ups.test.result": "UPS.BatterySystem.Battery.Test",
    "ups.realpower.nominal": "UPS.Flow.[4].ConfigActivePower",
    "ups.realpower": "UPS.PowerConverter.Output.ActivePower",
    "input.frequency": "UPS.PowerConverter.Input.[1].Frequency",
    "input.voltage": "UPS.PowerConverter.Input.[1].Voltage",
    "output.frequency": "UPS.PowerConverter.Output.Frequency",
    "output.voltage": "UPS.PowerConverter.Output.Voltage",
    "output.voltage.nominal": "UPS.PowerSummary.ConfigVoltage",
}
TWIN_PRO2_FLAGS = {"online", "chrg", "dischrg", "lowbatt", "overload", "overheat"}


def test_twin_pro2_rows_bound_as_nut() -> None:
    """Each variable and status flag takes the path NUT's table order gives on the real descriptor."""
    dmap = bind(SALICRU, descriptor(TWIN_PRO2), 0x0201, 0x2E66)
    assert {row.var: path_to_string(f.path, {}) for row, f in dmap.variables} == TWIN_PRO2_PATHS
    assert {row.flag for row, _ in dmap.status} == TWIN_PRO2_FLAGS
    assert sorted(dmap.commands) == ["test.battery.start.deep", "test.battery.start.quick",
                                     "test.battery.stop"]


def test_twin_pro2_logged_values() -> None:
    """The logged report 0x24 (Battery.Test = 1) is 'Done and passed'; identity from the USB strings."""
    rig = Rig(FIXTURES / TWIN_PRO2)
    rig.connect()
    values = rig.values()
    assert {k: values[k] for k in ("ups.test.result", "ups.mfr", "ups.model", "ups.serial",
                                   "driver.version.data")} == {
        "ups.test.result": "Done and passed", "ups.mfr": "Salicru",
        "ups.model": "SLC TWIN PRO2<=3KVA", "ups.serial": "232019D70264",
        "driver.version.data": "Salicru HID 0.4"}
    assert rig.command("test.battery.start.deep") == [bytes([0x24, 2])]


def test_mfr_defaults_to_salicru_without_a_manufacturer_string() -> None:
    """salicru_format_mfr: hd->Vendor, else "Salicru"."""
    rig = Rig(FIXTURES / TWIN_PRO2)
    rig.device.manufacturer = None
    rig.connect()
    assert rig.values()["ups.mfr"] == "Salicru"


@pytest.mark.parametrize("pid, forced, name", [
    (0x0101, False, SALICRU.name), (0x0201, False, SALICRU.name),
    (0x0202, False, SALICRU.name), (0x0203, False, SALICRU.name),
    (0x0300, False, SALICRU.name), (0x0302, False, SALICRU.name),
    (0x0102, False, GENERIC.name),     # TWIN700-RT (issue #2967): only with productid=
    (0x0102, True, SALICRU.name),
])
def test_claim(pid: int, forced: bool, name: str) -> None:
    """NUT's salicru_claim: the listed products; other 2e66 products possibly supported."""
    assert subdriver_for(0x2E66, pid, forced).name == name
