"""Shared helpers for the HID tests: fixture files, a driver on a virtual UPS, a clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twisted.internet.defer import maybeDeferred
from twisted.internet.task import Clock

from pynutd.config import UpsSection
from pynutd.drivers.base import Update
from pynutd.drivers.hid.descriptor import ReportDescriptor, parse
from pynutd.drivers.hid.driver import UsbHidDriver
from pynutd.drivers.hid.dumps import from_hex, parse_reports
from pynutd.sim.hid_virtual import VirtualHidUps

FIXTURES = Path(__file__).parent / "fixtures" / "hid"
DATA = Path(__file__).parent.parent / "pynutd" / "data" / "hid"

DESCRIPTORS = sorted(p.name for p in FIXTURES.glob("*.hex"))
WITH_REPORTS = sorted(p.name[:-len(".reports.txt")] + ".hex"
                      for p in FIXTURES.glob("*.reports.txt"))


def descriptor(name: str) -> ReportDescriptor:
    """Parse a fixture descriptor."""
    return parse(from_hex((FIXTURES / name).read_text()))


def reports(name: str) -> dict[int, bytes]:
    """Read a fixture's saved report values (``.hex`` name given)."""
    return parse_reports((FIXTURES / name.replace(".hex", ".reports.txt")).read_text())


def section(port: str, confdir: Path = FIXTURES, **options: str) -> UpsSection:
    """A ups.conf section for the usbhid-ups driver."""
    return UpsSection(name="hid", driver="usbhid-ups", port=port, desc=None,
                      options=options, path="ups.conf", lineno=1, confdir=confdir)


class Rig:
    """A usbhid-ups driver on a virtual UPS, run synchronously on a Clock."""

    def __init__(self, hex_path: Path, scenario: str = "replay", timescale: float = 1.0,
                 **options: str) -> None:
        self.clock = Clock()
        self.clock.advance(1_000_000)
        self.device = VirtualHidUps.from_file(hex_path, self.clock, scenario, timescale)
        self.section = section(f"virtual:{hex_path}", hex_path.parent, **options)
        self.driver = UsbHidDriver(self.section, self.clock, lambda: self.device, maybeDeferred)

    def connect(self) -> None:
        """Connect, failing the test on error."""
        result(self.driver.connect())

    def poll(self, tier: str = "full") -> Update:
        """Run one poll and return its Update."""
        update = result(self.driver.poll(tier))
        assert isinstance(update, Update)
        return update

    def values(self, tier: str = "full") -> dict[str, str]:
        """Run one poll and return its values."""
        return dict(self.poll(tier).values)

    def command(self, name: str, param: str | None = None) -> list[bytes]:
        """Run an instant command; return the SET_REPORTs it sent."""
        before = len(self.device.writes)
        d = self.driver.instcmd(name, param)
        self.clock.advance(1)   # shutdown.return waits 125 ms between writes
        result(d)
        return self.device.writes[before:]


def result(d: Any) -> Any:
    """Return a fired Deferred's result or raise its failure."""
    from twisted.internet.defer import Deferred
    if not isinstance(d, Deferred):
        return d
    out: list[Any] = []
    d.addBoth(out.append)
    assert out, "Deferred has not fired"
    if hasattr(out[0], "raiseException"):
        out[0].raiseException()
    return out[0]


def dev_values(name: str) -> dict[str, str]:
    """Variables of a nut-ddl .dev fixture (comments skipped, values stripped)."""
    values = {}
    for line in (FIXTURES / name).read_text(errors="replace").splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        values[key.strip()] = value.strip()
    return values


def dev_marks(name: str, kind: str) -> list[str]:
    """``#CMD:`` or ``#RW:`` lines of a nut-ddl .dev fixture."""
    prefix = f"#{kind}:"
    return [line[len(prefix):].strip() for line in
            (FIXTURES / name).read_text(errors="replace").splitlines()
            if line.startswith(prefix)]
