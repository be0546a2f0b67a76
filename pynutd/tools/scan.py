"""``pynutd scan``: list serial ports and USB UPSes, and suggest ups.conf sections.

Each entry of :data:`SCANNERS` is ``module:function``; the function returns
``(description, ups.conf section)`` for every device that answered.  A
scanner whose module is missing from this build is skipped.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

SCANNERS = [
    "pynutd.drivers.must_ep20.scan:scan",
    "pynutd.drivers.hid.match:scan",
]


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


def _load(target: str) -> Callable[..., list[tuple[str, str]]] | None:
    module_name, func = target.split(":")
    try:
        found: Any = getattr(importlib.import_module(module_name), func)
    except (ImportError, AttributeError) as exc:
        log.debug("scanner %s unavailable: %s", target, exc)
        return None
    return found  # type: ignore[no-any-return]


def run(args: argparse.Namespace) -> int:
    """Print the serial ports, then every device the scanners found."""
    lines = list_serial_ports() + [f"  {p}  (given with --port)" for p in args.port]
    print("Serial ports:" if lines else "Serial ports: none found")
    if lines:
        print("\n".join(lines))
    sections: list[str] = []
    for target in SCANNERS:
        scanner = _load(target)
        if scanner is None:
            continue
        takes_ports = "ports" in inspect.signature(scanner).parameters
        try:
            results = scanner(ports=args.port) if takes_ports else scanner()
        except Exception as exc:  # noqa: BLE001 -- one broken scanner must not hide the others
            print(f"  ({target.split(':')[0]} failed: {exc})")
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
