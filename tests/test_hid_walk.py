"""Which of a variable's rows stay bound: usbhid-ups' first walk (HU_WALKMODE_INIT).

In table order a row stays while its variable is not set yet; the first
row whose value reads and converts sets it and drops the rows after it,
while earlier rows that gave nothing stay and are read at every poll.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pynutd.drivers.hid.converters import selftest_result
from pynutd.drivers.hid.rows import HidVar
from pynutd.sim.hid_virtual_build import Element, build_descriptor
from tests.hidfakes import Rig

PATHS = ("UPS.Battery.Test", "UPS.Output.Test", "UPS.BatterySystem.Test")


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rig:
    """A built device with three Test fields; a table mapping all three to ups.test.result."""
    import pynutd.drivers.hid.vendors as registry
    table = dataclasses.replace(
        registry.GENERIC, status=(), commands=(),
        variables=tuple(HidVar("ups.test.result", p, convert=selftest_result) for p in PATHS))
    monkeypatch.setattr(registry, "SUBDRIVERS", (table,))
    monkeypatch.setattr(registry, "GENERIC", table)
    hex_path = tmp_path / "built-1234_5678.hex"
    elements = [Element(p, rid) for rid, p in enumerate(PATHS, start=1)]
    hex_path.write_text(build_descriptor(elements).hex(" "))
    # Battery.Test 0 (no text), Output.Test 1, BatterySystem.Test 2
    (tmp_path / "built-1234_5678.reports.txt").write_text("1: 01 00\n2: 02 01\n3: 03 02\n")
    r = Rig(hex_path, "replay")
    r.connect()
    return r


def _set(rig: Rig, rid: int, value: int) -> None:
    rig.device.model.buffers[(rid, "feature")][1] = value


def test_first_row_that_converts_wins(rig: Rig) -> None:
    """Battery.Test gives nothing at start, so Output.Test's text is the value; the third
    row is dropped."""
    assert rig.values()["ups.test.result"] == "Done and passed"
    dmap = rig.driver.map
    assert dmap is not None
    assert [row.path for row, _ in dmap.variables] == list(PATHS[:2])


def test_earlier_row_that_gave_nothing_is_still_read(rig: Rig) -> None:
    """Later, Battery.Test's 'In progress' shows when Output.Test gives nothing; the
    dropped BatterySystem.Test never does."""
    _set(rig, 1, 5)
    _set(rig, 2, 0)
    _set(rig, 3, 3)
    assert rig.values()["ups.test.result"] == "In progress"
