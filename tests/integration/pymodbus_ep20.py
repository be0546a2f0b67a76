"""An independent Modbus peer for the EP20 tests: pymodbus serving the EP20's registers.

Run as ``python pymodbus_ep20.py``: it makes two pseudo-terminals joined
back to back by a relay thread (a pure-Python ``socat pty pty``), runs a
pymodbus RTU server as slave 10 on one and prints the other's path, which
is where pynutd's driver connects.  The registers are those of the real
capture B plus the settings defaults (tests/fixtures/must/frames.txt).

pymodbus 3.16's ``ignore_missing_devices`` answers other slaves with
exception 4 where a real EP20 is silent (RESEARCH §3c), hence the
``trace_packet`` hook that drops those frames.
"""

from __future__ import annotations

import asyncio
import os
import select
import sys
import threading
import tty

from pymodbus import FramerType
from pymodbus.server import StartAsyncSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice

# Capture B (line, bulk charge), RESEARCH §2.2.
STATUS = [2, 36402, 4, 12, 1000, 2140, 500, 2131, 500, 8, 99, 184, 9, 0, 133, 145, 0, 82, 39,
          0, 0, 0, 0, 0, 1, 1, 1]
# 31000..31017: 50 Hz, 220 V, 10.5 V, 14.1 V, 13.6 V, 20 A, buzzer on, grid charge on,
# -, backlight on, six unmapped registers, utility power-on enabled, overload recover on.
SETTINGS = [0, 220, 105, 141, 136, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]


def relay(a: int, b: int) -> None:
    """Copy bytes both ways between two pty masters, forever."""
    while True:
        ready, _, _ = select.select([a, b], [], [])
        for fd in ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                continue
            os.write(b if fd == a else a, data)


def drop_foreign(sending: bool, data: bytes) -> bytes:
    """Suppress replies to other slave ids, as the real unit stays silent."""
    return b"" if sending and data and data[0] != 10 else data


async def serve(path: str) -> None:
    device = SimDevice(id=10, simdata=[
        SimData(30000, values=STATUS, datatype=DataType.REGISTERS),
        SimData(31000, values=SETTINGS, datatype=DataType.REGISTERS),
        SimData(32000, values=[0, 0, 0], datatype=DataType.REGISTERS),
    ])
    await StartAsyncSerialServer(context=[device], framer=FramerType.RTU, port=path,
                                 baudrate=9600, trace_packet=drop_foreign)


def main() -> None:
    server_master, server_slave = os.openpty()
    client_master, client_slave = os.openpty()
    for fd in (server_slave, client_slave):
        tty.setraw(fd)
    threading.Thread(target=relay, args=(server_master, client_master), daemon=True).start()
    print(os.ttyname(client_slave), flush=True)
    print(f"pymodbus EP20 on {os.ttyname(server_slave)}", file=sys.stderr, flush=True)
    asyncio.run(serve(os.ttyname(server_slave)))


if __name__ == "__main__":
    main()
