"""dummy-ups: NUT's .dev/.seq interpretation, types, TIMER, ALARM and re-reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from twisted.internet import task

from pynutd.config import UpsSection
from pynutd.control import CommandUnknown, DeviceError
from pynutd.drivers.dummy import create
from pynutd.ups import VarSpec


def make(tmp_path: Path, name: str, text: str, **options: str):
    (tmp_path / name).write_text(text)
    section = UpsSection(name="ups", driver="dummy-ups", port=name, desc=None, options=options,
                         path=str(tmp_path / "ups.conf"), lineno=1, confdir=tmp_path)
    clock = task.Clock()
    driver = create(section, clock)
    return driver, clock


def test_dev_file_types(tmp_path):
    """Values, RW flags and STRING lengths are those NUT 2.8.0's dummy-ups gives."""
    driver, _ = make(tmp_path, "a.dev", 'ups.status: OB  LB\nbattery.charge: 5\n'
                     'ups.firmware: "v 1.0"\nmy.var: a=b c\ndriver.name: skip\nbattery.voltage:   13.2  \n')
    driver.connect()
    update = driver.poll("quick")
    assert update.values == {"ups.mfr": "Dummy Manufacturer", "ups.model": "Dummy UPS",
                             "ups.status": "OB LB", "battery.charge": "5", "ups.firmware": "v 1.0",
                             "my.var": "a = b c", "battery.voltage": "13.2"}
    assert update.specs["battery.charge"] == VarSpec(rw=True)
    assert update.specs["ups.firmware"] == VarSpec(rw=True, string_len=16)
    assert update.specs["my.var"] == VarSpec(rw=True, string_len=32)
    assert update.specs["ups.status"] == VarSpec(rw=True, string_len=32)
    assert list(update.commands) == ["load.off"]
    assert driver.parameters() == {"mode": "dummy-once"}


def test_sequence_with_timers_and_alarm(tmp_path):
    """A .seq file pauses at TIMER and loops; ALARM sets ups.alarm and the ALARM token."""
    driver, clock = make(tmp_path, "s.seq", "ups.status: OL\nTIMER 10\nups.status: OB\n"
                         "ALARM Battery overheated\nTIMER 10\nALARM\nups.status: OB LB\nTIMER 10\n")
    driver.connect()
    seen = []
    for _ in range(20):
        seen.append(driver.poll("quick").values.get("ups.status"))
        clock.advance(2)
    assert seen[:5] == ["OL"] * 5
    assert seen[5:10] == ["ALARM OB"] * 5
    assert seen[10:15] == ["OB LB"] * 5
    # As in NUT, the pass that reaches the end of file only ends it; the next poll restarts.
    assert seen[15:17] == ["OB LB", "OL"]
    driver.connect()
    clock.advance(10)
    assert driver.poll("quick").values["ups.alarm"] == "Battery overheated"


def test_dev_file_reread_on_change(tmp_path):
    """A .dev file is read once, and again when it changes."""
    driver, _ = make(tmp_path, "a.dev", "battery.charge: 100\n")
    driver.connect()
    assert driver.poll("quick").values["battery.charge"] == "100"
    path = tmp_path / "a.dev"
    path.write_text("battery.charge: 50\nups.load: 7\n")
    os.utime(path, ns=(1, 1))
    assert driver.poll("quick").values["battery.charge"] == "50"


def test_set_var_and_delete(tmp_path):
    """SET VAR changes a value; an empty value deletes the variable; ups.status is one token."""
    driver, _ = make(tmp_path, "a.dev", "battery.charge: 100\nups.load: 5\n")
    driver.connect()
    driver.set_var("battery.charge", "80")
    driver.set_var("UPS.LOAD", "")
    driver.set_var("ups.status", "OB LB")
    values = driver.poll("quick").values
    assert values["battery.charge"] == "80" and "ups.load" not in values
    assert values["ups.status"] == "OB LB"
    with pytest.raises(CommandUnknown):
        driver.instcmd("load.off", None)


def test_missing_file_is_a_device_error(tmp_path):
    """A missing definition file cannot connect (the UPS stays not connected)."""
    driver, _ = make(tmp_path, "a.dev", "")
    (tmp_path / "a.dev").unlink()
    with pytest.raises(DeviceError, match="cannot open dummy-ups definition file"):
        driver.connect()


def test_modes(tmp_path):
    """mode= overrides the guess from the file name; a repeater is refused."""
    driver, _ = make(tmp_path, "x.txt", "", mode="dummy-once")
    assert driver.mode == "dummy-once"
    driver, _ = make(tmp_path, "x.txt", "")
    assert driver.mode == "dummy"
    from pynutd.config import ConfigError
    with pytest.raises(ConfigError, match="unsupported dummy-ups mode"):
        make(tmp_path, "x.dev", "", mode="repeater")
