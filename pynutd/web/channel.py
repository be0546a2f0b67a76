"""The web port's HTTP connection: limits that answer, and output that stays bounded.

:class:`GuardedChannel` is twisted.web's ``HTTPChannel`` with four changes:

- **Limits answer with a status.**  A request line longer than
  ``MAX_LENGTH`` gets ``414 URI Too Long``; a header line longer than that,
  headers above ``totalHeadersSize`` in all or more than ``maxHeaders`` (500)
  of them get ``431 Request Header Fields Too Large``; every other malformed
  request ``400``; a ``Content-Length`` above what any resource accepts
  (64 KiB) ``413``.  (Twisted closes silently on the first two.)  The
  answer is a minimal response with the security headers; the connection
  is then half-closed and what the client still sends is read and dropped
  for a moment, so the client can read the status instead of a reset.
- **A client that does not read is not answered further.**  While the
  transport's buffer is full (above its ``bufferSize``, 64 KiB), requests
  the client pipelined are held, unparsed, until it reads; Twisted would
  keep answering them into the buffer, which grows without bound when
  answers are larger than questions.
- **A connection whose output makes no progress is closed.**  When the
  buffer stays full and not one byte of it was sent for ``stall_timeout``
  seconds (60), the connection is aborted, whatever it is doing (an event
  stream included).  A slow client that keeps reading is never cut.
- Push producers registered on a request (the event stream) are paused
  and resumed with the transport, as Twisted already does.

This relies on a few private attributes of Twisted's ``HTTPChannel`` and
``LineReceiver`` (named where used); tests/test_web_security.py covers
each, so a Twisted upgrade that moves them fails loudly.

test-case-name: tests.test_web_security
"""

from __future__ import annotations

import logging
from typing import cast

from twisted.internet.interfaces import (
    IDelayedCall,
    IPushProducer,
    ITCPTransport,
    ITransport,
)
from twisted.internet.protocol import connectionDone
from twisted.python.failure import Failure
from twisted.web.http import HTTPChannel, Request

from pynutd.web.headers import raw_header_lines
from pynutd.web.http import MAX_BODY

log = logging.getLogger(__name__)

STALL_TIMEOUT = 60.0      # seconds without sending a byte of a full buffer
LINGER_TIME = 5.0         # seconds to drain a refused request before closing
LINGER_BYTES = 1 << 20    # bytes of a refused request read before giving up

# Reason phrases of the statuses the channel answers itself (RFC 9110, 6585).
PHRASES = {400: b"Bad Request", 413: b"Content Too Large", 414: b"URI Too Long",
           431: b"Request Header Fields Too Large"}


def status_response(status: int) -> bytes:
    """Return a complete minimal ``status`` response that closes the connection."""
    phrase = PHRASES.get(status, b"Error")
    body = b"%d %s\n" % (status, phrase)
    return (b"HTTP/1.1 %d %s\r\n" % (status, phrase)
            + b"Connection: close\r\n"
            + b"Content-Type: text/plain; charset=utf-8\r\n"
            + b"Content-Length: %d\r\n" % len(body)
            + raw_header_lines() + b"\r\n" + body)


