"""One NUT client connection's state, and the server-wide context it shares.

:class:`NutSession` is sans-IO: it is handed the words of a request line
(already split by :mod:`pynutd.parseconf`) and returns the reply lines.  It
never touches a socket or the wall clock; time comes from the context's
injected clock.  The authentication gate of upsd's ``check_command`` lives
here, before any handler runs; handlers live in :mod:`pynutd.nut.commands`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.interfaces import IReactorTime

from pynutd.config import User
from pynutd.nut.descriptions import Descriptions
from pynutd.nut.errors import ErrCode, NutError
from pynutd.ups import UpsRegistry

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


@dataclass(eq=False)
class ServerContext:
    """What every session of one server shares: UPSes, users, texts, logins."""

    registry: UpsRegistry
    users: Mapping[str, User]
    descriptions: Descriptions
    maxage: float
    clock: IReactorTime
    trackingdelay: float = 3600
    sessions: list[NutSession] = field(default_factory=list)
    tracking: TrackingTable = field(init=False)

    def __post_init__(self) -> None:
        self.tracking = TrackingTable(self.clock, self.trackingdelay)

    def now(self) -> float:
        """Return the injected clock's time in seconds."""
        return self.clock.seconds()

    def logins(self, upsname: str) -> list[str]:
        """Peer addresses of sessions LOGINed to ``upsname``, newest first."""
        key = upsname.lower()
        return [s.address for s in reversed(self.sessions)
                if s.login_ups is not None and s.login_ups.lower() == key]

    def numlogins(self, upsname: str) -> int:
        """Return how many connections did LOGIN to ``upsname``."""
        return len(self.logins(upsname))

    def connection_count(self) -> int:
        """Return how many NUT connections are open."""
        return len(self.sessions)


def _commands() -> Mapping[str, Any]:
    # commands.py imports this module, so the table is looked up late, once.
    global _COMMANDS
    if _COMMANDS is None:
        from pynutd.nut.commands import COMMANDS
        _COMMANDS = COMMANDS
    return _COMMANDS


_COMMANDS: Mapping[str, Any] | None = None


class NutSession:
    """The protocol state of one client connection.

    ``closing`` is true while the last line answered was ``LOGOUT``: upsd
    zeroes the client's idle time on LOGOUT, and any later complete line
    sets it again.  The transport decides when to close (at the end of
    upsd's 512-byte read, :mod:`pynutd.nut.protocol`).
    """

    def __init__(self, context: ServerContext, address: str) -> None:
        self.context = context
        self.address = address
        self.username: str | None = None
        self.password: str | None = None
        self.login_ups: str | None = None
        self.tracking = False
        self.closing = False

    def handle(self, words: list[str] | tuple[str, ...]) -> list[str]:
        """Answer one request line; return the reply lines (no newlines)."""
        # Every complete line counts as heard: it undoes an earlier LOGOUT.
        self.closing = False
        if not words:
            return [NutError(ErrCode.UNKNOWN_COMMAND).line]
        command = _commands().get(words[0].upper())
        if command is None:
            return [NutError(ErrCode.UNKNOWN_COMMAND).line]
        try:
            if command.needs_user:
                self._check_credentials_present()
            return command.handler(self, list(words[1:]))
        except NutError as exc:
            return [exc.line]

    def _check_credentials_present(self) -> None:
        # upsd's check_command: presence only; the values are judged later.
        if self.username is None:
            raise NutError(ErrCode.USERNAME_REQUIRED)
        if self.password is None:
            raise NutError(ErrCode.PASSWORD_REQUIRED)

    def user(self) -> User | None:
        """Return the account matching this connection's credentials, if any."""
        from pynutd.nut.auth import authenticate
        return authenticate(self.context.users, self.username, self.password)

    def __repr__(self) -> str:
        return f"<NutSession {self.address} user={self.username!r}>"

    def describe(self) -> dict[str, Any]:
        """Return a small dict for logs and the web side."""
        return {"address": self.address, "username": self.username,
                "ups": self.login_ups}
