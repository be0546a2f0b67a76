"""Legrand HID (legrand-hid.c): a real Keor SP through the virtual HID UPS, and the claim."""

from __future__ import annotations

import pytest

from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.generic import GENERIC
from pynutd.drivers.hid.vendors.legrand import LEGRAND
from tests.hidfakes import FIXTURES, Rig, dev_values

KEOR_SP = FIXTURES / "legrand-keorsp-1cb0_0032.hex"
KEOR_PDU = FIXTURES / "legrand-keorpdu800-1cb0_0038.hex"
PDU_DUMP = "Legrand__Keor_PDU_800__usbhid-ups__2.8.0.1__01.dev"

# What NUT's Legrand HID 0.2 makes of the reports in the fixture: the logged
# "Path:" values run through legrand-hid.c's rows (issue #3540's log; the
# input.transfer.high line is NUT's own "SETINFO input.transfer.high 240.0"
# quoted there).  The Keor SP's voltage fields declare LogMax 255 on 16 bits,
# so NUT keeps the low byte only: 0x096e gives input.voltage 110.0 and 0x0968
# gives output.voltage 1040.0 (the bug that issue reports).
KEOR_SP_NUT = {
    "battery.charge": "100",
    "battery.charge.warning": "30",
    "battery.runtime": "2666",
    "battery.voltage": "13.6",
    "battery.voltage.nominal": "12",
    "input.transfer.high": "240.0",
    "input.transfer.low": "170",
    "input.voltage": "110.0",
    "input.voltage.nominal": "230",
    "output.voltage": "1040.0",
    "ups.delay.shutdown": "20",
    "ups.delay.start": "30",
    "ups.load": "11",
    "ups.mfr": "Legrand",
    "ups.model": "Legrand UPS",
    "ups.productid": "0032",
    "ups.realpower.nominal": "800",
    # NUT printed OL CHRG before 2.8.5; since #3146 (master) Charging at
    # 100 % with no FullyCharged bit is OL.
    "ups.status": "OL",
    "ups.vendorid": "1cb0",
    "driver.version.data": "Legrand HID 0.2",
}

# The variables NUT 2.8.1.1 printed for another Keor SP (upsc in issue #616,
# comment by pczolee, 2024-01-09), driver.* and device.* left out.
KEOR_SP_NUT_2811_NAMES = {
    "battery.charge", "battery.charge.warning", "battery.runtime", "battery.voltage",
    "battery.voltage.nominal", "input.transfer.high", "input.transfer.low", "input.voltage",
    "input.voltage.nominal", "output.voltage", "ups.delay.shutdown", "ups.delay.start",
    "ups.load", "ups.mfr", "ups.model", "ups.productid", "ups.realpower.nominal",
    "ups.status", "ups.vendorid",
}


def _rig() -> Rig:
    rig = Rig(KEOR_SP)
    rig.connect()
    return rig


def test_keor_sp_every_variable_as_nut() -> None:
    """Keor SP 800 (1cb0:0032): every variable, same string as NUT's table gives."""
    assert _rig().values() == KEOR_SP_NUT


def test_keor_sp_same_variables_as_nut_2811_printed() -> None:
    """The variable set equals what NUT 2.8.1.1 printed for the same model."""
    ours = {k for k in _rig().values() if not k.startswith(("driver.", "device."))}
    assert ours == KEOR_SP_NUT_2811_NAMES


def test_keor_sp_commands_and_interrupt_pipe_off() -> None:
    """Both Keor products poll only; beeper.disable writes 3, as Legrand's table does."""
    rig = _rig()
    assert rig.driver.pollonly
    assert "interrupt" not in rig.driver.tiers()
    assert rig.command("beeper.disable") == [bytes([0x11, 3])]
    assert rig.command("beeper.enable") == [bytes([0x11, 2])]
    assert rig.command("test.battery.start.quick") == [bytes([0x10, 1])]


def test_keor_pdu_voltages_as_nut_285_printed() -> None:
    """Keor PDU 800 (1cb0:0038): the PDU layout's rows; the two logged voltage reports.

    0x0f and 0x12 carry the same bytes; NUT 2.8.5 printed input.voltage 233
    and output.voltage 2 for them (issue #3540), the output field being
    declared LogMax 255.  Transfer points, nominal voltage and power come
    from the descriptor's single-valued logical ranges, as in the PDU's
    nut-ddl dump.
    """
    rig = Rig(KEOR_PDU)
    rig.connect()
    values = rig.values()
    assert (values["input.voltage"], values["output.voltage"]) == ("233", "2")
    dump = dev_values(PDU_DUMP)
    same = ["input.transfer.high", "input.transfer.low", "input.voltage.nominal",
            "ups.realpower.nominal", "ups.delay.shutdown",
            "ups.delay.start", "ups.model", "ups.productid", "ups.vendorid"]
    assert {k: values[k] for k in same} == {k: dump[k] for k in same}


def test_keor_pdu_same_variables_as_its_nut_dump() -> None:
    """The PDU's variables are those of its nut-ddl dump (NUT 2.8.0.1, voltage scaling patched)."""
    rig = Rig(KEOR_PDU)
    rig.connect()
    ours = {k for k in rig.values() if not k.startswith(("driver.", "device."))}
    dump = {k for k in dev_values(PDU_DUMP) if not k.startswith(("driver.", "device."))}
    assert ours == dump - {"ups.serial"}   # that unit's serial string is blanks


@pytest.mark.parametrize("pid, forced, name", [
    (0x0032, False, LEGRAND.name),
    (0x0038, False, LEGRAND.name),
    (0x0040, False, GENERIC.name),     # other 1cb0 products: only with productid=
    (0x0040, True, LEGRAND.name),
])
def test_claim(pid: int, forced: bool, name: str) -> None:
    """NUT's legrand_claim: the two product IDs; others possibly supported."""
    assert subdriver_for(0x1CB0, pid, forced).name == name
