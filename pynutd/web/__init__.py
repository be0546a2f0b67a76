"""The web side: site, JSON APIs, metrics, plus history, alerts and logging.

:func:`make_web_service` is what :mod:`pynutd.service` calls: it checks the
``[web]``, ``[history]``, ``[alerts]`` and ``[log]`` sections of
pynutd.conf (raising ConfigError before anything listens) and returns one
service that runs the history store, the alert engine, the telemetry log,
the live stream and the HTTP listener.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from twisted.application.internet import StreamServerEndpointService
from twisted.application.service import MultiService, Service
from twisted.internet.endpoints import TCP4ServerEndpoint, TCP6ServerEndpoint
from twisted.internet.protocol import ProcessProtocol

from pynutd import __version__
from pynutd.alerts import AlertEngine, load_alert_config
from pynutd.config import Config
from pynutd.history import HistoryConfig, HistoryService
from pynutd.ups import UpsRegistry
from pynutd.web.context import WebContext
from pynutd.web.logsetup import LogConfig, TelemetryLog, add_log_file
from pynutd.web.stream import StreamHub

log = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1"
DEFAULT_PORT = 8080
YES = {"yes", "true", "on", "1"}
NO = {"no", "false", "off", "0"}


def web_listen(config: Config) -> tuple[str, int] | None:
    """Return ``[web]`` listen address and port, or None when disabled."""
    sec = "web"
    if not config.ini.has_section(sec):
        return DEFAULT_LISTEN, DEFAULT_PORT
    for key in config.ini.options(sec):
        if key not in ("listen", "port", "enabled"):
            raise config.ini_error(sec, key, f"unknown key {key!r}")
    enabled = config.ini.get(sec, "enabled", raw=True, fallback="yes").strip().lower()
    if enabled not in YES | NO:
        raise config.ini_error(sec, "enabled", f"enabled must be yes or no, not {enabled!r}")
    listen = config.ini.get(sec, "listen", raw=True, fallback=DEFAULT_LISTEN).strip()
    raw = config.ini.get(sec, "port", raw=True, fallback=str(DEFAULT_PORT)).strip()
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise config.ini_error(sec, "port", f"port must be 0..65535, not {raw!r}")
    if not listen:
        raise config.ini_error(sec, "listen", "listen needs an address")
    return None if enabled in NO else (listen, port)


class _Hooks(Service):
    """Starts and stops plain objects (alerts, stream, telemetry log) with the app."""

    def __init__(self, name: str, start: Any, stop: Any = None) -> None:
        self.setName(name)  # type: ignore[no-untyped-call]
        self._start, self._stop = start, stop

    def startService(self) -> None:
        super().startService()  # type: ignore[no-untyped-call]
        self._start()

    def stopService(self) -> None:
        super().stopService()  # type: ignore[no-untyped-call]
        if self._stop is not None:
            self._stop()


class _NotifyProtocol(ProcessProtocol):
    def __init__(self, command: str) -> None:
        self.command = command

    def processEnded(self, reason: Any) -> None:
        code = getattr(reason.value, "exitCode", 0)
        if code:
            log.warning("notify command %s exited with %s", self.command, code)


def spawn_notifier(reactor: Any, command: str) -> Any:
    """Return ``notify(message, env)`` running ``command`` as upsmon's NOTIFYCMD."""
    def notify(message: str, env: Mapping[str, str]) -> None:
        full = dict(os.environ, **env)
        reactor.spawnProcess(_NotifyProtocol(command), command, [command, message], env=full)
    return notify


def _endpoint(reactor: Any, listen: str, port: int) -> Any:
    if listen == "*":
        listen = "0.0.0.0"
    if ":" in listen:
        return TCP6ServerEndpoint(reactor, port, 50, listen.strip("[]"))  # type: ignore
    return TCP4ServerEndpoint(reactor, port, 50, listen)  # type: ignore[no-untyped-call]


def make_web_service(config: Config, registry: UpsRegistry, reactor: Any, context: Any,
                     descriptions: Any, run: Any = None) -> MultiService:
    """Build the web side from ``config``; raise ConfigError on a bad section.

    ``run`` replaces the history database thread (tests pass a synchronous one).
    """
    from pynutd.web.site import build_site
    listen = web_listen(config)
    history_cfg = HistoryConfig.from_config(config)
    alert_cfg = load_alert_config(config)
    log_cfg = LogConfig.from_config(config)

    top: Any = MultiService()  # type: ignore[no-untyped-call]
    top.setName("web")
    handler = add_log_file(log_cfg)
    if handler is not None:
        hook: Any = _Hooks("log-file", lambda: None,
                           lambda: logging.getLogger().removeHandler(handler))
        hook.setServiceParent(top)
    history = HistoryService(registry, history_cfg, reactor, context.maxage, reactor, run)
    notify = spawn_notifier(reactor, alert_cfg.notifycmd) if alert_cfg.notifycmd else None
    alerts = AlertEngine(registry, alert_cfg, reactor, notify)
    ctx = WebContext(registry=registry, server=context, descriptions=descriptions,
                     clock=reactor, started=reactor.seconds(), alerts=alerts,
                     history=history, version=__version__)
    ctx.stream = StreamHub(ctx)
    telemetry = TelemetryLog(registry, reactor, log_cfg.telemetry_interval)
    # Alerts start before history so that their first events are logged.
    parts: list[Any] = [_Hooks("alerts", alerts.start), history,
                        _Hooks("telemetry-log", telemetry.start, telemetry.stop),
                        _Hooks("stream", ctx.stream.start, ctx.stream.stop)]
    history.setName("history")  # type: ignore[no-untyped-call]
    for part in parts:
        part.setServiceParent(top)
    if listen is not None:
        address, port = listen
        web: Any = StreamServerEndpointService(  # type: ignore[no-untyped-call]
            _endpoint(reactor, address, port), build_site(ctx))
        web._raiseSynchronously = True
        web.setName(f"web:[{address}]:{port}")
        web.setServiceParent(top)
    top.web_context = ctx
    service: MultiService = top
    return service
