"""Test doubles for the MUST EP20 tests: recorded frames and a serial port on a Clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure

FIXTURES = Path(__file__).parent / "fixtures" / "must"


def load_frames() -> dict[str, bytes]:
    """Return the named frames of fixtures/must/frames.txt."""
    frames = {}
    for line in (FIXTURES / "frames.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, *hexes = line.split()
            frames[name] = bytes.fromhex("".join(hexes))
    return frames


FRAMES = load_frames()


def load_golden(name: str) -> dict[str, str]:
    """Return ``var: value`` lines of fixtures/must/<name>.golden as a dict."""
    out = {}
    for line in (FIXTURES / f"{name}.golden").read_text().splitlines():
        var, _, value = line.partition(": ")
        out[var] = value
    return out


Responder = Callable[[bytes], list[bytes]]


class ClockPort:
    """A serial port whose far end is ``responder``; replies arrive ``latency`` later.

    ``chunk`` > 0 delivers each reply in pieces of that many bytes, one
    clock tick apart.  Every write is kept in ``written``.
    """

    def __init__(self, clock: Any, responder: Responder, latency: float = 0.01,
                 chunk: int = 0) -> None:
        self.clock = clock
        self.responder = responder
        self.latency = latency
        self.chunk = chunk
        self.protocol: Any = None
        self.written: list[bytes] = []
        self.opens = 0
        self.closes = 0
        self.fail_open: Exception | None = None

    def open(self, protocol: Any) -> ClockPort:
        """The driver's opener: attach ``protocol`` to this port."""
        if self.fail_open is not None:
            raise self.fail_open
        self.opens += 1
        self.protocol = protocol
        protocol.makeConnection(self)
        return self

    def write(self, data: bytes) -> None:
        self.written.append(data)
        protocol = self.protocol
        for frame in self.responder(data):
            self.clock.callLater(self.latency, self._deliver, protocol, frame)

    def _deliver(self, protocol: Any, frame: bytes) -> None:
        if protocol is not self.protocol:
            return
        if not self.chunk:
            protocol.dataReceived(frame)
            return
        for i in range(0, len(frame), self.chunk):
            self.clock.callLater(0.001 * i, self._piece, protocol, frame[i:i + self.chunk])

    def _piece(self, protocol: Any, data: bytes) -> None:
        if protocol is self.protocol:
            protocol.dataReceived(data)

    def loseConnection(self) -> None:
        self.closes += 1
        protocol, self.protocol = self.protocol, None
        if protocol is not None:
            protocol.connectionLost(Failure(ConnectionDone()))

    def unplug(self) -> None:
        """The adapter disappears: the protocol sees its connection lost."""
        protocol, self.protocol = self.protocol, None
        if protocol is not None:
            protocol.connectionLost(Failure(ConnectionLost("read error: EIO")))

    # Twisted transport odds and ends the protocol never needs here.
    def getPeer(self) -> str:
        return "serial"

    def getHost(self) -> str:
        return "serial"


def scripted(table: dict[bytes, list[bytes | None]]) -> Responder:
    """A responder that answers each request with the next scripted reply.

    A reply of None is silence; the last reply repeats when the list runs out.
    """
    def respond(request: bytes) -> list[bytes]:
        replies = table.get(request)
        if not replies:
            return []
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        return [reply] if reply is not None else []
    return respond
