"""A virtual HID UPS: the backend the usbhid-ups driver uses for ``port = virtual:FILE.hex``.

:class:`VirtualHidUps` implements :class:`~pynutd.drivers.hid.device.HidBackend`
over a real report descriptor (``FILE.hex``), report values
(``FILE.reports.txt`` beside it) and optional USB strings
(``FILE.strings.txt``: ``manufacturer:``, ``product:``, ``serial:`` and
``<index>: text`` lines).  It answers GET/SET_REPORT like the device (short
replies kept, unknown report IDs fail like a stalled pipe), queues
interrupt-in reports when status changes, and moves its values with
:class:`~pynutd.sim.hid_virtual_model.HidUpsModel` scenarios.

ups.conf keys: ``virtual_scenario`` (replay, online, outage, cycle),
``virtual_timescale`` (model seconds per second), ``virtual_discharge_rate``
(% per model second on battery), and ``virtual_vendorid`` /
``virtual_productid`` when the file name (``vendor-model-VVVV_PPPP.hex``)
does not say.  ``pynutd --demo`` serves the bundled Tripp Lite SMART1500LCDT
through the real driver (:func:`demo_sections`).
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from pynutd.config import UpsSection
from pynutd.drivers.hid.descriptor import FEATURE, parse
from pynutd.drivers.hid.device import HidBackend, Opener
from pynutd.drivers.hid.dumps import from_hex, load_strings, parse_reports
from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.sim.hid_virtual_model import SCENARIOS, HidUpsModel, Scenario

DATA = Path(__file__).resolve().parent.parent / "data" / "hid"
DEMO_FILE = "tripplite-smart1500lcdt-09ae_3016.hex"
VENDOR_NAMES = {0x09AE: "Tripp Lite", 0x051D: "American Power Conversion", 0x0764: "CPS"}


def _companion(path: Path, suffix: str) -> Path:
    return path.with_name(path.name[:-len(".hex")] + suffix) if path.name.endswith(".hex") \
        else path.with_suffix(suffix)


class VirtualHidUps:
    """A simulated HID UPS with the hidapi backend's methods (thread-safe)."""

    def __init__(self, descriptor: bytes, reports: dict[int, bytes], vendor_id: int,
                 product_id: int, strings: dict[str, str], clock: Any,
                 scenario: Scenario, timescale: float = 1.0) -> None:
        self.descriptor = descriptor
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.manufacturer: str | None = strings.get("manufacturer") or VENDOR_NAMES.get(vendor_id)
        self.product: str | None = strings.get("product") or "HID UPS"
        self.serial: str | None = strings.get("serial") or None
        self.strings = {int(k): v for k, v in strings.items() if k.isdigit()}
        self.clock = clock
        desc = parse(descriptor)
        names = dict(subdriver_for(vendor_id, product_id, True, manufacturer=self.manufacturer,
                                   product=self.product).usages)
        self.model = HidUpsModel(desc, reports, names, scenario, timescale)
        self.lock = threading.Lock()
        self.is_open = False
        self.unplugged = False          # tests: pretend the cable is out
        self.writes: list[bytes] = []   # every SET_REPORT, for tests

    @classmethod
    def from_file(cls, hex_path: Path, clock: Any, scenario: str = "online",
                  timescale: float = 1.0, vendor_id: int | None = None,
                  product_id: int | None = None) -> VirtualHidUps:
        """Load ``FILE.hex`` with its ``.reports.txt`` and ``.strings.txt``."""
        reports_path = _companion(hex_path, ".reports.txt")
        reports = parse_reports(reports_path.read_text()) if reports_path.exists() else {}
        ids = re.search(r"([0-9a-fA-F]{4})_([0-9a-fA-F]{4})\.hex$", hex_path.name)
        vid = vendor_id if vendor_id is not None else int(ids.group(1), 16) if ids else 0
        pid = product_id if product_id is not None else int(ids.group(2), 16) if ids else 0
        return cls(from_hex(hex_path.read_text()), reports, vid, pid,
                   load_strings(_companion(hex_path, ".strings.txt")), clock,
                   SCENARIOS[scenario], timescale)

    def _now(self) -> float:
        return float(self.clock.seconds())

    def _alive(self) -> None:
        self.model.update(self._now())
        if self.unplugged or self.model.dead:
            self.is_open = False
            raise OSError("device disconnected")
        if not self.is_open:
            raise OSError("device not open")

    # -- HidBackend ---------------------------------------------------------------

    def open(self) -> None:
        """Open; fails while unplugged or switched off on battery."""
        with self.lock:
            self.model.update(self._now())
            if self.unplugged or self.model.dead:
                raise OSError("open failed")
            self.is_open = True

    def close(self) -> None:
        """Close."""
        with self.lock:
            self.is_open = False

    def get_report_descriptor(self) -> bytes:
        """Return the loaded descriptor."""
        with self.lock:
            self._alive()
            return self.descriptor

    def get_feature_report(self, report_id: int, length: int) -> bytes:
        """Return a report as the model has it now (short replies kept)."""
        with self.lock:
            self._alive()
            data = self.model.report(report_id, FEATURE)
            if data is None:
                raise OSError(f"GET_REPORT 0x{report_id:02x}: broken pipe")
            return data[:length]

    def send_feature_report(self, data: bytes) -> int:
        """Store a SET_REPORT and let the model react to it."""
        with self.lock:
            self._alive()
            if self.model.report(data[0], FEATURE) is None:
                raise OSError(f"SET_REPORT 0x{data[0]:02x}: broken pipe")
            self.writes.append(bytes(data))
            self.model.write(bytes(data), self._now())
            return len(data)

    def read(self, length: int, timeout_ms: int) -> bytes:
        """Return the next queued interrupt-in report, waiting up to ``timeout_ms``."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            with self.lock:
                self._alive()
                if self.model.queue:
                    return self.model.queue.pop(0)[:length]
            if time.monotonic() >= deadline:
                return b""
            time.sleep(0.02)

    def get_string(self, index: int) -> str | None:
        """Return a string from ``.strings.txt``."""
        with self.lock:
            return self.strings.get(index)

    # -- test and demo controls -------------------------------------------------------

    def set_mains(self, present: bool | None) -> None:
        """Force the mains on or off (None: back to the scenario)."""
        with self.lock:
            self.model.update(self._now())
            self.model.forced_mains = present


def open_virtual(section: UpsSection, clock: Any, spec: str) -> Opener:
    """Return the driver's opener for ``port = virtual:PATH.hex``.

    The wiring registers this for the ``virtual`` port kind
    (``create_driver(..., hid_openers={"virtual": open_virtual})``); it
    raises ConfigError for a missing file or a bad ``virtual_*`` option.
    """
    path = section.resolve(spec)
    if not path.exists():
        raise section.error("port", f"virtual UPS descriptor {path} does not exist")
    scenario = section.get("virtual_scenario", "online") or "online"
    if scenario not in SCENARIOS:
        raise section.error("virtual_scenario",
                            f"virtual_scenario must be one of {', '.join(SCENARIOS)}")
    timescale = section.get_float("virtual_timescale", 1.0, minimum=0.001)
    rate = section.get_float("virtual_discharge_rate", 0.0)
    vid = section.get_int("virtual_vendorid", -1, 16)
    pid = section.get_int("virtual_productid", -1, 16)
    try:
        device = VirtualHidUps.from_file(path, clock, scenario, timescale,
                                         vid if vid >= 0 else None, pid if pid >= 0 else None)
        if rate:
            device.model.scenario = replace(device.model.scenario, discharge_rate=rate)
    except (OSError, ValueError) as exc:
        raise section.error("port", f"cannot load virtual UPS {path}: {exc}") from None

    # The same simulated device across reconnects: its state lives on.
    def opener() -> HidBackend:
        return device
    return opener


def demo_sections(reactor: Any, workdir: Any) -> list[str]:
    """Copy the bundled Tripp Lite into the demo dir; return its ups.conf section."""
    for suffix in (".hex", ".reports.txt", ".strings.txt"):
        name = DEMO_FILE[:-len(".hex")] + suffix
        shutil.copy(DATA / name, Path(workdir.path) / name)
    section = (f"[tripplite]\n    driver = usbhid-ups\n    port = virtual:{DEMO_FILE}\n"
               "    virtual_scenario = cycle\n"
               "    desc = \"Virtual Tripp Lite SMART1500LCDT (HID)\"\n")
    return [section]
