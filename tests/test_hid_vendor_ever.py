"""Ever HID (NUT's ever-hid.c): EVER's vendor page and the reports read whole.

No EVER descriptor is public: the descriptor is BUILT from the ever table's
paths (tests/hidbuild.py), with report values that encode what NUT 2.8.0
printed for a real ECO PRO AVR CDS (2e51:0000; nut-ddl dump from the
nut-upsuser list, 2023-08).  The work mode (report 74), messages (75) and
alarms (76) are whole reports, as NUT reads them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.ever import EVER, USAGES, hardware, report_values, version
from tests.hidbuild import Field, write_device
from tests.hidfakes import Rig, dev_values

_E, _BS, _PC = "UPS.EVER1", "UPS.BatterySystem", "UPS.PowerConverter"
_OUT, _PS = "UPS.OutletSystem.Outlet", "UPS.PowerSummary"
ECO_PRO = [
    Field(f"{_BS}.Battery.BatteryID", 1), Field(f"{_BS}.BatterySystemID", 1),
    Field(f"{_BS}.Charger.ChargerID", 1), Field(f"{_BS}.Input.FlowID", 1),
    Field(f"{_BS}.Input.InputID", 1), Field(f"{_BS}.Output.FlowID", 2),
    Field(f"{_BS}.Output.OutputID", 1),
    Field(f"{_E}.EVER44", 0), Field(f"{_E}.EVER49.EVER53", 1),
    Field(f"{_E}.EVER62", 26), Field(f"{_E}.EVER64", 1), Field(f"{_E}.EVER65", 1),
    Field(f"{_E}.EVER66", 2), Field(f"{_E}.EVER67", 9), Field(f"{_E}.EVER69", 190, 16),
    Field(f"{_E}.EVER70", 193, 16), Field(f"{_E}.EVER71", 0, 16),
    Field(f"{_E}.EVER97.EVER98", 4, report_id=74),
    Field(f"{_E}.EVER18.EVER28", 0, 16, report_id=75),
    Field(f"{_E}.EVER32.EVER33", 0, 16, report_id=76),
    Field(f"{_E}.EVER97.EVER102", 1, 1),
    Field("UPS.Flow.ConfigActivePower", 650, 16), Field("UPS.Flow.ConfigApparentPower", 1000, 16),
    Field("UPS.Flow.ConfigFrequency", 50), Field("UPS.Flow.ConfigVoltage", 230, 16),
    Field("UPS.Flow.FlowID", 1),
    Field(f"{_OUT}.OutletID", 1), Field(f"{_OUT}.PresentStatus.Present", 1, 1),
    Field(f"{_OUT}.PresentStatus.Switchable", 0, 1), Field(f"{_OUT}.PresentStatus.Undefined", 0),
    Field("UPS.OutletSystem.OutletSystemID", 1),
    Field(f"{_PC}.Input.FlowID", 1), Field(f"{_PC}.Input.Frequency", 50),
    Field(f"{_PC}.Input.InputID", 1), Field(f"{_PC}.Input.Voltage", 222, 16),
    Field(f"{_PC}.Output.ActivePower", 0, 16), Field(f"{_PC}.Output.ApparentPower", 0, 16),
    Field(f"{_PC}.Output.Current", 0), Field(f"{_PC}.Output.FlowID", 3),
    Field(f"{_PC}.Output.Frequency", 50), Field(f"{_PC}.Output.OutputID", 1),
    Field(f"{_PC}.Output.PercentLoad", 0), Field(f"{_PC}.Output.Voltage", 230, 16),
    Field(f"{_PC}.PowerConverterID", 1),
    Field(f"{_PS}.CapacityGranularity1", 1), Field(f"{_PS}.CapacityGranularity2", 1),
    Field(f"{_PS}.CapacityMode", 2),
    Field(f"{_PS}.DelayBeforeShutdown", -1, 16, log_min=-32768, log_max=32767),
    Field(f"{_PS}.DesignCapacity", 100), Field(f"{_PS}.FlowID", 3),
    Field(f"{_PS}.iDeviceChemistry", 18), Field(f"{_PS}.Rechargeable", 1),
    Field(f"{_PS}.RemainingCapacity", 100), Field(f"{_PS}.RemainingTimeLimit", 100, 16),
    Field(f"{_PS}.RunTimeToEmpty", 17911, 16), Field(f"{_PS}.Voltage", 26),
    Field(f"{_PS}.PresentStatus.ACPresent", 1, 1), Field(f"{_PS}.PresentStatus.BatteryPresent", 1, 1),
    Field(f"{_PS}.PresentStatus.Discharging", 0, 1),
]
STRINGS = {"manufacturer": "EVER", "product": "ECO PRO AVR CDS",
           "serial": "800200074230430520353859"}


def _rig(tmp_path: Path, **changes: int) -> Rig:
    fields = [Field(f.path, changes.get(f.path.rsplit(".", 1)[1], f.value), f.size, f.log_min,
                    f.log_max, report_id=f.report_id) for f in ECO_PRO]
    rig = Rig(write_device(tmp_path, "ever-ecopro-2e51_0000", fields, USAGES, STRINGS))
    rig.connect()
    return rig


def test_eco_pro_equals_nut_dump(tmp_path: Path) -> None:
    """Built descriptor, real values: every variable NUT 2.8.0 printed for the unit.

    The dump's inline ``#BAD`` note is dropped: NUT 2.8.0 printed
    output.powerfactor as ``powerfactor`` (a bug); master's name is the dump's.
    """
    nut = {k: v.split("\t#")[0]
           for k, v in dev_values("EVER__ECO_PRO_AVR_CDS__usbhid-ups__2.8.0__01.dev").items()
           if not k.startswith(("driver.", "device."))}
    ours = {k: v for k, v in _rig(tmp_path).values().items()
            if not k.startswith(("driver.", "device."))}
    assert ours == nut


def test_eco_pro_types_and_commands(tmp_path: Path) -> None:
    """RW NUMBER rows, the HU_FLAG_ABSENT delay and the two commands of the table."""
    update = _rig(tmp_path).poll()
    assert update.specs["experimental.control.audible_alarm"].rw
    assert update.specs["battery.runtime.low"].string_len == 0
    assert sorted(update.commands) == ["load.off", "load.off.delay", "shutdown.return"]


def test_workmode_sets_off(tmp_path: Path) -> None:
    """A work mode other than online / on battery is "off" (ever_on_off_fun)."""
    values = _rig(tmp_path, EVER98=2).values()
    assert (values["experimental.status.workmode"], values["ups.status"]) == ("STOP", "OL OFF")


def test_whole_report_texts() -> None:
    """Messages/alarms words, MAC, addresses and packet counters as NUT prints them."""
    replies = {75: bytes([75, 0x44, 0x0C]), 76: bytes([76, 0x05, 0x01]),
               210: bytes([210, 0, 0x1B, 0xC5, 0x0A, 0xB0, 0x01]), 230: bytes([230, 192, 168, 1, 7]),
               215: bytes([215, 0x10, 0x27, 0, 0]), 216: bytes([216, 1, 2])}
    assert report_values(replies, set(EVER.layouts[0].variables)) == {
        "experimental.status.messages": "BOOST CHARGING OVERHEAT",
        "experimental.status.alarms": "OVERLOAD OVERHEAT CRITICAL_BATT_VOLTAGE",
        "experimental.networkcard.mac_address": "00:1b:c5:0a:b0:01",
        "experimental.networkcard.ip_address": "192.168.1.7",
        "experimental.networkcard.send_packets": "10000",
        "experimental.networkcard.received_packets": "",
    }


def test_version_words() -> None:
    """ever_format_version / ever_format_hardware."""
    ctx = Context(lambda i: None, {}, {})
    assert (version(0x1203, ctx), version(0xAB0C, ctx)) == ("v1.2b03", "vA.Bb12")
    assert (hardware(0x0201, ctx), hardware(0x1B00, ctx)) == ("rev.Bv01", None)


@pytest.mark.parametrize(("vid", "pid", "forced", "claimed"), [
    (0x2E51, 0x0000, False, True), (0x2E51, 0xFFFF, False, True), (0x0483, 0xA113, False, True),
    (0x0483, 0x5740, False, False), (0x2E51, 0x0001, True, True),
    (0x0483, 0x5740, True, False),      # forced 0483 goes to CyberPower first (NUT's order)
])
def test_ever_claim(vid: int, pid: int, forced: bool, claimed: bool) -> None:
    """ever_claim: three IDs; other products of 2e51 and 0483 only with productid."""
    assert (subdriver_for(vid, pid, forced) is EVER) is claimed
