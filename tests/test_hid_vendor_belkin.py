"""Belkin/Liebert HID (NUT's belkin-hid.c): real devices through the virtual HID UPS.

* Liebert GXT4 (10af:0000): its real descriptor and reports (NUT issue
  #1346); expected values are the ``SETINFO`` lines of that log and its
  ``Path:`` values run through the table (see the fixture's .log.txt).
* Belkin Regulator PRO-USB (050d:0f51): no public descriptor exists, so
  the descriptor is BUILT from the Belkin table's paths, with report values
  that encode what NUT printed for the real unit (nut-ddl dump, issue #149);
  it checks every Belkin conversion against NUT's own output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.rows import DeviceIdent
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.belkin import (
    BELKIN,
    USAGES,
    liebert_config_volts,
    liebert_line_volts,
)
from tests.hidbuild import Field, write_device
from tests.hidfakes import FIXTURES, Rig, dev_values

GXT4 = FIXTURES / "liebert-gxt4-10af_0000.hex"


def _published(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if not k.startswith(("driver.", "device."))}


def test_liebert_gxt4_equals_nut() -> None:
    """Every variable NUT printed for this GXT4, and no command (NUT: "Shutdown failed!").

    battery.voltage(.nominal) are 0.0 and battery.charge.warning is 0
    because the descriptor leaves those fields a logical maximum of 1, as
    NUT logged ("LogMax = 1") and printed (another GXT4's upsc under the
    same table shows the same warning level 0 and voltages 0.0).
    """
    rig = Rig(GXT4)
    rig.connect()
    update = rig.poll()
    assert _published(dict(update.values)) == {
        "battery.charge": "100", "battery.charge.low": "20", "battery.charge.warning": "0",
        "battery.type": "PbAc", "battery.voltage": "0.0", "battery.voltage.nominal": "0.0",
        "ups.mfr": "Emerson Network Power", "ups.model": "Liebert GXT4",
        "ups.serial": "XXXXXXXXXXXXXXX", "ups.vendorid": "10af", "ups.productid": "0000",
        # NUT printed OL CHRG before 2.8.5; since #3146 (master) Charging at
        # 100 % with no FullyCharged bit is OL.
        "ups.status": "OL",
    }
    assert update.values["driver.version.data"] == "Belkin/Liebert HID 0.23"
    assert list(update.commands) == []


# What NUT printed for a real Regulator PRO-USB, encoded into a descriptor built
# from the Belkin table: tenths for voltages and frequencies, the UPS type byte
# (firmware 1 in the high nibble, 1 = offline), the packed 2000/11/01 date.
_CF, _CTL, _DEV = "UPS.BELKINConfig", "UPS.BELKINControls", "UPS.BELKINDevice"
_PS, _ST, _BS = "UPS.BELKINPowerState", "UPS.BELKINStatus", "UPS.BELKINBatterySystem"
REGULATOR = [
    Field(f"{_BS}.BELKINCharge", 100), Field(f"{_BS}.BELKINVoltage", 139, 16),
    Field("UPS.PowerSummary.RemainingCapacityLimit", 40),
    Field("UPS.PowerSummary.WarningCapacityLimit", 50),
    Field("UPS.PowerSummary.RunTimeToEmpty", 210, 16),
    Field("UPS.PowerSummary.iDeviceChemistry", 4),
    Field("UPS.PowerSummary.iSerialNumber", 5),
    Field("UPS.PowerSummary.ManufacturerDate", (20 << 9) | (11 << 5) | 1, 16),
    Field("UPS.PowerSummary.PresentStatus.Charging", 1, 1),
    Field("UPS.PowerSummary.PresentStatus.Discharging", 0, 1),
    Field(f"{_CF}.BELKINConfigBatteryVoltage", 12), Field(f"{_CF}.BELKINConfigFrequency", 60),
    Field(f"{_CF}.BELKINConfigVoltage", 120), Field(f"{_CF}.BELKINConfigApparentPower", 500, 16),
    Field(f"{_CF}.BELKINConfigOverloadTransfer", 107),
    Field(f"{_CF}.BELKINHighVoltageTransfer", 145), Field(f"{_CF}.BELKINHighVoltageTransferMax", 150),
    Field(f"{_CF}.BELKINHighVoltageTransferMin", 140), Field(f"{_CF}.BELKINLowVoltageTransfer", 85),
    Field(f"{_CF}.BELKINLowVoltageTransferMax", 90), Field(f"{_CF}.BELKINLowVoltageTransferMin", 80),
    Field(f"{_DEV}.BELKINVoltageSensitivity", 0), Field(f"{_DEV}.BELKINUPSType", 0x11),
    Field(f"{_PS}.BELKINInput.BELKINFrequency", 599, 16),
    Field(f"{_PS}.BELKINInput.BELKINVoltage", 1200, 16),
    Field(f"{_PS}.BELKINOutput.BELKINFrequency", 599, 16),
    Field(f"{_PS}.BELKINOutput.BELKINVoltage", 1200, 16),
    Field(f"{_PS}.BELKINOutput.BELKINPercentLoad", 0),
    Field(f"{_CTL}.BELKINAudibleAlarmControl", 2), Field(f"{_CTL}.BELKINTest", 0),
    Field(f"{_CTL}.BELKINDelayBeforeStartup", 0, 16),
    Field(f"{_CTL}.BELKINDelayBeforeShutdown", 0, 16),
    Field(f"{_CTL}.BELKINDelayBeforeReboot", 0, 16),
    Field(f"{_ST}.BELKINPowerStatus", 0, 16), Field(f"{_ST}.BELKINBatteryStatus", 0x10),
]
STRINGS = {"manufacturer": "BELKIN", "product": "UPS", "serial": "01", "4": "PbAc", "5": "01"}


def _regulator(tmp_path: Path, **changes: int) -> Rig:
    fields = [Field(f.path, changes.get(f.path.rsplit(".", 1)[1], f.value), f.size)
              for f in REGULATOR]
    rig = Rig(write_device(tmp_path, "belkin-regulator-050d_0f51", fields, USAGES, STRINGS))
    rig.connect()
    return rig


def test_belkin_regulator_pro_equals_nut_dump(tmp_path: Path) -> None:
    """Built descriptor, real values: every variable equals NUT's dump of the unit."""
    nut = _published(dev_values("Belkin__Regulator_PRO-USB__usbhid-ups__2.6.5__01.dev"))
    assert nut["ups.status"] == "OL CHRG"
    nut["ups.status"] = "OL"   # NUT >= 2.8.5 (#3146): Charging at 100 %, no FullyCharged bit
    assert _published(_regulator(tmp_path).values()) == nut


