"""``pynutd DEVICE`` without a process: which word is DEVICE, the Config it builds, what it finds."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock

from pynutd import config as configmod
from pynutd.cli import device_argument
from pynutd.drivers.hid.device import DeviceInfo
from pynutd.quickstart import NothingFound, build_config, find, hid_found, prepare
from pynutd.service import make_service

ROOT = Path(__file__).resolve().parents[1]
HEX = ROOT / "pynutd" / "data" / "hid" / "tripplite-smart1500lcdt-09ae_3016.hex"


@pytest.mark.parametrize(("argv", "device"), [
    (["/dev/ttyUSB0"], "/dev/ttyUSB0"),
    (["auto"], "auto"),
    (["--port", "13493", "--web-port", "18080", "/dev/hidraw2"], "/dev/hidraw2"),
    (["/dev/ttyUSB0", "--pollinterval", "5"], "/dev/ttyUSB0"),
    (["-u", "root", "-v", "virtual:x.hex"], "virtual:x.hex"),
    ([], None),
    (["--demo", "--port", "13493"], None),
    (["-c", "/etc/nut"], None),
    (["scan", "--port", "/dev/pts/3"], None),
    (["-c", "/etc/nut", "read", "ups", "--auto"], None),
    (["-c", "/etc/nut", "killpower", "--dry-run", "ups"], None),
    (["simulate", "must-ep20"], None),
    (["-h"], None),
    (["--pollinterval", "soon", "auto"], None),   # the full parser says what is wrong
])
def test_device_argument(argv: list[str], device: str | None) -> None:
    """The first word that is neither an option, an option's value nor a tool is DEVICE."""
    assert device_argument(argv) == device


def _same_section(section: configmod.UpsSection) -> configmod.UpsSection:
    return replace(section, path="", confdir=Path("."))


def test_config_is_what_the_files_would_give(tmp_path: Path) -> None:
    """The printed section, kept in a configuration directory with upsd.conf's LISTEN and
    [web] port, loads into the same UPS section, listener, web settings and (no) users."""
    section = ('[ups]\n    driver = must_ep2000pro\n    port = /dev/ttyUSB0\n'
               '    desc = "MUST EP20-1012 PRO"\n    pollinterval = 5\n')
    quick = build_config(section, 13493, 18080)
    (tmp_path / "ups.conf").write_text(section)
    (tmp_path / "upsd.conf").write_text("LISTEN 127.0.0.1 13493\n")
    (tmp_path / "pynutd.conf").write_text("[web]\nport = 18080\n")
    files = configmod.load(tmp_path)
    assert [_same_section(s) for s in quick.ups] == [_same_section(s) for s in files.ups]
    assert quick.upsd == files.upsd and quick.web == files.web
    assert quick.users == files.users == {}
    assert quick.history == files.history and quick.mqtt == files.mqtt


def test_service_listens_where_asked() -> None:
    """make_service builds the NUT listener on 127.0.0.1:P and the web on 127.0.0.1:W."""
    found = prepare(f"virtual:{HEX}", Clock(), 13493, 18080, pollinterval=0.5)
    assert [s.name for s in found.config.ups] == ["ups"]
    assert found.config.ups[0].options["pollinterval"] == "0.5"
    # The pollers stay unstarted: only the listeners are under test here.
    reactor = MemoryReactorClock()
    # run=maybeDeferred: the history database on this thread, as test_config_property does;
    # a database thread left behind would keep the test run from exiting.
    service = make_service(found.config, reactor, run=maybeDeferred)
    for child in list(service):
        if child.name and child.name.startswith("poller:"):
            child.disownServiceParent()
    service.privilegedStartService()
    service.startService()
    try:
        listening = sorted((port, interface) for port, _, _, interface in reactor.tcpServers)
        assert listening == [(13493, "127.0.0.1"), (18080, "127.0.0.1")]
    finally:
        service.stopService()


