"""Optional parts: started if they can be, retried while they cannot, never fatal.

Only the NUT port's own failure to listen stops pynutd (issue 8).  Every
other part (the history database, the web port, the log file) runs under an
:class:`OptionalPart`: if it cannot start, one clear error is logged, the
part stays off, and it is tried again every minute and on SIGHUP.
:class:`PartsBoard` keeps each part's state (``"ok"`` or ``"off: why"``)
for ``/api/health``, ``/metrics`` and the dashboard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

log = logging.getLogger("pynutd")

RETRY_SECONDS = 60.0
OK = "ok"


class PartsBoard:
    """Each optional part's state, by name, and the parts themselves (to retry them)."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.parts: list[OptionalPart] = []

    def retry(self) -> None:
        """Try every part that is off again now (SIGHUP)."""
        for part in self.parts:
            part.retry()

    def off(self) -> dict[str, str]:
        """Return the parts that are off, with their reasons."""
        return {name: state for name, state in self.status.items() if state != OK}


class OptionalPart(Service):
    """Runs ``start()`` (which may fail, or return a Deferred that fails) until it works.

    ``stop()`` is called at shutdown only if ``start()`` succeeded.
    """

    def __init__(self, name: str, start: Callable[[], Any], stop: Callable[[], Any],
                 clock: IReactorTime, board: PartsBoard,
                 interval: float = RETRY_SECONDS) -> None:
        self.setName(name)
        self.part = name
        self._start, self._stop = start, stop
        self.clock = clock
        self.board = board
        self.interval = interval
        self.up = False
        self._reason: str | None = None
        self._pending: IDelayedCall | None = None
        self._attempt: Deferred[Any] | None = None
        board.parts.append(self)
        board.status[name] = "off: not started"

    def startService(self) -> None:
        super().startService()
        self._try()

    def retry(self) -> None:
        """Try again now if the part is off (and not being tried already)."""
        if self.running and not self.up and self._attempt is None:
            self._cancel()
            self._try()

    def _try(self) -> None:
        self._pending = None
        d = self._attempt = maybeDeferred(self._start)
        d.addCallbacks(self._started, self._failed)

    def _started(self, _: object) -> None:
        self._attempt = None
        self.up = True
        self.board.status[self.part] = OK
        if self._reason is not None:
            log.info("%s is on again", self.part)
            self._reason = None
        if not self.running:      # stopped while it was starting
            maybeDeferred(self._stop).addErrback(self._stop_failed)
            self.up = False

    def _failed(self, failure: Failure) -> None:
        self._attempt = None
        reason = " ".join(failure.getErrorMessage().split()) or repr(failure.value)
        if reason != self._reason:   # one error per distinct reason, not one a minute
            log.error("%s is off: %s (retrying every %g s and on SIGHUP)",
                      self.part, reason, self.interval)
            self._reason = reason
        self.board.status[self.part] = f"off: {reason}"
        if self.running:
            self._pending = self.clock.callLater(self.interval, self._try)

    def _cancel(self) -> None:
        if self._pending is not None and self._pending.active():
            self._pending.cancel()
        self._pending = None

    def _stop_failed(self, failure: Failure) -> None:
        log.error("stopping %s failed: %s", self.part, failure.getErrorMessage())

    def stopService(self) -> Deferred[None] | None:
        super().stopService()
        self._cancel()
        if not self.up:
            return None
        self.up = False
        self.board.status[self.part] = "off: stopped"
        d: Deferred[None] = maybeDeferred(self._stop)
        d.addErrback(self._stop_failed)
        return d


class Hooks(Service):
    """Starts and stops a plain object (alerts, stream, telemetry log) with the application."""

    def __init__(self, name: str, start: Callable[[], object],
                 stop: Callable[[], object] | None = None) -> None:
        self.setName(name)
        self._start, self._stop = start, stop

    def startService(self) -> None:
        super().startService()
        self._start()

    def stopService(self) -> None:
        super().stopService()
        if self._stop is not None:
            self._stop()
