"""The Twisted side of the NUT port: bytes in, session, bytes out, with backpressure.

:class:`NutProtocol` feeds received bytes to NUT's tokenizer and each
complete line to its :class:`~pynutd.nut.session.NutSession`, then writes
the replies in batches: upsd writes a LIST one line at a time with Nagle
on, which costs a delayed-ACK stall per LIST, so a pipelined burst is
answered with as few writes as possible.

upsd reads a client 512 bytes at a time and acts per read
(``server/upsd.c:client_readline``), and two of its behaviours depend on
where those reads end, so pynutd counts every received chunk in the same
512-byte slices: a parse error drops the rest of its slice, and LOGOUT
closes the connection at the end of its slice unless a later complete line
in that slice undid it (see :meth:`NutProtocol._next_line`).

A client that pipelines requests and never reads its replies must not grow
the server's memory.  The protocol is the transport's streaming producer:
when more than the transport's buffer size (64 KiB) waits unsent, Twisted
pauses it, and it stops answering and stops reading the socket, so further
requests wait in the kernel.  It resumes when the output has drained.  A
connection stuck like that gets no line answered, so the idle timeout
(60 s) closes it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from twisted.internet import protocol
from twisted.internet.interfaces import IPushProducer
from twisted.protocols.policies import TimeoutMixin
from zope.interface import implementer

from pynutd.nut.commands import COMMANDS
from pynutd.nut.refusals import RefusalLog
from pynutd.nut.session import Command, NutSession, ServerContext
from pynutd.nut.wire import encode_reply
from pynutd.parseconf import Line, Tokenizer

log = logging.getLogger(__name__)

# upsd drops a client that sent no complete line for 60 s (not configurable).
IDLE_TIMEOUT = 60
# upsd reads at most this much at once (SMALLBUF); after a parse error it
# drops the rest of that read, and LOGOUT takes effect at the end of it.
READ_SIZE = 512
# Replies are written once this much is ready: Twisted's transport buffer
# size, so a batch that fills it pauses the protocol at once.
WRITE_BATCH = 64 * 1024


@implementer(IPushProducer)
class NutProtocol(protocol.Protocol, TimeoutMixin):
    """One client connection on port 3493."""

    factory: NutFactory

    def __init__(self, context: ServerContext, commands: Mapping[str, Command]) -> None:
        self.context = context
        self.commands = commands
        # The idle timeout runs on the server's injected clock, not on
        # TimeoutMixin's default (the global reactor).
        self.callLater = context.clock.callLater  # type: ignore[method-assign, assignment]
        self.tokenizer = Tokenizer()
        self.session: NutSession | None = None
        # Reads not parsed yet, and the lines of the read being answered.
        self._inbox: deque[bytes] = deque()
        self._read = b""
        self._lines: Iterator[Line] | None = None
        # The 512-byte slice of self._read the last line came in.
        self._slice = 0
        self._logout_due = False
        self._paused = False
        self._closed = False

    def connectionMade(self) -> None:
        peer = self.transport.getPeer()  # type: ignore[union-attr]
        self.session = NutSession(self.context, getattr(peer, "host", str(peer)), self.commands)
        self.context.sessions.append(self.session)
        self.setTimeout(IDLE_TIMEOUT)
        self.transport.registerProducer(self, True)  # type: ignore[union-attr]

    def dataReceived(self, data: bytes) -> None:
        self._inbox.append(data)
        self._answer()

    # -- IPushProducer: the transport says whether its buffer has room ---------

    def pauseProducing(self) -> None:
        """The output buffer is full: stop answering and stop reading."""
        if not self._paused:
            self._paused = True
            self.transport.pauseProducing()  # type: ignore[union-attr]

    def resumeProducing(self) -> None:
        """The output has drained: answer what waits, then read again."""
        if not self._paused or self._closed:
            return
        self._paused = False
        self._answer()
        if not self._paused and not self._closed:
            self.transport.resumeProducing()  # type: ignore[union-attr]

    def stopProducing(self) -> None:
        """The connection is gone: forget unanswered requests."""
        self._closed = True
        self._inbox.clear()
        self._lines = None

    # -- answering -------------------------------------------------------------

    def _answer(self) -> None:
        """Answer parsed lines until the input runs out or the transport pauses us."""
        assert self.session is not None
        batch: list[bytes] = []
        size = 0
        try:
            while not self._paused and not self._closed:
                line = self._next_line()
                if line is None:
                    break
                self.resetTimeout()
                reply = encode_reply(self.session.handle(line.words))
                batch.append(reply)
                size += len(reply)
                if self.session.starttls_due:
                    self._start_tls(batch)
                    batch, size = [], 0
                elif size >= WRITE_BATCH:
                    # This write may pause us (the loop then stops).
                    self.transport.write(b"".join(batch))  # type: ignore[union-attr]
                    batch, size = [], 0
        except Exception:
            # A bug must never reach the client as a traceback: log it, hang up.
            log.exception("internal error answering %s", self.session.address)
            self._closed = True
            self.transport.abortConnection()  # type: ignore[union-attr]
            return
        if batch:
            self.transport.write(b"".join(batch))  # type: ignore[union-attr]
        if self._logout_due:
            self.close()

    def _start_tls(self, batch: list[bytes]) -> None:
        """Send the replies up to ``OK STARTTLS`` in clear, then switch to TLS.

        Whatever the client sent after STARTTLS in clear is dropped unread:
        it was sent before the handshake, so it is not protected, and
        acting on it would let a man in the middle slip commands into the
        encrypted session.  A client waits for ``OK STARTTLS`` before its
        handshake, so nothing it meant is lost.  The registered producer
        carries over: Twisted's startTLS re-registers it on the TLS layer,
        so backpressure keeps working inside TLS.
        """
        assert self.session is not None
        self.session.starttls_due = False
        self.transport.write(b"".join(batch))  # type: ignore[union-attr]
        self._inbox.clear()
        self._lines = None
        self._read = b""
        self.tokenizer = Tokenizer()
        self.transport.startTLS(self.context.tls)  # type: ignore[union-attr]
        self.session.tls = True
        log.debug("%s started TLS", self.session.address)

    def _next_line(self) -> Line | None:
        """Return the next complete line to answer, or None when there is none yet.

        Reproduces upsd's LOGOUT, quirk included.  upsd's LOGOUT zeroes the
        client's ``last_heard``, and the main loop drops the client at its
        next idle check, which comes right after the current read is
        handled; but every complete line sets ``last_heard`` to now, so a
        line after LOGOUT in the same read undoes it and the connection
        stays (``LOGOUT\\nVER\\n`` in one write: both answered, connection
        kept).  The session's ``closing`` says whether the last line was
        LOGOUT; here, a LOGOUT that is still the last line when its slice
        has no further complete line (or hits a parse error) ends the
        connection, and what follows is never read.
        """
        assert self.session is not None
        while True:
            if self._lines is not None:
                line = next(self._lines, None)
                where = (self.tokenizer.offset - 1) // READ_SIZE
                if self.session.closing and (line is None or line.error or where != self._slice):
                    self._logout_due = True
                    return None
                if line is None:
                    self._lines = None
                elif line.error:
                    self._drop_rest_of_slice(line)
                else:
                    self._slice = where
                    return line
            elif self._inbox:
                self._read = self._inbox.popleft()
                self._lines = self.tokenizer.feed(self._read)
            else:
                return None

    def _drop_rest_of_slice(self, line: Line) -> None:
        # No reply at all, as upsd: the rest of its 512-byte read is dropped.
        # The tokenizer has already started afresh, as pconf_char does after
        # a parse error, so what comes next parses as a new line.
        assert self.session is not None
        log.info("parse error from %s: %s", self.session.address, line.error)
        resume = ((self.tokenizer.offset - 1) // READ_SIZE + 1) * READ_SIZE
        # Slice boundaries stay multiples of READ_SIZE from the read's start.
        self._read = self._read[resume:]
        self._lines = self.tokenizer.feed(self._read) if self._read else None

    # -- closing ---------------------------------------------------------------

    def close(self) -> None:
        """Close after the replies already written have been sent."""
        if self._closed:
            return
        self._closed = True
        # A registered producer keeps a lost connection open: unregister first.
        self.transport.unregisterProducer()  # type: ignore[union-attr]
        self.transport.loseConnection()  # type: ignore[union-attr]

    def timeoutConnection(self) -> None:
        # Also ends a connection whose replies have not drained for 60 s:
        # no line is answered while paused, so the timer is never reset.
        log.debug("closing idle connection from %s",
                  self.session.address if self.session else "?")
        self._closed = True
        self.transport.abortConnection()  # type: ignore[union-attr]

    def connectionLost(self, reason: Any = None) -> None:
        # NUMLOGINS counts open connections that did LOGIN: upsmon never
        # sends LOGOUT on a power-fail exit, it just closes.
        self.setTimeout(None)
        self.stopProducing()
        if self.session in self.context.sessions:
            self.context.sessions.remove(self.session)
        self.factory.connection_closed(self)


class NutFactory(protocol.Factory):
    """Builds NutProtocol instances; enforces MAXCONN; kicks LOGINs on reload.

    ``commands`` is the verb table every session dispatches through (NUT's
    own by default).
    """

    def __init__(self, context: ServerContext, maxconn: int | None = None,
                 commands: Mapping[str, Command] = COMMANDS) -> None:
        self.context = context
        self.maxconn = maxconn
        self.commands = commands
        self.connections: set[NutProtocol] = set()
        self.refusals = RefusalLog(context.clock, maxconn or 0)

    def buildProtocol(self, addr: Any) -> protocol.Protocol | None:
        if self.maxconn is not None and len(self.connections) >= self.maxconn:
            self.refusals.refused(addr)
            return None
        proto = NutProtocol(self.context, self.commands)
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
                proto.close()

    def stopFactory(self) -> None:
        self.refusals.stop()
