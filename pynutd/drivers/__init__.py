"""Drivers by the name ups.conf gives them, imported only when configured.

:data:`DRIVERS` maps a driver name to a loader: a small function that
imports the driver's module when called and returns its
:data:`DriverFactory`, so a ups.conf without a HID UPS never imports
hidapi.  The factory is called as ``create(section, reactor, hid_openers)``
and returns a :class:`~pynutd.drivers.base.Driver` or raises
:class:`~pynutd.config.ConfigError`.  NUT's own names are used so an
existing ups.conf works unchanged.  One package per device family:
:mod:`.hid` (usbhid-ups), :mod:`.must_ep20` over :mod:`.modbus`; the dummy
driver and the driver interface stand alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pynutd.config import ConfigError, UpsSection
from pynutd.drivers.base import Driver
from pynutd.drivers.hid.device import OpenerFactory

# create(section, reactor, hid_openers): only the HID driver uses the openers.
DriverFactory = Callable[[UpsSection, Any, Mapping[str, OpenerFactory]], Driver]


def _dummy() -> DriverFactory:
    from pynutd.drivers.dummy import create
    return lambda section, reactor, _openers: create(section, reactor)


def _must_ep20() -> DriverFactory:
    from pynutd.drivers.must_ep20.driver import create
    return lambda section, reactor, _openers: create(section, reactor)


def _usbhid() -> DriverFactory:
    from pynutd.drivers.hid.driver import create
    return create


DRIVERS: dict[str, Callable[[], DriverFactory]] = {
    "dummy-ups": _dummy,
    "must_ep2000pro": _must_ep20,
    "must_ep20": _must_ep20,
    "usbhid-ups": _usbhid,
}


def create_driver(section: UpsSection, reactor: Any,
                  hid_openers: Mapping[str, OpenerFactory] | None = None) -> Driver:
    """Build the driver ups.conf names for ``section``.

    ``hid_openers`` maps a port kind to what opens such HID devices
    (``{"virtual": open_virtual}`` where simulators are wanted): drivers
    never import the simulators themselves.
    """
    load = DRIVERS.get(section.driver)
    if load is None:
        known = ", ".join(sorted(DRIVERS))
        raise section.error("driver", f"unknown driver {section.driver!r} (pynutd has: {known})")
    try:
        factory = load()
    except ImportError as exc:
        raise section.error("driver", f"driver {section.driver} cannot load: {exc}") from None
    return factory(section, reactor, hid_openers or {})


__all__ = ["DRIVERS", "ConfigError", "DriverFactory", "create_driver"]
