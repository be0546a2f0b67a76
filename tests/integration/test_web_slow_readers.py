"""Clients that never read, over real loopback sockets: the server's memory stays bounded.

The site runs in this process on the real reactor, so the test can look
at what the server's TCP transport still holds unsent; the web context's
clock (the hub's one-second flush, the stall timeout) is a task.Clock the
test advances.  Nothing here is timed: every wait is for a condition,
bounded by a number of reactor turns.  Without the backpressure
(pynutd.web.stream's StreamClient, pynutd.web.channel's held pipelining)
the unsent output grows to megabytes and these tests fail.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Generator
from typing import Any

from twisted.internet import reactor as _reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater
from twisted.trial.unittest import TestCase

from pynutd.records.db import EntryKind, LogEntry
from pynutd.ups import VarSpec
from pynutd.web.stream import StreamHub
from tests.webhelpers import make_harness

reactor: Any = _reactor
BUFFER = 64 * 1024             # the TCP transport's bufferSize
BIG = "x" * 16_000             # makes one UPS summary about 16 KB
TURNS = 20_000                 # upper bound on reactor turns for any wait


class SlowReaderTests(TestCase):
    """One server site, a client socket that reads only when told."""

    def setUp(self) -> None:
        self.h = make_harness()
        self.h.main.update({"device.description": BIG}, self.h.clock.seconds(),
                           specs={"device.description": VarSpec(string_len=16_000)})
        self.h.ctx.stream = self.hub = StreamHub(self.h.ctx)
        self.hub.start()
        self.channels: list[Any] = []
        build = self.h.site.buildProtocol

        def recording(addr: Any) -> Any:
            channel = build(addr)
            self.channels.append(channel)
            return channel
        self.h.site.buildProtocol = recording  # type: ignore[method-assign]
        self.port = reactor.listenTCP(0, self.h.site, interface="127.0.0.1")
        self.client = socket.socket()
        # A small receive window, so the kernel holds little on our side.
        self.client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.client.connect(("127.0.0.1", self.port.getHost().port))
        self.client.setblocking(False)

    @inlineCallbacks
    def tearDown(self) -> Generator[Any, Any, None]:
        self.client.close()
        self.hub.stop()
        for channel in self.channels:
            if channel.transport is not None:
                channel.transport.abortConnection()
        yield self.port.stopListening()
        yield self.turn()

    def turn(self) -> Any:
        """Let the reactor run once (send, receive)."""
        return deferLater(reactor, 0, lambda: None)

    @inlineCallbacks
    def until(self, what: str, predicate: Callable[[], bool]) -> Generator[Any, Any, None]:
        """Turn the reactor until ``predicate()`` holds (at most TURNS times)."""
        for _ in range(TURNS):
            if predicate():
                return
            yield self.turn()
        self.fail(f"never happened: {what}")

    @inlineCallbacks
    def send(self, data: bytes) -> Generator[Any, Any, None]:
        """Send all of ``data`` without blocking the reactor."""
        while data:
            try:
                data = data[self.client.send(data):]
            except BlockingIOError:
                yield self.turn()

    def receive(self) -> bytes:
        """Everything the kernel holds for the client now (the client now reads freely)."""
        self.client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        out = b""
        while True:
            try:
                chunk = self.client.recv(1 << 20)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    return out
                raise
            if not chunk:
                return out
            out += chunk

    @staticmethod
    def unsent(channel: Any) -> int:
        """What the server's TCP transport holds for this connection, in bytes."""
        return int(channel._unsent())

    @inlineCallbacks
    def test_an_unread_event_stream_stays_bounded(self) -> Generator[Any, Any, None]:
        """Thousands of updates to a stream nobody reads: at most 64 KiB and a frame wait."""
        yield self.send(b"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        yield self.until("the stream", lambda: len(self.hub.clients) == 1)
        stream = self.hub.clients[0]
        channel = self.channels[0]
        peak = 0
        for step in range(400):          # about 400 x (16 KB + 2 KB) offered
            self.h.main.update({"ups.load": str(step)}, self.h.clock.seconds())
            self.hub.tick()
            self.hub.push_entry(LogEntry("main", self.h.clock.seconds(), EntryKind.STATUS,
                                         f"entry {step} " + "y" * 2000))
            yield self.turn()
            peak = max(peak, self.unsent(channel))
        self.assertTrue(stream.paused, "the kernel buffers never filled")
        self.assertLessEqual(peak, BUFFER + 2 * 20_000)
        # The client reads again: it gets the newest state and the newest entry.
        received = b""
        def latest_seen() -> bool:
            nonlocal received
            received += self.receive()
            return b'"ups.load": 399' in received and b'"entry 399 ' in received
        yield self.until("the latest state and entry", latest_seen)
        self.assertFalse(stream.paused)

    @inlineCallbacks
    def test_a_stream_that_reads_nothing_for_a_minute_is_closed(self) -> Generator[Any, Any, None]:
        """Its buffer full and nothing sent for 60 s, the connection is closed and forgotten."""
        yield self.send(b"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        yield self.until("the stream", lambda: len(self.hub.clients) == 1)
        stream = self.hub.clients[0]
        for step in range(400):
            if stream.paused:
                break
            self.h.main.update({"ups.load": str(step)}, self.h.clock.seconds())
            self.hub.tick()
            yield self.turn()
        self.assertTrue(stream.paused)
        self.h.clock.advance(59)
        yield self.turn()
        self.assertEqual(len(self.hub.clients), 1)
        self.h.clock.advance(1)
        yield self.until("the stream to be dropped", lambda: not self.hub.clients)

    @inlineCallbacks
    def test_pipelined_requests_wait_while_the_client_does_not_read(
            self) -> Generator[Any, Any, None]:
        """1,000 pipelined GETs of a 16 KB answer: held, not answered into memory; all come later."""
        count = 1000
        yield self.send(b"GET /api/v1/ups/main HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * count)
        yield self.until("the connection", lambda: bool(self.channels))
        channel = self.channels[0]
        yield self.until("the send buffer to fill", lambda: channel._waitingForTransport)
        peak = 0
        for _ in range(200):             # the server has every chance to answer more
            yield self.turn()
            peak = max(peak, self.unsent(channel))
        self.assertLessEqual(peak, BUFFER + 20_000)
        received = b""
        def all_answered() -> bool:
            nonlocal received
            received += self.receive()
            return received.count(b"HTTP/1.1 200 OK") == count
        yield self.until("every answer", all_answered)
