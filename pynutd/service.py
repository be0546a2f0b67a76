"""Wiring: build every part of pynutd from a Config, under one MultiService.

Only this module and :mod:`pynutd.cli` know all the parts: the state store,
the drivers and their pollers, the NUT listeners, the records (history,
alerts, telemetry log, log file) and the web site.  Both kinds of listener
come from one helper (:func:`pynutd.listeners.listen_endpoint`).

Only the NUT port's own failure to listen stops start-up.  The history
database, the web port and the log file are optional parts
(:mod:`pynutd.parts`): if one cannot start, it is logged, shown in
/api/health and /metrics, and retried every minute and on SIGHUP.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from twisted.application.internet import StreamServerEndpointService
from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IListeningPort, IReactorProcess
from twisted.internet.protocol import ProcessProtocol
from twisted.python.failure import Failure

from pynutd.config import (
    DEFAULT_LISTEN,
    Config,
    ConfigError,
    UpsSection,
    load_ups_conf,
    load_users,
)
from pynutd.drivers import create_driver
from pynutd.drivers.estimated import EstimatedRuntime
from pynutd.drivers.poller import Poller
from pynutd.drivers.runtime import Sample
from pynutd.listeners import listen_endpoint
from pynutd.logfile import LogFile
from pynutd.mdns import Advertiser, wanted
from pynutd.mqtt.service import MqttService, poll_interval
from pynutd.nut.descriptions import Descriptions
from pynutd.nut.protocol import NutFactory
from pynutd.nut.session import ServerContext
from pynutd.parts import Hooks, OptionalPart, PartsBoard
from pynutd.records.alerts import AlertEngine
from pynutd.records.dbthread import Runner
from pynutd.records.history import HistoryService
from pynutd.records.telemetry import TelemetryLog
from pynutd.sim.hid_virtual import open_virtual
from pynutd.tlsfile import ServerTLS
from pynutd.ups import UpsRegistry, UpsState
from pynutd.web import build_web

log = logging.getLogger(__name__)

# The simulated HID devices ups.conf may name (port = virtual:FILE.hex; the demo).
HID_OPENERS = {"virtual": open_virtual}


class PollerService(Service):
    """Starts and stops one UPS's poller with the application.

    The poller starts (and opens its device) in the privileged phase, so a
    pynutd started as root opens its devices before it gives up root
    (:mod:`pynutd.privileges`); a UPS added by a reload starts later, as
    whatever user pynutd then is.
    """

    def __init__(self, poller: Poller) -> None:
        self.poller = poller
        self.setName(f"poller:{poller.state.name}")
        self._polling = False

    def privilegedStartService(self) -> None:
        super().privilegedStartService()
        self._start_polling()

    def startService(self) -> None:
        super().startService()
        self._start_polling()

    def _start_polling(self) -> None:
        if not self._polling:
            self._polling = True
            self.poller.start()

    def stopService(self) -> None:
        super().stopService()
        self._polling = False
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


class _NotifyProtocol(ProcessProtocol):
    def __init__(self, command: str) -> None:
        self.command = command

    def processEnded(self, reason: Failure) -> None:
        code = getattr(reason.value, "exitCode", 0)
        if code:
            log.warning("notify command %s exited with %s", self.command, code)


def spawn_notifier(reactor: IReactorProcess,
                   command: str) -> Callable[[str, Mapping[str, str]], None]:
    """Return ``notify(message, env)`` running ``command`` as upsmon's NOTIFYCMD."""
    def notify(message: str, env: Mapping[str, str]) -> None:
        full = dict(os.environ, **env)
        reactor.spawnProcess(_NotifyProtocol(command), command, [command, message], env=full)
    return notify


def _nut_tls(config: Config) -> ServerTLS | None:
    """The TLS context STARTTLS switches to; None without upsd.conf CERTFILE."""
    if config.upsd.certfile is None:
        return None
    return ServerTLS(config.confdir / config.upsd.certfile, config.upsd.disable_weak_ssl)


