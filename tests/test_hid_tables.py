"""Table helpers: status synthesis, converters, usage paths, and the hidapi backend wrapper."""

from __future__ import annotations

import pytest

from pynutd.control import DeviceError
from pynutd.drivers.hid.converters import (
    Context,
    kelvin_celsius,
    packed_date,
    selftest_result,
)
from pynutd.drivers.hid.device import DeviceInfo, HidapiBackend
from pynutd.drivers.hid.dumps import dump_texts
from pynutd.drivers.hid.runner import fetch_reports
from pynutd.drivers.hid.status import (
    LbRbClock,
    StatusOptions,
    apply_status,
    bit_token,
    process_boolean,
    status_text,
)
from pynutd.drivers.hid.usages import path_to_string, string_to_path

CTX = Context(lambda i: None, {}, {})


@pytest.mark.parametrize("flags, charge, status, alarm", [
    ({"online": True}, None, "OL", None),
    # NUT >= 2.8.5 (#3146): Charging counts when the device says not fully
    # charged, or, saying neither, while battery.charge is between 0 and 100.
    ({"online": True, "chrg": True}, None, "OL", None),
    ({"online": True, "chrg": True}, "90", "OL CHRG", None),
    ({"online": True, "chrg": True}, "100", "OL", None),
    ({"online": True, "chrg": True, "notfullycharged": True}, "100", "OL CHRG", None),
    ({"online": True, "chrg": True, "fullycharged": True}, "90", "OL", None),
    ({"offline": True, "dischrg": True}, None, "OB DISCHRG", None),
    ({"dischrg": True, "lowbatt": True}, None, "OB DISCHRG LB", None),   # no power state
    ({"dischrg": True, "depleted": True, "lowbatt": True}, None, "OB LB", None),
    ({}, None, "", None),                                 # neither online nor offline
    ({"online": True, "dischrg": True}, None, "OL DISCHRG", None),       # APC BK650M2-CH
    ({"online": True, "timelimitexp": True}, None, "OL LB", None),
    ({"online": True, "cal": True}, None, "CAL OL", None),
    ({"online": True, "replacebatt": True}, None, "ALARM OL RB", "Replace battery!"),
    ({"dischrg": True, "shutdownimm": True}, None, "ALARM OB DISCHRG LB", "Shutdown imminent!"),
    ({"online": True, "overload": True, "boost": True}, None, "OL OVER BOOST", None),
    ({"online": True, "trim": True, "nobattery": True}, None, "ALARM OL RB TRIM",
     "No battery installed!"),
    ({"online": True, "bypassman": True, "off": True}, None, "ALARM OL BYPASS OFF",
     "Manual bypass mode!"),
    ({"fanfail": True}, None, "ALARM", "Fan failure!"),
])
def test_status_as_nut_master(flags: dict[str, bool], charge: str | None, status: str,
                              alarm: str | None) -> None:
    """ups.status and ups.alarm follow usbhid-ups master's ups_status_set / ups_alarm_set."""
    assert status_text(flags, charge)[:2] == (status, alarm)


def test_online_discharging_options() -> None:
    """onlinedischarge_onbattery reports OL+DISCHRG as OB, onlinedischarge_calibration as CAL."""
    flags = {"online": True, "dischrg": True}
    assert status_text(flags, None, StatusOptions(onbattery=True))[0] == "OB DISCHRG"
    assert status_text(flags, None, StatusOptions(calibration=True))[0] == "CAL DISCHRG"
    assert status_text(flags, None, StatusOptions(True, True))[0] == "CAL OB DISCHRG"


def test_process_boolean_as_nut() -> None:
    """A bit at 0 says offline / notfullycharged; each of a pair clears the other."""
    assert [bit_token(f, s) for f, s in (("online", False), ("fullycharged", False),
                                         ("chrg", False), ("off", True))] == \
        ["offline", "notfullycharged", "!chrg", "off"]
    flags: dict[str, bool] = {}
    for token in ("online", "offline"):
        process_boolean(flags, token)
    assert (flags["online"], flags["offline"]) == (False, True)
    process_boolean(flags, "!offline")
    assert not flags["offline"] and not flags["online"]
    process_boolean(flags, "notfullycharged")
    process_boolean(flags, "fullycharged")
    assert (flags["fullycharged"], flags["notfullycharged"]) == (True, False)
    process_boolean(flags, "!fullycharged")
    assert not flags["notfullycharged"]     # only the device saying so sets the other


def test_eco_mode_buzzwords() -> None:
    """eco_mode_info's ecomode/essmode become experimental.ups.mode.buzzwords, else none."""
    values: dict[str, str] = {"experimental.ups.mode.buzzwords": "old"}
    apply_status(values, {"online": True, "ecomode": True})
    assert values["experimental.ups.mode.buzzwords"] == "vendor:default:ECO"
    apply_status(values, {"online": True})
    assert "experimental.ups.mode.buzzwords" not in values and values["ups.status"] == "OL"


def test_transfer_reason() -> None:
    """vrange / frange give input.transfer.reason."""
    assert status_text({"online": True, "vrange": True})[2] == "input voltage out of range"
    assert status_text({"online": True})[2] is None