@pytest.mark.parametrize(("power", "battery", "discharging", "status"), [
    (0x0001, 0x00, 1, "OB DISCHRG"),                # bit 0: AC failure
    # AC failure alone clears online without saying offline (belkin_online_conversion):
    # NUT master then reports no power state at all.
    (0x0001, 0x00, 0, ""),
    (0x0010, 0x00, 0, "OL OVER"),                   # bit 4: overload
    (0x0000, 0x04, 0, "OL LB"),                     # battery bit 2: low
    (0x0000, 0x80, 0, "ALARM OL RB"),               # battery bit 7: replace
    (0x0040, 0x00, 0, "ALARM OL"),                  # bit 6: overheat
    (0x2080, 0x00, 0, "ALARM OL"),                  # bits 7, 13: fault, awaiting power
])
def test_belkin_status_bits(tmp_path: Path, power: int, battery: int, discharging: int,
                            status: str) -> None:
    """PowerStatus / BatteryStatus bits set NUT's flags one by one (belkin_*_conversion)."""
    rig = _regulator(tmp_path, BELKINPowerStatus=power, BELKINBatteryStatus=battery, Charging=0,
                     Discharging=discharging)
    assert rig.values()["ups.status"] == status


def test_belkin_commands_and_unwritable_sensitivity(tmp_path: Path) -> None:
    """Belkin's own load.on/load.off rows (value 1) are used; sensitivity cannot be set (NUT)."""
    rig = _regulator(tmp_path)
    update = rig.poll()
    assert {"load.on", "load.off", "beeper.on", "beeper.off", "test.battery.start.quick",
            "shutdown.return"} <= set(update.commands)
    rid = [f.path for f in REGULATOR].index(f"{_CTL}.BELKINDelayBeforeStartup") + 1
    assert rig.command("load.on") == [bytes([rid, 1, 0])]
    with pytest.raises(Exception, match="not one of"):
        rig.driver.set_var("input.sensitivity", "low")