class GuardedChannel(HTTPChannel):
    """An HTTPChannel with answered limits, held pipelining and a stall timeout."""

    MAX_LENGTH = 16384          # request line or one header line, bytes
    totalHeadersSize = 16384    # request line and every header, bytes
    stall_timeout = STALL_TIMEOUT

    _closing = False
    _discarded = 0
    _held = b""
    _stall_call: IDelayedCall | None = None
    _stall_unsent = 0

    @property
    def _link(self) -> ITCPTransport:
        # The TCP transport: HTTPChannel types it as a bare ITransport.
        return cast(ITCPTransport, self.transport)

    # -- limits ------------------------------------------------------------------

    def lineReceived(self, line: bytes) -> None:
        """Parse one request or header line, refusing headers that are too big."""
        if self._closing:
            return
        if self._receivedHeaderSize + len(line) > self.totalHeadersSize:
            self.refuse(431)
            return
        super().lineReceived(line)  # type: ignore[no-untyped-call]

    def lineLengthExceeded(self, line: bytes) -> None:
        """A line above MAX_LENGTH: 414 for the request line, 431 for a header."""
        # HTTPChannel's own "next line is a request line" flag (name-mangled).
        first = getattr(self, "_HTTPChannel__first_line", 1)
        self.refuse(414 if first else 431)

    def headerReceived(self, line: bytes) -> bool:
        """Store one header, refusing more than ``maxHeaders``."""
        if self._receivedHeaderCount >= self.maxHeaders:
            self.refuse(431)
            return False
        return bool(super().headerReceived(line))  # type: ignore[no-untyped-call]

    def allHeadersReceived(self) -> None:
        """Refuse a body larger than any resource accepts before it is sent (413)."""
        if self.length is not None and self.length > MAX_BODY:
            self.refuse(413)
            return
        super().allHeadersReceived()  # type: ignore[no-untyped-call]

    def _respondToBadRequestAndDisconnect(self) -> None:
        # Twisted's answer to any malformed request; ours adds the headers
        # and lets the client read it.
        self.refuse(400)

    def refuse(self, status: int) -> None:
        """Answer ``status`` and close, after the client stops sending (or a moment)."""
        if self._closing:
            return
        self._closing = True
        # LineReceiver's unparsed input and HTTPChannel's pipelined input:
        # nothing more of this connection is parsed.
        self._buffer = b""
        self._dataBuffer = []
        self._held = b""
        self._link.write(status_response(status))
        half_close = getattr(self.transport, "loseWriteConnection", None)
        if half_close is None:
            self._link.loseConnection()
            return
        half_close()
        # Read (and drop) the rest of the request: the TCP transport is its own producer.
        cast(IPushProducer, self._link).resumeProducing()
        self.setTimeout(LINGER_TIME)

    def dataReceived(self, data: bytes) -> None:
        """Parse ``data``, or drop it once the request was refused."""
        if self._closing:
            self._discarded += len(data)
            if self._discarded > LINGER_BYTES:
                self._link.abortConnection()
            return
        super().dataReceived(data)  # type: ignore[no-untyped-call]

    def timeoutConnection(self) -> None:
        """Close an idle connection, or a refused one that lingered long enough."""
        if self._closing:
            self._link.abortConnection()
            return
        super().timeoutConnection()  # type: ignore[no-untyped-call]

    # -- output backpressure -------------------------------------------------------

    def pauseProducing(self) -> None:
        """The transport's buffer is full: pause, and start the stall timer."""
        super().pauseProducing()  # type: ignore[no-untyped-call]
        if self._stall_call is None and self.stall_timeout:
            self._stall_unsent = self._unsent()
            self._stall_call = self.callLater(self.stall_timeout, self._check_stall)

    def resumeProducing(self) -> None:
        """The transport's buffer was sent: resume, then parse any held requests."""
        self._cancel_stall()
        super().resumeProducing()  # type: ignore[no-untyped-call]
        if self._held and not self._handlingRequest and not self._closing:
            data, self._held = self._held, b""
            self.dataReceived(data)

    def requestDone(self, request: Request) -> None:
        """Finish ``request``; hold pipelined requests while the client is not reading."""
        if not self._waitingForTransport:
            super().requestDone(request)  # type: ignore[no-untyped-call]
            return
        # Input received while the answer was made (HTTPChannel's _dataBuffer)
        # and input not parsed yet (LineReceiver's _buffer, when the answer
        # came at once) wait for resumeProducing.
        held = b"".join(self._dataBuffer) + self._buffer
        self._dataBuffer = []
        self._buffer = b""
        super().requestDone(request)  # type: ignore[no-untyped-call]
        if self.persistent and not self._closing:
            self._held += held
            self._networkProducer.pauseProducing()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        """Forget the timers; the requests learn of the loss as usual."""
        self._cancel_stall()
        self._held = b""
        super().connectionLost(reason)  # type: ignore[no-untyped-call]

    def _unsent(self) -> int:
        # The bytes abstract.FileDescriptor still holds: its current buffer
        # from offset on, and the list not yet joined to it.
        t = self._link
        return (len(getattr(t, "dataBuffer", b"")) - int(getattr(t, "offset", 0))
                + int(getattr(t, "_tempDataLen", 0)))

    def _check_stall(self) -> None:
        self._stall_call = None
        unsent = self._unsent()
        if unsent < self._stall_unsent:
            # Some was sent: a slow reader, not a stalled one.  Wait again.
            self._stall_unsent = unsent
            self._stall_call = self.callLater(self.stall_timeout, self._check_stall)
            return
        log.info("web client %s read nothing for %.0f s; connection closed",
                 _peer(self._link), self.stall_timeout)
        self._link.abortConnection()

    def _cancel_stall(self) -> None:
        if self._stall_call is not None:
            if self._stall_call.active():
                self._stall_call.cancel()
            self._stall_call = None


def _peer(transport: ITransport) -> str:
    peer = transport.getPeer()
    return str(getattr(peer, "host", peer))