def test_converters() -> None:
    """Dates, kelvin and lookups convert as NUT's hid2info functions."""
    assert packed_date(10785, CTX) == "2001/01/01" and packed_date(20648, CTX) == "2020/05/08"
    assert packed_date(0, CTX) == "not set"
    assert kelvin_celsius(297.05, CTX) == "23.9" and kelvin_celsius(25, CTX) == "25.0"
    assert selftest_result(5, CTX) == "In progress" and selftest_result(42, CTX) is None


def test_path_round_trip() -> None:
    """Dotted names and usage paths convert both ways, hex and [n] included."""
    path = string_to_path("UPS.PowerSummary.PresentStatus.ACPresent", {})
    assert path == (0x00840004, 0x00840024, 0x00840002, 0x008500D0)
    assert path_to_string(path, {}) == "UPS.PowerSummary.PresentStatus.ACPresent"
    assert string_to_path("UPS.ff860061", {}) == (0x00840004, 0xFF860061)
    assert string_to_path("UPS.NoSuchThing", {}) == (0x00840004,)   # left out, as NUT
    assert string_to_path("NoSuchThing", {}) is None
    assert path_to_string((0x00840004, 0x00FF0001), {}) == "UPS.[1]"


class FakeHidapiDevice:
    """Stands in for cython-hidapi's hid.device (same method names and failures)."""

    def __init__(self) -> None:
        self.sent: list[list[int]] = []

    def get_feature_report(self, rid: int, length: int) -> list[int]:
        if rid == 0x99:
            raise OSError("read error")
        return [rid, 0x64][:length]

    def send_feature_report(self, data: list[int]) -> int:
        self.sent.append(data)
        return -1 if data[0] == 0x99 else len(data)

    def get_indexed_string(self, index: int) -> str:
        raise OSError("hid_get_indexed_string: not supported by hidraw")

    def close(self) -> None:
        pass


def _backend() -> tuple[HidapiBackend, FakeHidapiDevice]:
    info = DeviceInfo(b"/dev/hidraw0", 0x09AE, 0x2012, "SN1", "Tripp Lite", "UPS", 0x84, 4)
    backend = HidapiBackend(info)
    fake = FakeHidapiDevice()
    backend._dev = fake
    return backend, fake


def test_hidapi_backend_reports_and_failures() -> None:
    """hidapi's -1 from send_feature_report becomes OSError; hidraw's missing strings None."""
    backend, fake = _backend()
    assert backend.get_feature_report(0x34, 2) == bytes([0x34, 0x64])
    assert backend.send_feature_report(bytes([0x15, 0x14, 0x00])) == 3
    assert fake.sent == [[0x15, 0x14, 0x00]]
    with pytest.raises(OSError):
        backend.send_feature_report(bytes([0x99, 0x00]))
    assert backend.get_string(4) is None
    backend.close()
    with pytest.raises(OSError):
        backend.get_feature_report(0x34, 2)


def test_fetch_reports_tolerates_some_failures() -> None:
    """One unreadable report is skipped; all unreadable is DeviceError (device gone)."""
    backend, _ = _backend()
    assert fetch_reports(backend, {0x34: 2, 0x99: 2}) == {0x34: bytes([0x34, 0x64])}
    with pytest.raises(DeviceError):
        fetch_reports(backend, {0x99: 2})


def test_dump_format_is_what_the_virtual_ups_reads() -> None:
    """dump_texts writes .hex / .reports.txt / .strings.txt in the fixture format."""
    from pynutd.drivers.hid.dumps import from_hex, parse_reports
    backend, _ = _backend()
    texts = dump_texts(bytes(range(20)), {0x34: bytes([0x34, 0x64]), 0x99: "read error"},
                       {4: "PbAC"}, backend)
    assert from_hex(texts[".hex"]) == bytes(range(20))
    assert parse_reports(texts[".reports.txt"]) == {0x34: bytes([0x34, 0x64])}
    assert "# 99: read error" in texts[".reports.txt"]
    assert "4: PbAC" in texts[".strings.txt"] and "manufacturer: Tripp Lite" in texts[".strings.txt"]


def test_lbrb_delay_while_calibrating() -> None:
    """lbrb_log_delay_sec: on mains while calibrating, LB and RB show only after the delay."""
    options = StatusOptions(lbrb_delay=3)
    clock = LbRbClock()
    flags = {"online": True, "cal": True, "lowbatt": True, "replacebatt": True}
    assert status_text(flags, None, options, clock, 100.0)[0] == "ALARM CAL OL"
    assert status_text(flags, None, options, clock, 103.0)[0] == "ALARM CAL OL"
    assert status_text(flags, None, options, clock, 103.5)[0] == "ALARM CAL OL LB RB"
    # not calibrating (and no lbrb_log_delay_without_calibrating), or on battery: at once
    assert status_text({**flags, "cal": False}, None, options, LbRbClock(), 0.0)[0] == \
        "ALARM OL LB RB"
    assert status_text({**flags, "online": False}, None, options, LbRbClock(), 0.0)[0] == \
        "ALARM CAL LB RB"
    without = StatusOptions(lbrb_delay=3, lbrb_without_calibrating=True)
    assert status_text({**flags, "cal": False}, None, without, LbRbClock(), 50.0)[0] == \
        "ALARM OL"
    # the condition gone resets the clock
    status_text({"online": True, "cal": True}, None, options, clock, 104.0)
    assert (clock.lb_since, clock.rb_since) == (0.0, 0.0)
