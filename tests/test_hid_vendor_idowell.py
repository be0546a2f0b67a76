"""iDowell HID (idowell-hid.c): a real GoldenMate pack through the virtual HID UPS, and the claim."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pynutd.drivers.hid.descriptor import ReportDescriptor
from pynutd.drivers.hid.rows import DeviceIdent
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.generic import GENERIC
from pynutd.drivers.hid.vendors.idowell import IDOWELL, USAGE_RUNTIME, USAGE_VOLTAGE
from tests.hidfakes import FIXTURES, Rig, descriptor

GOLDENMATE = FIXTURES / "goldenmate-lifepo4-075d_0300.hex"

# Report 0x01 of the logged unit (issue #3015) run through idowell-hid.c's
# rows: 100 % design/full/remaining, WarningCapacityLimit 5 as battery.charge.low
# (no RemainingCapacityLimit on this firmware), RunTimeToEmpty 125040 s,
# ConfigVoltage 0x0172 and Voltage 0x0528 at UnitExp 5 (3.7 V, 13.2 V), status
# byte 0x31 (AC present, battery present); timers from reports 0x09/0x0a.
GOLDENMATE_NUT = {
    "battery.capacity.design": "100",
    "battery.capacity.full": "100",
    "battery.charge": "100",
    "battery.charge.low": "5",
    "battery.runtime": "125040",
    "battery.type": "Lion",
    "battery.voltage": "13.2",
    "battery.voltage.nominal": "3.7",
    "device.mfr": "-BMS-",
    "device.model": "Smart-Battery",
    "driver.version.data": "iDowell HID 0.22",
    "ups.delay.shutdown": "20",
    "ups.delay.start": "30",
    "ups.mfr": "-BMS-",
    "ups.model": "Smart-Battery",
    "ups.productid": "0300",
    "ups.status": "OL",
    "ups.timer.shutdown": "1",
    "ups.timer.start": "257",
    "ups.vendorid": "075d",
}

# What NUT 2.8.1 printed for another GoldenMate 075d:0300 with the same
# DelayBefore* reports (issue #3015, JefferMC, 2025-12-05), for the variables
# the older iDowell HID 0.2 table also maps from the same paths.
NUT_281_PRINTED = {"battery.type": "Lion", "ups.mfr": "-BMS-", "ups.model": "Smart-Battery",
                   "ups.delay.shutdown": "20", "ups.delay.start": "30",
                   "ups.timer.shutdown": "1", "ups.timer.start": "257"}


def _values() -> dict[str, str]:
    rig = Rig(GOLDENMATE)
    rig.connect()
    return rig.values()


def test_goldenmate_every_variable_as_nut_table() -> None:
    """GoldenMate LiFePO4 (075d:0300): every variable NUT master's rows give for the logged reports."""
    assert _values() == GOLDENMATE_NUT


def test_goldenmate_agrees_with_what_nut_281_printed() -> None:
    """Timers, chemistry and identity equal NUT 2.8.1's upsc for the same firmware."""
    values = _values()
    assert {k: values[k] for k in NUT_281_PRINTED} == NUT_281_PRINTED


def test_goldenmate_commands() -> None:
    """load.off.delay / shutdown.stop on PowerSummary.DelayBeforeShutdown (32-bit, -1 cancels)."""
    rig = Rig(GOLDENMATE)
    rig.connect()
    assert rig.command("shutdown.stop") == [bytes([0x09, 0xFF, 0xFF, 0xFF, 0xFF])]
    assert rig.command("load.off.delay") == [bytes([0x09, 20, 0, 0, 0])]


@pytest.mark.parametrize("vid, pid, forced, mfr, product, claimed", [
    (0x075D, 0x0300, False, "-BMS-", "Smart-Battery", True),
    (0x06DA, 0xFFFF, False, "-BMS-", "Smart-Battery", True),     # GoldenMate on 06da
    (0x06DA, 0xFFFF, False, None, "Smart-Battery", True),
    (0x06DA, 0xFFFF, False, "PPC", "Offline UPS", False),        # left to liebert/mge
    (0x06DA, 0xFFFF, True, "PPC", "Offline UPS", False),
    (0x075D, 0x0301, False, None, None, False),
    (0x075D, 0x0301, True, None, None, True),                    # productid= given
    (0x0764, 0x0501, True, None, None, False),
])
def test_claim(vid: int, pid: int, forced: bool, mfr: str | None, product: str | None,
               claimed: bool) -> None:
    """NUT's idowell_claim: 06da:ffff only for the -BMS-/Smart-Battery firmware."""
    ident = DeviceIdent(vid, pid, mfr, product, None, forced)
    assert IDOWELL.claims(ident) is claimed


def test_registry_order_gives_goldenmate_to_idowell() -> None:
    """idowell comes before liebert in subdriver_list, so a GoldenMate on 06da is iDowell's."""
    assert subdriver_for(0x06DA, 0xFFFF, manufacturer="-BMS-").name == IDOWELL.name
    assert subdriver_for(0x075D, 0x0301).name == GENERIC.name


def _as_signed_32bit(desc: ReportDescriptor) -> ReportDescriptor:
    """The same descriptor with the byte-swapped maxima left negative (NUT on 32-bit long)."""
    return replace(desc, fields=tuple(
        replace(f, log_max=f.log_max - (1 << 32), assumed_log_max=False)
        if f.log_max > 0x7FFFFFFF else f for f in desc.fields))


def test_fix_report_desc_restores_report_2_maxima() -> None:
    """idowell_fix_report_desc: a maximum below the minimum in report 0x02 gets report 0x01's."""
    real = descriptor(GOLDENMATE.name)
    assert IDOWELL.fix_descriptor is not None
    assert IDOWELL.fix_descriptor(real, 0x0300) == real    # read unsigned: nothing to fix
    broken = _as_signed_32bit(real)
    fixed = IDOWELL.fix_descriptor(broken, 0x0300)
    runtime = fixed.find_id_node(0x02, USAGE_RUNTIME)
    voltage = fixed.find_id_node(0x02, USAGE_VOLTAGE)
    assert runtime is not None and voltage is not None
    assert (runtime.log_max, runtime.assumed_log_max) == (0x75FFFFFF, True)
    assert (voltage.log_max, voltage.assumed_log_max) == (65535, True)
    assert fixed.find_id_node(0x01, USAGE_RUNTIME) == broken.find_id_node(0x01, USAGE_RUNTIME)
    assert IDOWELL.fix_descriptor(broken, 0x0301) == broken   # other products untouched
