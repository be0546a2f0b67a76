"""Delta UPS HID (delta_ups-hid.c): a real 05dd device through the virtual HID UPS, and the claim."""

from __future__ import annotations

import pytest

from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.delta_ups import DELTA_UPS, model_name, ups_type
from tests.hidfakes import FIXTURES, Rig, dev_values

PRO1500 = FIXTURES / "minuteman-pro1500rt2u-05dd_a0a0.hex"
DUMP = "Minuteman__PRO1500RT2U__usbhid-ups__2.8.0.1__dump.dev"


def _published(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if not k.startswith(("driver.", "device."))}


def test_pro1500rt2u_every_variable_as_nut_2801_printed() -> None:
    """Minuteman PRO1500RT2U with productid=a0a0: NUT 2.8.0.1's Delta table output, same strings.

    Same unit and run as the reports (issue #1852 / PR #1848), including
    NUT's low-byte readings of the LogMax-255 fields (input.frequency 870.0,
    voltages 0.0).
    """
    rig = Rig(PRO1500, productid="a0a0")
    rig.connect()
    values = rig.values()
    assert values["driver.version.data"] == "Delta UPS HID 0.6"
    assert _published(values) == _published(dev_values(DUMP))


def test_pro1500rt2u_writable_and_commands() -> None:
    """The RW rows NUT marks without ST_FLAG_STRING are plain numbers; commands on the outlet."""
    rig = Rig(PRO1500, productid="a0a0")
    rig.connect()
    update = rig.poll()
    assert {k for k, s in update.specs.items() if s.rw} == {
        "input.transfer.low", "input.transfer.high", "ups.delay.start"}
    assert "shutdown.reboot" in (update.commands or ())
    assert rig.command("beeper.disable") == [bytes([0x11, 1])]
    assert rig.command("shutdown.stop") == [bytes([0x15, 0xFF, 0xFF])]


@pytest.mark.parametrize("code, text", [
    (0x00, "online"), (0x01, "offline"), (0x22, "line-interactive"), (0x03, "offline"),
    (0x04, "line-interactive"), (0x05, "3-phase"), (0x06, "split-phase"), (0x07, None),
])
def test_ups_type(code: int, text: str | None) -> None:
    """delta_ups_type_fun: low nibble; 3-5 shift down by two, 6 is split-phase, others none."""
    assert ups_type(float(code), Context(lambda i: None, {}, {})) == text


def test_model_name_falls_back_to_product_when_empty() -> None:
    """delta_ups_format_model: the DeltaModelName string, or nothing (the product string stays)."""
    strings = {5: "UPS302R2000B0BA ", 6: ""}
    ctx = Context(strings.get, {}, {})
    assert model_name(5.0, ctx) == "UPS302R2000B0BA "
    assert model_name(6.0, ctx) is None


@pytest.mark.parametrize("pid, forced, name", [
    (0x041B, False, DELTA_UPS.name),
    (0xA0A0, False, "TrippLite HID 0.85"),   # NUT's tripplite table lists a0a0
    (0xA0A0, True, DELTA_UPS.name),          # with productid= Delta comes first, as in NUT
])
def test_claim(pid: int, forced: bool, name: str) -> None:
    """NUT's delta_ups_claim, tried in subdriver_list order."""
    assert subdriver_for(0x05DD, pid, forced).name == name