@pytest.mark.parametrize(("vid", "pid", "forced", "claimed"), [
    (0x050D, 0x0980, False, True), (0x050D, 0x1100, False, True),
    (0x050D, 0x1234, False, False), (0x050D, 0x1234, True, True),
    (0x050D, 0x0218, True, False),                  # the F5U218 hub, never
    (0x10AF, 0x0002, False, True), (0x10AF, 0x0003, False, False),
    (0x10AF, 0x0003, True, True), (0x0463, 0xFFFF, True, False),
])
def test_belkin_claim(vid: int, pid: int, forced: bool, claimed: bool) -> None:
    """belkin_claim: listed IDs, others of 050d/10af only with productid, never the hub."""
    assert (subdriver_for(vid, pid, forced) is BELKIN) is claimed


def test_liebert_voltage_factors_stick_per_device() -> None:
    """NUT's Liebert exponent guesses: a factor once guessed applies to later readings."""
    ctx = Context(lambda i: None, {}, {}, {})
    assert liebert_line_volts(230.0, ctx) == "230.0"            # nothing guessed yet
    assert liebert_line_volts(2.201e-05, ctx) == "220.1"        # about 1e-5: times 1e7
    assert liebert_line_volts(0.001212, ctx) == "121.2"         # about 1e-3: times 1e5
    assert liebert_line_volts(0.5, ctx) == "50000.0"            # not near either: kept factor
    other = Context(lambda i: None, {}, {}, {})
    assert liebert_config_volts(1e-7, other) == "10.0"          # 1e-7: nominal times 1e8 ...
    assert liebert_line_volts(2.4e-06, other) == "24.0"         # ... and lines times 1e7
    assert liebert_config_volts(24.0, Context(lambda i: None, {}, {}, {})) == "24.0"


def test_belkin_model_unknown_without_product_string() -> None:
    """belkin_format_model: "unknown" when the device has no product string (else the string)."""
    assert BELKIN.identity is not None
    assert BELKIN.identity(DeviceIdent(0x050D, 0x0980)) == {"ups.model": "unknown"}
    assert BELKIN.identity(DeviceIdent(0x050D, 0x0980, "BELKIN", "UPS")) == {}
    assert BELKIN.mfr_default == "Belkin"


def test_liebert_psi5_real_descriptor() -> None:
    """A real PSI5 descriptor (10af:0002, issue #2271) binds NUT's PSI5 rows.

    Values: the reports that log gives, run through the table; the variable
    set equals NUT 2.8.2.1's dump of another PSI5 (same firmware family),
    whose nominal ratings agree.  The line voltages and frequencies are not
    in the transcribed log, so only their presence is compared.
    """
    rig = Rig(FIXTURES / "liebert-psi5-10af_0002.hex")
    rig.connect()
    ours = _published(rig.values())
    dump = _published(dev_values("Liebert__PSI5__usbhid-ups__2.8.2.1__01.dev"))
    assert set(ours) == set(dump)
    logged = {"battery.capacity": "1100", "battery.charge": "100", "battery.charge.warning": "20",
              "battery.runtime": "4920", "battery.voltage.nominal": "24", "battery.type": "PbAc",
              "input.voltage.nominal": "120", "output.voltage.nominal": "120", "ups.load": "11",
              "ups.status": "OL"}
    assert {k: ours[k] for k in logged} == logged
    same_model = ["battery.voltage.nominal", "input.voltage.nominal", "output.voltage.nominal",
                  "battery.type", "ups.mfr", "ups.model", "ups.vendorid", "ups.productid"]
    assert {k: ours[k] for k in same_model} == {k: dump[k] for k in same_model}
