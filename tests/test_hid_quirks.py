"""usbhid-ups' device quirk options: interruptonly, interruptsize, disable_fix_report_desc, pollonly.

Devices are built from NUT paths (:mod:`pynutd.sim.hid_virtual_build`) and
run on the virtual HID UPS in replay, so every report the driver sees is
the one the test put there.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from twisted.internet.task import Clock

from pynutd.config import ConfigError
from pynutd.drivers.hid.descriptor import FEATURE, INPUT, parse
from pynutd.drivers.hid.driver import create
from pynutd.drivers.hid.rows import FieldFix
from pynutd.drivers.hid.usages import string_to_path
from pynutd.sim.hid_virtual_build import Element, build_descriptor
from tests.hidfakes import Rig, section

STATUS = "UPS.PowerSummary.PresentStatus"
ELEMENTS = [
    Element(f"{STATUS}.ACPresent", 1, size=1, log_max=1),
    Element(f"{STATUS}.Discharging", 1, size=1, log_max=1),
    Element("UPS.PowerSummary.RemainingCapacity", 2, log_max=100),
    Element(f"{STATUS}.ACPresent", 3, size=1, log_max=1, kind=INPUT),
    Element(f"{STATUS}.Discharging", 3, size=1, log_max=1, kind=INPUT),
    Element("UPS.PowerSummary.RemainingCapacity", 4, log_max=100, kind=INPUT),
]


def _device(tmp_path: Path, reports: str) -> Path:
    hex_path = tmp_path / "built-1234_5678.hex"
    hex_path.write_text(build_descriptor(ELEMENTS).hex(" "))
    (tmp_path / "built-1234_5678.reports.txt").write_text(reports)
    return hex_path


class CountingRig(Rig):
    """A Rig whose device counts the GET_REPORTs it answers."""

    def __init__(self, hex_path: Path, **options: str) -> None:
        super().__init__(hex_path, "replay", **options)
        self.gets = 0
        real = self.device.get_feature_report

        def counted(rid: int, length: int) -> bytes:
            self.gets += 1
            return real(rid, length)
        self.device.get_feature_report = counted  # type: ignore[method-assign]


def test_interruptonly_reads_only_the_interrupt_pipe(tmp_path: Path) -> None:
    """interruptonly: no GET_REPORT; rows bound to input fields take the interrupt reports."""
    rig = CountingRig(_device(tmp_path, "0x01: 01 01\n0x02: 02 64\n"), interruptonly="")
    rig.connect()
    assert rig.gets == 0 and "battery.charge" not in rig.values()
    dmap = rig.driver.map
    assert dmap is not None and dmap.variables and dmap.status
    assert {f.kind for _, f in (*dmap.variables, *dmap.status)} == {INPUT}
    rig.device.model.queue += [bytes([0x04, 0x2A]), bytes([0x03, 0x02])]
    values = dict(rig.poll("interrupt").values)
    assert (values["battery.charge"], values["ups.status"]) == ("42", "OB DISCHRG")
    assert rig.values()["battery.charge"] == "42"      # a full poll reads the buffer
    assert rig.gets == 0


def test_without_interruptonly_feature_reports_are_read(tmp_path: Path) -> None:
    """The same device polled normally: GET_REPORT gives the feature values."""
    rig = CountingRig(_device(tmp_path, "0x01: 01 01\n0x02: 02 64\n"))
    rig.connect()
    assert rig.gets > 0 and rig.values()["battery.charge"] == "100"


@pytest.mark.parametrize("value", ["0", "-5"])
def test_interruptsize_must_be_positive(value: str) -> None:
    """interruptsize below 1 is refused, as usbhid-ups exits ("invalid interruptsize")."""
    with pytest.raises(ConfigError, match="invalid interruptsize"):
        create(section("auto", interruptsize=value), Clock())


def test_interruptsize_is_the_read_length(tmp_path: Path) -> None:
    """interruptsize = 1 truncates each interrupt read to its report ID byte."""
    rig = Rig(_device(tmp_path, "0x01: 01 01\n0x02: 02 64\n"), "replay", interruptsize="1")
    rig.connect()
    assert rig.driver.interrupt_size == 1
    rig.device.model.queue.append(bytes([0x04, 0x2A]))
    assert dict(rig.poll("interrupt").values)["battery.charge"] == "0"   # the byte never came


def test_pollonly_has_no_interrupt_tier(tmp_path: Path) -> None:
    """pollonly: the driver never reads the interrupt pipe."""
    hex_path = _device(tmp_path, "0x01: 01 01\n0x02: 02 64\n")
    assert "interrupt" in Rig(hex_path, "replay").driver.tiers()
    assert "interrupt" not in Rig(hex_path, "replay", pollonly="").driver.tiers()


def test_disable_fix_report_desc_skips_the_fixes(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A subdriver's fix applies unless disable_fix_report_desc is set."""
    import pynutd.drivers.hid.vendors as registry
    fix = FieldFix("UPS.PowerSummary.RemainingCapacity", unit_exp=1, when_unit_exp=0)
    fixed = dataclasses.replace(registry.GENERIC, fixes=(fix,))
    monkeypatch.setattr(registry, "SUBDRIVERS", (fixed,))
    monkeypatch.setattr(registry, "GENERIC", fixed)
    hex_path = _device(tmp_path, "0x01: 01 01\n0x02: 02 05\n")
    for options, charge in (({}, "50"), ({"disable_fix_report_desc": ""}, "5")):
        rig = Rig(hex_path, "replay", **options)
        rig.connect()
        assert rig.values()["battery.charge"] == charge


