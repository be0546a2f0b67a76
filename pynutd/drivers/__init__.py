"""Drivers by the name ups.conf gives them, imported only when configured.

Each entry names ``module:function``; the function is called as
``create(section, reactor)`` and returns a :class:`~pynutd.drivers.base.Driver`
or raises :class:`~pynutd.config.ConfigError`.  NUT's own names are used so an
existing ups.conf works unchanged.
"""

from __future__ import annotations

import importlib
from typing import Any

from pynutd.config import ConfigError, UpsSection
from pynutd.drivers.base import Driver

DRIVERS = {
    "dummy-ups": "pynutd.drivers.dummy:create",
    "must_ep2000pro": "pynutd.drivers.must_ep20:create",
    "must_ep20": "pynutd.drivers.must_ep20:create",
    "usbhid-ups": "pynutd.drivers.usbhid:create",
}


def create_driver(section: UpsSection, reactor: Any) -> Driver:
    """Build the driver ups.conf names for ``section``."""
    target = DRIVERS.get(section.driver)
    if target is None:
        known = ", ".join(sorted(DRIVERS))
        raise section.error("driver", f"unknown driver {section.driver!r} (pynutd has: {known})")
    module_name, func = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise section.error("driver", f"driver {section.driver} cannot load: {exc}") from None
    driver: Driver = getattr(module, func)(section, reactor)
    return driver


__all__ = ["DRIVERS", "ConfigError", "create_driver"]
