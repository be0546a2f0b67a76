"""PowerCOM table (powercom-hid.c 0.75): a real BNT-800AP through the virtual UPS, PowerCOM's words."""

from __future__ import annotations

from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.rows import DeviceIdent
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.powercom import (
    POWERCOM,
    battery_voltage_text,
    boost,
    shutdown_time,
    startup_time,
    trim,
)
from tests.hidfakes import FIXTURES, Rig

BNT800AP = FIXTURES / "powercom-bnt800ap-0d9f_0004.hex"
CTX = Context(lambda i: None, {}, {})

# NUT master's powercom-hid.c on the reports NUT logged for this unit on line power (issue
# #1695): each Path: value through the table's row and format; battery.voltage is the text
# of report 0xa4 (" 26.6 3") that master reads aside.  ups.status: ACPresent and
# BatteryPresent set, nothing else.
NUT_VALUES = {
    "battery.charge": "100",
    "battery.charge.low": "10",
    "battery.charge.warning": "30",
    "battery.mfr.date": "2014/01/15",
    "battery.runtime": "2100",
    "battery.temperature": "39.0",
    "battery.type": "PbAc",
    "battery.voltage": "26.6",
    "driver.version.data": "PowerCOM HID 0.75",
    "input.frequency": "50.0",
    "input.voltage": "228.0",
    "input.voltage.nominal": "220",
    "output.frequency": "50.0",
    "output.voltage": "228.0",
    "output.voltage.nominal": "220",
    "ups.beeper.status": "disabled",
    "ups.date": "2014/01/15",
    "ups.delay.shutdown": "20",
    "ups.delay.start": "60",
    "ups.load": "6",
    "ups.mfr": "POWERCOM Co.,LTD",
    "ups.model": "HID UPS Battery",
    "ups.productid": "0004",
    "ups.serial": "004-0D9F-000",
    "ups.status": "OL",
    "ups.test.result": "Done and passed",
    "ups.timer.shutdown": "0",
    "ups.vendorid": "0d9f",
}


def _rig(**options: str) -> Rig:
    rig = Rig(BNT800AP, **options)
    rig.connect()
    return rig


def test_bnt800ap_every_variable_equals_nut() -> None:
    """Every variable PowerCOM's table gives this unit, as NUT prints it.

    ups.timer.start (report 0x10) is left out: the published data of that
    log does not carry the report.
    """
    update = _rig().poll()
    ours = {k: v for k, v in update.values.items() if not k.startswith("device.")}
    ours.pop("ups.timer.start")
    assert ours == NUT_VALUES
    assert sorted(update.commands or ()) == [
        "beeper.disable", "beeper.enable", "beeper.off", "beeper.on", "beeper.toggle",
        "load.on", "load.on.delay", "shutdown.return", "shutdown.stayoff",
        "test.battery.start.quick"]


def test_shutdown_and_startup_words_as_powercom_writes_them() -> None:
    """shutdown.return/stayoff write minutes:seconds with the restart bit, load.on.delay minutes.

    20 s (offdelay default) is 0x0054 with "AC restart normal enable", 0x0094
    with "disable"; 120 s is 0x0240; 60 s startup is 1 minute byte-swapped.
    """
    rig = _rig()
    assert rig.command("shutdown.return") == [bytes([0x0F, 0x54, 0x00])]
    assert rig.command("shutdown.stayoff") == [bytes([0x0F, 0x94, 0x00])]
    assert rig.command("shutdown.return", "120") == [bytes([0x0F, 0x40, 0x02])]
    assert rig.command("load.on.delay") == [bytes([0x10, 0x00, 0x01, 0x00, 0x00])]


def test_ups_conf_options_change_the_words() -> None:
    """offdelay/ondelay feed the words; discrete delays use PowerCOM's table index;
    the byte-order fallback puts seconds high and sets the old restart bit."""
    assert _rig(offdelay="90").command("shutdown.return") == [bytes([0x0F, 0x5E, 0x01])]
    assert _rig(ondelay="180").command("load.on.delay") == [bytes([0x10, 0x00, 0x03, 0, 0])]
    discrete = _rig(powercom_sdcmd_discrete_delay="")
    assert discrete.command("shutdown.return") == [bytes([0x0F, 0x03, 0x00])]
    assert discrete.command("shutdown.return", "600") == [bytes([0x0F, 0x12, 0x00])]
    assert discrete.command("load.on.delay", "180") == [bytes([0x10, 0x03, 0, 0, 0])]
    fallback = _rig(powercom_sdcmd_byte_order_fallback="")
    assert fallback.command("shutdown.return", "90") == [bytes([0x0F, 0x01, 0x5E])]


def test_timers_and_status_words_read_as_powercom_writes_them() -> None:
    """Timers: swapped minutes and min:sec words; the old dialect's AVR bits give TRIM/BOOST."""
    assert startup_time(0x0200, CTX) == "120"
    assert shutdown_time(0x0215, CTX) == "141"
    assert (trim(0x08, CTX, {}), boost(0x08, CTX, {})) == ("trim", "!boost")
    assert (trim(0x18, CTX, {}), boost(0x18, CTX, {})) == ("!trim", "boost")
    assert battery_voltage_text({0xA4: b"\xa4 0072 3"}, set()) == {"battery.voltage": "0.0"}


def test_claim_products_and_the_serial_model() -> None:
    """Listed products are PowerCOM's; others with productid, except 0002 (serial protocol)."""
    assert subdriver_for(0x0D9F, 0x00A4) is POWERCOM
    assert not POWERCOM.claims(DeviceIdent(0x0D9F, 0x0009))
    assert POWERCOM.claims(DeviceIdent(0x0D9F, 0x0009, forced=True))
    assert not POWERCOM.claims(DeviceIdent(0x0D9F, 0x0002, forced=True))
    assert not POWERCOM.claims(DeviceIdent(0x0764, 0x0004, forced=True))
