"""What every web handler shares: the state store, users, texts, clock, services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from twisted.internet.interfaces import IReactorTime

from pynutd.config import User
from pynutd.nut.descriptions import Descriptions
from pynutd.records.alerts import AlertEngine
from pynutd.records.history import HistoryService
from pynutd.ups import Availability, Snapshot, UpsRegistry, UpsState
from pynutd.web.http import ApiError

if TYPE_CHECKING:   # the stream hub is built from a context
    from pynutd.web.stream import StreamHub


class NutServer(Protocol):
    """What the web side reads of the NUT server (its ServerContext)."""

    @property
    def users(self) -> Mapping[str, User]:
        """The upsd.users accounts, re-read on SIGHUP: read them per request."""

    @property
    def maxage(self) -> float:
        """Seconds after which a UPS's data is stale (upsd.conf MAXAGE)."""

    def logins(self, upsname: str) -> list[str]:
        """Peer addresses of the connections LOGINed to ``upsname``, newest first."""

    def connection_count(self) -> int:
        """Return how many NUT connections are open."""


@dataclass(eq=False)
class WebContext:
    """The web side's view of the server.

    ``server`` is what the web side reads of the NUT server
    (:class:`NutServer`: users, maxage, logins and connection counts).
    ``alerts``, ``history`` and ``stream`` are optional services.
    ``allowed_origins`` are web origins (``https://ups.example.com``) besides
    the server's own whose pages may write (``[web] allowed_origins``, for
    a reverse proxy's public address).
    """

    registry: UpsRegistry
    server: NutServer
    descriptions: Descriptions
    clock: IReactorTime
    started: float
    alerts: AlertEngine | None = None
    history: HistoryService | None = None
    stream: StreamHub | None = None
    tz: tzinfo | None = None
    write_timeout: float = 10.0
    version: str = ""
    allowed_origins: tuple[str, ...] = ()
    # The NUT port's (address, port), PeaNUT's peanut.server; None: unknown.
    nut_address: tuple[str, int] | None = None
    # The optional parts' state by name, "ok" or "off: <why>" (pynutd.parts).
    parts: Mapping[str, str] = field(default_factory=dict)

    def now(self) -> float:
        """Return the injected clock's time in seconds."""
        return float(self.clock.seconds())

    @property
    def maxage(self) -> float:
        """Seconds after which a UPS's data is stale (upsd.conf MAXAGE)."""
        return float(self.server.maxage)

    def state(self, name: str) -> UpsState:
        """Return UPS ``name`` or raise a 404."""
        state = self.registry.get(name)
        if state is None:
            raise ApiError(404, "Device not found")
        return state

    def available(self, name: str) -> tuple[UpsState, Snapshot]:
        """Return UPS ``name`` and its snapshot, or raise 404 / 503 (upsd's gate)."""
        state = self.state(name)
        snap = state.snapshot()
        status = snap.availability(self.now(), self.maxage)
        if status is not Availability.OK:
            raise ApiError(503, f"Data of device {state.name} is unavailable: {status.value}",
                           nut_error=status.value)
        return state, snap

    def alert_list(self, name: str) -> list[dict[str, Any]]:
        """Return the raised alerts of ``name`` in JSON form."""
        if self.alerts is None:
            return []
        return [a.to_json() for a in self.alerts.active(name)]
