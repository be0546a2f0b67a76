"""openUPS HID (NUT's openups-hid.c): the per-product scale factors and the thermistor curve.

No descriptor of an openUPS is public: the descriptor is BUILT from the
openups table's paths (tests/hidbuild.py; fields in hundredths, as NUT's
exponent rule reads them), with report values that encode what NUT printed
for a real OPEN-UPS 04d8:d004 (nut-ddl dump from the nut-upsdev list,
2012-11).  The strings at the chemistry and OEM indexes read "?" on that
unit, as NUT printed them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.openups import OPENUPS, USAGES, temperature
from tests.hidbuild import Field, write_device
from tests.hidfakes import Rig, dev_values

_PS, _PST = "UPS.PowerSummary", "UPS.PowerSummary.PresentStatus"
OPEN_UPS = [
    Field(f"{_PS}.iSerialNumber", 3), Field(f"{_PS}.iDeviceChemistry", 4),
    Field(f"{_PS}.iOEMInformation", 5),
    Field(f"{_PS}.Voltage", 779, 16, unit_exp=-2), Field(f"{_PS}.Current", 58, 16, unit_exp=-2),
    Field(f"{_PS}.DesignCapacity", 100), Field(f"{_PS}.RemainingCapacity", 18),
    Field(f"{_PS}.RemainingCapacityLimit", 5), Field(f"{_PS}.WarningCapacityLimit", 20),
    Field(f"{_PS}.RunTimeToEmpty", 3932100, 32, log_max=0x7FFFFFFF),
    Field(f"{_PS}.Temperature", 533, 16, unit_exp=-2),
    Field(f"{_PS}.Output.Voltage", 465, 16, unit_exp=-2),
    Field(f"{_PS}.Output.Current", 7, 16, unit_exp=-2),
    Field(f"{_PS}.Input.Voltage", 389, 16, unit_exp=-2),
    Field(f"{_PS}.Input.Current", 705, 16, unit_exp=-2),
    Field(f"{_PST}.Good", 1, 1, log_max=1), Field(f"{_PST}.InternalFailure", 0, 1, log_max=1),
    Field(f"{_PST}.Charging", 1, 1, log_max=1), Field(f"{_PST}.Discharging", 0, 1, log_max=1),
    Field(f"{_PST}.ACPresent", 1, 1, log_max=1), Field(f"{_PST}.BatteryPresent", 1, 1, log_max=1),
]
STRINGS = {"manufacturer": "Mini-Box.Com", "product": "OPEN-UPS", "serial": "PBSO4-LiFePO",
           "3": "PBSO4-LiFePO", "4": "?", "5": "?"}


def _rig(tmp_path: Path, pid: str = "d004", *, forced: bool = False, **changes: int) -> Rig:
    fields = [Field(f.path, changes.get(f.path.rsplit(".", 1)[1], f.value), f.size, f.log_min,
                    f.log_max, f.unit, f.unit_exp) for f in OPEN_UPS]
    hex_path = write_device(tmp_path, f"openups-04d8_{pid}", fields, USAGES, STRINGS)
    rig = Rig(hex_path, productid=pid) if forced else Rig(hex_path)
    rig.connect()
    return rig


def test_open_ups_d004_equals_nut_dump(tmp_path: Path) -> None:
    """Built descriptor, real values: every variable equals NUT's dump of the OPEN-UPS."""
    nut = {k: v for k, v in dev_values("Mini-Box.Com__OPEN-UPS__usbhid-ups__2.6.5__01.dev").items()
           if not k.startswith(("driver.", "device."))}
    ours = {k: v for k, v in _rig(tmp_path).values().items()
            if not k.startswith(("driver.", "device."))}
    assert ours == nut


def test_open_ups_scales_per_product(tmp_path: Path) -> None:
    """d005 multiplies by 0.1; a product forced with productid gets no factor (NUT)."""
    values = _rig(tmp_path, "d005").values()
    assert (values["input.voltage"], values["output.current"]) == ("0.39", "0.007")
    values = _rig(tmp_path, "d00f", forced=True).values()
    assert values["driver.version.data"] == "openUPS HID 0.50"
    assert (values["input.voltage"], values["output.current"]) == ("3.89", "0.070")


def test_open_ups_good_bit_is_off(tmp_path: Path) -> None:
    """PresentStatus.Good 0 means the UPS output is off (openups_off_fun)."""
    assert _rig(tmp_path, Good=0).values()["ups.status"] == "OL CHRG OFF"


@pytest.mark.parametrize(("reading", "text"), [
    (0.30, "-40"), (0.49, "-40"), (9.72, "125"), (5.12, "25"), (5.33, "27.23"),
    (2.33, "-5"), (2.40, "-4.17"),
])
def test_thermistor_curve(reading: float, text: str) -> None:
    """The table's ends, its points (whole degrees) and interpolation (two decimals)."""
    assert temperature(reading, Context(lambda i: None, {}, {})) == text


@pytest.mark.parametrize(("pid", "forced", "claimed"), [
    (0xD004, False, True), (0xD005, False, True), (0xD00F, False, False), (0xD00F, True, True),
])
def test_openups_claim(pid: int, forced: bool, claimed: bool) -> None:
    """openups_claim: d004/d005, other 04d8 products only with productid."""
    assert (subdriver_for(0x04D8, pid, forced) is OPENUPS) is claimed


def test_open_ups_ac_lost_is_not_offline(tmp_path: Path) -> None:
    """ACPresent 0 clears online without saying offline (openups_online_fun): OB only with DISCHRG."""
    assert _rig(tmp_path, ACPresent=0, Charging=0).values()["ups.status"] == ""
    assert _rig(tmp_path, ACPresent=0, Charging=0, Discharging=1).values()["ups.status"] == \
        "OB DISCHRG"
