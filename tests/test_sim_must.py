"""Tests for the MUST EP20 simulator: its Modbus answers, its physics and its pty."""

from __future__ import annotations

import argparse
import os
import struct
from pathlib import Path
from typing import Any

from twisted.internet import reactor
from twisted.internet.task import deferLater
from twisted.trial.unittest import SynchronousTestCase, TestCase

from pynutd.drivers.modbus.bus import RtuBusProtocol
from pynutd.drivers.modbus.rtu import (
    ReadRequest,
    ReadResponse,
    WriteRequest,
    crc_ok,
    parse_response,
    with_crc,
)
from pynutd.drivers.must_ep20.decode import decode_status, registers
from pynutd.drivers.must_ep20.scan import probe, serial_opener
from pynutd.sim import cli
from pynutd.sim.must_ep20 import Ep20Slave, demo_sections, start
from pynutd.sim.must_ep20_model import SCENARIOS, Ep20Model, Phase, Scenario
from tests.mustfakes import FRAMES

STATUS = ReadRequest(10, 30000, 27)


def slave(scenario: str = "online", **kw: Any) -> Ep20Slave:
    """A simulated unit at time 0."""
    return Ep20Slave(Ep20Model(SCENARIOS[scenario], 0.0), seed=1, **kw)


def read_status(sim: Ep20Slave, now: float, lowbatt: int = 15) -> dict[str, str]:
    """Ask ``sim`` for 30000x27 at ``now`` and decode the answer."""
    reply = sim.receive(STATUS.encode(), now)[0]
    response = parse_response(reply, STATUS)[1]
    assert isinstance(response, ReadResponse)
    return decode_status(registers(30000, response.registers), lowbatt)


class SlaveTests(SynchronousTestCase):
    """The Modbus side of the simulator."""

    def test_discovery_probes(self) -> None:
        """Only the slave-10 probe is answered, exactly as the real unit did."""
        sim = slave()
        for name in ("mustmon_probe_pc1800", "mustmon_probe_ph1000", "mustmon_probe_ph5000"):
            self.assertEqual(sim.receive(FRAMES[name], 0.0), [], name)
        self.assertEqual(sim.receive(FRAMES["mustmon_probe_epseries"], 0.0), [FRAMES["probe_reply"]])

    def test_status_block_layout(self) -> None:
        """The status reply is a valid 59-byte frame with the EP20's constants."""
        reply = slave().receive(FRAMES["mustmon_status_read"], 0.0)[0]
        self.assertEqual((len(reply), crc_ok(reply)), (59, True))
        regs = struct.unpack(">27H", reply[3:57])
        self.assertEqual(regs[:5], (2, 36402, 4, 12, 1000))

    def test_settings_and_write(self) -> None:
        """An FC16 write is echoed as the real unit does and shows in the next read."""
        sim = slave()
        self.assertEqual(sim.receive(FRAMES["buzzer_write"], 0.0), [FRAMES["write_echo"]])
        reply = sim.receive(FRAMES["mustmon_settings_read"], 0.0)[0]
        self.assertEqual(struct.unpack(">10H", reply[3:23])[6], 1)

    def test_refusals(self) -> None:
        """Bad values, unknown registers and functions other than 3/16 get exceptions."""
        sim = slave()
        self.assertEqual(sim.receive(WriteRequest(10, 31001, (240,)).encode(), 0.0),
                         [with_crc(bytes([10, 0x90, 3]))])
        self.assertEqual(sim.receive(WriteRequest(10, 30005, (1,)).encode(), 0.0),
                         [with_crc(bytes([10, 0x90, 2]))])
        self.assertEqual(sim.receive(ReadRequest(10, 29999, 2).encode(), 0.0),
                         [with_crc(bytes([10, 0x83, 2]))])
        fc06 = with_crc(bytes.fromhex("0a06791e0001"))
        self.assertEqual(sim.receive(fc06, 0.0), [with_crc(bytes([10, 0x86, 1]))])

    def test_split_and_joined_requests(self) -> None:
        """Requests arriving in pieces or back to back are each answered."""
        sim = slave()
        frame = FRAMES["mustmon_probe_epseries"]
        self.assertEqual(sim.receive(frame[:3], 0.0), [])
        self.assertEqual(sim.receive(frame[3:] + frame, 0.0), [FRAMES["probe_reply"]] * 2)

    def test_faults(self) -> None:
        """Fault rates of 1 give silence, all-zero frames, or noisy frames."""
        request = FRAMES["mustmon_status_read"]
        self.assertEqual(slave(fault_rate=1.0).receive(request, 0.0), [])
        zero = slave(zero_rate=1.0).receive(request, 0.0)[0]
        self.assertTrue(crc_ok(zero))
        self.assertEqual(zero[3:57], bytes(54))
        sim = slave(garbage_rate=1.0)
        noisy = [sim.receive(request, 0.0)[0] for _ in range(20)]
        self.assertTrue(all(len(f) > 59 or not crc_ok(f) for f in noisy))
        self.assertTrue(any(parse_response(f, STATUS)[1] is not None for f in noisy))


