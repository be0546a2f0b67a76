"""The MUST EP20 simulator: answers Modbus RTU on a pseudo-terminal as the real unit does.

:class:`Ep20Slave` is sans-IO: request bytes and ``now`` in, reply frames
out.  It answers slave 10 only and is silent to every other address (a
real EP20 ignores MUST's other discovery probes, RESEARCH §1.3); it can
drop requests, send all-zero frames and garbage at given rates, the faults
seen in the field.  :class:`PtyServer` serves it on the master side of a
pty from the reactor; the slave side's path is what a driver opens.

``pynutd simulate must-ep20`` runs it alone (:func:`main`); ``pynutd --demo``
runs it inside the server (:func:`demo_sections`).
"""

from __future__ import annotations

import logging
import os
import random
import sys
import tty
from typing import Any

from pynutd.drivers.modbus.rtu import (
    READ_HOLDING,
    WRITE_MULTIPLE,
    ExceptionResponse,
    OtherRequest,
    ReadRequest,
    ReadResponse,
    Request,
    WriteResponse,
    encode_response,
    parse_request,
)
from pynutd.sim.must_ep20_model import SCENARIOS, Ep20Model, Scenario

log = logging.getLogger(__name__)

SLAVE = 10


class Ep20Slave:
    """The EP20's Modbus side over an :class:`Ep20Model`, with optional faults.

    ``fault_rate`` is the share of requests left unanswered (about 0.2 in
    the field), ``zero_rate`` of reads answered with every register 0 and a
    good CRC, ``garbage_rate`` of replies preceded by noise or sent with a
    broken CRC.
    """

    def __init__(self, model: Ep20Model, fault_rate: float = 0.0, zero_rate: float = 0.0,
                 garbage_rate: float = 0.0, seed: int | None = None) -> None:
        self.model = model
        self.fault_rate = fault_rate
        self.zero_rate = zero_rate
        self.garbage_rate = garbage_rate
        self.rng = random.Random(seed)
        self.silent = False        # forced silence (tests, SIGUSR1)
        self._buffer = b""
        self.requests = 0

    def receive(self, data: bytes, now: float) -> list[bytes]:
        """Feed bytes from the line; return the frames to send back."""
        self._buffer += data
        replies: list[bytes] = []
        while True:
            used, request = parse_request(self._buffer)
            self._buffer = self._buffer[used:]
            if request is None:
                return replies
            reply = self._answer(request, now)
            if reply:
                replies.append(reply)

    def _answer(self, request: Request | OtherRequest, now: float) -> bytes:
        if request.slave != SLAVE:
            return b""              # silence, as the real unit on MUST's discovery probes
        self.model.advance(now)
        self.requests += 1
        if isinstance(request, OtherRequest):
            # Only FC03 and FC16 are known to work; assume "illegal function" for the rest.
            return encode_response(ExceptionResponse(SLAVE, request.function, 1))
        if self.silent or self.model.silent or self.rng.random() < self.fault_rate:
            return b""
        if isinstance(request, ReadRequest):
            regs = self.model.read(request.address, request.count)
            if regs is None:
                response: Any = ExceptionResponse(SLAVE, READ_HOLDING, 2)
            elif self.rng.random() < self.zero_rate:
                response = ReadResponse(SLAVE, (0,) * request.count)
            else:
                response = ReadResponse(SLAVE, tuple(regs))
        else:
            code = self.model.write(request.address, request.values)
            response = (ExceptionResponse(SLAVE, WRITE_MULTIPLE, code) if code
                        else WriteResponse(SLAVE, request.address, len(request.values)))
        return self._noisy(encode_response(response))

    def _noisy(self, frame: bytes) -> bytes:
        if self.rng.random() >= self.garbage_rate:
            return frame
        if self.rng.random() < 0.5:
            noise = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 8)))
            return noise + frame
        return frame[:-1] + bytes([frame[-1] ^ 0x5A])     # a broken CRC


