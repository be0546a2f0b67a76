"""The usbhid-ups driver: device matching, table choice, configuration, the poller loop."""

from __future__ import annotations

import dataclasses

import pytest
from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock

from pynutd.config import ConfigError
from pynutd.drivers import create_driver
from pynutd.drivers.hid.device import DeviceInfo
from pynutd.drivers.hid.driver import UsbHidDriver, create
from pynutd.drivers.hid.match import Matcher, choose, scan_devices
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.apc import APC as APC_TABLE
from pynutd.drivers.hid.vendors.cyberpower import CYBERPOWER
from pynutd.drivers.hid.vendors.generic import GENERIC
from pynutd.drivers.hid.vendors.mge import MGE
from pynutd.drivers.hid.vendors.tripplite import TRIPPLITE
from pynutd.drivers.poller import Poller
from pynutd.sim.hid_virtual import VirtualHidUps, open_virtual
from pynutd.ups import Availability, UpsState
from tests.hidfakes import DATA, FIXTURES, section

VIRTUAL = {"virtual": open_virtual}

TL = DeviceInfo(b"/dev/hidraw3", 0x09AE, 0x3016, "2315AVHSM812345", "Tripp Lite",
                "TRIPP LITE UPS", 0x84, 0x04)
APC = DeviceInfo(b"/dev/hidraw1", 0x051D, 0x0002, "9B2019A14274",
                 "American Power Conversion", "Back-UPS BK650M2-CH", 0x84, 0x04)
MOUSE = DeviceInfo(b"/dev/hidraw0", 0x046D, 0xC077, "", "Logitech", "USB Optical Mouse", 1, 2)


@pytest.mark.parametrize("options, matches", [
    ({}, [TL, APC]),
    ({"vendorid": "09ae"}, [TL]),
    ({"vendorid": "051D", "productid": "0002"}, [APC]),
    ({"vendor": "tripp lite"}, [TL]),              # case-insensitive
    ({"product": "Back-UPS.*"}, [APC]),
    ({"product": "Back-UPS"}, []),                 # the whole string must match
    ({"serial": "9B2019A14274"}, [APC]),
    ({"serial": "9B2019"}, []),
])
def test_matching_as_nut(options: dict[str, str], matches: list[DeviceInfo]) -> None:
    """vendorid/productid in hex, vendor/product/serial as whole-string regexes."""
    matcher = Matcher.from_section(section("auto", **options))
    assert [d for d in (TL, APC, MOUSE) if matcher.matches(d) and d is not MOUSE] == matches


def test_device_found_again_after_replug_on_a_new_path() -> None:
    """Identity, not the hidraw path, finds the UPS after a re-plug."""
    matcher = Matcher.from_section(section("auto", serial="2315AVHSM812345"))
    moved = dataclasses.replace(TL, path=b"/dev/hidraw7")
    assert choose([MOUSE, APC, moved], matcher) == moved
    assert choose([MOUSE], matcher) is None


@pytest.mark.parametrize("key, value", [("vendorid", "tripp"), ("serial", "(")])
def test_bad_match_options_are_config_errors(key: str, value: str) -> None:
    """A bad vendorid or regex is a ConfigError naming the key."""
    with pytest.raises(ConfigError, match=key):
        create(section("auto", **{key: value}), Clock())


def test_virtual_port_errors() -> None:
    """A missing virtual file or unknown scenario is refused at configuration time."""
    with pytest.raises(ConfigError, match="does not exist"):
        create(section("virtual:nope.hex"), Clock(), VIRTUAL)
    with pytest.raises(ConfigError, match="virtual_scenario"):
        create(section(f"virtual:{DATA}/tripplite-smart1500lcdt-09ae_3016.hex",
                       virtual_scenario="flood"), Clock(), VIRTUAL)


