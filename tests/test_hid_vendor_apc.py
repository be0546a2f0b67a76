"""APC table (apc-hid.c, NUT master): real Back-UPS units through the virtual UPS, APC's quirks."""

from __future__ import annotations

from pynutd.drivers.hid.bind import apply_fixes
from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.rows import DeviceIdent
from pynutd.drivers.hid.status import status_text
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.apc import APC, apc_date, identity
from pynutd.drivers.hid.vendors.descfix import CONFIG_VOLTAGE, VOLTAGE, find_by_id
from tests.hidfakes import FIXTURES, Rig, descriptor, dev_values

BACKUPS500 = "apc-backups500-051d_0002.hex"
CTX = Context(lambda i: None, {}, {})

# NUT master's apc-hid.c on the reports NUT logged for this Back-UPS 500 (issue #1776): each
# Path: value through the table's row and format.  battery.mfr.date is APC's own date word
# (UPS.PowerSummary.APCBattReplaceDate 0x070304), not the HID packed date.
NUT_VALUES = {
    "battery.charge": "100",
    "battery.charge.low": "10",
    "battery.charge.warning": "50",
    "battery.mfr.date": "2004/07/03",
    "battery.runtime": "2580",
    "battery.type": "PbAc",
    "battery.voltage.nominal": "12.0",
    "driver.version.data": "APC HID 0.101",
    "ups.firmware": "6.5.I",
    "ups.firmware.aux": " c1",
    "ups.mfr": "American Power Conversion",
    "ups.mfr.date": "2004/07/03",
    "ups.model": "Back-UPS 500",
    "ups.productid": "0002",
    "ups.status": "OL",
    "ups.timer.reboot": "0",
    "ups.vendorid": "051d",
}


def test_backups500_every_variable_equals_nut() -> None:
    """The old Back-UPS 500: battery.mfr.date from APCBattReplaceDate, and the rest as NUT.

    battery.voltage (report 0x09) is left out: the published data of that
    log does not carry the report.
    """
    rig = Rig(FIXTURES / BACKUPS500)
    rig.connect()
    update = rig.poll()
    ours = {k: v for k, v in update.values.items() if not k.startswith("device.")}
    ours.pop("battery.voltage")
    assert ours == NUT_VALUES
    assert sorted(update.commands or ()) == ["shutdown.reboot", "test.panel.start",
                                             "test.panel.stop"]


def test_apc_date_is_hex_digits_read_as_decimal() -> None:
    """0x092501 is 2001/09/25 (the date NUT prints as battery.date for many Back-UPS)."""
    assert apc_date(0x092501, CTX) == "2001/09/25"
    assert apc_date(0x102299, CTX) == "1999/10/22"
    assert apc_date(0, CTX) == "not set"


def test_status_flag_and_line_fail_cause_words() -> None:
    """APCStatusFlag 0 is OFF, 8/16 clear it; APCLineFailCause sets the transfer reason."""
    by_path = {row.path + row.flag: row for row in APC.status}
    flag = by_path["UPS.PowerSummary.APCStatusFlagoff"]
    assert flag.convert is not None
    assert [flag.convert(v, CTX, {}) for v in (0, 8, 16, 3)] == ["off", "!off", "!off", None]
    vrange = by_path["UPS.Input.APCLineFailCausevrange"]
    frange = by_path["UPS.Input.APCLineFailCausefrange"]
    assert vrange.convert is not None and frange.convert is not None
    assert [vrange.convert(v, CTX, {}) for v in (0, 1, 9, 7)] == ["!vrange", "vrange", "vrange",
                                                                   None]
    assert [frange.convert(v, CTX, {}) for v in (0, 7, 1)] == ["!frange", "frange", None]
    assert status_text({"online": True, "off": True})[0] == "OL OFF"


