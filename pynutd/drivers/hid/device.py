"""HID device access: the backend interface, hidapi behind it, and a one-thread pool.

:class:`HidBackend` is the small surface the usbhid-ups driver uses; the
real one (:class:`HidapiBackend`) wraps cython-hidapi, the virtual UPS
(:mod:`pynutd.sim.hid_virtual`) implements the same methods, so the driver
code path is identical for both.  :class:`DeviceRunner` runs every blocking
call of one device on its own single-thread pool (``deferToThreadPool``),
so calls to a device are serialised and the reactor never blocks.

hidapi backend: the wheel ships two modules with one API.  ``hidraw`` (the
default here) talks to /dev/hidrawN, leaves the kernel's usbhid driver bound
(upower and others keep working; nothing to detach) and returns the report
descriptor; it cannot read arbitrary string indexes, so ``battery.type`` and
``device.part`` are missing.  ``libusb`` (ups.conf ``hidapi = libusb``)
detaches the kernel driver while open and reads every string, like NUT.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from pynutd.drivers.base import DeviceError

log = logging.getLogger(__name__)

T = TypeVar("T")

BACKEND_MODULES = {"hidraw": "hidraw", "libusb": "hid"}


class HidBackend(Protocol):
    """One HID device as the driver sees it; every method may block."""

    vendor_id: int
    product_id: int
    serial: str | None
    manufacturer: str | None
    product: str | None

    def open(self) -> None:
        """Open the device; raises OSError when it cannot."""

    def close(self) -> None:
        """Release the device; never raises."""

    def get_report_descriptor(self) -> bytes:
        """Return the raw report descriptor."""

    def get_feature_report(self, report_id: int, length: int) -> bytes:
        """GET_REPORT(Feature): up to ``length`` bytes, the report ID first."""

    def send_feature_report(self, data: bytes) -> int:
        """SET_REPORT(Feature) with ``data`` (ID first); returns bytes written."""

    def read(self, length: int, timeout_ms: int) -> bytes:
        """Read one interrupt-in report, or b"" after ``timeout_ms`` (0: do not wait)."""

    def get_string(self, index: int) -> str | None:
        """Return USB string descriptor ``index``, or None if unavailable."""


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One HID interface found by enumeration."""

    path: bytes
    vendor_id: int
    product_id: int
    serial: str
    manufacturer: str
    product: str
    usage_page: int = 0
    usage: int = 0


def _module(backend: str) -> Any:
    return importlib.import_module(BACKEND_MODULES[backend])


def enumerate_devices(backend: str = "hidraw") -> list[DeviceInfo]:
    """Return every HID interface hidapi sees (blocking; may be empty)."""
    found = []
    for d in _module(backend).enumerate():
        found.append(DeviceInfo(
            path=d.get("path") or b"", vendor_id=d.get("vendor_id", 0),
            product_id=d.get("product_id", 0), serial=d.get("serial_number") or "",
            manufacturer=d.get("manufacturer_string") or "",
            product=d.get("product_string") or "",
            usage_page=d.get("usage_page", 0), usage=d.get("usage", 0)))
    return found


class HidapiBackend:
    """A real device through cython-hidapi, opened by its enumeration path."""

    def __init__(self, info: DeviceInfo, backend: str = "hidraw") -> None:
        self.info = info
        self.backend = backend
        self.vendor_id = info.vendor_id
        self.product_id = info.product_id
        self.serial: str | None = info.serial or None
        self.manufacturer: str | None = info.manufacturer or None
        self.product: str | None = info.product or None
        self._dev: Any = None

    def open(self) -> None:
        """Open the device by its enumeration path."""
        dev = _module(self.backend).device()
        dev.open_path(self.info.path)
        self._dev = dev

    def close(self) -> None:
        """Close the device; errors are only logged."""
        dev, self._dev = self._dev, None
        if dev is not None:
            try:
                dev.close()
            except Exception:  # closing a vanished device must not mask the cause
                log.debug("hidapi close failed", exc_info=True)

    def _device(self) -> Any:
        if self._dev is None:
            raise OSError("device not open")
        return self._dev

    def get_report_descriptor(self) -> bytes:
        """Return the report descriptor (hidapi >= 0.14)."""
        return bytes(self._device().get_report_descriptor())

    def get_feature_report(self, report_id: int, length: int) -> bytes:
        """GET_REPORT(Feature); OSError on failure."""
        return bytes(self._device().get_feature_report(report_id, length))

    def send_feature_report(self, data: bytes) -> int:
        """SET_REPORT(Feature); OSError on failure."""
        written = int(self._device().send_feature_report(list(data)))
        if written < 0:  # hidapi reports failure by -1, not an exception
            raise OSError(f"SET_REPORT 0x{data[0]:02x} failed")
        return written

    def read(self, length: int, timeout_ms: int) -> bytes:
        """Read one interrupt-in report, b"" on timeout."""
        # cython-hidapi's timeout 0 means a blocking hid_read: never ask for it.
        return bytes(self._device().read(length, max(timeout_ms, 1)))

    def get_string(self, index: int) -> str | None:
        """Return string descriptor ``index``; None where hidraw cannot."""
        if index <= 0:
            return None
        try:
            text = self._device().get_indexed_string(index)
        except (OSError, ValueError):  # hidraw: "not supported"
            return None
        return str(text).strip() if text else None


