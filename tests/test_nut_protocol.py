"""The Twisted adapter: bytes in any chunking, one write per read, closes and timeouts."""

from __future__ import annotations

from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from pynutd.nut.protocol import IDLE_TIMEOUT, NutFactory
from tests.nutfixtures import make_context

REQUEST = (b'USERNAME monuser\r\nPASSWORD "secret"\nLOGIN ups\n'
           b'GET VAR ups ups.status # comment\nLIST UPS\nGET NUMLOGINS ups\n')
REPLY = (b'OK\nOK\nOK\nVAR ups ups.status "OL CHRG"\nBEGIN LIST UPS\n'
         b'UPS ups "Test \\"quoted\\" \\#desc"\nUPS second "Description unavailable"\n'
         b'END LIST UPS\nNUMLOGINS ups 1\n')


class ProtocolTests(SynchronousTestCase):
    def connect(self, maxconn=None):
        self.clock = task.Clock()
        self.context, self.ups, _ = make_context(self.clock)
        self.factory = NutFactory(self.context, maxconn)
        proto = self.factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 5555))
        if proto is None:
            return None, None
        proto.callLater = self.clock.callLater
        transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 5555))
        proto.makeConnection(transport)
        return proto, transport

    def test_every_chunk_size(self):
        """The same replies whatever the TCP segmentation of the requests."""
        for size in range(1, len(REQUEST) + 1):
            proto, transport = self.connect()
            for start in range(0, len(REQUEST), size):
                proto.dataReceived(REQUEST[start:start + size])
            self.assertEqual(transport.value(), REPLY, size)

    def test_one_write_per_read(self):
        """A pipelined burst is answered with a single write (no per-line Nagle stalls)."""
        proto, transport = self.connect()
        writes = []
        transport.write = writes.append
        proto.dataReceived(REQUEST)
        self.assertEqual(writes, [REPLY])

    def test_logout_closes(self):
        """LOGOUT answers OK Goodbye and then closes the connection."""
        proto, transport = self.connect()
        proto.dataReceived(b"LOGOUT\n")
        self.assertEqual(transport.value(), b"OK Goodbye\n")
        self.assertTrue(transport.disconnecting)

    def test_parse_error_drops_rest_of_read(self):
        """An unescaped # in quotes gets no reply and the rest of that read is dropped."""
        proto, transport = self.connect()
        proto.dataReceived(b'GET VAR ups "ups#status"\nVER\n')
        self.assertEqual(transport.value(), b"")
        proto.dataReceived(b"NETVER\n")
        self.assertEqual(transport.value(), b"1.3\n")
        self.assertFalse(transport.disconnecting)

    def test_long_reply_lines_are_cut_as_upsd_cuts_them(self):
        """A reply line over 511 bytes is cut there and loses its newline."""
        proto, transport = self.connect()
        self.ups.update({"ups.id": "x" * 255}, self.clock.seconds())
        proto.dataReceived(b"GET VAR " + b"u" * 300 + b" ups.id\n")
        self.assertEqual(transport.value(), b"ERR UNKNOWN-UPS\n")
        transport.clear()
        proto.dataReceived(b"GET DESC ups " + b"v" * 512 + b"\n")
        self.assertEqual(len(transport.value()), 511)
        self.assertFalse(transport.value().endswith(b"\n"))

    def test_idle_timeout(self):
        """A client that sends no complete line for 60 s is dropped; a line resets the timer."""
        proto, transport = self.connect()
        self.clock.advance(IDLE_TIMEOUT - 1)
        proto.dataReceived(b"VER")  # half a line does not count
        self.clock.advance(0.5)
        proto.dataReceived(b"\n")
        self.clock.advance(IDLE_TIMEOUT - 1)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(2)
        self.assertTrue(transport.disconnecting)

    def test_numlogins_counts_down_on_close(self):
        """A LOGINed connection that just closes (as upsmon does) no longer counts."""
        proto, transport = self.connect()
        proto.dataReceived(b"USERNAME monuser\nPASSWORD secret\nLOGIN ups\n")
        self.assertEqual(self.context.numlogins("ups"), 1)
        proto.connectionLost(None)
        self.assertEqual(self.context.numlogins("ups"), 0)
        self.assertEqual(self.context.connection_count(), 0)

    def test_maxconn(self):
        """Connections beyond MAXCONN are refused."""
        clock = task.Clock()
        context, _, _ = make_context(clock)
        factory = NutFactory(context, maxconn=1)
        addr = IPv4Address("TCP", "127.0.0.1", 1)
        self.assertIsNotNone(factory.buildProtocol(addr))
        self.assertIsNone(factory.buildProtocol(addr))

    def test_internal_error_closes_without_traceback(self):
        """A bug in a handler is logged; the client gets no traceback, only a closed socket."""
        proto, transport = self.connect()

        def broken():
            raise RuntimeError("boom")
        self.context.now = broken
        proto.dataReceived(b"GET VAR ups ups.status\n")
        self.assertEqual(transport.value(), b"")
        self.assertTrue(transport.disconnected or transport.disconnecting)
        self.flushLoggedErrors(RuntimeError)