def test_assumed_logmax_is_sticky_and_fields_found_by_id_and_node() -> None:
    """assumed_LogMax stays set for later fields (NUT's parser state); FindObject_with_ID_Node."""
    data = bytes.fromhex("05 84 09 04 a1 01 85 01 75 08 95 01 15 00 25 64 09 30 b1 02"
                         " 26 ff ff 75 10 09 31 b1 02 85 02 09 30 81 02 c0")
    desc = parse(data)
    assert [f.assumed_log_max for f in desc.fields] == [False, True, True]
    assert desc.fields[1].log_max == 0xFFFF
    voltage = string_to_path("UPS.Voltage", {})
    assert voltage is not None
    found = desc.find_id_node(2, voltage[-1])
    assert found is not None and found.kind == INPUT
    first = desc.find_id_node(1, voltage[-1])
    assert first is not None and first.kind == FEATURE
    assert desc.find_id_node(3, voltage[-1]) is None


def test_pollonly_reads_static_rows_at_every_full_update(tmp_path: Path) -> None:
    """pollonly: a static row (battery.type) is read again at each full poll, as
    hid_ups_walk does without the interrupt pipe; otherwise only at connect."""
    from pynutd.sim.hid_virtual_build import Element as El
    elements = [*ELEMENTS, El("UPS.PowerSummary.iDeviceChemistry", 5)]
    hex_path = tmp_path / "chem-1234_5678.hex"
    hex_path.write_text(build_descriptor(elements).hex(" "))
    (tmp_path / "chem-1234_5678.reports.txt").write_text("1: 01 01\n2: 02 64\n5: 05 01\n")
    (tmp_path / "chem-1234_5678.strings.txt").write_text("1: PbAc\n2: LiFePO4\n")
    for options, expected in (({}, "PbAc"), ({"pollonly": ""}, "LiFePO4")):
        rig = Rig(hex_path, "replay", **options)
        rig.connect()
        rig.device.model.buffers[(5, FEATURE)][1] = 2
        assert rig.values()["battery.type"] == expected


@pytest.mark.parametrize("mfr, product, option, delay", [
    ("American Power Conversion", "Back-UPS BK650M2-CH", None, 3.0),
    ("APC", "Back-UPS BX1600MI", None, 3.0),
    ("APC", "BVK650M2", None, 3.0),
    ("APC", "Back-UPS ES 850G2", None, 0.0),
    ("CPS", "BX1600MI", None, 0.0),                  # only APC's
    ("APC", "Back-UPS BX1600MI", "0", 0.0),
    ("APC", "Smart-UPS 1500", "5", 5.0),
    ("APC", "Smart-UPS 1500", "soon", 3.0),          # not a number: NUT's 3
    ("APC", "Smart-UPS 1500", "-1", 3.0),
])
def test_lbrb_log_delay_defaults_as_usbhid_ups(mfr: str, product: str, option: str | None,
                                               delay: float) -> None:
    """lbrb_log_delay_sec from ups.conf, else 3 s for APC's BX...MI, BVK...M2, BK...M2-CH."""
    from types import SimpleNamespace

    from pynutd.drivers.hid.driver import lbrb_delay
    options = {} if option is None else {"lbrb_log_delay_sec": option}
    backend = SimpleNamespace(manufacturer=mfr, product=product)
    assert lbrb_delay(section("auto", **options), backend) == delay  # type: ignore[arg-type]
