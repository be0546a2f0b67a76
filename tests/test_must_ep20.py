"""Tests for the must_ep2000pro driver on a task.Clock: polls, writes, faults, the poller."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from pynutd.config import ConfigError, UpsSection
from pynutd.control import CommandRejected, CommandUnknown, DeviceError
from pynutd.drivers import DRIVERS, create_driver
from pynutd.drivers.modbus.rtu import (
    ReadRequest,
    ReadResponse,
    WriteRequest,
    encode_response,
    with_crc,
)
from pynutd.drivers.must_ep20.driver import MustEp20, create
from pynutd.drivers.poller import Poller
from pynutd.sim.must_ep20 import Ep20Slave
from pynutd.sim.must_ep20_model import SCENARIOS, Ep20Model
from pynutd.ups import Availability, UpsState
from tests.mustfakes import FRAMES, ClockPort, load_golden, scripted

STATUS = FRAMES["mustmon_status_read"]
SETTINGS = FRAMES["mustmon_settings_read"]
TAIL = ReadRequest(10, 31016, 2).encode()
TAIL_REPLY = encode_response(ReadResponse(10, (0, 1)))
ZERO = encode_response(ReadResponse(10, (0,) * 27))


def section(**options: str) -> UpsSection:
    """A ups.conf section for the driver with ``options``."""
    return UpsSection(name="ep20", driver="must_ep2000pro", port="/dev/ttyUSB0", desc=None,
                      options=options, path="ups.conf", lineno=1,
                      lines={k: 2 for k in options}, confdir=Path("."))


def fire(d: Any, clock: Clock, steps: int = 20) -> Any:
    """Run the clock until Deferred ``d`` fires; return its result (or Failure)."""
    out: list[Any] = []
    d.addBoth(out.append)
    clock.pump([0.05] * steps)
    assert out, "deferred did not fire"
    return out[0]


class DriverTests(SynchronousTestCase):
    """The driver against recorded frames."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.table: dict[bytes, list[bytes | None]] = {
            STATUS: [FRAMES["capture_a"]], SETTINGS: [FRAMES["settings_reply"]],
            TAIL: [TAIL_REPLY]}
        self.port = ClockPort(self.clock, scripted(self.table))
        self.driver = MustEp20(self.port.open, self.clock)

    def test_golden_polls(self) -> None:
        """Each real capture polls to exactly its golden variables."""
        self.assertIsNone(fire(self.driver.connect(), self.clock))
        for name in ("capture_a", "capture_b", "capture_c"):
            self.table[STATUS] = [FRAMES[name]]
            update = fire(self.driver.poll("quick"), self.clock)
            self.assertEqual(dict(update.values), load_golden(name), name)
            self.assertTrue(update.replace_all)
        self.assertEqual(list(update.commands), [
            "beeper.enable", "beeper.disable", "shutdown.return",
            "experimental.ups.reset", "experimental.settings.factory"])
        self.assertTrue(update.specs["output.voltage.nominal"].rw)

    def test_no_wakeup_frames(self) -> None:
        """Only slave-10 reads of 30000 and 31000 go out: no discovery probes."""
        fire(self.driver.connect(), self.clock)
        fire(self.driver.poll("quick"), self.clock)
        self.assertEqual(self.port.written, [SETTINGS, TAIL, STATUS])

    def test_settings_tier(self) -> None:
        """The settings tier re-reads the settings block, not the status block."""
        fire(self.driver.connect(), self.clock)
        fire(self.driver.poll("quick"), self.clock)
        del self.port.written[:]
        self.table[SETTINGS] = [encode_response(ReadResponse(10, (1, 230, 105, 141, 136, 20,
                                                                  1, 0, 0, 1)))]
        update = fire(self.driver.poll("settings"), self.clock)
        self.assertEqual(self.port.written, [SETTINGS, TAIL])
        self.assertEqual(update.values["output.frequency.nominal"], "60")
        self.assertEqual(update.values["ups.beeper.status"], "disabled")
        self.assertEqual(update.values["ups.status"], "OB DISCHRG")   # kept from the last poll

    def test_tail_refused(self) -> None:
        """A unit that refuses 31016-31017 keeps its other settings and is not asked again."""
        self.table[TAIL] = [with_crc(bytes([10, 0x83, 2]))]
        fire(self.driver.connect(), self.clock)
        update = fire(self.driver.poll("quick"), self.clock)
        self.assertNotIn("experimental.ups.start.auto", update.values)
        self.assertEqual(update.values["battery.voltage.low"], "10.5")
        del self.port.written[:]
        fire(self.driver.poll("settings"), self.clock)
        self.assertEqual(self.port.written, [SETTINGS])

    def test_zero_frames_and_silence_absorbed(self) -> None:
        """One silent try and one all-zero frame still give a good poll."""
        fire(self.driver.connect(), self.clock)
        self.table[STATUS] = [None, ZERO, FRAMES["capture_b"]]
        update = fire(self.driver.poll("quick"), self.clock, 40)
        self.assertEqual(update.values["ups.status"], "OL CHRG")
        self.assertEqual(self.port.written.count(STATUS), 3)

    def test_poll_fails_with_cause(self) -> None:
        """Only all-zero frames: the poll fails with DeviceError saying so."""
        fire(self.driver.connect(), self.clock)
        self.table[STATUS] = [ZERO]
        failure = fire(self.driver.poll("quick"), self.clock)
        self.assertIsInstance(failure.value, DeviceError)
        self.assertEqual(str(failure.value),
                         "read 30000x27 from slave 10: all-zero reply (4 tries)")

    def test_exception_reply_fails_poll(self) -> None:
        """An exception reply to the status read is a DeviceError naming it."""
        fire(self.driver.connect(), self.clock)
        self.table[STATUS] = [with_crc(bytes([10, 0x83, 4]))]
        failure = fire(self.driver.poll("quick"), self.clock)
        self.assertIn("exception 4 (slave device failure)", str(failure.value))

    def test_set_var_writes_fc16(self) -> None:
        """SET VAR writes one register with FC16 and re-reads the settings next poll."""
        fire(self.driver.connect(), self.clock)
        fire(self.driver.poll("quick"), self.clock)
        write = WriteRequest(10, 31001, (230,)).encode()
        self.table[write] = [encode_response_echo(31001)]
        del self.port.written[:]
        self.assertIsNone(fire(self.driver.set_var("output.voltage.nominal", "230"), self.clock))
        self.assertEqual(self.port.written, [write])
        fire(self.driver.poll("quick"), self.clock)
        self.assertEqual(self.port.written[1:], [SETTINGS, TAIL, STATUS])

    def test_set_var_refusals(self) -> None:
        """Unknown, read-only and out-of-range values are refused before any write."""
        fire(self.driver.connect(), self.clock)
        self.assertRaises(CommandUnknown, self.driver.set_var, "ups.load", "5")
        self.assertRaises(CommandUnknown, self.driver.set_var, "input.voltage.nominal", "230")
        self.assertRaises(CommandRejected, self.driver.set_var, "battery.voltage.low", "9.9")

    def test_device_refuses_write(self) -> None:
        """An exception reply to a write is CommandRejected."""
        fire(self.driver.connect(), self.clock)
        self.table[WriteRequest(10, 31002, (110,)).encode()] = [with_crc(bytes([10, 0x90, 3]))]
        failure = fire(self.driver.set_var("battery.voltage.low", "11.0"), self.clock)
        self.assertIsInstance(failure.value, CommandRejected)

    def test_instcmds(self) -> None:
        """Instant commands are the recorded FC16 frames."""
        fire(self.driver.connect(), self.clock)
        self.table[FRAMES["remote_shutdown"]] = [encode_response_echo(32002)]
        self.table[FRAMES["buzzer_write"]] = [FRAMES["write_echo"]]
        del self.port.written[:]
        fire(self.driver.instcmd("shutdown.return", None), self.clock)
        fire(self.driver.instcmd("beeper.disable", None), self.clock)
        self.assertEqual(self.port.written, [FRAMES["remote_shutdown"], FRAMES["buzzer_write"]])
        self.assertRaises(CommandUnknown, self.driver.instcmd, "load.off", None)

    def test_unplugged(self) -> None:
        """A missing port fails connect; a lost one fails the next poll with the cause."""
        self.port.fail_open = OSError(2, "could not open port /dev/ttyUSB0: No such file")
        failure = fire(self.driver.connect(), self.clock)
        self.assertIn("cannot open the port", str(failure.value))
        self.port.fail_open = None
        fire(self.driver.connect(), self.clock)
        self.port.unplug()
        failure = fire(self.driver.poll("quick"), self.clock)
        self.assertIn("serial port lost", str(failure.value))
        self.assertIn("read error: EIO", str(failure.value))

    def test_reopen(self) -> None:
        """With reopen the port is opened and closed around every poll."""
        self.driver.reopen = True
        fire(self.driver.connect(), self.clock)
        fire(self.driver.poll("quick"), self.clock)
        fire(self.driver.poll("quick"), self.clock)
        self.assertEqual((self.port.opens, self.port.closes), (3, 3))

    def test_keep_open(self) -> None:
        """By default the port stays open between polls."""
        fire(self.driver.connect(), self.clock)
        fire(self.driver.poll("quick"), self.clock)
        fire(self.driver.poll("quick"), self.clock)
        self.assertEqual((self.port.opens, self.port.closes), (1, 0))
        self.driver.disconnect()
        self.assertEqual(self.port.closes, 1)