class _MasterReader:
    """Reads the pty master for the reactor (an IReadDescriptor)."""

    def __init__(self, server: PtyServer) -> None:
        self.server = server

    def fileno(self) -> int:
        return self.server.master

    def doRead(self) -> None:
        try:
            data = os.read(self.server.master, 4096)
        except OSError:
            return      # EIO while no client holds the slave side; we keep it open
        if data:
            self.server.received(data)

    def connectionLost(self, reason: Any) -> None:
        self.server.stop()

    def logPrefix(self) -> str:
        return "ep20-sim"


class PtyServer:
    """Serves an :class:`Ep20Slave` on a new pseudo-terminal.

    ``path`` is the terminal a driver opens.  Replies leave after
    ``latency`` seconds, about what the real unit takes at 9600 baud.
    """

    def __init__(self, reactor: Any, slave: Ep20Slave, latency: float = 0.02,
                 link: str | None = None) -> None:
        self.reactor = reactor
        self.slave = slave
        self.latency = latency
        self.master, self._slave_fd = os.openpty()
        # Raw at once, so nothing is echoed or translated before a client
        # configures the line (RESEARCH §3a); holding our own slave fd keeps
        # the master readable while drivers open and close the port.
        tty.setraw(self._slave_fd)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self._slave_fd)
        self.link = link
        if link:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(self.path, link)
        self._reader = _MasterReader(self)
        reactor.addReader(self._reader)
        self.running = True

    def received(self, data: bytes) -> None:
        for frame in self.slave.receive(data, self.reactor.seconds()):
            self.reactor.callLater(self.latency, self._send, frame)

    def _send(self, frame: bytes) -> None:
        if not self.running:
            return
        try:
            os.write(self.master, frame)
        except OSError:
            pass    # a full pty buffer: the line lost the frame, as a real one may

    def stop(self) -> None:
        """Stop serving and close the pty."""
        if not self.running:
            return
        self.running = False
        self.reactor.removeReader(self._reader)
        for fd in (self.master, self._slave_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)


def start(reactor: Any, scenario: Scenario, speed: float | None = None,
          fault_rate: float = 0.0, zero_rate: float = 0.0, garbage_rate: float = 0.0,
          seed: int | None = None, link: str | None = None, at: float = 0.0) -> PtyServer:
    """Start a simulated EP20 on a new pty under ``reactor``; return its server.

    ``at`` starts the scenario that many model seconds in.
    """
    model = Ep20Model(scenario, reactor.seconds(), speed, at)
    slave = Ep20Slave(model, fault_rate, zero_rate, garbage_rate, seed)
    return PtyServer(reactor, slave, link=link)


def demo_sections(reactor: Any, workdir: Any) -> list[str]:
    """Start the demo's EP20 (the outage scenario) and return its ups.conf section."""
    server = start(reactor, SCENARIOS["outage"])
    workdir.cleanups.append(server.stop)
    # lowbatt = 30: the scenario's outage reaches it about 50 s in, so the
    # demo shows OB LB for half a minute before the mains come back.
    # battery_ah = 9, the scenario's battery: the estimated battery.runtime.
    return [(f"[ep20]\n    driver = must_ep2000pro\n    port = {server.path}\n"
             f"    lowbatt = 30\n    battery_ah = 9\n"
             f"    desc = \"Simulated MUST EP20\"\n")]


def main(args: Any) -> int:
    """Run the simulator alone until killed (or ``--duration`` seconds)."""
    import signal

    from twisted.internet import reactor as _reactor

    reactor: Any = _reactor

    scenario = SCENARIOS[args.scenario]
    server = start(reactor, scenario, args.speed, args.fault_rate, args.zero_rate,
                   args.garbage_rate, args.seed, args.link, args.start)

    def toggle(signum: int, frame: Any) -> None:
        server.slave.silent = not server.slave.silent
        log.info("simulated EP20 %s", "silent" if server.slave.silent else "answering")

    signal.signal(signal.SIGUSR1, lambda s, f: reactor.callFromThread(toggle, s, f))
    print(server.path, flush=True)
    print(f"MUST EP20 simulator on {server.path} (slave {SLAVE}), scenario {scenario.name}: "
          f"{scenario.description}. SIGUSR1 toggles silence.", file=sys.stderr, flush=True)
    if args.duration:
        reactor.callLater(args.duration, reactor.stop)
    reactor.addSystemEventTrigger("before", "shutdown", server.stop)
    reactor.run()
    return 0
