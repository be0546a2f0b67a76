"""Phoenixtec/Liebert table (liebert-hid.c): a real PowerWalker VI 3000 RT HID through the virtual UPS."""

from __future__ import annotations

from pynutd.drivers.hid.rows import DeviceIdent
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.liebert import LIEBERT
from tests.hidfakes import FIXTURES, Rig

VI3000RT = "liebert-powerwalker-vi3000rt-06da_ffff.hex"

# What NUT master's liebert-hid.c prints for the report values NUT 2.8.0.1 logged for
# this unit (issue #1824): each Path: value through the table's row and format.
# ups.status: ACPresent 1, Charging 1, Good 1 (NUT: "OL CHRG").
NUT_VALUES = {
    "battery.charge": "94",
    "battery.runtime": "65412",
    "battery.type": "PbAc",
    "battery.voltage": "82.20",
    "experimental.battery.capacity": "100",
    "experimental.battery.capacity.nominal": "100",
    "input.frequency": "49.90",
    "input.voltage": "238.0",
    "output.frequency": "49.90",
    "output.frequency.nominal": "50",
    "output.transfer.high": "276.0",
    "output.transfer.low": "161.0",
    "output.voltage": "238.0",
    "output.voltage.nominal": "230",
    "ups.beeper.status": "disabled",
    "ups.delay.shutdown": "20",
    "ups.delay.start": "30",
    "ups.load": "0",
    "ups.mfr": "PPC",
    "ups.model": "HID UPS",
    "ups.power.nominal": "3000",
    "ups.productid": "ffff",
    "ups.serial": "718315C00094",
    "ups.status": "OL CHRG",
    "ups.test.result": "No test initiated",
    "ups.vendorid": "06da",
    "driver.version.data": "Phoenixtec/Liebert HID 0.41",
}


def test_vi3000rt_every_variable_equals_nut() -> None:
    """Every variable the Liebert table gives this unit, as NUT prints it (and no other)."""
    rig = Rig(FIXTURES / VI3000RT)
    rig.connect()
    ours = {k: v for k, v in rig.values().items() if not k.startswith("device.")}
    assert ours == NUT_VALUES


def test_vi3000rt_commands_are_the_table_commands() -> None:
    """The commands liebert-hid.c maps and this descriptor has, plus usbhid-ups' composites."""
    rig = Rig(FIXTURES / VI3000RT)
    rig.connect()
    assert sorted(rig.poll().commands or ()) == [
        "beeper.toggle", "load.off", "load.off.delay", "load.on", "load.on.delay",
        "shutdown.return", "shutdown.stayoff", "shutdown.stop", "test.battery.start"]
    assert rig.command("test.battery.start") == [bytes([0x24, 0x01])]


def test_liebert_claims_06da_ffff_other_products_only_when_forced() -> None:
    """06da:ffff goes to Liebert (MGE and iDowell, tried first, want AEG or GoldenMate strings).

    Another 06da product is POSSIBLY_SUPPORTED: claimed only with ``productid``
    (in the registry iDowell, earlier in NUT's order, takes it first then).
    """
    assert subdriver_for(0x06DA, 0xFFFF, manufacturer="PPC", product="HID UPS") is LIEBERT
    assert subdriver_for(0x06DA, 0x0003) is not LIEBERT
    assert not LIEBERT.claims(DeviceIdent(0x06DA, 0x0003))
    assert LIEBERT.claims(DeviceIdent(0x06DA, 0x0003, forced=True))
    assert not LIEBERT.claims(DeviceIdent(0x10AF, 0x0000, forced=True))