class PhysicsTests(SynchronousTestCase):
    """The small physical model under its scenarios."""

    def statuses(self, scenario: str, until: float, step: float, lowbatt: int = 15) -> list[str]:
        sim = slave(scenario)
        seen: list[str] = []
        t = 0.0
        while t <= until:
            status = read_status(sim, t, lowbatt)["ups.status"]
            if not seen or seen[-1] != status:
                seen.append(status)
            t += step
        return seen

    def test_outage(self) -> None:
        """The demo scenario goes OL CHRG, OB DISCHRG, OB DISCHRG LB, OL CHRG within 5 minutes."""
        self.assertEqual(self.statuses("outage", 300, 2, lowbatt=30),
                         ["OL CHRG", "OB DISCHRG", "OB DISCHRG LB", "OL CHRG"])

    def test_outage_timing(self) -> None:
        """LB comes about two minutes in and lasts at least half a minute."""
        sim = slave("outage")
        lb = [t for t in range(200) if "LB" in read_status(sim, float(t), 30)["ups.status"]]
        self.assertTrue(100 <= lb[0] <= 130, lb[0])
        self.assertGreaterEqual(lb[-1] - lb[0], 30)

    def test_battery_follows_the_load(self) -> None:
        """Discharge current grows with the load and the charge falls faster."""
        def drop(load: float) -> float:
            scenario = Scenario("t", "", (Phase(3600, grid=0.0, load=load),), battery_ah=10)
            sim = Ep20Slave(Ep20Model(scenario, 0.0))
            before = int(read_status(sim, 0.0)["battery.charge"])
            return before - int(read_status(sim, 300.0)["battery.charge"])
        self.assertGreater(drop(300), 2 * drop(100))
        self.assertGreater(drop(100), 0)

    def test_avr(self) -> None:
        """Low mains boost, high mains trim, both on line."""
        self.assertEqual(read_status(slave("brownout"), 10)["ups.status"], "OL BOOST")
        self.assertEqual(read_status(slave("highmains"), 10)["ups.status"], "OL TRIM")
        self.assertEqual(read_status(slave("highmains"), 10)["output.voltage"], "232.2")

    def test_overload_trips(self) -> None:
        """Overload shows OVER, then trips the output with a fault."""
        self.assertEqual(self.statuses("overload", 400, 5),
                         ["OL", "ALARM OL OVER", "ALARM OL OFF"])
        sim = slave("overload")
        self.assertEqual(read_status(sim, 400)["ups.alarm"], "[Overload]")

    def test_overheat(self) -> None:
        """A hot, heavily loaded unit trips on temperature and restarts when cool."""
        seen = self.statuses("overheat", 60, 1)
        self.assertEqual(seen[:3], ["OL", "ALARM OL OFF", "OL"])
        sim = slave("overheat")
        alarms = {read_status(sim, float(t)).get("ups.alarm") for t in range(30)}
        self.assertEqual(alarms, {None, "[Inverter over temperature]"})

    def test_start_offset(self) -> None:
        """--start begins the scenario later: the outage scenario at 900 s is on battery."""
        sim = Ep20Slave(Ep20Model(SCENARIOS["outage"], 0.0, start=905.0))
        self.assertEqual(read_status(sim, 0.0)["ups.status"], "OB DISCHRG")

    def test_dropout(self) -> None:
        """The dropout scenario is silent from 10 s to 25 s."""
        sim = slave("dropout")
        answered = [bool(sim.receive(STATUS.encode(), float(t))) for t in range(0, 30, 5)]
        self.assertEqual(answered, [True, True, False, False, False, True])

    def test_remote_shutdown(self) -> None:
        """32002 turns the output off on battery only; mains brings it back."""
        sim = slave("outage")
        sim.receive(FRAMES["remote_shutdown"], 10.0)
        self.assertEqual(read_status(sim, 10.0)["ups.status"], "OL CHRG")
        sim.receive(FRAMES["remote_shutdown"], 70.0)
        self.assertEqual(read_status(sim, 70.0)["ups.status"], "OB OFF")
        self.assertEqual(read_status(sim, 160.0)["ups.status"], "OL CHRG")


