"""Modbus RTU over a serial line: one request in flight, per-try timeouts and retries.

:class:`RtuBusProtocol` is the Twisted side of :mod:`pynutd.drivers.modbus.rtu`:
it owns the receive buffer, one request in flight (a ``DeferredLock``), the
per-try timeout on an injected clock and the retries, and nothing else.  It
is attached to a tty by ``SerialPort`` (or to anything with ``write``, in
tests); the frames themselves are found by the sans-IO codec.

test-case-name: tests.test_modbus_rtu
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, DeferredLock
from twisted.internet.error import ConnectionDone
from twisted.internet.protocol import Protocol, connectionDone
from twisted.python.failure import Failure

from pynutd.control import DeviceError
from pynutd.drivers.modbus.rtu import Request, Response, parse_response

Validator = Callable[[Response], "str | None"]


class RtuBusProtocol(Protocol):
    """A Modbus RTU master on one serial line: one request in flight.

    Each request is tried up to ``tries`` times; a try ends when a valid
    reply arrives, when ``validate`` (if given) rejects it (for instance
    the EP20's all-zero frames), or after ``timeout`` seconds on ``clock``.
    :meth:`request` fires with the reply (an exception reply is a value,
    not an error) or fails with :class:`DeviceError` naming the last
    problem seen.
    """

    def __init__(self, clock: Any, timeout: float = 0.5, tries: int = 3) -> None:
        self.clock = clock
        self.timeout = timeout
        self.tries = tries
        self.connected_ok = False
        self.lost_reason = "port not open"
        self._lock = DeferredLock()
        self._buffer = b""
        self._received = 0
        self._pending: _Transaction | None = None

    # -- Twisted -------------------------------------------------------------

    def connectionMade(self) -> None:
        self.connected_ok = True

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.connected_ok = False
        if reason.check(ConnectionDone):
            # What a vanished USB adapter or a closed pty looks like to SerialPort.
            self.lost_reason = "serial port closed (device unplugged?)"
        else:
            self.lost_reason = f"serial port lost: {reason.getErrorMessage()}"
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel_timer()
            pending.deferred.errback(DeviceError(self.lost_reason))

    def dataReceived(self, data: bytes) -> None:
        pending = self._pending
        if pending is None:
            return  # a late reply to a request that already timed out
        self._received += len(data)
        self._buffer += data
        consumed, response = parse_response(self._buffer, pending.request)
        self._buffer = self._buffer[consumed:]
        if response is None:
            return
        pending.cancel_timer()
        problem = pending.validate(response) if pending.validate else None
        if problem is None:
            self._pending = None
            pending.deferred.callback(response)
        else:
            self._retry(pending, problem)

    # -- requests ------------------------------------------------------------

    def request(self, request: Request, validate: Validator | None = None) -> Deferred[Any]:
        """Send ``request`` (after any earlier one) and fire with its response."""
        return self._lock.run(self._transact, request, validate)

    def _transact(self, request: Request, validate: Validator | None) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        if not self.connected_ok or self.transport is None:
            d.errback(DeviceError(self.lost_reason))
            return d
        self._pending = _Transaction(request, validate, self.tries, d)
        self._send(self._pending)
        return d

    def _send(self, pending: _Transaction) -> None:
        # Bytes left from an earlier exchange can only confuse this one.
        self._buffer = b""
        self._received = 0
        transport: Any = self.transport   # ITransport; zope types need a plugin
        transport.write(pending.request.encode())
        pending.timer = self.clock.callLater(self.timeout, self._timed_out, pending)

    def _timed_out(self, pending: _Transaction) -> None:
        pending.timer = None
        if self._pending is not pending:
            return
        if self._received == 0:
            problem = "no reply"
        elif self._buffer:
            problem = f"incomplete reply ({len(self._buffer)} bytes)"
        else:
            problem = f"unreadable reply ({self._received} bytes of garbage or bad CRC)"
        self._retry(pending, problem)

    def _retry(self, pending: _Transaction, problem: str) -> None:
        pending.tries_left -= 1
        pending.problem = problem
        if pending.tries_left > 0 and self.connected_ok:
            self._send(pending)
            return
        self._pending = None
        tries = self.tries - pending.tries_left
        pending.deferred.errback(DeviceError(
            f"{pending.request.describe()}: {problem} ({tries} tries)"))


class _Transaction:
    """The request in flight and what is left of its tries."""

    def __init__(self, request: Request, validate: Validator | None, tries: int,
                 deferred: Deferred[Any]) -> None:
        self.request = request
        self.validate = validate
        self.tries_left = tries
        self.deferred = deferred
        self.timer: Any = None     # IDelayedCall while a try is out
        self.problem = ""

    def cancel_timer(self) -> None:
        """Stop the current try's timeout, if it is still pending."""
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
