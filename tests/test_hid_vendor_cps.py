"""CyberPower table (cps-hid.c 0.85): a real CP1500AVRLCDa through the virtual UPS, CPS's quirks."""

from __future__ import annotations

from pathlib import Path

from pynutd.drivers.hid.bind import apply_fixes
from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.rows import DeviceIdent
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.cyberpower import (
    CYBERPOWER,
    battery_volts,
    input_frequency,
    output_frequency,
)
from pynutd.drivers.hid.vendors.descfix import CONFIG_ACTIVE_POWER, VOLTAGE, find_by_id
from tests.hidfakes import FIXTURES, Rig, descriptor

AVRLCDA = "cyberpower-cp1500avrlcda-0764_0501.hex"

# NUT master's cps-hid.c on the reports NUT logged for this unit (issue #439): each Path:
# value through the table's row, format and conversion; delays are CPS's 60/120 s defaults.
NUT_VALUES = {
    "battery.charge": "100",
    "battery.charge.low": "10",
    "battery.charge.warning": "20",
    "battery.mfr.date": "CPS",
    "battery.runtime": "2343",
    "battery.runtime.low": "300",
    "battery.status": "100%",
    "battery.type": "PbAcid",
    "battery.voltage": "27.0",
    "battery.voltage.nominal": "24",
    "driver.version.data": "CyberPower HID 0.85",
    "input.sensitivity": "normal",
    "input.transfer.high": "139",
    "input.transfer.low": "100",
    "input.voltage": "118.0",
    "input.voltage.nominal": "120",
    "ups.beeper.status": "disabled",
    "ups.delay.shutdown": "60",
    "ups.delay.start": "120",
    "ups.mfr": "CPS",
    "ups.model": "CP1500AVRLCDa",
    "ups.power": "194",
    "ups.power.nominal": "1500",
    "ups.productid": "0501",
    "ups.realpower": "189",
    "ups.realpower.nominal": "900",
    "ups.serial": "CXEJX2003678",
    "ups.status": "OL",
    "ups.test.result": "No test initiated",
    "ups.vendorid": "0764",
}
# Reports the published data of that log lacks: output voltage (0x12), load (0x13), timers.
NOT_LOGGED = ("output.voltage", "ups.load", "ups.timer.start", "ups.timer.shutdown")


def _ctx(values: dict[str, str], might_scale: bool = True) -> Context:
    return Context(lambda i: None, {"might_scale": 1.0} if might_scale else {}, values, {})


def test_cp1500avrlcda_every_logged_variable_equals_nut() -> None:
    """The logged variables as NUT master prints them; ups.firmware's string is not logged."""
    rig = Rig(FIXTURES / AVRLCDA)
    rig.connect()
    update = rig.poll()
    ours = {k: v for k, v in update.values.items() if not k.startswith("device.")}
    for name in NOT_LOGGED:
        ours.pop(name)
    assert ours == NUT_VALUES
    assert rig.driver.pollfreq == 12
    sensitivity = update.specs["input.sensitivity"]
    assert (sensitivity.rw, sensitivity.enums) == (True, ("low", "normal", "high"))


def test_fix_report_desc_widens_the_voltage_that_copies_the_transfer_range(
        tmp_path: Path) -> None:
    """Output voltage (0x12) declared 136..142 like HighVoltageTransfer: read as 0..511.

    The 0x12 report value (120 V) is ours, to show the effect: that report is
    not in the published log.
    """
    desc = descriptor(AVRLCDA)
    raw = find_by_id(desc, 0x12, VOLTAGE)
    assert raw is not None and (raw.log_min, raw.log_max) == (136, 142)
    fixed = apply_fixes(desc, CYBERPOWER, 0x0501)
    out = find_by_id(fixed, 0x12, VOLTAGE)
    power = find_by_id(fixed, 0x18, CONFIG_ACTIVE_POWER)
    assert out is not None and (out.log_min, out.log_max) == (0, 511)
    assert power is not None and power.log_max == 2048
    assert apply_fixes(desc, CYBERPOWER, 0x0601) == fixed
    assert apply_fixes(desc, CYBERPOWER, 0x0005) == desc
    for suffix in (".hex", ".reports.txt", ".strings.txt"):
        text = (FIXTURES / AVRLCDA.replace(".hex", suffix)).read_text()
        if suffix == ".reports.txt":
            text += "0x12: 12 78 00\n"
        (tmp_path / AVRLCDA.replace(".hex", suffix)).write_text(text)
    rig = Rig(tmp_path / AVRLCDA)
    rig.connect()
    assert rig.values()["output.voltage"] == "120.0"


def test_battery_and_frequency_scales_decided_once_on_0501() -> None:
    """2/3 when the first battery reading is 1.4x nominal; 0.1 for decihertz; only on 0501."""
    ctx = _ctx({"battery.voltage.nominal": "12"})
    assert battery_volts(18.0, ctx) == "12.0"         # 1.5 times nominal
    assert battery_volts(13.5, ctx) == "9.0"         # decided once, kept
    assert battery_volts(20.0, _ctx({})) == "20.0"   # nominal not known yet: as is
    assert battery_volts(20.0, _ctx({"battery.voltage.nominal": "12"}, False)) == "20.0"
    ctx = _ctx({})
    assert input_frequency(599.0, ctx) == "59.9"
    assert input_frequency(601.0, ctx) == "60.1"
    assert output_frequency(50.0, ctx) == "50.0"
    assert input_frequency(599.0, _ctx({}, False)) == "599.0"


def test_claim_and_names() -> None:
    """0764:0005/0501/0601 and STMicro 0483:a430; other products only with productid."""
    assert subdriver_for(0x0483, 0xA430) is CYBERPOWER
    assert subdriver_for(0x0764, 0x0601) is CYBERPOWER
    assert not CYBERPOWER.claims(DeviceIdent(0x0483, 0x0501))
    assert CYBERPOWER.claims(DeviceIdent(0x0764, 0x0777, forced=True))
