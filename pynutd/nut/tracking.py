"""TRACKING: the status of SET VAR and INSTCMD requests, by id, for GET TRACKING.

upsd keeps one table for all connections (``server/upsd.c``'s
``tracking_add`` / ``tracking_set`` / ``tracking_get``); so does pynutd, in
the server context.  :func:`follow` is what SET VAR and INSTCMD share: it
watches the driver's answer, logs it, files it under the request's id, and
returns the reply line the client gets at once.
"""

from __future__ import annotations

import logging
import uuid

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure

from pynutd.control import CommandRejected, CommandUnknown
from pynutd.printable import escape

log = logging.getLogger(__name__)


class TrackingTable:
    """Status of SET VAR / INSTCMD requests sent with TRACKING ON.

    IDs are upper-case UUIDv4 strings, shared by all connections, looked up
    case-insensitively and forgotten ``delay`` seconds after creation
    (upsd's TRACKINGDELAY).
    """

    def __init__(self, clock: IReactorTime, delay: float = 3600) -> None:
        self.clock = clock
        self.delay = delay
        self._entries: dict[str, tuple[float, str]] = {}

    def add(self) -> str:
        """Create a PENDING entry and return its id."""
        self._purge()
        ident = str(uuid.uuid4()).upper()
        self._entries[ident] = (self.clock.seconds(), "PENDING")
        return ident

    def resolve(self, ident: str, result: str) -> None:
        """Set the final reply line of ``ident`` (SUCCESS, ERR FAILED, ...)."""
        if ident in self._entries:
            self._entries[ident] = (self._entries[ident][0], result)

    def get(self, ident: str) -> str:
        """Return the GET TRACKING reply line for ``ident``."""
        self._purge()
        entry = self._entries.get(ident.upper())
        return entry[1] if entry else "ERR UNKNOWN"

    def _purge(self) -> None:
        cutoff = self.clock.seconds() - self.delay
        for ident in [i for i, (t, _) in self._entries.items() if t < cutoff]:
            del self._entries[ident]


def follow(d: Deferred[None], table: TrackingTable | None, upsname: str,
           what: str) -> list[str]:
    """Follow the driver's answer to a write; return the reply sent at once.

    upsd answers ``OK`` before the driver does; with TRACKING ON (``table``
    given) it answers ``OK TRACKING <id>`` and GET TRACKING tells the
    outcome later: ``SUCCESS``, ``ERR UNKNOWN`` (the driver does not know the
    command), ``ERR INVALID-ARGUMENT`` (it refused the value) or ``ERR
    FAILED``.  ``what`` names the request in the log line.
    """
    ident = table.add() if table is not None else None

    def done(_: object) -> None:
        log.info("[%s] %s: done", upsname, what)
        if table is not None and ident is not None:
            table.resolve(ident, "SUCCESS")

    def failed(failure: Failure) -> None:
        exc = failure.value
        log.warning("[%s] %s: failed: %s", upsname, what, escape(exc))
        if table is not None and ident is not None:
            if isinstance(exc, CommandUnknown):
                table.resolve(ident, "ERR UNKNOWN")
            elif isinstance(exc, CommandRejected):
                table.resolve(ident, "ERR INVALID-ARGUMENT")
            else:
                table.resolve(ident, "ERR FAILED")

    d.addCallbacks(done, failed)
    return [f"OK TRACKING {ident}"] if ident else ["OK"]
