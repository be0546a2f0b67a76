"""What pynutd tells systemd, and when (:mod:`pynutd.sdnotify` sends it).

``READY=1`` once the NUT port listens and every UPS's first poll has been
tried (successful or not: a missing device must not hold the start back,
so after :data:`READY_AT_MOST` seconds READY is sent anyway);
``WATCHDOG=1`` from the reactor, so a hung reactor stops the pings and
systemd restarts the service; ``RELOADING=1`` and ``READY=1`` around a
SIGHUP reload; ``STOPPING=1`` at shutdown.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from twisted.internet.task import LoopingCall

from pynutd.sdnotify import Notifier, watchdog_period
from pynutd.ups import UpsRegistry, UpsState

log = logging.getLogger(__name__)

# How often the first polls are checked, and how long READY waits for them.
READY_CHECK = 0.1
READY_AT_MOST = 30.0


def first_poll_tried(state: UpsState) -> bool:
    """Whether the UPS's driver has been asked at least once (data or an error)."""
    return state.snapshot().last_update is not None or state.poll_errors > 0


class SystemdLink:
    """Drives the notifications for one running server.

    ``listen`` and ``tls`` only make the STATUS line; ``registry`` says
    which UPSes must have been polled before READY.
    """

    def __init__(self, notifier: Notifier, registry: UpsRegistry, reactor: Any,
                 listen: tuple[tuple[str, int], ...], tls: bool,
                 watchdog: float | None) -> None:
        self.notifier = notifier
        self.registry = registry
        self.reactor = reactor
        self.listen = listen
        self.tls = tls
        self.watchdog = watchdog
        self.ready = False
        self._waiting: LoopingCall | None = None
        self._pings: LoopingCall | None = None
        self._since = 0.0

    @classmethod
    def from_env(cls, registry: UpsRegistry, reactor: Any,
                 listen: tuple[tuple[str, int], ...], tls: bool) -> SystemdLink:
        """Build from ``$NOTIFY_SOCKET`` and ``$WATCHDOG_USEC``."""
        return cls(Notifier.from_env(), registry, reactor, listen, tls, watchdog_period())

    def status(self) -> str:
        """The STATUS line: what is served, and where."""
        where = ", ".join(f"[{a}]:{p}" if ":" in a else f"{a}:{p}" for a, p in self.listen)
        names = ", ".join(state.name for state in self.registry) or "no UPS"
        tls = " (STARTTLS)" if self.tls else ""
        return f"serving {names} on {where}{tls}"

    def started(self) -> None:
        """The listeners are up: start the watchdog, and send READY once the UPSes were polled."""
        if not self.notifier.enabled:
            return
        if self.watchdog is not None:
            self._pings = LoopingCall(self.notifier.notify, "WATCHDOG=1")
            self._pings.clock = self.reactor
            self._pings.start(self.watchdog, now=True)
        self._since = self.reactor.seconds()
        self._waiting = LoopingCall(self._check_ready)
        self._waiting.clock = self.reactor
        self._waiting.start(READY_CHECK, now=True)

    def _check_ready(self) -> None:
        waiting = [s.name for s in self.registry if not first_poll_tried(s)]
        if waiting and self.reactor.seconds() - self._since < READY_AT_MOST:
            return
        if waiting:
            log.warning("telling systemd pynutd is ready; not polled yet: %s", ", ".join(waiting))
        assert self._waiting is not None
        self._waiting.stop()
        self._waiting = None
        self.ready = True
        self.notifier.notify("READY=1", f"STATUS={self.status()}")

    def reloading(self) -> None:
        """A SIGHUP reload starts."""
        # MONOTONIC_USEC: systemd 253+ wants it with RELOADING=1 (Type=notify-reload).
        self.notifier.notify("RELOADING=1", f"MONOTONIC_USEC={time.monotonic_ns() // 1000}",
                             "STATUS=reloading the configuration")

    def reloaded(self) -> None:
        """The reload is over (whether it took or was refused)."""
        self.notifier.notify("READY=1", f"STATUS={self.status()}")

    def stopping(self) -> None:
        """Shutdown starts: no more pings, and systemd is told."""
        for loop in (self._pings, self._waiting):
            if loop is not None and loop.running:
                loop.stop()
        self.notifier.notify("STOPPING=1", "STATUS=stopping")
