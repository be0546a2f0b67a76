"""``pynutd DEVICE``: find the UPS at one device and build the configuration that serves it.

The predecessor tools start with a device and nothing else (``mustmon.py
/dev/ttyUSB0``, ``tripplite``); so does this mode.  :func:`prepare` asks
what answers at DEVICE the way ``pynutd scan`` does (the EP20 by its Modbus
identity, a HID Power Device by its descriptor), writes the ups.conf section
``pynutd scan`` would suggest, named ``ups`` (the one name Synology DSM
accepts), and reads that text with ups.conf's own reader into the same
:class:`~pynutd.config.Config` a configuration directory gives.  No file is
read: upsd.conf is its default on 127.0.0.1, and with no upsd.users nobody
may write.

DEVICE is a serial port (an EP20), ``/dev/hidrawN`` or ``auto`` (a USB HID
UPS), or ``virtual:FILE.hex`` (the virtual HID UPS, for trying it out).
Nothing answering is :class:`NothingFound`, one line for the CLI.

test-case-name: tests.test_quickstart
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pynutd.config import Config, ConfigError, UpsdConf, UpsSection, WebConfig, load_ups_conf
from pynutd.config.upsdconf import NUT_PORT

if TYPE_CHECKING:   # drivers are imported only when a device is looked for
    from pynutd.drivers.hid.device import DeviceInfo

UPS_NAME = "ups"          # what Synology DSM insists on
WEB_PORT = 8080
HOST = "127.0.0.1"        # upsd's default listener: nothing is exposed unasked
ORIGIN = Path("(command line)")   # where ConfigErrors about the section point


class NothingFound(Exception):
    """No UPS answered at the device; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Found:
    """The UPS that answered: one line about it and its ups.conf section."""

    description: str
    section: str


@dataclass(frozen=True, slots=True)
class QuickStart:
    """What ``pynutd DEVICE`` serves: the configuration and the text it was read from."""

    found: Found
    section: str        # the ups.conf text served, pollinterval included
    config: Config

    def announcement(self) -> str:
        """Return what to tell the user once pynutd listens."""
        port = self.config.upsd.listen[0][1]
        nut = HOST if port == NUT_PORT else f"{HOST}:{port}"
        return "\n".join([
            f"pynutd: serving {self.found.description} as UPS {UPS_NAME}",
            f"    upsc {UPS_NAME}@{nut}",
            f"    dashboard and API: http://{HOST}:{self.config.web.port}/",
            "The ups.conf section used (keep it in /etc/nut/ups.conf):",
            "",
            self.section.rstrip("\n"),
            "",
            "Writes are off (SET VAR, INSTCMD and the web's settings and commands): "
            "no users exist without upsd.users; add one there and start with "
            "'pynutd -c /etc/nut' to write.",
            "Stop with Ctrl-C.",
        ])


@contextmanager
def _quiet(name: str, verbose: bool) -> Iterator[None]:
    """Keep a prober's INFO lines off stderr: the outcome is said in one line."""
    logger = logging.getLogger(name)
    level = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _serial(device: str, verbose: bool) -> Found:
    """An EP20 on a serial port, by its Modbus identity (as ``pynutd scan``)."""
    from pynutd.drivers.must_ep20.scan import describe, probe
    from pynutd.drivers.permissions import access_problem
    if not os.path.exists(device):
        raise NothingFound(f"{device}: no such device")
    problem = access_problem(device)
    if problem is not None:
        raise NothingFound(problem)
    with _quiet("pynutd.drivers.must_ep20.scan", verbose):
        regs = probe(device)
    if regs is None:
        raise NothingFound(f"nothing answered on {device} (pynutd looked for a MUST EP20: "
                           "Modbus RTU slave 10 at 9600 baud)")
    description, section = describe(device, regs, UPS_NAME)
    return Found(description, section)


def _hid(device: str) -> Found:
    """The first USB HID UPS (``auto``) or the one at a hidraw node, as ``pynutd scan``."""
    from pynutd.drivers.hid.device import enumerate_devices
    if device != "auto" and not os.path.exists(device):
        raise NothingFound(f"{device}: no such device")
    try:
        devices = enumerate_devices()
    except (OSError, ImportError) as exc:
        raise NothingFound(f"cannot list HID devices: {exc}") from None
    return hid_found(device, devices)


