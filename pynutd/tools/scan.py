"""``pynutd scan``: list serial ports and USB UPSes, and suggest ups.conf sections.

:data:`SCANNERS` maps a device family to a loader that imports its scanner
when called; the scanner takes the extra serial ports and returns
``(description, ups.conf section)`` for every device that answered.  A
scanner whose module cannot be imported in this build is skipped.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

# ports -> [(description, ups.conf section), ...]
Scanner = Callable[[Sequence[str]], list[tuple[str, str]]]


def _must_ep20() -> Scanner:
    from pynutd.drivers.must_ep20.scan import scan
    return lambda ports: scan(ports=ports)


def _hid() -> Scanner:
    from pynutd.drivers.hid.match import scan
    return lambda _ports: scan()   # USB devices are enumerated, not given


SCANNERS: dict[str, Callable[[], Scanner]] = {
    "MUST EP20": _must_ep20,
    "HID": _hid,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``scan`` options."""
    parser.add_argument("--port", action="append", default=[], metavar="PATH",
                        help="also probe this serial device (e.g. a pty); repeatable")


def list_serial_ports() -> list[str]:
    """Return one line per serial port pyserial knows, with its USB identity."""
    from serial.tools import list_ports
    lines = []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        usb = f" [{port.vid:04x}:{port.pid:04x}]" if port.vid is not None else ""
        lines.append(f"  {port.device}  {port.description}{usb}")
    return lines


def _load(name: str, load: Callable[[], Scanner]) -> Scanner | None:
    try:
        return load()
    except ImportError as exc:
        log.debug("%s scanner unavailable: %s", name, exc)
        return None


def run(args: argparse.Namespace) -> int:
    """Print the serial ports, then every device the scanners found."""
    lines = list_serial_ports() + [f"  {p}  (given with --port)" for p in args.port]
    print("Serial ports:" if lines else "Serial ports: none found")
    if lines:
        print("\n".join(lines))
    sections: list[str] = []
    for name, load in SCANNERS.items():
        scanner = _load(name, load)
        if scanner is None:
            continue
        try:
            results = scanner(args.port)
        except Exception as exc:  # noqa: BLE001 -- one broken scanner must not hide the others
            print(f"  ({name} scan failed: {exc})")
            continue
        for description, section in results:
            print(f"Found {description}")
            sections.append(section)
    if not sections:
        print("No UPS answered.")
        return 1
    print("\nSuggested ups.conf:\n")
    print("\n".join(sections))
    return 0
