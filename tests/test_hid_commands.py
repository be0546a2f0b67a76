"""Instant commands and RW variables write the right feature report bytes per descriptor."""

from __future__ import annotations

import pytest
from hidtools.hid import ReportDescriptor as HtDescriptor

from pynutd.control import CommandRejected
from pynutd.drivers.hid.dumps import from_hex
from tests.hidfakes import DATA, FIXTURES, Rig

TL4003 = FIXTURES / "tripplite-smartonline3000-09ae_4003.hex"
TL3016 = DATA / "tripplite-smart1500lcdt-09ae_3016.hex"
APC = FIXTURES / "apc-backups-bk650m2ch-051d_0002.hex"
CPS = FIXTURES / "cyberpower-cp1500pfclcd-0764_0501.hex"
APC_PAD = " 00" * 22   # APC's reports 0x21/0x40 are declared 24 bytes long

# (device, command, SET_REPORT bytes in order).  Report IDs and layouts from
# each descriptor; values from NUT's tables (test 1/2/3, beeper 1/2/3,
# delays 20/30 s, -1 to cancel, reboot 10 s, watchdog 60 s).
CASES = [
    (TL4003, "test.battery.start.quick", ["10 01"]),
    (TL4003, "test.battery.start.deep", ["10 02"]),
    (TL4003, "test.battery.stop", ["10 03"]),
    (TL4003, "load.off.delay", ["15 14 00"]),
    (TL4003, "load.on.delay", ["61 1e 00"]),
    (TL4003, "load.off", ["15 00 00"]),
    (TL4003, "load.on", ["61 00 00"]),
    (TL4003, "shutdown.return", ["61 1e 00", "15 14 00"]),
    (TL4003, "shutdown.stayoff", ["61 ff ff", "15 14 00"]),
    (TL4003, "shutdown.stop", ["15 ff ff"]),
    (TL4003, "shutdown.reboot", ["17 0a 00"]),
    (TL4003, "reset.watchdog", ["52 3c"]),
    (TL4003, "beeper.enable", ["11 02"]),
    (TL4003, "beeper.disable", ["11 01"]),
    (TL4003, "beeper.mute", ["11 03"]),
    (TL4003, "beeper.on", ["11 02"]),
    (TL4003, "beeper.off", ["11 01"]),
    (TL3016, "shutdown.stop", ["15 ff ff"]),      # unsigned field: -1 is all ones
    (TL3016, "load.off.delay", ["15 14 00"]),
    (TL3016, "shutdown.return", ["61 1e 00", "15 14 00"]),
    (TL3016, "beeper.disable", ["11 01"]),
    (APC, "test.battery.start.quick", ["21 01" + APC_PAD]),
    (APC, "test.battery.start.deep", ["21 02" + APC_PAD]),
    (APC, "test.battery.stop", ["21 03" + APC_PAD]),
    (APC, "load.off.delay", ["15 14 00"]),
    (APC, "shutdown.stop", ["15 ff ff"]),
    (APC, "shutdown.reboot", ["40 0a" + APC_PAD]),
    (APC, "beeper.enable", ["18 02"]),
    (APC, "beeper.mute", ["18 03"]),
    (CPS, "test.battery.start.quick", ["14 01"]),
    (CPS, "load.off.delay", ["15 01 00"]),        # 60 s: logical 1 (logical 0 is 0 s)
    (CPS, "load.on.delay", ["16 02 00"]),         # 120 s
    (CPS, "shutdown.stop", ["15 ff ff"]),
    (CPS, "shutdown.stayoff", ["16 ff ff", "15 01 00"]),
    (CPS, "beeper.disable", ["0c 01"]),
]


def _ids(case: tuple[object, str, list[str]]) -> str:
    path, cmd, _ = case
    return f"{path.name.split('-')[1]}-{cmd}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_command_writes(case: tuple) -> None:  # type: ignore[type-arg]
    """The command sends exactly these SET_REPORTs, full declared length."""
    path, command, expected = case
    rig = Rig(path)
    rig.connect()
    writes = rig.command(command)
    assert [w.hex(" ") for w in writes] == expected


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_written_bytes_read_back_with_hid_tools(case: tuple) -> None:  # type: ignore[type-arg]
    """hid-tools, reading our bytes with its own parser, sees a report of the declared size."""
    path, _, expected = case
    ht = HtDescriptor.from_bytes(from_hex(path.read_text()))
    for text in expected:
        data = bytes.fromhex(text.replace(" ", ""))
        assert ht.feature_reports[data[0]].size == len(data)


def test_cyberpower_delays_are_minutes() -> None:
    """CPS: load.off.delay 60 s is logical 1 (-1..32767 over -60..1966020 s), read back as 60."""
    rig = Rig(CPS)
    rig.connect()
    (data,) = rig.command("load.off.delay")
    field = rig.driver.map.commands["load.off.delay"][1]  # type: ignore[union-attr]
    assert field.to_physical(field.decode(data)) == 60


def test_command_argument_overrides_default() -> None:
    """upscmd load.off.delay 45 writes 45 s."""
    rig = Rig(TL4003)
    rig.connect()
    assert [w.hex(" ") for w in rig.command("load.off.delay", "45")] == ["15 2d 00"]


def test_unknown_command_rejected() -> None:
    """A command the device has no field for is refused, nothing is written."""
    rig = Rig(APC)
    rig.connect()
    with pytest.raises(CommandRejected):
        rig.command("shutdown.return")
    assert rig.device.writes == []


@pytest.mark.parametrize("var, value, expected", [
    ("battery.charge.low", "20", "3a 14"),
    ("input.transfer.low", "88", "06 58 00"),
    ("input.transfer.high", "140", "09 8c 00"),
])
def test_setvar_writes(var: str, value: str, expected: str) -> None:
    """upsrw of a Tripp Lite 3016 setting writes its report; semi-static rows re-read."""
    rig = Rig(TL3016)
    rig.connect()
    rig.driver.set_var(var, value)
    assert [w.hex(" ") for w in rig.device.writes] == [expected]
    assert rig.values()[var] in (value, f"{value}.0")


def test_setvar_driver_side_delay() -> None:
    """ups.delay.shutdown is kept by the driver and used by shutdown.return."""
    rig = Rig(TL4003)
    rig.connect()
    assert rig.driver.set_var("ups.delay.shutdown", "90") is None
    assert rig.values()["ups.delay.shutdown"] == "90"
    assert [w.hex(" ") for w in rig.command("shutdown.return")] == ["61 1e 00", "15 5a 00"]


def test_setvar_lookup_value() -> None:
    """input.sensitivity takes its text (APC vendor usage): medium is 1."""
    rig = Rig(APC)
    rig.connect()
    rig.driver.set_var("input.sensitivity", "medium")
    assert rig.device.writes[-1][:2] == bytes([0x35, 0x01])
    with pytest.raises(CommandRejected):
        rig.driver.set_var("input.sensitivity", "loud")


def test_readonly_variable_rejected() -> None:
    """A variable without RW is refused."""
    rig = Rig(TL4003)
    rig.connect()
    with pytest.raises(CommandRejected):
        rig.driver.set_var("battery.charge", "50")
