"""``pynutd read``: one UPS's readings once, as JSON, for scripts and ``jq``.

``pynutd read [-c DIR] [UPSNAME]`` creates the driver ups.conf configures
for that UPS (the only one, when no name is given), connects, runs every
poll tier once and prints the NUT variables as a JSON object (values are
strings, exactly as ``upsc`` shows them).  ``--auto`` needs no
configuration: it reads the first HID UPS plugged in.  ``--tripplite-layout``
prints the TrippLite USB HID reader's (tripplite) object instead (config, health, input, output,
status booleans, time to empty) from Tripp Lite's fixed report layout.
``--dump DIR`` saves the descriptor, every feature report and the USB strings
in the files ``port = virtual:`` loads: what a bug report needs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred

from pynutd.config import ConfigError, UpsSection

TIMEOUT = 30.0   # seconds for connect plus one poll of every tier


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``read`` options."""
    parser.add_argument("ups", nargs="?", help="UPS name in ups.conf (default: the only one)")
    parser.add_argument("-c", "--confdir", dest="read_confdir", default=None,
                        help="configuration directory (default: pynutd's -c, /etc/nut)")
    parser.add_argument("--auto", action="store_true",
                        help="no configuration: read the first HID UPS found")
    parser.add_argument("--dump", metavar="DIR", default=None,
                        help="write the device's report descriptor, every feature report and "
                             "its strings to DIR (for a bug report, or port = virtual:)")
    parser.add_argument("--tripplite-layout", action="store_true",
                        help="print the TrippLite USB HID reader's (tripplite) JSON (config, health, input, "
                             "output, status, time to empty)")


def find_section(args: argparse.Namespace) -> UpsSection:
    """Return the ups.conf section to read; ConfigError when there is none."""
    if args.auto:
        options = {"vendorid": "09ae"} if args.tripplite_layout else {}
        return UpsSection(name=args.ups or "ups", driver="usbhid-ups", port="auto",
                          desc=None, options=options, path="(--auto)", lineno=0)
    from pynutd.config import load_ups_conf
    confdir = Path(args.read_confdir or getattr(args, "confdir", None) or "/etc/nut")
    sections, _ = load_ups_conf(confdir / "ups.conf", [])
    if args.ups:
        for section in sections:
            if section.name.lower() == args.ups.lower():
                return section
        raise ConfigError(confdir / "ups.conf", None, f"no UPS [{args.ups}]")
    if len(sections) != 1:
        names = ", ".join(s.name for s in sections) or "none"
        raise ConfigError(confdir / "ups.conf", None,
                          f"name the UPS to read (configured: {names})")
    return sections[0]


def collect(driver: Any, layout: bool, dump: bool = False) -> Deferred[dict[str, Any]]:
    """Connect, read, disconnect; fire with the JSON object to print."""
    from pynutd.drivers.base import poll_once
    if not layout and not dump:
        d: Deferred[Any] = poll_once(driver)
        d.addCallback(lambda values: dict(sorted(values.items())))
        return d
    from pynutd.drivers.hid.vendors import tripplite_2012
    if not hasattr(driver, "read_raw"):
        raise ConfigError("ups.conf", None, "this option needs driver = usbhid-ups")
    d = maybeDeferred(driver.connect)
    if dump:
        d.addCallback(lambda _: driver.dump_text())
    else:
        d.addCallback(lambda _: driver.read_raw(tripplite_2012.report_lengths()))
        d.addCallback(tripplite_2012.reader_layout)

    def close(result: Any) -> Any:
        driver.disconnect()
        return result
    d.addBoth(close)
    return d


def run(args: argparse.Namespace) -> int:
    """Print the readings; exit 1 when the device cannot be read."""
    from twisted.internet import reactor as _reactor

    from pynutd.drivers import create_driver
    from pynutd.sim.hid_virtual import open_virtual
    reactor: Any = _reactor
    section = find_section(args)
    # A ups.conf with a virtual UPS reads like one with the real device.
    driver = create_driver(section, reactor, hid_openers={"virtual": open_virtual})
    outcome: dict[str, Any] = {}

    def finish(result: Any) -> None:
        outcome["result"] = result
        if reactor.running:
            reactor.stop()

    def start() -> None:
        d = collect(driver, args.tripplite_layout, bool(args.dump))
        timer = reactor.callLater(TIMEOUT, d.cancel)

        def stop_timer(result: Any) -> Any:
            if timer.active():
                timer.cancel()
            return result
        d.addBoth(stop_timer)
        d.addBoth(finish)

    reactor.callWhenRunning(start)
    reactor.run()
    result = outcome.get("result")
    if result is None or hasattr(result, "getErrorMessage"):
        why = result.getErrorMessage() if result is not None else "no answer"
        print(f"pynutd: cannot read {section.name}: {why}", file=sys.stderr)
        return 1
    if args.dump:
        return write_dump(Path(args.dump), result, driver)
    json.dump(result, sys.stdout, indent=4)
    sys.stdout.write("\n")
    return 0


def write_dump(folder: Path, texts: dict[str, str], driver: Any) -> int:
    """Write ``vendor-product-VVVV_PPPP.{hex,reports.txt,strings.txt}`` into ``folder``."""
    ids = driver.values
    model = re.sub(r"[^a-z0-9]+", "", (ids.get("ups.model") or "ups").lower()) or "ups"
    stem = f"{model}-{ids.get('ups.vendorid', '0000')}_{ids.get('ups.productid', '0000')}"
    folder.mkdir(parents=True, exist_ok=True)
    for suffix, text in texts.items():
        (folder / f"{stem}{suffix}").write_text(text)
    print(f"wrote {folder / stem}.hex, .reports.txt and .strings.txt")
    return 0
