"""The Twisted adapter: bytes in any chunking, one write per read, closes, timeouts,
backpressure on clients that do not read, and MAXCONN refusals."""

from __future__ import annotations

from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase

from pynutd.nut.protocol import IDLE_TIMEOUT, READ_SIZE, WRITE_BATCH, NutFactory
from pynutd.nut.refusals import SUMMARY_INTERVAL
from tests.nutfixtures import make_context

REQUEST = (b'USERNAME monuser\r\nPASSWORD "secret"\nLOGIN ups\n'
           b'GET VAR ups ups.status # comment\nLIST UPS\nGET NUMLOGINS ups\n')
REPLY = (b'OK\nOK\nOK\nVAR ups ups.status "OL CHRG"\nBEGIN LIST UPS\n'
         b'UPS ups "Test \\"quoted\\" \\#desc"\nUPS second "Description unavailable"\n'
         b'END LIST UPS\nNUMLOGINS ups 1\n')


class ProtocolTests(SynchronousTestCase):
    def connect(self, maxconn=None, transport_class=StringTransport, same_server=False):
        if not same_server:
            self.clock = task.Clock()
            self.context, self.ups, _ = make_context(self.clock)
            self.factory = NutFactory(self.context, maxconn)
        proto = self.factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 5555))
        if proto is None:
            return None, None
        proto.callLater = self.clock.callLater
        transport = transport_class(peerAddress=IPv4Address("TCP", "127.0.0.1", 5555))
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
        # A producer still registered would keep Twisted from ever closing it.
        self.assertIsNone(transport.producer)

    def test_logout_with_a_later_line_in_its_read_stays_open(self):
        """upsd's quirk, reproduced (issue 12.5): a complete line after LOGOUT in the
        same 512-byte read is answered and undoes LOGOUT; the connection then
        lives by the ordinary idle timeout."""
        for data, reply in [
                (b"LOGOUT\nNETVER\n", b"OK Goodbye\n1.3\n"),
                (b"HELP x\nLOGOUT\nNETVER\n", b"ERR INVALID-ARGUMENT\nOK Goodbye\n1.3\n"),
                (b"LOGOUT\n\n", b"OK Goodbye\nERR UNKNOWN-COMMAND\n"),
                (b" " * (READ_SIZE - 14) + b"LOGOUT\nNETVER\n", b"OK Goodbye\n1.3\n")]:
            proto, transport = self.connect()
            proto.dataReceived(data)
            self.assertEqual(transport.value(), reply, data)
            self.assertFalse(transport.disconnecting, data)
            proto.dataReceived(b"NETVER\n")
            self.assertEqual(transport.value(), reply + b"1.3\n")
            self.clock.advance(IDLE_TIMEOUT + 1)
            self.assertTrue(transport.disconnecting)

    def test_logout_as_last_line_of_its_read_closes(self):
        """LOGOUT with no complete line after it in its 512-byte read closes at the end
        of that read: later reads and slices are never answered (issue 12.5)."""
        for first, later in [
                (b"LOGOUT\n" + b" " * 600 + b"\nVER\n", b""),
                (b"LOGOUT\nLOGOUT\n", b""), (b"LOGOUT\nVE", b"R\n"), (b"LOGOUT\n", b"VER\n"),
                (b" " * (READ_SIZE - 7) + b"LOGOUT\nVER\n", b""),
                (b" " * (READ_SIZE - 8) + b"LOGOUT\nVER\n", b""),
                (b'LOGOUT\nGET VAR ups "a#b"\nVER\n', b"")]:
            proto, transport = self.connect()
            proto.dataReceived(first)
            if later:
                proto.dataReceived(later)
            self.assertEqual(transport.value(), b"OK Goodbye\n" * first.count(b"LOGOUT"), first)
            self.assertTrue(transport.disconnecting, first)
            self.assertIsNone(transport.producer)

    def test_parse_error_drops_rest_of_read(self):
        """An unescaped # in quotes gets no reply, the rest of that read is dropped,
        and the next read parses afresh (the tokenizer's reset after a parse error)."""
        proto, transport = self.connect()
        proto.dataReceived(b'GET VAR ups "ups#status"\nVER\n')
        self.assertEqual(transport.value(), b"")
        proto.dataReceived(b"NETVER\n")
        self.assertEqual(transport.value(), b"1.3\n")
        self.assertFalse(transport.disconnecting)

    def test_long_reply_lines_are_cut_as_upsd_cuts_them(self):
        """A reply line over 511 characters is cut to 512 bytes and loses its newline."""
        proto, transport = self.connect()
        self.ups.update({"ups.id": "x" * 255}, self.clock.seconds())
        proto.dataReceived(b"GET VAR " + b"u" * 300 + b" ups.id\n")
        self.assertEqual(transport.value(), b"ERR UNKNOWN-UPS\n")
        transport.clear()
        proto.dataReceived(b"GET DESC ups " + b"v" * 512 + b"\n")
        self.assertEqual(len(transport.value()), 512)
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
        proto, _ = self.connect()
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

    def test_maxconn_refusals_are_summarised(self):
        """A flood of refusals logs the first one, then one count per interval."""
        clock = task.Clock()
        context, _, _ = make_context(clock)
        factory = NutFactory(context, maxconn=1)
        addr = IPv4Address("TCP", "127.0.0.1", 1)
        factory.buildProtocol(addr)
        with self.assertLogs("pynutd.nut.protocol", "WARNING") as logs:
            for _ in range(3000):  # 3,000 attempts in 3 s
                self.assertIsNone(factory.buildProtocol(addr))
                clock.advance(0.001)
            self.assertEqual(len(logs.records), 1)
            self.assertIn("refusing", logs.output[0])
            clock.advance(SUMMARY_INTERVAL)
            self.assertEqual(len(logs.records), 2)
            self.assertIn("refused 2999 more connections in the last 60 s", logs.output[1])
            clock.advance(10 * SUMMARY_INTERVAL)  # nothing refused: nothing logged
            self.assertEqual(len(logs.records), 2)
            factory.buildProtocol(addr)  # after a quiet interval: logged at once
            factory.buildProtocol(addr)
            self.assertEqual(len(logs.records), 3)
            clock.advance(SUMMARY_INTERVAL)
            self.assertIn("refused 1 more connection in", logs.output[3])
        self.assertEqual(clock.getDelayedCalls(), [])

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


