"""One NUT client connection's state, and the server-wide context it shares.

:class:`NutSession` is sans-IO: it is handed the words of a request line
(already split by :mod:`pynutd.parseconf`) and returns the reply lines.  It
never touches a socket or the wall clock; time comes from the context's
injected clock.  It dispatches through the verb table it is handed
(:data:`pynutd.nut.commands.COMMANDS`, upsd's ``netcmds[]``), and holds
what every handler does first: the authentication gate of upsd's
``check_command``, the word count of the verb, and the UPS lookups
(``get_ups_ptr``, ``ups_available``).  The handlers live in one module
per command family (get, list, set, instcmd, user, misc).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.interfaces import IReactorTime

from pynutd.config import User
from pynutd.nut.auth import authenticate
from pynutd.nut.descriptions import Descriptions
from pynutd.nut.errors import ErrCode, NutError
from pynutd.nut.tracking import TrackingTable
from pynutd.ups import Availability, Snapshot, UpsRegistry, UpsState, Variable

Handler = Callable[["NutSession", list[str]], list[str]]


@dataclass(frozen=True, slots=True)
class Command:
    """One row of the verb table: the handler and what the session checks first.

    ``needs_user``: USERNAME and PASSWORD must have been sent (upsd's
    FLAG_USER).  ``words``: the exact number of words after the verb, or
    None when the handler checks them itself (GET, LIST, SET and INSTCMD
    check step by step, STARTTLS ignores them).
    """

    handler: Handler
    needs_user: bool = False
    words: int | None = None


# A rendered LIST VAR reply and what it was rendered from: the snapshot's
# variables (by identity) and its FSD latch.
ListVarEntry = tuple[tuple[Variable, ...], bool, list[str]]


@dataclass(eq=False)
class ServerContext:
    """What every session of one server shares: UPSes, users, texts, logins.

    ``list_var_cache`` holds rendered LIST VAR replies per UPS name as the
    client spelt it (:mod:`pynutd.nut.list`), one cache per server.
    ``tls`` is the TLS context STARTTLS switches to (upsd.conf ``CERTFILE``,
    :class:`pynutd.tlsfile.ServerTLS`), None when none is configured.
    """

    registry: UpsRegistry
    users: Mapping[str, User]
    descriptions: Descriptions
    maxage: float
    clock: IReactorTime
    trackingdelay: float = 3600
    sessions: list[NutSession] = field(default_factory=list)
    tracking: TrackingTable = field(init=False)
    list_var_cache: dict[str, ListVarEntry] = field(default_factory=dict)
    tls: Any = None

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


class NutSession:
    """The protocol state of one client connection.

    ``closing`` is true while the last line answered was ``LOGOUT``: upsd
    zeroes the client's idle time on LOGOUT, and any later complete line
    sets it again.  The transport decides when to close (at the end of
    upsd's 512-byte read, :mod:`pynutd.nut.protocol`).

    ``starttls_due`` is set by an accepted STARTTLS: the transport starts
    the handshake right after sending ``OK STARTTLS`` and then sets ``tls``.
    """

    def __init__(self, context: ServerContext, address: str,
                 commands: Mapping[str, Command]) -> None:
        self.context = context
        self.address = address
        self.commands = commands
        self.username: str | None = None
        self.password: str | None = None
        self.login_ups: str | None = None
        self.tracking = False
        self.closing = False
        self.tls = False
        self.starttls_due = False

    def handle(self, words: list[str] | tuple[str, ...]) -> list[str]:
        """Answer one request line; return the reply lines (no newlines)."""
        # Every complete line counts as heard: it undoes an earlier LOGOUT.
        self.closing = False
        if not words:
            return [NutError(ErrCode.UNKNOWN_COMMAND).line]
        command = self.commands.get(words[0].upper())
        if command is None:
            return [NutError(ErrCode.UNKNOWN_COMMAND).line]
        args = list(words[1:])
        try:
            if command.needs_user:
                self._check_credentials_present()
            if command.words is not None and len(args) != command.words:
                raise NutError(ErrCode.INVALID_ARGUMENT)
            return command.handler(self, args)
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
        return authenticate(self.context.users, self.username, self.password)

    def ups(self, name: str) -> UpsState:
        """Return the UPS called ``name`` (any case), else raise UNKNOWN-UPS."""
        state = self.context.registry.get(name)
        if state is None:
            raise NutError(ErrCode.UNKNOWN_UPS)
        return state

    def available(self, name: str) -> Snapshot:
        """Look up a UPS and apply upsd's ``ups_available`` gate to its data.

        Raises UNKNOWN-UPS, then DRIVER-NOT-CONNECTED, then DATA-STALE.
        """
        snap = self.ups(name).snapshot()
        status = snap.availability(self.context.now(), self.context.maxage)
        if status is Availability.DRIVER_NOT_CONNECTED:
            raise NutError(ErrCode.DRIVER_NOT_CONNECTED)
        if status is Availability.DATA_STALE:
            raise NutError(ErrCode.DATA_STALE)
        return snap

    def __repr__(self) -> str:
        return f"<NutSession {self.address} user={self.username!r}>"

    def describe(self) -> dict[str, Any]:
        """Return a small dict for logs and the web side."""
        return {"address": self.address, "username": self.username,
                "ups": self.login_ups}