Executor = Callable[..., "Deferred[Any]"]


class DeviceRunner:
    """Runs a device's blocking calls one at a time off the reactor thread.

    ``executor`` replaces the thread pool in tests: it is called as
    ``executor(func, *args)`` and returns a Deferred.
    """

    def __init__(self, reactor: Any, name: str, executor: Executor | None = None) -> None:
        self.reactor = reactor
        self.name = name
        self._executor = executor
        self._pool: ThreadPool | None = None

    def run(self, func: Callable[..., T], *args: Any) -> Deferred[T]:
        """Call ``func(*args)`` on the device's thread; fire with its result."""
        if self._executor is not None:
            return self._executor(func, *args)
        if self._pool is None:
            self._pool = ThreadPool(1, 1, name=f"hid:{self.name}")
            self._pool.start()
            self._trigger = self.reactor.addSystemEventTrigger(
                "during", "shutdown", self.stop)
        return deferToThreadPool(self.reactor, self._pool, func, *args)

    def stop(self) -> None:
        """Stop the thread (waits for the call in progress)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            try:
                self.reactor.removeSystemEventTrigger(self._trigger)
            except (ValueError, KeyError, TypeError):
                pass


def synchronous(func: Callable[..., T], *args: Any) -> Deferred[T]:
    """An executor running the call at once on the caller's thread (tests)."""
    return maybeDeferred(func, *args)


# -- blocking helpers (run on the device thread) ----------------------------------

def fetch_reports(backend: HidBackend, wanted: Mapping[int, int]) -> dict[int, bytes]:
    """GET_REPORT every wanted report; raise DeviceError only if all fail."""
    replies: dict[int, bytes] = {}
    errors = []
    for rid, length in wanted.items():
        try:
            data = backend.get_feature_report(rid, length)
        except OSError as exc:
            errors.append(f"0x{rid:02x}: {exc}")
            continue
        if data and data[0] == rid:
            replies[rid] = data
    if wanted and not replies:
        raise DeviceError("no report could be read (" + "; ".join(errors[:3]) + ")")
    return replies


def fetch_all(backend: HidBackend, wanted: Mapping[int, int]
                ) -> tuple[dict[int, bytes | str], dict[int, str]]:
    """GET_REPORT every report (an error's text instead of raising) and strings 1-15."""
    replies: dict[int, bytes | str] = {}
    for rid, length in wanted.items():
        try:
            replies[rid] = backend.get_feature_report(rid, length)
        except OSError as exc:
            replies[rid] = str(exc) or "error"
    strings = {i: text for i in range(1, 16) if (text := backend.get_string(i))}
    return replies, strings


def dump_texts(raw: bytes, replies: Mapping[int, bytes | str], indexed: Mapping[int, str],
               backend: HidBackend) -> dict[str, str]:
    """Return the three dump files' texts (see docs/usb-hid.md, bug reports)."""
    hexlines = [" ".join(f"{b:02x}" for b in raw[i:i + 16]) for i in range(0, len(raw), 16)]
    ident = (f"{backend.vendor_id:04x}:{backend.product_id:04x} "
             f"{backend.manufacturer or '?'} / {backend.product or '?'}")
    reports = [f"# Feature reports of {ident}, read by pynutd (GET_REPORT, ID first)."]
    for rid, data in sorted(replies.items()):
        if isinstance(data, bytes) and data:
            reports.append(f"{rid:02x}: " + " ".join(f"{b:02x}" for b in data))
        else:
            reports.append(f"# {rid:02x}: {data or 'empty reply'}")
    strings = [f"manufacturer: {backend.manufacturer or ''}",
               f"product: {backend.product or ''}", f"serial: {backend.serial or ''}"]
    strings += [f"{index}: {text}" for index, text in sorted(indexed.items())]
    return {".hex": "\n".join(hexlines) + "\n", ".reports.txt": "\n".join(reports) + "\n",
            ".strings.txt": "\n".join(strings) + "\n"}


def fetch_strings(backend: HidBackend, indexes: list[int]) -> dict[int, str | None]:
    """Read the USB strings with these indexes."""
    return {i: backend.get_string(i) for i in indexes}


def drain_input(backend: HidBackend, size: int, limit: int = 32) -> list[bytes]:
    """Read the interrupt-in reports waiting now (non-blocking), at most ``limit``."""
    reports = []
    for _ in range(limit):
        data = backend.read(size, 0)
        if not data:
            break
        reports.append(bytes(data))
    return reports
