"""Tests for the Modbus RTU codec and the one-request-at-a-time transport."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from pynutd.control import DeviceError
from pynutd.drivers.modbus.bus import RtuBusProtocol
from pynutd.drivers.modbus.rtu import (
    ExceptionResponse,
    OtherRequest,
    ReadRequest,
    ReadResponse,
    WriteRequest,
    WriteResponse,
    crc16,
    crc_ok,
    encode_response,
    parse_request,
    parse_response,
    with_crc,
)
from tests.mustfakes import FRAMES, ClockPort, scripted

STATUS = ReadRequest(10, 30000, 27)
CAPTURE_A = FRAMES["capture_a"]


class CodecTests(SynchronousTestCase):
    """The pure frame codec."""

    def test_crc_check_value(self) -> None:
        """The CRC-16/Modbus catalogue check value of "123456789" is 0x4B37."""
        self.assertEqual(crc16(b"123456789"), 0x4B37)

    def test_mustmon_frames(self) -> None:
        """mustmon.py's six request constants are rebuilt byte for byte."""
        cases = {
            "mustmon_status_read": ReadRequest(10, 30000, 27),
            "mustmon_settings_read": ReadRequest(10, 31000, 10),
            "mustmon_probe_pc1800": ReadRequest(1, 10000, 1),
            "mustmon_probe_ph1000": ReadRequest(5, 20001, 1),
            "mustmon_probe_ph5000": ReadRequest(6, 20001, 1),
            "mustmon_probe_epseries": ReadRequest(10, 30000, 1),
        }
        for name, request in cases.items():
            self.assertEqual(request.encode(), FRAMES[name], name)

    def test_every_recorded_frame_has_a_good_crc(self) -> None:
        """All fixture frames carry a valid CRC, and a flipped bit breaks it."""
        for name, frame in FRAMES.items():
            self.assertTrue(crc_ok(frame), name)
            broken = frame[:3] + bytes([frame[3] ^ 1]) + frame[4:]
            self.assertFalse(crc_ok(broken), name)

    def test_fc16_frames(self) -> None:
        """Single-register writes are FC16 frames, as the EP20 requires."""
        self.assertEqual(WriteRequest(10, 31006, (1,)).encode(), FRAMES["buzzer_write"])
        self.assertEqual(WriteRequest(10, 32000, (1,)).encode(), FRAMES["restore_factory"])
        self.assertEqual(WriteRequest(10, 32001, (1,)).encode(), FRAMES["remote_reset"])
        self.assertEqual(WriteRequest(10, 32002, (1,)).encode(), FRAMES["remote_shutdown"])

    def test_read_reply(self) -> None:
        """A whole reply is consumed and decoded to 27 registers."""
        used, response = parse_response(CAPTURE_A, STATUS)
        self.assertEqual(used, 59)
        assert isinstance(response, ReadResponse)
        self.assertEqual(response.registers[:5], (2, 36402, 3, 12, 1000))
        self.assertEqual(response.registers[15], 0xFFAA)

    def test_incomplete_reply_is_kept(self) -> None:
        """Every proper prefix of a reply waits for more bytes, consuming nothing."""
        for cut in range(1, 59):
            self.assertEqual(parse_response(CAPTURE_A[:cut], STATUS), (0, None), cut)

    def test_garbage_before_a_frame(self) -> None:
        """Noise before a reply, even noise that looks like a header, is skipped."""
        for noise in (b"\x00\xff", b"\x0a", b"\x0a\x03", b"\x0a\x0a", b"\x0a\x03\x36\x00\x02",
                      b"\x03\x0a\x83\x02", bytes(range(256))):
            used, response = parse_response(noise + CAPTURE_A, STATUS)
            self.assertEqual(used, len(noise) + 59, noise)
            self.assertIsInstance(response, ReadResponse)

    def test_garbage_only_is_consumed(self) -> None:
        """Bytes that cannot start a reply are dropped; a trailing slave byte is kept."""
        self.assertEqual(parse_response(b"\x01\x02\x03", STATUS), (3, None))
        self.assertEqual(parse_response(b"\x01\x02\x0a", STATUS), (2, None))

    def test_bad_crc_is_skipped(self) -> None:
        """A reply with a broken CRC is not accepted; the good copy after it is."""
        bad = CAPTURE_A[:-1] + b"\x00"
        used, response = parse_response(bad, STATUS)
        self.assertIsNone(response)
        self.assertEqual(used, 59)
        used, response = parse_response(bad + CAPTURE_A, STATUS)
        self.assertEqual(used, 118)
        self.assertIsInstance(response, ReadResponse)

    def test_wrong_byte_count_is_not_a_reply(self) -> None:
        """A reply for another register count does not answer this request."""
        self.assertIsNone(parse_response(CAPTURE_A, ReadRequest(10, 30000, 5))[1])

    def test_exception_reply(self) -> None:
        """An exception frame is returned as a value naming its code."""
        frame = with_crc(bytes([10, 0x83, 2]))
        used, response = parse_response(frame, STATUS)
        self.assertEqual((used, response), (5, ExceptionResponse(10, 3, 2)))
        assert isinstance(response, ExceptionResponse)
        self.assertEqual(response.describe(), "exception 2 (illegal data address)")

    def test_exception_after_header_like_garbage(self) -> None:
        """A short exception reply behind a fake 59-byte header is still found."""
        frame = b"\x0a\x03\x36" + with_crc(bytes([10, 0x83, 4]))
        self.assertEqual(parse_response(frame, STATUS)[1], ExceptionResponse(10, 3, 4))

    def test_write_echo(self) -> None:
        """The FC16 echo decodes; an echo for another register does not match."""
        request = WriteRequest(10, 31006, (1,))
        self.assertEqual(parse_response(FRAMES["write_echo"], request),
                         (8, WriteResponse(10, 31006, 1)))
        self.assertIsNone(parse_response(FRAMES["write_echo"], WriteRequest(10, 31007, (1,)))[1])

    def test_other_slave_ignored(self) -> None:
        """A reply from another slave address is not taken for ours."""
        self.assertIsNone(parse_response(CAPTURE_A, ReadRequest(11, 30000, 27))[1])

    def test_encode_response_round_trip(self) -> None:
        """The slave-side encoder rebuilds the recorded replies exactly."""
        registers = parse_response(CAPTURE_A, STATUS)[1].registers  # type: ignore[union-attr]
        self.assertEqual(encode_response(ReadResponse(10, registers)), CAPTURE_A)
        self.assertEqual(encode_response(ReadResponse(10, (2,))), FRAMES["probe_reply"])
        self.assertEqual(encode_response(WriteResponse(10, 31006, 1)), FRAMES["write_echo"])

    def test_parse_request(self) -> None:
        """The slave side finds FC03/FC16 requests behind noise, and flags other functions."""
        used, request = parse_request(b"\xff" + FRAMES["mustmon_status_read"])
        self.assertEqual((used, request), (9, STATUS))
        self.assertEqual(parse_request(FRAMES["remote_shutdown"]),
                         (11, WriteRequest(10, 32002, (1,))))
        fc06 = with_crc(bytes.fromhex("0a06791e0001"))
        self.assertEqual(parse_request(fc06), (8, OtherRequest(10, 6)))
        self.assertEqual(parse_request(FRAMES["mustmon_status_read"][:5]), (0, None))