class PynutdService(MultiService):
    """The whole server: pollers, NUT listeners, records and the web site.

    ``run`` replaces the history database thread (tests pass a synchronous one).
    ``reactor`` is the whole reactor (time, TCP, processes, threads: no
    single Twisted interface), or a MemoryReactorClock in tests.
    """

    def __init__(self, config: Config, reactor: Any,
                 run: Runner | None = None) -> None:
        super().__init__()
        self.config = config
        self.reactor = reactor
        self.registry = UpsRegistry()
        self.descriptions = Descriptions.load(config.upsd.datapath)
        self.context = ServerContext(
            registry=self.registry, users=dict(config.users),
            descriptions=self.descriptions, maxage=config.upsd.maxage,
            trackingdelay=config.upsd.trackingdelay, clock=reactor,
            tls=_nut_tls(config))
        self.parts = PartsBoard()
        self.pollers: dict[str, PollerService] = {}
        for section in config.ups:
            self._add_ups(section)
        self.factory = NutFactory(self.context, maxconn=config.upsd.maxconn)
        self.listeners: list[Service] = []
        for address, port in config.upsd.listen:
            self._add_listener(address, port)
        self._add_records(run)
        self._add_web()
        self._add_home_assistant()

    def _add_ups(self, section: UpsSection, prepend: bool = False) -> None:
        driver = create_driver(section, self.reactor, HID_OPENERS)
        state = UpsState(section.name, section.desc, section.driver)
        poller = Poller(state, driver, section, self.reactor)
        service = PollerService(poller)
        self.registry.add(state, prepend=prepend)
        self.pollers[section.name.lower()] = service
        service.setServiceParent(self)

    def _add_listener(self, address: str, port: int) -> None:
        endpoint = listen_endpoint(self.reactor, address, port)
        default_v6 = address == "::1" and (address, port) in DEFAULT_LISTEN
        cls = _TolerantListener if default_v6 else StreamServerEndpointService
        service = cls(endpoint, self.factory)
        service.setName(f"nut:[{address}]:{port}")
        service._raiseSynchronously = not default_v6
        self.listeners.append(service)
        service.setServiceParent(self)

    def _add_part(self, name: str, start: Callable[[], object],
                  stop: Callable[[], object]) -> None:
        OptionalPart(name, start, stop, self.reactor, self.parts).setServiceParent(self)

    def _add_records(self, run: Runner | None) -> None:
        cfg = self.config
        if cfg.log.file:
            logfile = LogFile(cfg.log)
            self._add_part("log-file", logfile.open, logfile.close)
        self.history = HistoryService(self.registry, cfg.history, self.reactor,
                                      cfg.upsd.maxage, self.reactor, run)
        self.history.when_open.append(self._teach_runtimes)
        notify = spawn_notifier(self.reactor, cfg.alerts.notifycmd) if cfg.alerts.notifycmd \
            else None
        self.alerts = AlertEngine(self.registry, cfg.alerts, self.reactor, notify)
        telemetry = TelemetryLog(self.registry, self.reactor, cfg.log.telemetry_interval)
        # Alerts start before history so that their first events are logged;
        # sampling starts before the database, which may stay off.
        Hooks("alerts", self.alerts.start).setServiceParent(self)
        Hooks("history-sampler", self.history.start_sampling,
              self.history.stop_sampling).setServiceParent(self)
        self._add_part("history", self.history.open, self.history.close)
        Hooks("telemetry-log", telemetry.start, telemetry.stop).setServiceParent(self)

    def _teach_runtimes(self) -> None:
        """Each estimated battery.runtime learns the discharges the history database holds."""
        for service in self.pollers.values():
            runtime = getattr(service.poller.driver, "runtime", None)
            if isinstance(runtime, EstimatedRuntime):
                d = self.history.discharges(service.poller.state.name)
                d.addCallback(_learn, runtime)
                d.addErrback(lambda f: log.warning("history: discharges not read: %s",
                                                   f.getErrorMessage()))

    def _add_web(self) -> None:
        web = self.config.web
        self.web_context, site = build_web(
            web, self.registry, self.context, self.descriptions, self.reactor,
            alerts=self.alerts, history=self.history, parts=self.parts.status,
            nut_address=self.config.upsd.listen[0] if self.config.upsd.listen else None)
        stream = self.web_context.stream
        assert stream is not None   # build_web always makes the hub
        Hooks("stream", stream.start, stream.stop).setServiceParent(self)
        if not web.enabled:
            return
        tls = ServerTLS(web.certfile) if web.certfile else None
        endpoint = listen_endpoint(self.reactor, web.listen, web.port, tls)
        ports: list[IListeningPort] = []

        def listen() -> Deferred[None]:
            return endpoint.listen(site).addCallback(ports.append)

        def stop() -> Deferred[None] | None:
            return ports.pop().stopListening() if ports else None
        self._add_part("web", listen, stop)

    def _add_home_assistant(self) -> None:
        """MQTT (with discovery) and zeroconf, each an optional part (issue 14)."""
        cfg = self.config
        if cfg.mqtt.enabled:
            mqtt = MqttService(
                cfg.mqtt, self.registry, self.reactor, self.parts.status,
                users=lambda: self.context.users, maxage=cfg.upsd.maxage,
                interval=lambda name: poll_interval(self.config.ups, name),
                alerts=lambda name: [a.message for a in self.alerts.active(name)])
            mqtt.setServiceParent(self)
            self._add_part("mqtt", mqtt.start_client, mqtt.stop_client)
        if cfg.zeroconf.enabled and wanted(cfg.upsd.listen):
            advertiser = Advertiser(cfg.upsd.listen, self.reactor)
            self._add_part("zeroconf", advertiser.start, advertiser.stop)

    def reload(self) -> None:
        """Re-read ups.conf and upsd.users (SIGHUP), as upsd does; retry parts that are off.

        New UPSes are prepended and started, removed ones stopped; a UPS
        whose section changed gets a new driver; LISTEN changes need a
        restart.  A bad file leaves everything as it was.
        """
        self.parts.retry()
        warnings: list[str] = []
        base = self.config.confdir
        try:
            sections, _ = load_ups_conf(base / "ups.conf", warnings)
            users = load_users(base / "upsd.users", warnings)
            new = {s.name.lower(): s for s in sections}
            for section in sections:
                if section.name.lower() not in self.pollers:
                    create_driver(section, self.reactor, HID_OPENERS)  # validate first
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


def _learn(rows: list[tuple[float, bool, float, float]], runtime: EstimatedRuntime) -> None:
    runtime.learn(Sample(*row) for row in rows)


def make_service(config: Config, reactor: Any,
                 run: Runner | None = None) -> PynutdService:
    """Build the application; raises ConfigError before anything listens."""
    return PynutdService(config, reactor, run)
