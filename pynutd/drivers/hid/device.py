"""HID device backends: the interface the usbhid-ups driver uses, and hidapi behind it.

:class:`HidBackend` is the small surface the driver uses; the real one
(:class:`HidapiBackend`) wraps cython-hidapi, and a simulator (the virtual
UPS of :mod:`pynutd.sim.hid_virtual`) implements the same methods, so the
driver code path is identical for both.  The driver gets its device from an
:data:`Opener`; an :data:`OpenerFactory` builds one for a ``port = KIND:ARG``
whose kind the wiring registered (``virtual:`` for the demo and tests).

hidapi backend: the wheel ships two modules with one API.  ``hidraw`` (the
default here) talks to /dev/hidrawN, leaves the kernel's usbhid driver bound
(upower and others keep working; nothing to detach) and returns the report
descriptor; it cannot read arbitrary string indexes, so ``battery.type`` and
``device.part`` are missing.  ``libusb`` (ups.conf ``hidapi = libusb``)
detaches the kernel driver while open and reads every string, like NUT.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pynutd.config import UpsSection
from pynutd.drivers.permissions import access_problem

log = logging.getLogger(__name__)


class HidapiModule(Protocol):
    """What pynutd uses of a cython-hidapi module (``hidraw`` or ``hid``)."""

    def enumerate(self, vendor_id: int = 0, product_id: int = 0) -> list[dict[str, Any]]:
        """Return one dict per HID interface (path, ids, strings, usage)."""

    def device(self) -> Any:
        """Return an unopened device object (``open_path``, ``get_feature_report``...)."""


def _hidraw() -> HidapiModule:
    import hidraw
    module: HidapiModule = hidraw
    return module


def _libusb() -> HidapiModule:
    import hid
    module: HidapiModule = hid
    return module


# ups.conf ``hidapi = ...`` -> the loader of that backend's module, imported
# only when a HID UPS is opened or scanned for.
BACKEND_MODULES: dict[str, Callable[[], HidapiModule]] = {"hidraw": _hidraw, "libusb": _libusb}


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


def _module(backend: str) -> HidapiModule:
    return BACKEND_MODULES[backend]()


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
        try:
            dev.open_path(self.info.path)
        except OSError as exc:
            # hidapi only says "open failed": name the missing permission.
            problem = access_problem(self.info.path.decode("utf-8", "replace"))
            if problem is not None:
                raise PermissionError(problem) from None
            raise exc from None
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


def identity_values(backend: HidBackend, data_version: str) -> dict[str, str]:
    """Return the ups.* identity variables a device's USB ids and strings give."""
    # device.* are copied from these by the poller, as NUT's driver core does.
    values = {"driver.version.data": data_version,
              "ups.vendorid": f"{backend.vendor_id:04x}",
              "ups.productid": f"{backend.product_id:04x}"}
    for key, text in (("mfr", backend.manufacturer), ("model", backend.product),
                      ("serial", backend.serial)):
        if text:
            values[f"ups.{key}"] = text.strip()
    return values


# The driver's source of its device: called on the device thread at every
# (re)connect; raises OSError when the device cannot be found.
Opener = Callable[[], HidBackend]
# Builds the opener for ``port = KIND:ARG`` as (section, reactor, ARG); raises
# ConfigError for a bad section, so a reload can refuse it before any change.
OpenerFactory = Callable[[UpsSection, Any, str], Opener]
