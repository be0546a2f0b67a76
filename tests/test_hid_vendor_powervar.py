"""Powervar HID (NUT's powervar-hid.c) on a descriptor BUILT from its table.

No descriptor or upsc output of a Powervar UPM is public (the debug log in
NUT PR #733 is published only up to its first reports); the test's
descriptor is built from the powervar table's paths (tests/hidbuild.py)
and its values are chosen, marked as such.  The USB strings are the real
unit's from that log.  Expected values: NUT master's rows run by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.powervar import POWERVAR
from tests.hidbuild import Field, write_device
from tests.hidfakes import Rig

_PS, _PST = "UPS.PowerSummary", "UPS.PowerSummary.PresentStatus"
STRINGS = {"manufacturer": "AMETEK-POWERVAR Corporation",
           "product": "UPM UPS (v01.51, Nov  3 2018)", "serial": "5014403R-1740135",
           "6": "PbAc"}


def _rig(tmp_path: Path, **bits: int) -> Rig:
    status = {"ACPresent": 1, "Charging": 1, "Discharging": 0, "FullyCharged": 0,
              "InternalFailure": 0, "Good": 1, **bits}
    fields = [Field(f"{_PS}.iDeviceChemistry", 6), Field(f"{_PS}.RemainingCapacity", 87),
              Field(f"{_PS}.FullChargeCapacity", 100), Field(f"{_PS}.RunTimeToEmpty", 1500, 16),
              *(Field(f"{_PST}.{name}", value, 1) for name, value in status.items())]
    rig = Rig(write_device(tmp_path, "powervar-upm-4234_0002", fields, POWERVAR.usages, STRINGS))
    rig.connect()
    return rig


def test_powervar_table_on_built_descriptor(tmp_path: Path) -> None:
    """Every variable NUT's rows give; "RuntimeToEmpty" finds RunTimeToEmpty (any case, as NUT)."""
    values = {k: v for k, v in _rig(tmp_path).values().items()
              if not k.startswith(("driver.", "device."))}
    assert values == {
        "battery.type": "PbAc", "battery.charge": "87", "battery.capacity": "100",
        "battery.runtime": "1500", "ups.mfr": "AMETEK-POWERVAR Corporation",
        "ups.model": "UPM UPS (v01.51, Nov  3 2018)",
        "ups.serial": "5014403R-1740135", "ups.vendorid": "4234", "ups.productid": "0002",
        "ups.status": "OL CHRG",
    }


def test_powervar_yes_no_bits_do_nothing(tmp_path: Path) -> None:
    """InternalFailure / Good feed NUT's yes_no lookup: no flag, no alarm, no OFF."""
    values = _rig(tmp_path, InternalFailure=1, Good=0, ACPresent=0, Charging=0,
                  Discharging=1).values()
    assert (values["ups.status"], values.get("ups.alarm")) == ("OB DISCHRG", None)


@pytest.mark.parametrize(("pid", "forced", "claimed"), [
    (0x0002, False, True), (0x0001, False, False), (0x0001, True, True),
])
def test_powervar_claim(pid: int, forced: bool, claimed: bool) -> None:
    """powervar_claim: 4234:0002; other 4234 products only with productid."""
    assert (subdriver_for(0x4234, pid, forced) is POWERVAR) is claimed