def test_port_kind_opens_through_the_registered_opener() -> None:
    """port = virtual:FILE opens the registered opener's device; unregistered, a ConfigError."""
    hex_path = f"{DATA}/tripplite-smart1500lcdt-09ae_3016.hex"
    driver = create(section(f"virtual:{hex_path}"), Clock(), VIRTUAL)
    assert isinstance(driver.opener(), VirtualHidUps)
    with pytest.raises(ConfigError, match="port 'virtual:"):
        create(section(f"virtual:{hex_path}"), Clock())
    with pytest.raises(ConfigError, match="port 'virtual:"):
        create_driver(section(f"virtual:{hex_path}"), Clock())
    assert isinstance(create_driver(section(f"virtual:{hex_path}"), Clock(),
                                    hid_openers=VIRTUAL).opener(), VirtualHidUps)


def test_scan_lists_ups_with_sections() -> None:
    """scan: one entry per UPS (not the mouse), with a ready ups.conf section."""
    found = scan_devices([MOUSE, TL, APC, TL])
    assert len(found) == 2
    description, text = found[0]
    assert "09ae:3016" in description and "/dev/hidraw3" in description
    assert "driver = usbhid-ups" in text and "vendorid = 09ae" in text
    assert "productid = 3016" in text and 'serial = "2315AVHSM812345"' in text
    assert found[1][1].startswith("[apc")


@pytest.mark.parametrize("vid, pid, forced, name", [
    (0x09AE, 0x2012, False, TRIPPLITE.name),
    (0x09AE, 0x9999, False, GENERIC.name),      # unknown Tripp Lite PID: not claimed
    (0x09AE, 0x9999, True, TRIPPLITE.name),
    (0x03F0, 0x1FE0, False, TRIPPLITE.name),   # listed in tripplite-hid.c
    (0x051D, 0x0002, False, APC_TABLE.name),
    (0x0764, 0x0501, False, CYBERPOWER.name),
    (0x0463, 0xFFFF, False, MGE.name),   # Eaton: MGE HID (mge.py)
])
def test_table_chosen_by_vendor(vid: int, pid: int, forced: bool, name: str) -> None:
    """The vendor table is chosen by vendor ID, unknown products need productid=."""
    assert subdriver_for(vid, pid, forced).name == name


def test_tripplite_scale_quirks_by_product() -> None:
    """Battery scale 0.1 for protocol 1xxx/2xxx, 1e5 for 3016/3024, 1.0 for 4xxx."""
    tl = subdriver_for(0x09AE, 0x2012)
    assert tl.scale_for(0x2012)["battery"] == 0.1
    assert tl.scale_for(0x3016)["io_voltage"] == 1e5
    assert tl.scale_for(0x4003)["battery"] == 1.0


def _poller(timescale: float = 1.0, **options: str) -> tuple[Poller, UpsState, VirtualHidUps,
                                                            Clock]:
    clock = Clock()
    clock.advance(1_000_000)
    hex_path = DATA / "tripplite-smart1500lcdt-09ae_3016.hex"
    device = VirtualHidUps.from_file(hex_path, clock, options.pop("scenario", "online"),
                                     timescale)
    sec = section(f"virtual:{hex_path}", DATA, **options)
    driver = UsbHidDriver(sec, clock, lambda: device, maybeDeferred)
    state = UpsState("hid", None, "usbhid-ups")
    poller = Poller(state, driver, sec, clock)
    poller.start()
    return poller, state, device, clock


def test_poller_tiers_and_device_variables() -> None:
    """Quick every 2 s, full every 30 s, interrupt pipe every 0.5 s; core adds device.*."""
    poller, state, _, _ = _poller()
    assert poller.driver.tiers() == {"quick": 2.0, "full": 30.0, "interrupt": 0.5}
    snap = state.snapshot()
    assert snap.value("ups.status") == "OL"
    assert snap.value("device.mfr") == "Tripp Lite" and snap.value("device.type") == "ups"
    assert snap.value("driver.name") == "usbhid-ups"
    assert snap.value("driver.parameter.pollfreq") == "30"
    assert "shutdown.return" in snap.commands
    poller.stop()