def test_virtual_hid_ups_found_by_its_descriptor() -> None:
    """The virtual Tripp Lite is a Power Device; its section is scan's, at the virtual port."""
    found = find(f"virtual:{HEX}", Clock())
    assert found.description.startswith("09ae:3016 Tripp Lite")
    assert found.section.splitlines()[:5] == [
        "[ups]", "    driver = usbhid-ups", f"    port = virtual:{HEX}",
        "    vendorid = 09ae", "    productid = 3016"]


def test_a_hid_device_that_is_no_ups_is_refused(tmp_path: Path) -> None:
    """A boot mouse's descriptor (Generic Desktop page, Logitech's vendor ID) is not served:
    as for ``pynutd scan``, a UPS has the Power Device page or a UPS-only vendor."""
    mouse = tmp_path / "mouse-046d_c077.hex"
    mouse.write_text("05 01 09 02 a1 01 09 01 a1 00 05 09 19 01 29 03 15 00 25 01 95 03 75 01"
                     " 81 02 95 01 75 05 81 03 05 01 09 30 09 31 15 81 25 7f 75 08 95 02 81 06"
                     " c0 c0\n")
    with pytest.raises(NothingFound, match=r"is not a HID Power Device \(usage page 0x01\)"):
        find(f"virtual:{mouse}", Clock())


@pytest.mark.parametrize(("device", "message"), [
    ("/dev/null", "nothing answered on /dev/null"),
    ("/nonexistent/ttyUSB0", "/nonexistent/ttyUSB0: no such device"),
    ("/dev/hidraw99", "/dev/hidraw99: no such device"),
    ("virtual:", "virtual:: no such file"),
])
def test_nothing_found(device: str, message: str) -> None:
    """Each kind of nothing is one line naming the device."""
    with pytest.raises(NothingFound) as caught:
        find(device, Clock())
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


MOUSE = DeviceInfo(path=b"/dev/hidraw0", vendor_id=0x046D, product_id=0xC077, serial="",
                   manufacturer="Logitech", product="USB Optical Mouse", usage_page=0x01,
                   usage=0x02)
SMART1500 = DeviceInfo(path=b"/dev/hidraw1", vendor_id=0x09AE, product_id=0x3016,
                       serial="2315AVHSM812345", manufacturer="Tripp Lite",
                       product="TRIPP LITE UPS", usage_page=0x84, usage=0x04)


def test_auto_takes_the_first_ups_not_the_mouse() -> None:
    """``auto`` skips a mouse enumerated first and gives scan's section for the UPS, named ups."""
    found = hid_found("auto", [MOUSE, SMART1500])
    assert found.section == ('[ups]\n    driver = usbhid-ups\n    port = auto\n'
                             '    vendorid = 09ae\n    productid = 3016\n'
                             '    serial = "2315AVHSM812345"\n'
                             '    desc = "Tripp Lite TRIPP LITE UPS"\n')
    assert "path=/dev/hidraw1" in found.description


@pytest.mark.parametrize(("device", "devices", "message"), [
    ("auto", [MOUSE], "no USB HID UPS found"),
    ("/dev/hidraw0", [MOUSE, SMART1500], "/dev/hidraw0 is not a HID Power Device"),
    ("/dev/hidraw7", [MOUSE, SMART1500], "/dev/hidraw7: hidapi lists no HID device there"),
])
def test_hid_nothing_found(device: str, devices: list[DeviceInfo], message: str) -> None:
    """A hidraw node that is no UPS, or is not listed, and auto without a UPS: one line."""
    with pytest.raises(NothingFound, match=re.escape(message)):
        hid_found(device, devices)


def test_hidraw_node_names_its_ups() -> None:
    """A hidraw node given by path is that UPS."""
    assert hid_found("/dev/hidraw1", [MOUSE, SMART1500]).section.startswith(
        "[ups]\n    driver = usbhid-ups\n")
