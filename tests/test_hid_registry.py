"""Subdriver choice as usbhid-ups makes it: the list order, explore, ``subdriver =``, the fallback.

The order and the options follow NUT master's drivers/usbhid-ups.c
(``subdriver_list``, ``match_function_subdriver_name``, ``callback``) and
drivers/explore-hid.c; pynutd's generic table comes after NUT's list, with
one warning, for the device NUT would refuse.
"""

from __future__ import annotations

import logging

import pytest
from twisted.internet.task import Clock

from pynutd.config import ConfigError
from pynutd.drivers.hid.device import DeviceInfo
from pynutd.drivers.hid.driver import create
from pynutd.drivers.hid.match import scan_devices
from pynutd.drivers.hid.vendors import NUT_SUBDRIVERS, SUBDRIVERS, by_name, subdriver_for
from pynutd.drivers.hid.vendors.apc import APC
from pynutd.drivers.hid.vendors.arduino import ARDUINO
from pynutd.drivers.hid.vendors.belkin import BELKIN
from pynutd.drivers.hid.vendors.cyberpower import CYBERPOWER
from pynutd.drivers.hid.vendors.delta_ups import DELTA_UPS
from pynutd.drivers.hid.vendors.ecoflow import ECOFLOW
from pynutd.drivers.hid.vendors.ever import EVER
from pynutd.drivers.hid.vendors.explore import EXPLORE
from pynutd.drivers.hid.vendors.generic import GENERIC
from pynutd.drivers.hid.vendors.idowell import IDOWELL
from pynutd.drivers.hid.vendors.legrand import LEGRAND
from pynutd.drivers.hid.vendors.liebert import LIEBERT
from pynutd.drivers.hid.vendors.mge import MGE
from pynutd.drivers.hid.vendors.openups import OPENUPS
from pynutd.drivers.hid.vendors.powercom import POWERCOM
from pynutd.drivers.hid.vendors.powervar import POWERVAR
from pynutd.drivers.hid.vendors.salicru import SALICRU
from pynutd.drivers.hid.vendors.tripplite import TRIPPLITE
from tests.hidfakes import FIXTURES, Rig, section

APC_HEX = FIXTURES / "apc-backups-bk650m2ch-051d_0002.hex"


def test_registry_is_nuts_subdriver_list_then_generic() -> None:
    """explore, mge, apc, arduino, ... tripplite, as subdriver_list[]; generic last."""
    assert NUT_SUBDRIVERS == (EXPLORE, MGE, APC, ARDUINO, BELKIN, CYBERPOWER, DELTA_UPS,
                              ECOFLOW, EVER, IDOWELL, LEGRAND, LIEBERT, OPENUPS, POWERCOM,
                              POWERVAR, SALICRU, TRIPPLITE)
    assert (*NUT_SUBDRIVERS, GENERIC) == SUBDRIVERS


def test_explore_claims_only_with_the_option() -> None:
    """explore-hid.c claims any device, but only when ups.conf says explore."""
    assert subdriver_for(0x051D, 0x0002) is APC
    assert subdriver_for(0x051D, 0x0002, explore=True) is EXPLORE
    assert subdriver_for(0x1234, 0x5678, explore=True) is EXPLORE


def test_explore_maps_only_the_identity() -> None:
    """A real APC under explore: NUT's empty table leaves the identity and the status."""
    rig = Rig(APC_HEX, explore="")
    rig.connect()
    values = rig.values()
    assert values["driver.version.data"] == "EXPLORE HID 0.2"
    assert values["ups.mfr"] == "American Power Conversion"
    assert (values["ups.model"], values["ups.serial"]) == ("BK650M2-CH", "9B2019A14274")
    assert {k for k in values if not k.startswith(("driver.", "device."))} == \
        {"ups.mfr", "ups.model", "ups.serial", "ups.vendorid", "ups.productid", "ups.status"}
    assert values["ups.status"] == ""     # no status rows: neither OL nor OB


@pytest.mark.parametrize("name, table", [
    ("MGE HID 1.59", MGE),          # exact
    ("mge", MGE),                   # regex with .* appended, case-insensitive
    ("tripp.*", TRIPPLITE),         # regex as given
    ("explore", EXPLORE),
    ("APC HID", APC),
    ("generic", GENERIC),
    ("mg*", None),                  # ends with *: NUT appends no .*
    ("nosuch", None),
    ("(", None),                    # not a regex at all
])
def test_subdriver_option_as_nut(name: str, table: object) -> None:
    """match_function_subdriver_name: exact name, regex, regex + '.*' (not after '.' or '*')."""
    if name == "MGE HID 1.59" and MGE.name != name:
        name = MGE.name
    assert by_name(name) is table