def test_poller_follows_outage_and_survives_unplug() -> None:
    """Status follows the outage at the quick period; an unplug goes stale, a replug recovers."""
    poller, state, device, clock = _poller(scenario="outage")
    clock.advance(12)
    assert state.snapshot().value("ups.status") == "OB DISCHRG"
    device.unplugged = True
    for _ in range(40):
        clock.advance(1)
    assert state.snapshot().availability(clock.seconds(), 15) == Availability.DATA_STALE
    device.unplugged = False
    for _ in range(70):
        clock.advance(1)
    snap = state.snapshot()
    assert snap.availability(clock.seconds(), 15) == Availability.OK
    assert snap.value("ups.status", "").startswith("OB")
    poller.stop()


def test_pollinterval_and_pollfreq_options() -> None:
    """ups.conf pollinterval / pollfreq set the tiers; pollonly drops the interrupt one."""
    poller, _, _, _ = _poller(pollinterval="5", pollfreq="60", pollonly="")
    assert poller.driver.tiers() == {"quick": 5.0, "full": 60.0}
    poller.stop()


def test_offdelay_ondelay_options() -> None:
    """ondelay / offdelay set the driver-side delays (NUT's ups.conf keys)."""
    poller, state, _, _ = _poller(offdelay="45", ondelay="90")
    snap = state.snapshot()
    assert (snap.value("ups.delay.shutdown"), snap.value("ups.delay.start")) == ("45", "90")
    poller.stop()


def test_fixture_descriptors_all_bind() -> None:
    """Every saved descriptor gets status rows and battery.charge through its table."""
    from pynutd.drivers.hid.bind import apply_fixes, bind
    from tests.hidfakes import DESCRIPTORS, descriptor
    for name in DESCRIPTORS:
        vid, pid = (int(x, 16) for x in name[:-4].rsplit("-", 1)[1].split("_"))
        sub = subdriver_for(vid, pid)
        dmap = bind(sub, apply_fixes(descriptor(name), sub, pid))
        assert dmap.status, name
        assert any(row.var == "battery.charge" for row, _ in dmap.variables), name
    assert FIXTURES.exists()


def test_product_quirks_skip_report_and_pollonly() -> None:
    """SU3000LCD2UHV (09ae:1330) never reads report 0x54; APC 051d:0003 polls only."""
    from pynutd.drivers.hid.bind import bind
    from tests.hidfakes import descriptor
    tl = subdriver_for(0x09AE, 0x1330)
    desc = descriptor("tripplite-smartonline3000-09ae_4003.hex")
    normal, quirky = bind(tl, desc, 0x4003), bind(tl, desc, 0x1330)
    def realpower(dmap):  # type: ignore[no-untyped-def]
        return next(f.report_id for row, f in dmap.variables if row.var == "ups.realpower")
    # The next row for the same variable takes over (Output.ActivePower, 0x47).
    assert (realpower(normal), realpower(quirky)) == (0x54, 0x47)
    assert 0x54 not in {f.report_id for _, f in quirky.variables + quirky.status}
    assert subdriver_for(0x051D, 0x0003).pollonly_products == (0x0003, 0x0004)


@pytest.mark.parametrize("fixture", ["tripplite-smart1500lcdt-09ae_3016.hex",
                                     "cyberpower-cp1500pfclcd-0764_0501.hex"])
def test_short_replies_keep_the_rest_of_the_last_report(fixture: str) -> None:
    """A short reply keeps the bytes the last reply gave (libhid.c refresh_report_buffer)."""
    from tests.hidfakes import Rig
    rig = Rig(FIXTURES / fixture)
    rig.connect()
    first = dict(rig.poll("full").values)
    full_reply = rig.device.get_feature_report
    # Every report now answers with its ID byte only, as some firmware does.
    rig.device.get_feature_report = lambda rid, length: full_reply(rid, length)[:1]
    second = dict(rig.poll("full").values)
    numeric = {k for k, v in first.items() if v.replace(".", "", 1).isdigit() and float(v) != 0}
    assert numeric, "the fixture must give non-zero readings"
    assert {k: second.get(k) for k in numeric} == {k: first[k] for k in numeric}