class BusTests(SynchronousTestCase):
    """RtuBusProtocol on a task.Clock."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.replies: dict[bytes, list[bytes | None]] = {STATUS.encode(): [CAPTURE_A]}
        self.port = ClockPort(self.clock, scripted(self.replies))
        self.bus = RtuBusProtocol(self.clock, timeout=0.5, tries=3)
        self.port.open(self.bus)

    def ask(self, request=STATUS, validate=None):  # type: ignore[no-untyped-def]
        results: list[object] = []
        self.bus.request(request, validate).addBoth(results.append)
        return results

    def test_reply(self) -> None:
        """A request is written once and fires with the decoded reply."""
        results = self.ask()
        self.clock.advance(0.01)
        self.assertEqual(self.port.written, [STATUS.encode()])
        self.assertIsInstance(results[0], ReadResponse)

    def test_fragmentation_sweep(self) -> None:
        """The reply is reassembled whatever the size of the pieces it arrives in."""
        for chunk in range(1, 60):
            self.port.chunk = chunk
            results = self.ask()
            self.clock.pump([0.01] * 10)
            self.assertEqual(len(results), 1, chunk)
            self.assertEqual(results[0].registers[2], 3, chunk)  # type: ignore[union-attr]

    def test_split_at_every_offset(self) -> None:
        """A reply cut in two at any byte is reassembled."""
        for cut in range(1, 59):
            results = self.ask()
            self.bus.dataReceived(b"")
            self.replies[STATUS.encode()] = [None]
            self.bus.dataReceived(CAPTURE_A[:cut])
            self.assertEqual(results, [], cut)
            self.bus.dataReceived(CAPTURE_A[cut:])
            self.assertIsInstance(results[0], ReadResponse, cut)
            self.replies[STATUS.encode()] = [CAPTURE_A]
            self.clock.advance(1)

    def test_duplicated_reply_does_not_leak(self) -> None:
        """A reply sent twice answers one request; the copy does not answer the next."""
        self.port.responder = lambda data: [CAPTURE_A, CAPTURE_A]
        first = self.ask()
        self.clock.advance(0.02)
        self.assertIsInstance(first[0], ReadResponse)
        self.port.responder = lambda data: []
        second = self.ask(ReadRequest(10, 30000, 27))
        self.clock.advance(0.02)
        self.assertEqual(second, [])

    def test_garbage_before_reply(self) -> None:
        """Noise on the line ahead of the reply is skipped."""
        self.port.responder = lambda data: [b"\x0a\x0a\x03\xff\x00" + CAPTURE_A]
        results = self.ask()
        self.clock.advance(0.02)
        self.assertIsInstance(results[0], ReadResponse)

    def test_timeout_then_retry(self) -> None:
        """An unanswered try is retried after the timeout and the second answer wins."""
        self.replies[STATUS.encode()] = [None, CAPTURE_A]
        results = self.ask()
        self.clock.advance(0.49)
        self.assertEqual((results, len(self.port.written)), ([], 1))
        self.clock.advance(0.02)
        self.assertEqual(len(self.port.written), 2)
        self.clock.advance(0.02)
        self.assertIsInstance(results[0], ReadResponse)

    def test_all_tries_fail(self) -> None:
        """After three silent tries the request fails with the cause."""
        self.replies[STATUS.encode()] = [None]
        results = self.ask()
        self.clock.pump([0.5] * 3)
        self.assertEqual(len(self.port.written), 3)
        failure = results[0]
        self.assertIsInstance(failure.value, DeviceError)  # type: ignore[attr-defined]
        self.assertEqual(str(failure.value),  # type: ignore[attr-defined]
                         "read 30000x27 from slave 10: no reply (3 tries)")

    def test_bad_crc_cause(self) -> None:
        """Replies with broken CRCs time out and are reported as unreadable."""
        self.replies[STATUS.encode()] = [CAPTURE_A[:-2] + b"\x00\x00"]
        results = self.ask()
        self.clock.pump([0.01, 0.5, 0.5, 0.5])
        self.assertIn("unreadable reply (59 bytes", str(results[0].value))  # type: ignore[attr-defined]

    def test_incomplete_cause(self) -> None:
        """A reply cut short is reported as incomplete."""
        self.replies[STATUS.encode()] = [CAPTURE_A[:30]]
        results = self.ask()
        self.clock.pump([0.01, 0.5, 0.5, 0.5])
        self.assertIn("incomplete reply (30 bytes)", str(results[0].value))  # type: ignore[attr-defined]

    def test_validator_rejects_and_retries(self) -> None:
        """An all-zero frame rejected by the validator is retried at once."""
        zero = encode_response(ReadResponse(10, (0,) * 27))
        self.replies[STATUS.encode()] = [zero, CAPTURE_A]
        results = self.ask(validate=lambda r: "all-zero" if not any(r.registers) else None)
        self.clock.advance(0.01)
        self.assertEqual(len(self.port.written), 2)
        self.clock.advance(0.01)
        self.assertEqual(results[0].registers[2], 3)  # type: ignore[union-attr]

    def test_validator_exhausted(self) -> None:
        """Only all-zero frames: the request fails naming them."""
        self.replies[STATUS.encode()] = [encode_response(ReadResponse(10, (0,) * 27))]
        results = self.ask(validate=lambda r: "all-zero reply")
        self.clock.pump([0.01] * 5)
        self.assertEqual(str(results[0].value),  # type: ignore[attr-defined]
                         "read 30000x27 from slave 10: all-zero reply (3 tries)")

    def test_exception_is_a_value(self) -> None:
        """An exception reply fires the Deferred with a value, without retries."""
        self.replies[STATUS.encode()] = [with_crc(bytes([10, 0x83, 2]))]
        results = self.ask()
        self.clock.advance(0.01)
        self.assertEqual(results, [ExceptionResponse(10, 3, 2)])
        self.assertEqual(len(self.port.written), 1)

    def test_one_request_in_flight(self) -> None:
        """A second request is written only after the first is answered."""
        first, second = self.ask(), self.ask()
        self.assertEqual(len(self.port.written), 1)
        self.clock.advance(0.01)
        self.assertEqual(len(self.port.written), 2)
        self.clock.advance(0.01)
        self.assertEqual((len(first), len(second)), (1, 1))

    def test_unplugged_during_request(self) -> None:
        """Losing the port fails the request in flight and every later one."""
        self.replies[STATUS.encode()] = [None]
        results = self.ask()
        self.port.unplug()
        self.assertIn("serial port lost", str(results[0].value))  # type: ignore[attr-defined]
        later = self.ask()
        self.assertIn("serial port lost", str(later[0].value))  # type: ignore[attr-defined]
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_closed_cleanly(self) -> None:
        """A clean close (a vanished adapter, a closed pty) says the device may be unplugged."""
        self.port.loseConnection()
        self.assertEqual(str(self.ask()[0].value),  # type: ignore[attr-defined]
                         "serial port closed (device unplugged?)")

    def test_late_bytes_without_request(self) -> None:
        """Bytes arriving when nothing was asked are ignored."""
        self.bus.dataReceived(CAPTURE_A)
        results = self.ask()
        self.clock.advance(0.01)
        self.assertIsInstance(results[0], ReadResponse)