def test_subdriver_option_wins_over_claims() -> None:
    """subdriver = X serves the device with X whatever the claim functions say."""
    assert subdriver_for(0x051D, 0x0002, name="tripplite") is TRIPPLITE


@pytest.mark.parametrize("options, message", [
    ({"subdriver": "nosuch", "vendorid": "051d", "productid": "0002"},
     "Configuration requested subdriver 'nosuch' but none matched"),
    ({"subdriver": "apc"}, "'vendorid' and 'productid' are mandatory"),
    ({"subdriver": "apc", "vendorid": "051d"}, "'vendorid' and 'productid' are mandatory"),
    ({"explore": ""}, 'must specify "vendorid" when using "explore"'),
])
def test_option_errors_are_config_errors(options: dict[str, str], message: str) -> None:
    """Where usbhid-ups exits at start, pynutd refuses the section with the same words."""
    with pytest.raises(ConfigError, match=message):
        create(section("auto", **options), Clock())


def test_options_accepted_when_complete() -> None:
    """subdriver with vendorid and productid, explore with vendorid: accepted."""
    create(section("auto", subdriver="apc", vendorid="051d", productid="0002"), Clock())
    create(section("auto", explore="", vendorid="051d"), Clock())


def test_using_subdriver_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """'Using subdriver: NAME' at info, as usbhid-ups' callback; not again on reconnect."""
    rig = Rig(APC_HEX)
    with caplog.at_level(logging.INFO, logger="pynutd.drivers.hid.driver"):
        rig.connect()
        rig.connect()
    lines = [r for r in caplog.records if "Using subdriver" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    assert lines[0].getMessage().endswith(f"Using subdriver: {APC.name}")


def test_unclaimed_device_gets_generic_with_one_warning(
        caplog: pytest.LogCaptureFixture, tmp_path: object) -> None:
    """A device no NUT subdriver claims: the generic table and one warning line."""
    from pathlib import Path
    assert isinstance(tmp_path, Path)
    hex_path = tmp_path / "other-1234_5678.hex"
    hex_path.write_text(APC_HEX.read_text())
    (tmp_path / "other-1234_5678.reports.txt").write_text(
        (FIXTURES / "apc-backups-bk650m2ch-051d_0002.reports.txt").read_text())
    (tmp_path / "other-1234_5678.strings.txt").write_text("manufacturer: Other\n")
    rig = Rig(hex_path)
    with caplog.at_level(logging.INFO, logger="pynutd.drivers.hid.driver"):
        rig.connect()
        rig.connect()
    assert rig.values()["driver.version.data"] == GENERIC.name
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].endswith(
        "no subdriver for 1234:5678, using the generic Power Device mapping")
    assert not [r for r in caplog.records if "Using subdriver" in r.getMessage()]


PHOENIXTEC = DeviceInfo(b"/dev/hidraw5", 0x06DA, 0xFFFF, "", "PPC", "HID UPS", 0xFF00, 1)
HP_MOUSE = DeviceInfo(b"/dev/hidraw6", 0x03F0, 0x0941, "", "HP", "USB Mouse", 1, 2)
HP_UPS = DeviceInfo(b"/dev/hidraw7", 0x03F0, 0x1FE5, "", "HP", "T750 INTL", 0xFF00, 1)
UNKNOWN = DeviceInfo(b"/dev/hidraw8", 0x1234, 0x5678, "", "Other", "UPS", 0x84, 4)


def test_scan_names_the_table_and_finds_nut_listed_devices() -> None:
    """scan: devices in NUT's ID tables are found without the Power Device page; the
    description says which subdriver serves each, or the generic fallback."""
    found = dict(scan_devices([PHOENIXTEC, HP_MOUSE, HP_UPS, UNKNOWN]))
    descriptions = list(found)
    assert len(descriptions) == 3
    phoenixtec, hp, unknown = descriptions
    assert phoenixtec.startswith("06da:ffff") and phoenixtec.endswith(f"(subdriver {LIEBERT.name})")
    assert hp.startswith("03f0:1fe5") and hp.endswith(f"(subdriver {MGE.name})")
    assert unknown.endswith("(no NUT subdriver: generic Power Device mapping)")
