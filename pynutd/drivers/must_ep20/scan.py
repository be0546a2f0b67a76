"""Opening an EP20's serial port, and finding EP20s on the machine's serial ports.

:func:`serial_opener` is what the driver uses to attach its Modbus
transport to a tty with Twisted's ``SerialPort``.  :func:`scan` is for
``pynutd scan``: it runs before any reactor, so it talks to each port with
plain blocking pyserial calls, using the same sans-IO codec.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from pynutd.drivers.modbus.rtu import ReadRequest, ReadResponse, parse_response
from pynutd.drivers.must_ep20.decode import decode_status, invalid_status, registers
from pynutd.drivers.must_ep20.tables import DEFAULT_SLAVE, STATUS_BLOCK, WORK_STATES
from pynutd.drivers.permissions import access_problem

log = logging.getLogger(__name__)

BAUDRATE = 9600   # 8N1, no flow control (RESEARCH §0)


def serial_opener(port: str, reactor: Any, dtr: bool | None,
                  rts: bool | None) -> Callable[[Any], Any]:
    """Return ``opener(protocol)`` that connects ``protocol`` to ``port``.

    ``dtr``/``rts`` None leaves the lines as the port opens them (both
    asserted; the way one long-running EP20 client works).  A pty refuses
    both ioctls with ENOTTY (RESEARCH §3a), which is only worth a debug line.
    """
    def opener(protocol: Any) -> Any:
        from twisted.internet.serialport import SerialPort
        try:
            transport = SerialPort(protocol, port, reactor,  # type: ignore[no-untyped-call]
                                   baudrate=BAUDRATE)
        except OSError as exc:
            problem = access_problem(port)   # after -u, name the missing permission
            if problem is not None:
                raise PermissionError(problem) from None
            raise exc from None
        for line, value in (("DTR", dtr), ("RTS", rts)):
            if value is None:
                continue
            try:
                getattr(transport, f"set{line}")(int(value))
            except OSError as exc:
                log.debug("%s: cannot set %s (%s); a pty has no modem lines", port, line, exc)
        return transport
    return opener


def probe(device: str, slave: int = DEFAULT_SLAVE, timeout: float = 0.5,
          tries: int = 2) -> dict[int, int] | None:
    """Read the 30000 block from ``device``; return its registers or None."""
    import serial
    request = ReadRequest(slave, *STATUS_BLOCK)
    try:
        port = serial.Serial(device, BAUDRATE, timeout=0.05)
    except (OSError, ValueError) as exc:
        log.info("%s: cannot open (%s)", device, exc)
        return None
    with port:
        for _ in range(tries):
            port.reset_input_buffer()
            port.write(request.encode())
            buf = b""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                buf += port.read(256)
                used, response = parse_response(buf, request)
                buf = buf[used:]
                if isinstance(response, ReadResponse):
                    if invalid_status(response.registers) is None:
                        return registers(STATUS_BLOCK[0], response.registers)
                    break  # an all-zero frame: ask again
    return None


def scan(ports: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Probe every serial port (pyserial's list_ports, plus ``ports``) for an EP20.

    Returns ``(description, ups.conf section)`` for each port that answers
    as slave 10 with a plausible 30000 block.
    """
    from serial.tools import list_ports
    devices = [p.device for p in list_ports.comports()] + list(ports)
    found: list[tuple[str, str]] = []
    for device in dict.fromkeys(devices):
        regs = probe(device)
        if regs is None:
            continue
        name = "ep20" if not found else f"ep20_{len(found) + 1}"
        found.append(describe(device, regs, name))
    return found


def describe(device: str, regs: dict[int, int], name: str = "ep20") -> tuple[str, str]:
    """Return ``(description, ups.conf section [name])`` of the EP20 that gave ``regs``.

    ``regs`` is what :func:`probe` read from ``device``; the zero-configuration
    start (``pynutd DEVICE``) names its section ``ups``.
    """
    values = decode_status(regs, 15)
    state = WORK_STATES[regs[30002]].name
    model = values["ups.model"]
    description = (f"{device}: MUST {model} (slave {DEFAULT_SLAVE}, firmware "
                   f"{values['ups.firmware']}, {state}, {values['ups.status']})")
    section = (f"[{name}]\n    driver = must_ep2000pro\n    port = {device}\n"
               f"    desc = \"MUST {model}\"\n")
    return description, section
