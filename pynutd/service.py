"""Wiring: build every part of pynutd from a Config, under one MultiService.

Only this module and :mod:`pynutd.cli` know all the parts: the state store,
the drivers and their pollers, the NUT listeners, and the web site.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from twisted.application.internet import StreamServerEndpointService
from twisted.application.service import MultiService, Service
from twisted.internet.endpoints import TCP4ServerEndpoint, TCP6ServerEndpoint

from pynutd.config import (
    DEFAULT_LISTEN,
    Config,
    ConfigError,
    UpsSection,
    load_ups_conf,
    load_users,
)
from pynutd.drivers import create_driver
from pynutd.drivers.base import Poller
from pynutd.nut.descriptions import Descriptions
from pynutd.nut.protocol import NutFactory
from pynutd.nut.session import ServerContext
from pynutd.ups import UpsRegistry, UpsState

log = logging.getLogger(__name__)

# upsd's listen(…, 16) drops connections when many clients connect at once
# (upsc-style churn); a deep backlog costs nothing.
LISTEN_BACKLOG = 1024


class PollerService(Service):
    """Starts and stops one UPS's poller with the application."""

    def __init__(self, poller: Poller) -> None:
        self.poller = poller
        self.setName(f"poller:{poller.state.name}")

    def startService(self) -> None:
        super().startService()
        self.poller.start()

    def stopService(self) -> None:
        super().stopService()
        self.poller.stop()


class _TolerantListener(StreamServerEndpointService):
    """A listener whose bind failure is logged instead of stopping pynutd.

    Used for the default ``::1`` listener only: hosts without IPv6 still
    serve on 127.0.0.1, as upsd does when one default listener fails.
    """

    def privilegedStartService(self) -> None:
        super().privilegedStartService()
        assert self._waitingForPort is not None
        self._waitingForPort.addErrback(
            lambda f: log.warning("not listening on %s: %s", self.name, f.getErrorMessage()))



class PynutdService(MultiService):
    """The whole server: pollers, NUT listeners and the web site."""

    def __init__(self, config: Config, reactor: Any) -> None:
        super().__init__()
        self.config = config
        self.reactor = reactor
        self.registry = UpsRegistry()
        self.descriptions = Descriptions.load(config.upsd.datapath)
        self.context = ServerContext(
            registry=self.registry, users=dict(config.users),
            descriptions=self.descriptions, maxage=config.upsd.maxage,
            trackingdelay=config.upsd.trackingdelay, clock=reactor)
        self.pollers: dict[str, PollerService] = {}
        for section in config.ups:
            self._add_ups(section)
        self.factory = NutFactory(self.context, maxconn=config.upsd.maxconn)
        self.listeners: list[Service] = []
        for address, port in config.upsd.listen:
            self._add_listener(address, port)
        self._add_web()

    def _add_ups(self, section: UpsSection, prepend: bool = False) -> None:
        driver = create_driver(section, self.reactor)
        state = UpsState(section.name, section.desc, section.driver)
        poller = Poller(state, driver, section, self.reactor)
        service = PollerService(poller)
        self.registry.add(state, prepend=prepend)
        self.pollers[section.name.lower()] = service
        service.setServiceParent(self)

    def _add_listener(self, address: str, port: int) -> None:
        if ":" in address:
            endpoint: Any = TCP6ServerEndpoint(self.reactor, port, LISTEN_BACKLOG, address)
        else:
            endpoint = TCP4ServerEndpoint(self.reactor, port, LISTEN_BACKLOG, address)
        default_v6 = address == "::1" and (address, port) in DEFAULT_LISTEN
        cls = _TolerantListener if default_v6 else StreamServerEndpointService
        service = cls(endpoint, self.factory)
        service.setName(f"nut:[{address}]:{port}")
        service._raiseSynchronously = not default_v6
        self.listeners.append(service)
        service.setServiceParent(self)

    def _add_web(self) -> None:
        # The web side registers itself here (pynutd.web.make_web_service).
        try:
            from pynutd.web import make_web_service
        except ImportError:
            return
        web = make_web_service(self.config, self.registry, self.reactor,
                               self.context, self.descriptions)
        if web is not None:
            web.setServiceParent(self)

    def reload(self) -> None:
        """Re-read ups.conf and upsd.users (SIGHUP), as upsd does.

        New UPSes are prepended and started, removed ones stopped; a UPS
        whose section changed gets a new driver; LISTEN changes need a
        restart.  A bad file leaves everything as it was.
        """
        warnings: list[str] = []
        base = self.config.confdir
        try:
            sections, _ = load_ups_conf(base / "ups.conf", warnings)
            users = load_users(base / "upsd.users", warnings)
            new = {s.name.lower(): s for s in sections}
            for section in sections:
                if section.name.lower() not in self.pollers:
                    create_driver(section, self.reactor)  # validate before changing
        except ConfigError as exc:
            log.error("reload failed, keeping the old configuration: %s", exc)
            return
        for warning in warnings:
            log.warning("%s", warning)
        self.context.users = dict(users)
        old = {s.name.lower(): s for s in self.config.ups}
        for key, section in old.items():
            if key not in new or new[key] != section:
                self._remove_ups(key)
        for key, section in new.items():
            if key not in self.pollers:
                self._add_ups(section, prepend=True)
        self.config = replace(self.config, ups=sections, users=users)
        log.info("configuration reloaded: %d UPS, %d users", len(sections), len(users))

    def _remove_ups(self, key: str) -> None:
        service = self.pollers.pop(key)
        service.disownServiceParent()
        self.registry.remove(key)
        self.factory.kick_logins(key)


def make_service(config: Config, reactor: Any) -> PynutdService:
    """Build the application; raises ConfigError before anything listens."""
    return PynutdService(config, reactor)