class BufferedTransport(StringTransport):
    """A StringTransport that keeps a streaming producer to Twisted's TCP contract.

    Like ``abstract.FileDescriptor``: a write that leaves more than
    ``bufferSize`` bytes unsent pauses the producer; :meth:`drain` plays the
    client reading everything, and resumes a paused producer.
    """

    bufferSize = 2 ** 16

    def write(self, data):
        super().write(data)
        if self.producer is not None and len(self.value()) > self.bufferSize:
            self.producer.pauseProducing()

    def drain(self):
        """The client read all: return what it got, resume a paused producer."""
        data = self.value()
        self.clear()
        if self.producer is not None:
            self.producer.resumeProducing()
        return data


LIST_VAR = b"LIST VAR ups\n"


class BackpressureTests(SynchronousTestCase):
    """A client that pipelines requests and does not read its replies."""

    connect = ProtocolTests.connect

    def connect_buffered(self, same_server=False):
        return self.connect(transport_class=BufferedTransport, same_server=same_server)

    def list_reply(self):
        proto, transport = self.connect()
        proto.dataReceived(LIST_VAR)
        return transport.value()

    def test_output_stays_bounded_and_reading_pauses(self):
        """64 KiB of pipelined LIST VAR: the unsent output never grows past one
        batch over the buffer size, reading stops while it is full and starts
        again once it drained, and every reply arrives in order."""
        reply = self.list_reply()
        proto, transport = self.connect_buffered()
        count = 65536 // len(LIST_VAR)
        proto.dataReceived(LIST_VAR * count)
        received = b""
        for _ in range(count):  # bounded: each round answers at least one request
            self.assertEqual(transport.producerState, "paused")
            self.assertLessEqual(len(transport.value()), WRITE_BATCH + 2 * len(reply))
            received += transport.drain()
            if len(received) + len(transport.value()) == len(reply) * count:
                break
        received += transport.drain()
        self.assertGreater(len(received), 10 * WRITE_BATCH)  # many pauses happened
        self.assertEqual(received, reply * count)
        self.assertEqual(transport.producerState, "producing")

    def test_stuck_reader_is_closed_after_the_idle_timeout(self):
        """Output that has not drained for 60 s closes the connection."""
        proto, transport = self.connect_buffered()
        proto.dataReceived(LIST_VAR * 2000)
        self.assertEqual(transport.producerState, "paused")
        self.clock.advance(IDLE_TIMEOUT - 1)
        self.assertFalse(transport.disconnecting)
        self.clock.advance(2)
        self.assertTrue(transport.disconnected)  # aborted: the buffer is never flushed

    def test_slow_reader_that_drains_stays(self):
        """A client that reads, however slowly, keeps its connection."""
        proto, transport = self.connect_buffered()
        proto.dataReceived(b"LIST UPS\n" * 20000)  # no MAXAGE: the clock moves on
        for _ in range(10):
            self.clock.advance(IDLE_TIMEOUT - 5)
            self.assertEqual(transport.producerState, "paused")
            transport.drain()
            self.assertFalse(transport.disconnecting)

    def test_other_clients_are_answered(self):
        """A stuck client does not hold up another one."""
        stuck, stuck_transport = self.connect_buffered()
        stuck.dataReceived(LIST_VAR * 2000)
        other, transport = self.connect_buffered(same_server=True)
        other.dataReceived(b"GET VAR ups ups.status\n")
        self.assertEqual(transport.value(), b'VAR ups ups.status "OL CHRG"\n')
        self.assertEqual(stuck_transport.producerState, "paused")

    def test_logout_while_paused_closes_after_the_rest(self):
        """LOGOUT behind a full buffer is answered in order, then the connection closes."""
        proto, transport = self.connect_buffered()
        proto.dataReceived(LIST_VAR * 2000 + b"LOGOUT\n")
        self.assertFalse(transport.disconnecting)
        received = b""
        for _ in range(2000):  # bounded: each round answers at least one request
            if transport.disconnecting:
                break
            received += transport.drain()
        received += transport.value()
        self.assertTrue(transport.disconnecting)
        self.assertTrue(received.endswith(b"END LIST VAR ups\nOK Goodbye\n"))
        self.assertIsNone(transport.producer)

    def test_parse_error_drops_to_the_next_512_byte_slice(self):
        """In a big read, a parse error drops the rest of its 512-byte slice
        only; later slices, counted from the start of the read, are answered."""
        bad = b'GET VAR ups "a#b"\n'
        for slices_before in range(3):
            proto, transport = self.connect()
            head = b"NETVER\n" * (slices_before * READ_SIZE // 7)
            head += b" " * (slices_before * READ_SIZE - len(head))
            filler = b"VER\n" * 20
            slice_end = b" " * (READ_SIZE - len(bad) - len(filler) - 1) + b"\n"
            proto.dataReceived(head + bad + filler + slice_end + b"NETVER\n" * 3)
            expected = b"1.3\n" * (head.count(b"NETVER") + 3)
            self.assertEqual(transport.value(), expected, slices_before)
