"""Modbus RTU frames: a sans-IO codec for requests, responses and their CRC.

Plain functions over bytes (``crc16``, the request and response rows,
:func:`parse_response`, :func:`parse_request`): no clock, no port.
Frames are found by content and expected length, never by timing, because a
USB-serial adapter or a pseudo-terminal delivers a reply in arbitrary chunks
(RESEARCH §3b).  Garbage, partial and duplicated bytes are skipped by
"hunting" for the next position where a complete frame with a valid CRC
starts, as pymodbus' RTU framer does.  The serial transport that feeds it
is :mod:`pynutd.drivers.modbus.bus`.

Only FC03 (read holding registers) and FC16 (write multiple registers) are
built, because those are all the MUST EP20 speaks (it takes writes only as
FC16, even for one register: NUT PR #3228).

test-case-name: tests.test_modbus_rtu
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

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