class PtyTests(TestCase):
    """The simulator on a real pseudo-terminal, read by the driver's serial transport."""

    def setUp(self) -> None:
        self.server = start(reactor, SCENARIOS["outage"])
        self.addCleanup(self.server.stop)

    async def test_serial_port_reads_the_pty(self) -> None:
        """Twisted's SerialPort on the pty gets the status block."""
        bus = RtuBusProtocol(reactor, timeout=1.0)
        transport = serial_opener(self.server.path, reactor, True, False)(bus)
        try:
            response = await bus.request(STATUS)
            self.assertEqual(response.registers[:4], (2, 36402, 4, 12))
        finally:
            transport.loseConnection()
            await deferLater(reactor, 0.05, lambda: None)

    async def test_probe_in_a_thread(self) -> None:
        """The blocking scan probe finds the unit while the reactor serves it."""
        from twisted.internet.threads import deferToThread
        regs = await deferToThread(probe, self.server.path)
        self.assertEqual(regs[30000], 2)  # type: ignore[index]
        self.assertIsNone(await deferToThread(probe, self.server.path, 11, 0.2, 1))

    def test_demo_section(self) -> None:
        """The demo provider starts a simulator and points must_ep2000pro at it."""
        workdir = argparse.Namespace(cleanups=[], path=Path("."))
        text = demo_sections(reactor, workdir)[0]
        port = text.split("port = ")[1].split()[0]
        self.assertTrue(text.startswith("[ep20]\n    driver = must_ep2000pro\n"))
        self.assertTrue(os.path.exists(port))
        for cleanup in workdir.cleanups:
            cleanup()


class CliTests(SynchronousTestCase):
    """The simulate sub-command's table and argument checks."""

    def test_table(self) -> None:
        """must-ep20 is a row of the simulator table: this module's scenarios and main."""
        from pynutd.sim import must_ep20
        simulator = cli.SIMULATORS["must-ep20"]()
        self.assertIs(simulator.main, must_ep20.main)
        self.assertEqual(set(simulator.scenarios), set(SCENARIOS))

    def test_unknown_scenario(self) -> None:
        """An unknown scenario is refused before anything starts."""
        parser = argparse.ArgumentParser()
        cli.add_arguments(parser)
        args = parser.parse_args(["must-ep20", "--scenario", "nope"])
        self.assertEqual(cli.run(args), 2)
        self.assertRaises(SystemExit, parser.parse_args, ["must-ep20", "--fault-rate", "2"])

