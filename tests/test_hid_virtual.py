"""The virtual HID UPS: power events move its reports, as seen through the real driver."""

from __future__ import annotations

import pytest

from pynutd.control import DeviceError
from pynutd.sim.hid_virtual_model import SCENARIOS
from tests.hidfakes import DATA, FIXTURES, Rig, result

TL3016 = DATA / "tripplite-smart1500lcdt-09ae_3016.hex"
TL4003 = FIXTURES / "tripplite-smartonline3000-09ae_4003.hex"


def _at(rig: Rig, seconds: float, tier: str = "full") -> dict[str, str]:
    rig.clock.advance(seconds)
    return rig.values(tier)


def test_outage_goes_ol_ob_lb() -> None:
    """Outage: OL, then OB DISCHRG when mains fail at 10 s, then LB at charge.low (10 %)."""
    rig = Rig(TL3016, "outage")
    rig.connect()
    assert rig.values()["ups.status"] == "OL"
    v = _at(rig, 15)
    assert v["ups.status"] == "OB DISCHRG" and v["input.voltage"] == "0.0"
    assert int(v["battery.charge"]) < 100
    v = _at(rig, 80)
    assert v["ups.status"] == "OB DISCHRG" and 10 < int(v["battery.charge"]) <= 30
    v = _at(rig, 8)
    assert v["ups.status"] == "OB DISCHRG LB"
    assert int(v["battery.charge"]) <= 10 and int(v["battery.runtime"]) < 200


def test_timescale_speeds_the_scenario() -> None:
    """With timescale 20 the outage reaches LB about 5 s of wall time in; empty stops DISCHRG."""
    rig = Rig(TL3016, "outage", timescale=20)
    rig.connect()
    assert _at(rig, 5.2, "quick")["ups.status"] == "OB DISCHRG LB"
    # FullyDischarged ("depleted") hides DISCHRG, as NUT's ups_status_set does.
    assert _at(rig, 2, "quick")["ups.status"] == "OB LB"


def test_quick_poll_reads_status_only() -> None:
    """The quick tier re-reads status and timers, not the charge (NUT's QUICK_POLL rows)."""
    rig = Rig(TL3016, "outage")
    rig.connect()
    rig.values()
    quick = _at(rig, 40, "quick")
    assert quick["ups.status"] == "OB DISCHRG"
    assert quick["battery.charge"] == "100"          # last full poll's value
    assert int(rig.values()["battery.charge"]) < 100


def test_self_test_in_progress_then_passed() -> None:
    """test.battery.start.quick: Test reads 5 (in progress, discharging) then 1 (passed)."""
    rig = Rig(TL4003, "online")
    rig.connect()
    rig.command("test.battery.start.quick")
    v = rig.values()
    assert v["ups.test.result"] == "In progress" and v["ups.status"] == "OL DISCHRG"
    v = _at(rig, 12)
    assert v["ups.test.result"] == "Done and passed" and v["ups.status"] == "OL CHRG"


def test_shutdown_delay_counts_down_and_output_dies_on_battery() -> None:
    """On battery, load.off.delay 20 counts down; at 0 the UPS is off and USB gone until mains."""
    rig = Rig(TL4003, "online")
    rig.connect()
    rig.device.set_mains(False)
    rig.command("load.off.delay")
    timer = int(_at(rig, 5, "quick")["ups.timer.shutdown"])
    assert 10 <= timer <= 15
    rig.clock.advance(20)
    with pytest.raises(DeviceError):
        rig.values("quick")
    with pytest.raises(DeviceError):
        rig.connect()
    rig.device.set_mains(True)
    rig.clock.advance(1)
    rig.connect()
    assert rig.values()["ups.status"].startswith("OL")


def test_shutdown_stop_cancels() -> None:
    """shutdown.stop (-1) cancels a running countdown."""
    rig = Rig(TL4003, "online")
    rig.connect()
    rig.device.set_mains(False)
    rig.command("load.off.delay", "10")
    rig.command("shutdown.stop")
    rig.clock.advance(30)
    assert rig.values()["ups.status"].startswith("OB")


def test_status_change_queues_input_report() -> None:
    """A status flip queues an interrupt-in report carrying the status (report 0x32)."""
    rig = Rig(TL3016, "online")
    rig.connect()
    rig.device.model.queue.clear()
    rig.device.set_mains(False)
    rig.clock.advance(1)
    rig.values("quick")
    report = rig.device.read(64, 0)
    assert report and report[0] in (0x32, 0x34, 0x35)


def test_unplugged_device_fails_and_comes_back() -> None:
    """Pulling the cable makes polls fail (DeviceError); plugging it back lets connect work."""
    rig = Rig(TL4003)
    rig.connect()
    rig.device.unplugged = True
    with pytest.raises(DeviceError):
        rig.values()
    rig.device.unplugged = False
    rig.connect()
    assert rig.values()["battery.charge"] == "100"


def test_unknown_report_is_a_stalled_pipe() -> None:
    """GET_REPORT of an ID the descriptor lacks fails like a stalled pipe."""
    rig = Rig(TL4003)
    rig.connect()
    with pytest.raises(OSError):
        rig.device.get_feature_report(0xEE, 8)


def test_short_replies_are_kept() -> None:
    """APC's short replies come back short, as the real device sends them."""
    rig = Rig(FIXTURES / "apc-backups-bk650m2ch-051d_0002.hex")
    rig.device.open()
    assert rig.device.get_feature_report(0x31, 33) == bytes([0x31, 0xE8, 0x00])


def test_scenarios_are_named() -> None:
    """The scenarios ups.conf may name."""
    assert {"replay", "online", "outage", "cycle"} <= set(SCENARIOS)


def test_result_helper_raises_failure() -> None:
    """The test helper re-raises a failed Deferred (guards the other tests)."""
    from twisted.internet.defer import fail
    with pytest.raises(ValueError):
        result(fail(ValueError("x")))


def test_interrupt_tier_shows_status_without_get_report() -> None:
    """The interrupt tier applies queued input reports: OB shows with no GET_REPORT at all."""
    rig = Rig(TL3016, "online")
    rig.connect()
    assert "interrupt" in rig.driver.tiers()
    rig.device.model.queue.clear()
    calls: list[int] = []
    original = rig.device.get_feature_report
    rig.device.get_feature_report = lambda rid, n: calls.append(rid) or original(rid, n)  # type: ignore[method-assign]
    rig.device.set_mains(False)
    rig.clock.advance(1)
    values = rig.values("interrupt")
    assert values["ups.status"] == "OB DISCHRG" and calls == []


def test_pollonly_has_no_interrupt_tier() -> None:
    """pollonly (NUT's flag) turns the interrupt pipe off."""
    rig = Rig(TL3016, "online", pollonly="")
    assert set(rig.driver.tiers()) == {"quick", "full"}
