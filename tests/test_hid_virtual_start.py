"""The virtual HID UPS: a coherent first poll in every scenario, replay exact, USB strings claimed.

A simulated scenario starts on mains, fully charged, with mains voltages
and no trouble bits, whatever the capture held (a report missing from a
``.reports.txt`` reads 0); ``replay`` gives the reports exactly as given.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from twisted.internet.task import Clock

from pynutd.drivers.hid.dumps import parse_reports
from pynutd.drivers.hid.vendors.liebert import LIEBERT
from pynutd.drivers.hid.vendors.mge import MGE
from pynutd.sim.hid_virtual import VirtualHidUps
from pynutd.sim.hid_virtual_build import Element, build_descriptor
from pynutd.sim.hid_virtual_model import SCENARIOS
from tests.hidfakes import DATA, FIXTURES, Rig

SIMULATED = sorted(name for name, s in SCENARIOS.items() if s.phases)
SHIPPED = sorted(p.name for p in DATA.glob("*.hex"))
CAPTURED = sorted(p.name for p in FIXTURES.glob("*.hex")
                  if (FIXTURES / (p.name[:-4] + ".reports.txt")).exists())
TROUBLE = {"OB", "DISCHRG", "LB", "RB", "CHRG", "OVER", "OFF", "BYPASS", "ALARM", "CAL"}


def _first_poll(path: Path, scenario: str) -> dict[str, str]:
    rig = Rig(path, scenario)
    rig.connect()
    return rig.values()


def _check_coherent(values: dict[str, str]) -> None:
    tokens = set(values["ups.status"].split())
    assert "OL" in tokens and not tokens & TROUBLE, values["ups.status"]
    assert "ups.alarm" not in values
    if "battery.charge" in values:
        assert float(values["battery.charge"]) == 100
    if "battery.runtime" in values:
        assert float(values["battery.runtime"]) > 0


@pytest.mark.parametrize("scenario", SIMULATED)
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_file_starts_coherent(name: str, scenario: str) -> None:
    """Shipped file, every scenario: OL, full charge, runtime, mains voltages on the first poll."""
    values = _first_poll(DATA / name, scenario)
    _check_coherent(values)
    for var in ("input.voltage", "output.voltage"):
        assert float(values[var]) > 80, (var, values[var])


@pytest.mark.parametrize("name", CAPTURED)
def test_captured_devices_start_coherent(name: str) -> None:
    """Every captured device simulated 'online': OL, full charge, a runtime, nothing wrong."""
    _check_coherent(_first_poll(FIXTURES / name, "online"))


def test_missing_mains_voltage_is_filled_in_the_same_encoding(tmp_path: Path) -> None:
    """A capture without the input voltage report: 'online' shows the nominal, replay 0."""
    stem = "tripplite-smart1500lcdt-09ae_3016"
    for suffix in (".hex", ".strings.txt"):
        shutil.copy(DATA / (stem + suffix), tmp_path / (stem + suffix))
    reports = (DATA / (stem + ".reports.txt")).read_text().splitlines()
    kept = [line for line in reports if not line.lower().startswith(("0x31:", "31:"))]
    assert len(kept) < len(reports)
    (tmp_path / (stem + ".reports.txt")).write_text("\n".join(kept) + "\n")
    assert _first_poll(tmp_path / (stem + ".hex"), "replay")["input.voltage"] == "0.0"
    online = _first_poll(tmp_path / (stem + ".hex"), "online")
    assert online["input.voltage"] == online["output.voltage"] == "120.0"


@pytest.mark.parametrize("name", CAPTURED + SHIPPED)
def test_replay_gives_the_reports_exactly(name: str) -> None:
    """virtual_scenario = replay: every report as the file gives it, before and after polls."""
    path = (FIXTURES if name in CAPTURED else DATA) / name
    given = parse_reports((path.parent / (name[:-4] + ".reports.txt")).read_text())
    rig = Rig(path, "replay")
    rig.connect()
    rig.poll()
    rig.clock.advance(3600)
    rig.poll()
    for rid, data in given.items():
        assert rig.device.model.report(rid) == data, hex(rid)


def test_virtual_ups_gives_its_usb_strings_to_the_claims(tmp_path: Path) -> None:
    """06da:ffff is Liebert's with its PPC strings, MGE's when a string says AEG."""
    stem = "powerwalker-vi1200shl-06da_ffff"
    for suffix in (".hex", ".reports.txt", ".strings.txt"):
        shutil.copy(FIXTURES / (stem + suffix), tmp_path / (stem + suffix))
    hex_path = tmp_path / (stem + ".hex")
    assert _first_poll(hex_path, "replay")["driver.version.data"] == LIEBERT.name
    (tmp_path / (stem + ".strings.txt")).write_text(
        "manufacturer: AEG POWER SOLUTIONS\nproduct: PROTECT NAS\n")
    values = _first_poll(hex_path, "replay")
    assert values["driver.version.data"] == MGE.name
    device = VirtualHidUps.from_file(hex_path, Clock(), "replay")
    assert (device.manufacturer, device.product) == ("AEG POWER SOLUTIONS", "PROTECT NAS")


def test_trouble_bits_of_a_capture_cleared_in_simulation(tmp_path: Path) -> None:
    """A capture taken with NeedReplacement, Overload and no battery: replay keeps them,
    a simulated scenario starts healthy (built descriptor, generic table)."""
    status = "UPS.PowerSummary.PresentStatus"
    elements = [Element(f"{status}.{name}", 1, size=1, log_max=1)
                for name in ("ACPresent", "NeedReplacement", "Overload", "BatteryPresent")]
    elements.append(Element("UPS.PowerSummary.RemainingCapacity", 2, log_max=100))
    (tmp_path / "built-1234_5678.hex").write_text(build_descriptor(elements).hex(" "))
    (tmp_path / "built-1234_5678.reports.txt").write_text("0x01: 01 07\n0x02: 02 64\n")
    replay = _first_poll(tmp_path / "built-1234_5678.hex", "replay")
    assert replay["ups.status"] == "ALARM OL OVER RB"
    _check_coherent(_first_poll(tmp_path / "built-1234_5678.hex", "online"))
