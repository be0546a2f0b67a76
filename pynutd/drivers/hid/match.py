"""Which HID device a ups.conf section means: finding it to open, and ``pynutd scan``.

Matching follows NUT's usbhid-ups: ``vendorid`` / ``productid`` are hex
numbers, ``vendor`` / ``product`` / ``serial`` are extended regular
expressions matched case-insensitively against the whole USB string.  A
device is found again by this identity after a re-plug (its hidraw path
changes): :func:`hidapi_opener` enumerates afresh at every open.

test-case-name: tests.test_hid_driver
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pynutd.config import UpsSection
from pynutd.drivers.hid.device import (
    BACKEND_MODULES,
    DeviceInfo,
    HidapiBackend,
    HidBackend,
    Opener,
    OpenerFactory,
    enumerate_devices,
)

log = logging.getLogger(__name__)

POWER_DEVICE_PAGE = 0x84
UPS_VENDORS = {0x09AE: "Tripp Lite", 0x051D: "APC", 0x0764: "CyberPower",
               0x0463: "Eaton", 0x03F0: "HP", 0x05DD: "Delta"}
# Vendors whose every HID device is a UPS; HP and others also make mice.
UPS_ONLY_VENDORS = frozenset({0x09AE, 0x051D, 0x0764})


@dataclass(frozen=True, slots=True)
class Matcher:
    """The identity a section asks for; None fields match anything."""

    vendor_id: int | None = None
    product_id: int | None = None
    vendor: re.Pattern[str] | None = None
    product: re.Pattern[str] | None = None
    serial: re.Pattern[str] | None = None

    @classmethod
    def from_section(cls, section: UpsSection) -> Matcher:
        """Read vendorid, productid, vendor, product and serial; ConfigError if bad."""
        def hexnum(key: str) -> int | None:
            raw = section.get(key)
            if raw is None:
                return None
            try:
                return int(raw, 16)
            except ValueError:
                raise section.error(key, f"{key} must be hexadecimal, not {raw!r}") from None

        def regex(key: str) -> re.Pattern[str] | None:
            raw = section.get(key)
            if raw is None:
                return None
            try:
                return re.compile(raw, re.IGNORECASE)
            except re.error as exc:
                raise section.error(key, f"{key} is not a valid regular expression: {exc}") \
                    from None

        return cls(hexnum("vendorid"), hexnum("productid"), regex("vendor"),
                   regex("product"), regex("serial"))

    def matches(self, info: DeviceInfo) -> bool:
        """Return whether ``info`` is the device this section means."""
        if self.vendor_id is not None and info.vendor_id != self.vendor_id:
            return False
        if self.product_id is not None and info.product_id != self.product_id:
            return False
        for pattern, text in ((self.vendor, info.manufacturer), (self.product, info.product),
                              (self.serial, info.serial)):
            if pattern is not None and not pattern.fullmatch(text or ""):
                return False
        return True


def is_ups(info: DeviceInfo) -> bool:
    """Return whether an interface looks like a HID Power Device."""
    return info.usage_page == POWER_DEVICE_PAGE or info.vendor_id in UPS_ONLY_VENDORS


def choose(devices: Iterable[DeviceInfo], matcher: Matcher) -> DeviceInfo | None:
    """Return the first matching UPS interface (Power Device page first)."""
    found = [d for d in devices if matcher.matches(d) and is_ups(d)]
    found.sort(key=lambda d: d.usage_page != POWER_DEVICE_PAGE)
    return found[0] if found else None


def hidapi_opener(matcher: Matcher, backend: str) -> Opener:
    """Return the opener of the real device ``matcher`` means, through hidapi ``backend``."""
    def opener() -> HidBackend:
        info = choose(enumerate_devices(backend), matcher)
        if info is None:
            raise OSError("no matching HID UPS found (is it plugged in? see 'pynutd scan')")
        return HidapiBackend(info, backend)
    return opener


def opener_for(section: UpsSection, reactor: Any,
               openers: Mapping[str, OpenerFactory]) -> Opener:
    """Return the opener of the device ``section`` means; ConfigError if it cannot be.

    ``port = KIND:ARG`` opens the device with ``openers[KIND]`` (the wiring
    registers ``virtual`` for simulated UPSes).  Any other port means the
    real device the section's vendorid, productid, vendor, product and serial
    match, opened through hidapi, as usbhid-ups ignores the port.
    """
    matcher = Matcher.from_section(section)
    kind, colon, arg = (section.port or "auto").partition(":")
    if colon and kind.isalpha():
        factory = openers.get(kind)
        if factory is None:
            raise section.error("port", f"port {section.port!r}: this program opens no "
                                        f"{kind}: devices")
        return factory(section, reactor, arg)
    backend = section.get("hidapi", "hidraw") or "hidraw"
    if backend not in BACKEND_MODULES:
        raise section.error("hidapi", f"hidapi must be one of {', '.join(BACKEND_MODULES)}")
    return hidapi_opener(matcher, backend)


def section_text(info: DeviceInfo, name: str) -> str:
    """Return a ready ups.conf section for one device."""
    lines = [f"[{name}]", "    driver = usbhid-ups", "    port = auto",
             f"    vendorid = {info.vendor_id:04x}", f"    productid = {info.product_id:04x}"]
    if info.serial:
        lines.append(f'    serial = "{re.escape(info.serial)}"')
    desc = " ".join(p for p in (info.manufacturer, info.product) if p) or "HID UPS"
    lines.append(f'    desc = "{desc}"')
    return "\n".join(lines) + "\n"


def describe(info: DeviceInfo) -> str:
    """One line naming a device: ids, strings, path."""
    vendor = info.manufacturer or UPS_VENDORS.get(info.vendor_id, "?")
    path = info.path.decode(errors="replace")
    return (f"{info.vendor_id:04x}:{info.product_id:04x} {vendor} "
            f"{info.product or '?'} serial={info.serial or '-'} path={path}")


def scan_devices(devices: Iterable[DeviceInfo]) -> list[tuple[str, str]]:
    """Return (description, ups.conf section) for each UPS among ``devices``."""
    result = []
    seen: set[tuple[int, int, str]] = set()
    for info in devices:
        key = (info.vendor_id, info.product_id, info.serial)
        if not is_ups(info) or key in seen:
            continue
        seen.add(key)
        name = re.sub(r"[^a-z0-9]+", "", (UPS_VENDORS.get(info.vendor_id) or "hid").lower())
        name = name if len(seen) == 1 else f"{name}{len(seen)}"
        result.append((describe(info), section_text(info, name)))
    return result


def scan() -> list[tuple[str, str]]:
    """Return (description, ups.conf section) for every HID UPS plugged in."""
    try:
        devices = enumerate_devices()
    except (OSError, ImportError) as exc:
        log.warning("cannot enumerate HID devices: %s", exc)
        return []
    return scan_devices(devices)
