"""The driver interface: what a driver offers and what one poll returns.

A driver talks to one device and returns :class:`Update` values; the
:class:`~pynutd.drivers.poller.Poller` runs it.  :func:`driver_variables`
is the ``driver.*`` set NUT's driver core publishes for every driver, and
:func:`poll_once` runs a driver once for one-shot tools.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from twisted.internet.defer import Deferred, ensureDeferred, maybeDeferred

from pynutd import __version__
from pynutd.config import UpsSection
from pynutd.ups import VarSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Update:
    """One poll's result.

    ``values`` are NUT variables as strings.  ``specs`` declares types
    (RW, STRING:n, enums, ranges) of the named variables; ``commands``, when
    not None, is the full instant-command list; ``replace_all`` removes every
    variable not in ``values`` (besides the poller's own ``driver.*``).
    """

    values: Mapping[str, str]
    specs: Mapping[str, VarSpec] = field(default_factory=dict)
    commands: Iterable[str] | None = None
    replace_all: bool = False


class Driver(Protocol):
    """What every driver offers the poller.

    Methods may return a plain value or a Deferred; they may raise.
    ``tiers`` maps a tier name to its period in seconds; the poller calls
    ``poll(tier)`` for each tier at its period, one poll at a time.
    """

    name: str      # the NUT driver name (driver.name), e.g. "usbhid-ups"
    version: str   # driver.version.internal

    def tiers(self) -> Mapping[str, float]: ...

    def connect(self) -> Deferred[None] | None: ...

    def poll(self, tier: str) -> Deferred[Update] | Update: ...

    def disconnect(self) -> None: ...

    def set_var(self, name: str, value: str) -> Deferred[None] | None: ...

    def instcmd(self, name: str, param: str | None) -> Deferred[None] | None: ...

    def parameters(self) -> Mapping[str, str]: ...


def driver_variables(section: UpsSection, driver: Driver) -> dict[str, str]:
    """Return the driver.* variables a NUT driver core publishes.

    NUT's ``drivers/main.c`` publishes the driver's name and versions and
    every ups.conf option as ``driver.parameter.<key>``, plus its own
    defaults for ``pollinterval`` and ``synchronous``.
    """
    values = {
        "driver.name": driver.name,
        "driver.version": __version__,
        "driver.version.internal": driver.version,
        "driver.parameter.port": section.port,
        "driver.parameter.pollinterval": section.options.get("pollinterval", "2"),
        "driver.parameter.synchronous": section.options.get("synchronous", "auto"),
    }
    for key, value in section.options.items():
        values.setdefault(f"driver.parameter.{key}", value)
    for key, value in driver.parameters().items():
        values[f"driver.parameter.{key}"] = value
    return values


def poll_once(driver: Driver) -> Deferred[dict[str, str]]:
    """Connect, run every tier once, disconnect; fire with all values.

    For one-shot commands (``pynutd read``) and tests.
    """
    values: dict[str, str] = {}

    async def run() -> dict[str, str]:
        await maybeDeferred(driver.connect)
        try:
            for tier in driver.tiers():
                update: Update = await maybeDeferred(driver.poll, tier)  # type: ignore[arg-type, call-overload]
                values.update(update.values)
        finally:
            try:
                driver.disconnect()
            except Exception:
                log.exception("driver failed to disconnect")
        return values

    return ensureDeferred(run())