def test_model_split_at_fw() -> None:
    """apc_format_model: the model before "FW:", the firmware after, the USB firmware apart."""
    ident = DeviceIdent(0x051D, 0x0002, product="Back-UPS ES 750 FW:841.I2 .D USB FW:I2")
    assert identity(ident) == {"ups.model": "Back-UPS ES 750", "ups.firmware": "841.I2 .D",
                               "ups.firmware.aux": "I2"}
    assert identity(DeviceIdent(0x051D, 0x0002, product="BK650M2-CH")) == {}


def test_claim_product_table_and_pollonly() -> None:
    """051d products NUT lists are claimed; others only with productid; 5G models poll only."""
    assert subdriver_for(0x051D, 0x0002) is APC
    assert subdriver_for(0x051D, 0x0005) is APC
    assert not APC.claims(DeviceIdent(0x051D, 0x0009))
    assert APC.claims(DeviceIdent(0x051D, 0x0009, forced=True))
    assert APC.pollonly_products == (0x0003, 0x0004)


def test_xs1400u_input_voltage_range_fixed() -> None:
    """The real XS 1400U descriptor (issue #1189): 75..140 V inputs widened as NUT logs it.

    NUT's log for this unit: "hvt input LogMin: 280 LogMax: 280", then
    "Set voltage LogMin = 0, LogMax = 560" and "Set configVoltage ... LogMax = 255".
    """
    desc = descriptor("apc-backups-xs1400u-051d_0002.hex")
    before = find_by_id(desc, 0x31, VOLTAGE)
    assert before is not None and (before.log_min, before.log_max) == (75, 140)
    fixed = apply_fixes(desc, APC, 0x0002)
    voltage = find_by_id(fixed, 0x31, VOLTAGE)
    nominal = find_by_id(fixed, 0x30, CONFIG_VOLTAGE)
    assert voltage is not None and (voltage.log_min, voltage.log_max) == (0, 560)
    assert nominal is not None and (nominal.log_min, nominal.log_max) == (75, 255)
    assert apply_fixes(desc, APC, 0x0003) == desc


ES850G2 = "apc-backups-es850g2-051d_0002.hex"
ES850G2_DUMP = "APC__Back-UPS_ES_850G2__usbhid-ups__2.8.0__01.dev"


def test_es850g2_values_and_nut_280_dump_of_the_model() -> None:
    """Back-UPS ES 850G2 (issue #1304 reports): battery.date by APC's date, as NUT prints it.

    The upsc dump is NUT 2.8.0's for another ES 850G2: same variables (the
    serial is not in the fixture's strings) and the same settings, ratings
    and states.  Its ups.firmware.aux "a2 " keeps the USB string's trailing
    blank, which the fixture's strings file cannot hold.
    """
    rig = Rig(FIXTURES / ES850G2)
    rig.connect()
    ours = {k: v for k, v in rig.values().items() if not k.startswith(("device.", "driver."))}
    dump = {k: v for k, v in dev_values(ES850G2_DUMP).items()
            if not k.startswith(("device.", "driver."))}
    assert set(ours) | {"ups.serial"} == set(dump)
    same = ["battery.charge", "battery.charge.low", "battery.charge.warning", "battery.date",
            "battery.runtime.low", "battery.type", "battery.voltage.nominal",
            "input.sensitivity", "input.transfer.high", "input.transfer.low",
            "input.voltage.nominal", "ups.beeper.status", "ups.delay.shutdown", "ups.firmware",
            "ups.mfr", "ups.model", "ups.productid", "ups.realpower.nominal", "ups.status",
            "ups.test.result", "ups.timer.reboot", "ups.timer.shutdown", "ups.vendorid"]
    assert {k: ours[k] for k in same} == {k: dump[k] for k in same}
    # This unit's own readings, from the same log's Path: values through the table.
    assert {k: ours[k] for k in ("battery.mfr.date", "ups.mfr.date", "battery.runtime",
                                 "battery.voltage", "input.voltage", "ups.load")} == {
        "battery.mfr.date": "2021/03/02", "ups.mfr.date": "2021/03/02",
        "battery.runtime": "868", "battery.voltage": "13.4", "input.voltage": "228.0",
        "ups.load": "34"}
