"""Drivers by the name ups.conf gives them, imported only when configured.

Each entry names ``module:function``; the function is called as
``create(section, reactor)`` and returns a :class:`~pynutd.drivers.base.Driver`
or raises :class:`~pynutd.config.ConfigError`.  NUT's own names are used so an
existing ups.conf works unchanged.  One package per device family:
:mod:`.hid` (usbhid-ups), :mod:`.must_ep20` over :mod:`.modbus`; the dummy
driver and the driver interface stand alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from pynutd.config import ConfigError, UpsSection
from pynutd.drivers.base import Driver
from pynutd.drivers.hid.device import OpenerFactory

DRIVERS = {
    "dummy-ups": "pynutd.drivers.dummy:create",
    "must_ep2000pro": "pynutd.drivers.must_ep20.driver:create",
    "must_ep20": "pynutd.drivers.must_ep20.driver:create",
    "usbhid-ups": "pynutd.drivers.hid.driver:create",
}
# The drivers that open HID devices, and so take the HID openers.
HID_DRIVERS = frozenset({"usbhid-ups"})


def create_driver(section: UpsSection, reactor: Any,
                  hid_openers: Mapping[str, OpenerFactory] | None = None) -> Driver:
    """Build the driver ups.conf names for ``section``.

    ``hid_openers`` maps a port kind to what opens such HID devices
    (``{"virtual": open_virtual}`` where simulators are wanted): drivers
    never import the simulators themselves.
    """
    target = DRIVERS.get(section.driver)
    if target is None:
        known = ", ".join(sorted(DRIVERS))
        raise section.error("driver", f"unknown driver {section.driver!r} (pynutd has: {known})")
    module_name, func = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise section.error("driver", f"driver {section.driver} cannot load: {exc}") from None
    factory = getattr(module, func)
    if section.driver in HID_DRIVERS:
        driver: Driver = factory(section, reactor, hid_openers or {})
    else:
        driver = factory(section, reactor)
    return driver


__all__ = ["DRIVERS", "ConfigError", "create_driver"]
