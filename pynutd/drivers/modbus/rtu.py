"""Modbus RTU: a sans-IO frame codec and a one-request-at-a-time serial transport.

The codec (``crc16``, the request and response rows, :func:`parse_response`,
:func:`parse_request`) is plain functions over bytes: no clock, no port.
Frames are found by content and expected length, never by timing, because a
USB-serial adapter or a pseudo-terminal delivers a reply in arbitrary chunks
(RESEARCH §3b).  Garbage, partial and duplicated bytes are skipped by
"hunting" for the next position where a complete frame with a valid CRC
starts, as pymodbus' RTU framer does.

:class:`RtuBusProtocol` is the Twisted side: it owns the receive buffer, one
request in flight, the per-try timeout on an injected clock and the retries.
Only FC03 (read holding registers) and FC16 (write multiple registers) are
built, because those are all the MUST EP20 speaks (it takes writes only as
FC16, even for one register: NUT PR #3228).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import Deferred, DeferredLock
from twisted.internet.error import ConnectionDone
from twisted.internet.protocol import Protocol, connectionDone
from twisted.python.failure import Failure

from pynutd.drivers.base import DeviceError

READ_HOLDING = 0x03
WRITE_MULTIPLE = 0x10
EXCEPTION_BIT = 0x80

# Modbus application protocol v1.1b3, section 7.
EXCEPTION_NAMES = {
    1: "illegal function", 2: "illegal data address", 3: "illegal data value",
    4: "slave device failure", 5: "acknowledge", 6: "slave device busy",
    8: "memory parity error", 10: "gateway path unavailable",
    11: "gateway target failed to respond",
}


def crc16(data: bytes) -> int:
    """Return the CRC-16/Modbus of ``data`` (poly 0xA001 reflected, init 0xFFFF).

    On the wire the CRC follows the frame low byte first.
    """
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(body: bytes) -> bytes:
    """Return ``body`` followed by its CRC, low byte first."""
    return body + struct.pack("<H", crc16(body))


def crc_ok(frame: bytes) -> bool:
    """Return whether the last two bytes of ``frame`` are its CRC."""
    return len(frame) >= 4 and crc16(frame[:-2]) == struct.unpack("<H", frame[-2:])[0]


# -- requests ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReadRequest:
    """FC03: read ``count`` holding registers from ``address`` on ``slave``."""

    slave: int
    address: int
    count: int
    function = READ_HOLDING

    def encode(self) -> bytes:
        """Return the request frame with its CRC."""
        return with_crc(struct.pack(">BBHH", self.slave, READ_HOLDING, self.address, self.count))

    def describe(self) -> str:
        """Return a short human description for logs."""
        return f"read {self.address}x{self.count} from slave {self.slave}"


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """FC16: write ``values`` to consecutive registers from ``address``."""

    slave: int
    address: int
    values: tuple[int, ...]
    function = WRITE_MULTIPLE

    def encode(self) -> bytes:
        """Return the request frame with its CRC."""
        n = len(self.values)
        return with_crc(struct.pack(f">BBHHB{n}H", self.slave, WRITE_MULTIPLE,
                                    self.address, n, 2 * n, *self.values))

    def describe(self) -> str:
        """Return a short human description for logs."""
        return f"write {self.address}={list(self.values)} to slave {self.slave}"


Request = ReadRequest | WriteRequest


# -- responses ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReadResponse:
    """The registers an FC03 request returned."""

    slave: int
    registers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class WriteResponse:
    """The echo of an FC16 request: where and how many registers were written."""

    slave: int
    address: int
    count: int


@dataclass(frozen=True, slots=True)
class ExceptionResponse:
    """A Modbus exception reply: the device refused ``function`` with ``code``."""

    slave: int
    function: int
    code: int

    def describe(self) -> str:
        """Return e.g. ``exception 2 (illegal data address)``."""
        return f"exception {self.code} ({EXCEPTION_NAMES.get(self.code, 'unknown')})"


Response = ReadResponse | WriteResponse | ExceptionResponse


def encode_response(response: Response) -> bytes:
    """Return the frame a slave sends for ``response`` (used by simulators)."""
    if isinstance(response, ReadResponse):
        regs = response.registers
        return with_crc(struct.pack(f">BBB{len(regs)}H", response.slave, READ_HOLDING,
                                    2 * len(regs), *regs))
    if isinstance(response, WriteResponse):
        return with_crc(struct.pack(">BBHH", response.slave, WRITE_MULTIPLE,
                                    response.address, response.count))
    return with_crc(bytes([response.slave, response.function | EXCEPTION_BIT, response.code]))


def _reply_length(request: Request) -> int:
    if isinstance(request, ReadRequest):
        return 5 + 2 * request.count
    return 8


def _decode_reply(frame: bytes, request: Request) -> Response | None:
    """Decode a CRC-checked frame, or None if it cannot answer ``request``."""
    slave, function = frame[0], frame[1]
    if function == request.function | EXCEPTION_BIT:
        return ExceptionResponse(slave, request.function, frame[2])
    if isinstance(request, ReadRequest):
        if frame[2] != 2 * request.count:
            return None
        return ReadResponse(slave, struct.unpack(f">{request.count}H", frame[3:-2]))
    address, count = struct.unpack(">HH", frame[2:6])
    if (address, count) != (request.address, len(request.values)):
        return None
    return WriteResponse(slave, address, count)


def parse_response(buf: bytes, request: Request) -> tuple[int, Response | None]:
    """Find the reply to ``request`` in ``buf``.

    Returns ``(consumed, response)``: drop ``consumed`` bytes from the
    front of the buffer; ``response`` is None while no complete valid reply
    is there yet.  Bytes that cannot begin a valid reply are consumed
    (hunting); an incomplete candidate is kept until it completes or fails
    its CRC.
    """
    first_incomplete: int | None = None
    for start in range(len(buf)):
        if buf[start] != request.slave:
            continue
        if start + 1 >= len(buf):
            first_incomplete = start if first_incomplete is None else first_incomplete
            break
        function = buf[start + 1]
        if function == request.function:
            length = _reply_length(request)
        elif function == request.function | EXCEPTION_BIT:
            length = 5
        else:
            continue
        if len(buf) - start < length:
            # Keep it, but a shorter valid frame further on may still win.
            first_incomplete = start if first_incomplete is None else first_incomplete
            continue
        frame = buf[start:start + length]
        if crc_ok(frame):
            response = _decode_reply(frame, request)
            if response is not None:
                return start + length, response
    return (len(buf) if first_incomplete is None else first_incomplete), None


@dataclass(frozen=True, slots=True)
class OtherRequest:
    """A valid request frame for a function this codec does not decode (FC01-06)."""

    slave: int
    function: int


def parse_request(buf: bytes) -> tuple[int, Request | OtherRequest | None]:
    """Find the next request frame in ``buf`` (the slave side of the codec).

    Returns ``(consumed, request)``: an FC03 or FC16 request for any slave,
    an :class:`OtherRequest` for another function with a valid 8-byte frame
    (so a slave can answer "illegal function"), or None while no complete
    frame is there.
    """
    first_incomplete: int | None = None
    for start in range(len(buf)):
        if len(buf) - start < 8:
            first_incomplete = start if first_incomplete is None else first_incomplete
            break
        slave, function = buf[start], buf[start + 1]
        if function == WRITE_MULTIPLE:
            count = buf[start + 6]
            length = 9 + count
            if len(buf) - start < length:
                first_incomplete = start if first_incomplete is None else first_incomplete
                continue
            frame = buf[start:start + length]
            address, n = struct.unpack(">HH", frame[2:6])
            if crc_ok(frame) and count == 2 * n and n > 0:
                values = struct.unpack(f">{n}H", frame[7:-2])
                return start + length, WriteRequest(slave, address, values)
        elif 1 <= function <= 6:
            frame = buf[start:start + 8]
            if crc_ok(frame):
                if function == READ_HOLDING:
                    address, count = struct.unpack(">HH", frame[2:6])
                    return start + 8, ReadRequest(slave, address, count)
                return start + 8, OtherRequest(slave, function)
    return (len(buf) if first_incomplete is None else first_incomplete), None


# -- the transport -------------------------------------------------------------

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
