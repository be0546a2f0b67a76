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
from pynutd.drivers.hid.vendors import is_fallback, subdriver_for

log = logging.getLogger(__name__)

POWER_DEVICE_PAGE = 0x84
# Vendor names for descriptions and section names: the vendor IDs NUT's
# usbhid-ups subdrivers claim (their *_VENDORID macros).
UPS_VENDORS = {
    0x0463: "Eaton", 0x047C: "Dell", 0x0592: "Powerware", 0x03F0: "HP", 0x2B2D: "AEG",
    0x06DA: "Phoenixtec", 0x04B3: "IBM", 0x09D6: "KSTAR", 0x051D: "APC",
    0x2341: "Arduino", 0x2A03: "Arduino", 0x050D: "Belkin", 0x10AF: "Liebert",
    0x0764: "CyberPower", 0x0483: "STMicroelectronics", 0x05DD: "Delta", 0x3746: "EcoFlow",
    0x2E51: "Ever", 0x075D: "iDowell", 0x1CB0: "Legrand", 0x04D8: "openUPS",
    0x0D9F: "Powercom", 0x4234: "Powervar", 0x2E66: "Salicru", 0x09AE: "Tripp Lite",
}
# Vendors whose every HID device is a UPS; HP, Dell, IBM, Belkin, Delta,
# Arduino, STMicro and Microchip (openUPS) also make other HID devices.
# conf/99-pynutd.rules gives these vendors' hidraw nodes to group nut.
UPS_ONLY_VENDORS = frozenset({
    0x0463, 0x0592, 0x2B2D, 0x06DA, 0x09D6, 0x051D, 0x10AF, 0x0764, 0x3746,
    0x2E51, 0x075D, 0x1CB0, 0x0D9F, 0x4234, 0x2E66, 0x09AE,
})


def _ids(vendor: int, *products: int) -> set[tuple[int, int]]:
    return {(vendor, p) for p in products}


# Every (vendor, product) in the usb_device_id_t tables of NUT's usbhid-ups
# subdrivers (drivers/*-hid.c, NUT master 6c63f7745ab5): devices found by
# ``pynutd scan`` even when they do not say Power Device in their usage page.
NUT_DEVICE_IDS: frozenset[tuple[int, int]] = frozenset(
    _ids(0x0463, 0x0001, 0xFFFF) | _ids(0x047C, 0xFFFF) | _ids(0x0592, 0x0004)
    | _ids(0x03F0, 0x1FE5, 0x1FE6, 0x1FE7, 0x1FE8) | _ids(0x2B2D, 0xFFFF)
    | _ids(0x06DA, 0xFFFF) | _ids(0x04B3, 0x0001) | _ids(0x09D6, 0x0001)            # mge
    | _ids(0x051D, 0x0000, 0x0002, 0x0003, 0x0004, 0x0005)                          # apc
    | _ids(0x2341, 0x0036, 0x8036) | _ids(0x2A03, 0x0036, 0x8036, 0x0040, 0x8040)  # arduino
    | _ids(0x050D, 0x0980, 0x0900, 0x0910, 0x0912, 0x0551, 0x0750, 0x0751, 0x0375,
           0x0F51, 0x1100)
    | _ids(0x10AF, 0x0000, 0x0001, 0x0002, 0x0004, 0x0008)                          # belkin
    | _ids(0x0764, 0x0005, 0x0501, 0x0601) | _ids(0x0483, 0xA430)                   # cps
    | _ids(0x05DD, 0x041B) | _ids(0x3746, 0xFFFF)                                   # delta, ecoflow
    | _ids(0x0483, 0xA113) | _ids(0x2E51, 0xFFFF, 0x0000)                           # ever
    | _ids(0x075D, 0x0300) | _ids(0x1CB0, 0x0038, 0x0032)                           # idowell, legrand
    | _ids(0x04D8, 0xD004, 0xD005)                                                  # openups
    | _ids(0x0D9F, 0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x0004, 0x0001)          # powercom
    | _ids(0x4234, 0x0002)                                                          # powervar
    | _ids(0x2E66, 0x0101, 0x0201, 0x0202, 0x0203, 0x0300, 0x0302)                  # salicru
    | _ids(0x09AE, 0x1003, 0x1007, 0x1008, 0x1009, 0x1010, 0x1330, 0x2005, 0x2007,
           0x2008, 0x2009, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x3008, 0x3009,
           0x3010, 0x3011, 0x3012, 0x3013, 0x3014, 0x3015, 0x3016, 0x3024, 0x4001,
           0x4002, 0x4003, 0x4004, 0x4005, 0x4006, 0x4007, 0x4008)
    | _ids(0x03F0, 0x0001, 0x1FE0, 0x1FE1, 0x1FE2, 0x1FE3, 0x1F06, 0x1F08, 0x1F09,
           0x1F0A)
    | _ids(0x05DD, 0xA011, 0xA0A0))                                                 # tripplite


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
    """Return whether an interface looks like a HID Power Device.

    It does when it says so (usage page 0x84), when its vendor makes only
    UPSes, or when a NUT subdriver's device table lists it.
    """
    return (info.usage_page == POWER_DEVICE_PAGE or info.vendor_id in UPS_ONLY_VENDORS
            or (info.vendor_id, info.product_id) in NUT_DEVICE_IDS)


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


def table_note(info: DeviceInfo) -> str:
    """Say which table usbhid-ups would serve a device with (its claim functions, in order)."""
    table = subdriver_for(info.vendor_id, info.product_id, manufacturer=info.manufacturer,
                          product=info.product, serial=info.serial)
    if is_fallback(table):
        return "no NUT subdriver: generic Power Device mapping"
    return f"subdriver {table.name}"


def scan_devices(devices: Iterable[DeviceInfo]) -> list[tuple[str, str]]:
    """Return (description, ups.conf section) for each UPS among ``devices``.

    The description ends with the table the driver will use for it.
    """
    result = []
    seen: set[tuple[int, int, str]] = set()
    for info in devices:
        key = (info.vendor_id, info.product_id, info.serial)
        if not is_ups(info) or key in seen:
            continue
        seen.add(key)
        name = re.sub(r"[^a-z0-9]+", "", (UPS_VENDORS.get(info.vendor_id) or "hid").lower())
        name = name if len(seen) == 1 else f"{name}{len(seen)}"
        result.append((f"{describe(info)} ({table_note(info)})", section_text(info, name)))
    return result


def scan() -> list[tuple[str, str]]:
    """Return (description, ups.conf section) for every HID UPS plugged in."""
    try:
        devices = enumerate_devices()
    except (OSError, ImportError) as exc:
        log.warning("cannot enumerate HID devices: %s", exc)
        return []
    return scan_devices(devices)
