"""The Twisted side of the NUT port: bytes in, session, bytes out.

:class:`NutProtocol` feeds received bytes to NUT's tokenizer and each
complete line to its :class:`~pynutd.nut.session.NutSession`, then writes
all the replies of one read in a single write: upsd writes a LIST one line
at a time with Nagle on, which costs a delayed-ACK stall per LIST.
"""

from __future__ import annotations

import logging
from typing import Any

from twisted.internet import protocol
from twisted.protocols.policies import TimeoutMixin

from pynutd.nut.session import NutSession, ServerContext
from pynutd.nut.wire import encode_reply
from pynutd.parseconf import Tokenizer

log = logging.getLogger(__name__)

# upsd drops a client that sent no complete line for 60 s (not configurable).
IDLE_TIMEOUT = 60
# upsd reads at most this much at once; after a parse error it drops the
# rest of that read, so pynutd parses in slices of the same size.
READ_SIZE = 512


class NutProtocol(protocol.Protocol, TimeoutMixin):
    """One client connection on port 3493."""

    factory: NutFactory

    def __init__(self, context: ServerContext) -> None:
        self.context = context
        self.tokenizer = Tokenizer()
        self.session: NutSession | None = None

    def connectionMade(self) -> None:
        peer = self.transport.getPeer()  # type: ignore[union-attr]
        self.session = NutSession(self.context, getattr(peer, "host", str(peer)))
        self.context.sessions.append(self.session)
        self.setTimeout(IDLE_TIMEOUT)

    def dataReceived(self, data: bytes) -> None:
        assert self.session is not None
        replies: list[str] = []
        try:
            for start in range(0, len(data), READ_SIZE):
                for line in self.tokenizer.feed(data[start:start + READ_SIZE]):
                    if line.error:
                        # No reply at all, as upsd: the rest of the read is dropped.
                        log.info("parse error from %s: %s", self.session.address, line.error)
                        self.tokenizer = Tokenizer()
                        break
                    self.resetTimeout()
                    replies.extend(self.session.handle(line.words))
        except Exception:
            # A bug must never reach the client as a traceback: log it, hang up.
            log.exception("internal error answering %s", self.session.address)
            self.transport.abortConnection()  # type: ignore[union-attr]
            return
        if replies:
            self.transport.write(encode_reply(replies))  # type: ignore[union-attr]
        if self.session.closing:
            self.transport.loseConnection()  # type: ignore[union-attr]

    def timeoutConnection(self) -> None:
        log.debug("closing idle connection from %s",
                  self.session.address if self.session else "?")
        self.transport.abortConnection()  # type: ignore[union-attr]

    def connectionLost(self, reason: Any = None) -> None:
        # NUMLOGINS counts open connections that did LOGIN: upsmon never
        # sends LOGOUT on a power-fail exit, it just closes.
        self.setTimeout(None)
        if self.session in self.context.sessions:
            self.context.sessions.remove(self.session)
        self.factory.connection_closed(self)


class NutFactory(protocol.Factory):
    """Builds NutProtocol instances; enforces MAXCONN; kicks LOGINs on reload."""

    def __init__(self, context: ServerContext, maxconn: int | None = None) -> None:
        self.context = context
        self.maxconn = maxconn
        self.connections: set[NutProtocol] = set()

    def buildProtocol(self, addr: Any) -> protocol.Protocol | None:
        if self.maxconn is not None and len(self.connections) >= self.maxconn:
            log.warning("MAXCONN (%d) reached: refusing %s", self.maxconn, addr)
            return None
        proto = NutProtocol(self.context)
        proto.factory = self
        self.connections.add(proto)
        return proto

    def connection_closed(self, proto: NutProtocol) -> None:
        """Forget a closed connection."""
        self.connections.discard(proto)

    def kick_logins(self, upsname: str) -> None:
        """Close connections LOGINed to a UPS removed from ups.conf."""
        key = upsname.lower()
        for proto in list(self.connections):
            if proto.session and proto.session.login_ups and proto.session.login_ups.lower() == key:
                proto.transport.loseConnection()  # type: ignore[union-attr]