def hid_found(device: str, devices: Iterable[DeviceInfo]) -> Found:
    """Pick ``device`` (``auto`` or a hidraw path) among enumerated HID interfaces.

    A UPS is what ``pynutd scan`` takes for one: the Power Device page in
    the descriptor (as hidapi reads it), or a vendor that makes only UPSes.
    """
    from pynutd.drivers.hid.match import Matcher, choose, describe, is_ups, section_text
    if device == "auto":
        info = choose(devices, Matcher())
        if info is None:
            raise NothingFound("no USB HID UPS found (is it plugged in? 'pynutd scan' lists "
                               "what answers)")
    else:
        info = next((d for d in devices if d.path == os.fsencode(device)), None)
        if info is None:
            raise NothingFound(f"{device}: hidapi lists no HID device there")
        if not is_ups(info):
            raise NothingFound(f"{device} is not a HID Power Device: {describe(info)} "
                               f"(usage page 0x{info.usage_page:02x})")
    return Found(describe(info), section_text(info, UPS_NAME))


def _virtual(spec: str, reactor: Any) -> Found:
    """The virtual HID UPS of ``FILE.hex``, judged by its report descriptor."""
    from pynutd.drivers.hid.descriptor import DescriptorError, parse
    from pynutd.drivers.hid.device import DeviceInfo
    from pynutd.drivers.hid.match import describe, is_ups, section_text
    from pynutd.sim.hid_virtual import open_virtual
    path = Path(spec).absolute()
    if not spec or not path.is_file():
        raise NothingFound(f"virtual:{spec}: no such file")
    port = f"virtual:{path}"
    section = _sections(f"[{UPS_NAME}]\n    driver = usbhid-ups\n    port = {port}\n")[0]
    try:
        device = open_virtual(section, reactor, str(path))()
        device.open()
        fields = parse(device.get_report_descriptor()).fields
        device.close()
    except (ConfigError, OSError, DescriptorError) as exc:
        raise NothingFound(f"{port}: {getattr(exc, 'message', exc)}") from None
    # The top collection's usage page, as hidapi reads it from a real descriptor.
    page = fields[0].path[0] >> 16 if fields else 0
    info = DeviceInfo(path=port.encode(), vendor_id=device.vendor_id,
                      product_id=device.product_id, serial=device.serial or "",
                      manufacturer=device.manufacturer or "", product=device.product or "",
                      usage_page=page)
    if not is_ups(info):
        raise NothingFound(f"{port} is not a HID Power Device (usage page 0x{page:02x})")
    # scan's section, at the simulated device instead of a USB one.
    text = section_text(info, UPS_NAME).replace("    port = auto\n", f"    port = {port}\n")
    return Found(describe(info), text)


def find(device: str, reactor: Any, verbose: bool = False) -> Found:
    """Return the UPS that answers at ``device``; raise NothingFound otherwise."""
    if device.startswith("virtual:"):
        return _virtual(device[len("virtual:"):], reactor)
    if device == "auto" or os.path.basename(device).startswith("hidraw"):
        return _hid(device)
    return _serial(device, verbose)


def _sections(text: str) -> tuple[UpsSection, ...]:
    """Read ``text`` with ups.conf's reader, exactly as /etc/nut/ups.conf would be."""
    sections, _ = load_ups_conf(ORIGIN, [], text=text)
    return sections


def build_config(section: str, port: int = NUT_PORT, web_port: int = WEB_PORT) -> Config:
    """Return the Config serving ``section`` on ``HOST:port`` and the web on ``web_port``.

    Everything else is each file's default: no users (so no writes), the
    history in memory, no MQTT.
    """
    return Config(confdir=ORIGIN.parent, ups=_sections(section),
                  upsd=UpsdConf(listen=((HOST, port),)), users={},
                  web=WebConfig(listen=HOST, port=web_port))


def prepare(device: str, reactor: Any, port: int = NUT_PORT, web_port: int = WEB_PORT,
            pollinterval: float | None = None, verbose: bool = False) -> QuickStart:
    """Find the UPS at ``device`` and return what serves it; NothingFound if none answers."""
    found = find(device, reactor, verbose)
    section = found.section
    if pollinterval is not None:
        section += f"    pollinterval = {pollinterval:g}\n"
    return QuickStart(found, section, build_config(section, port, web_port))