def encode_response_echo(address: int) -> bytes:
    """The FC16 echo for one register at ``address``."""
    from pynutd.drivers.modbus.rtu import WriteResponse
    return encode_response(WriteResponse(10, address, 1))


class PollerTests(SynchronousTestCase):
    """The driver under the real Poller, against the simulator's slave."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.model = Ep20Model(SCENARIOS["online"], 0.0)
        self.slave = Ep20Slave(self.model, seed=7)
        self.port = ClockPort(self.clock, lambda data: self.slave.receive(data, self.clock.seconds()))
        self.driver = MustEp20(self.port.open, self.clock)
        self.state = UpsState("ep20")
        self.poller = Poller(self.state, self.driver, section(), self.clock)
        self.records: list[logging.LogRecord] = []
        handler = logging.Handler()
        handler.emit = self.records.append  # type: ignore[method-assign]
        logger = logging.getLogger("pynutd.drivers.poller")
        logger.addHandler(handler)
        level, logger.level = logger.level, logging.INFO
        self.addCleanup(logger.removeHandler, handler)
        self.addCleanup(logger.setLevel, level)
        self.addCleanup(self.poller.stop)

    def availability(self) -> Availability:
        return self.state.snapshot().availability(self.clock.seconds(), 15)

    def test_field_faults_do_not_flap(self) -> None:
        """One request in five lost and some all-zero frames: never stale, at most one warning."""
        self.slave.fault_rate, self.slave.zero_rate = 0.2, 0.05
        self.poller.start()
        for _ in range(6000):
            self.clock.advance(0.05)
            if self.clock.seconds() > 3:
                self.assertEqual(self.availability(), Availability.OK)
                self.assertEqual(self.state.snapshot().status, "OL")
        self.assertGreater(self.slave.requests, 150)
        self.assertLessEqual(len([r for r in self.records if r.levelno >= logging.WARNING]), 1)

    def test_silence_goes_stale_and_recovers(self) -> None:
        """A silent unit ages into DATA-STALE, is logged once, and recovers by itself."""
        self.poller.start()
        self.clock.pump([0.1] * 30)
        self.assertEqual(self.availability(), Availability.OK)
        self.slave.silent = True
        self.clock.pump([0.1] * 200)
        self.assertEqual(self.availability(), Availability.DATA_STALE)
        warnings = [r.getMessage() for r in self.records if r.levelno == logging.WARNING]
        self.assertEqual(warnings[0],
                         "[ep20] poll failed: read 30000x27 from slave 10: no reply (4 tries)")
        self.assertLessEqual(len(warnings), 2)    # the poll failure, then the reconnect failure
        self.slave.silent = False
        self.clock.pump([0.5] * 240)
        self.assertEqual(self.availability(), Availability.OK)
        self.assertIn("communication restored", self.records[-1].getMessage())
        self.assertEqual(self.records[-1].levelno, logging.INFO)

    def test_unplugged_adapter_reconnects(self) -> None:
        """A vanished adapter is reopened with backoff once it is back."""
        self.poller.start()
        self.clock.pump([0.1] * 30)
        self.port.unplug()
        self.port.fail_open = OSError(2, "No such file or directory")
        self.clock.pump([0.5] * 60)
        self.assertEqual(self.availability(), Availability.DATA_STALE)
        opens = self.port.opens
        self.port.fail_open = None
        self.clock.pump([0.5] * 240)
        self.assertEqual(self.availability(), Availability.OK)
        self.assertEqual(self.port.opens, opens + 1)


class CreateTests(SynchronousTestCase):
    """ups.conf options."""

    def test_both_names(self) -> None:
        """NUT's driver name and the short alias both load this driver."""
        for name in ("must_ep2000pro", "must_ep20"):
            driver = create_driver(replace(section(), driver=name), Clock())
            self.assertIsInstance(driver, MustEp20)
        self.assertIs(DRIVERS["must_ep20"], DRIVERS["must_ep2000pro"])

    def test_options(self) -> None:
        """Options reach the driver; the defaults follow NUT."""
        driver = create(section(), Clock())
        self.assertEqual((driver.slave, driver.pollinterval, driver.lowbatt, driver.reopen),
                         (10, 2.0, 15, False))
        self.assertEqual(dict(driver.tiers()), {"quick": 2.0, "settings": 30.0})
        driver = create(section(slaveid="5", pollinterval="1", lowbatt="30", reopen="",
                                timeout="1.5", retries="5", dtr="on", rts="off"), Clock())
        self.assertEqual((driver.slave, driver.pollinterval, driver.lowbatt, driver.reopen,
                          driver.timeout, driver.tries), (5, 1.0, 30, True, 1.5, 5))

    def test_bad_options(self) -> None:
        """Bad values are ConfigErrors pointing at their line."""
        for key, value in (("slaveid", "0"), ("lowbatt", "100"), ("rts", "maybe"),
                           ("retries", "x"), ("timeout", "0")):
            with self.assertRaises(ConfigError, msg=key) as cm:
                create(section(**{key: value}), Clock())
            self.assertTrue(str(cm.exception).startswith("ups.conf:2: [ep20] "), key)
