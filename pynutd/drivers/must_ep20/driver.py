"""The ``must_ep2000pro`` driver: MUST EP20 / EP2000 Pro inverters over serial Modbus RTU.

Glue only: the register map is data in :mod:`~pynutd.drivers.must_ep20.tables`,
the decoding is pure in :mod:`~pynutd.drivers.must_ep20.decode`, the frames
are :mod:`~pynutd.drivers.modbus.rtu` and the retries
:mod:`~pynutd.drivers.modbus.bus`.  The unit answers at
9600 8N1 as slave 10 (RESEARCH §0).  mustmon.py's four "wake-up" probes
(MUST's Windows device discovery) are not sent: every working client polls
30000 directly.

ups.conf options (besides ``port``, ``desc``, ``pollinterval``):
``slaveid`` (default 10), ``lowbatt`` (battery.charge.low, default 15 as
NUT), ``settingsinterval`` (seconds between reads of the settings block,
default 30), ``timeout`` (seconds per try, default 0.5, libmodbus' value),
``retries`` (tries per request, default 4: in the field about one request
in five goes unanswered, so four tries lose a poll about once in 300), ``reopen`` (close the port
after every poll, what one long-running EP20 user found "much more
stable"), ``dtr`` and ``rts`` (``on``/``off``; left as the port opens them
unless set).  The unit reports no runtime: ``battery.runtime`` is estimated
(:mod:`pynutd.drivers.estimated`: ``runtimecal``, ``idleload``,
``battery_ah``, ``runtime_learn``, ``default.battery.runtime.low``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from twisted.internet.defer import Deferred, ensureDeferred

from pynutd.config import UpsSection
from pynutd.control import CommandRejected, CommandUnknown, DeviceError
from pynutd.drivers.base import Update
from pynutd.drivers.estimated import EstimatedRuntime, runtime_options
from pynutd.drivers.modbus.bus import RtuBusProtocol
from pynutd.drivers.modbus.rtu import (
    ExceptionResponse,
    ReadRequest,
    ReadResponse,
    Response,
    WriteRequest,
)
from pynutd.drivers.must_ep20.decode import (
    decode_settings,
    decode_status,
    encode_setting,
    find_setting,
    invalid_settings,
    invalid_status,
    registers,
)
from pynutd.drivers.must_ep20.scan import serial_opener
from pynutd.drivers.must_ep20.tables import (
    COMMANDS,
    DEFAULT_SLAVE,
    SETTINGS_BLOCK,
    SETTINGS_TAIL,
    STATUS_BLOCK,
)

log = logging.getLogger(__name__)

VERSION = "0.1"
# device.* are copied from these by the poller, as NUT's driver core does.
CONSTANTS = {"ups.mfr": "MUST", "ups.type": "line-interactive"}

# opener(protocol) connects ``protocol`` to the port and returns the transport.
Opener = Callable[[RtuBusProtocol], Any]


class MustEp20:
    """One MUST EP20 on one serial port."""

    name = "must_ep2000pro"
    version = VERSION

    def __init__(self, opener: Opener, clock: Any, slave: int = DEFAULT_SLAVE,
                 pollinterval: float = 2.0, settingsinterval: float = 30.0,
                 lowbatt: int = 15, timeout: float = 0.5, tries: int = 4,
                 reopen: bool = False, runtime: EstimatedRuntime | None = None) -> None:
        self.opener = opener
        self.clock = clock
        self.slave = slave
        self.pollinterval = pollinterval
        self.settingsinterval = settingsinterval
        self.lowbatt = lowbatt
        self.timeout = timeout
        self.tries = tries
        self.reopen = reopen
        self._bus: RtuBusProtocol | None = None
        self._users = 0
        self._status: dict[str, str] = {}
        self._settings_regs: dict[int, int] = {}
        self._bat_class = 12
        self._tail_supported = True
        self._settings_due = True
        self._writes = 0
        self._status_time = 0.0
        # The EP20 reports no runtime: estimate it (learning from discharges
        # even when ups.conf gives neither runtimecal nor battery_ah).
        self.runtime = runtime or EstimatedRuntime(runtime_options(_NO_OPTIONS))

    # -- Driver interface --------------------------------------------------

    def tiers(self) -> Mapping[str, float]:
        """The status block every ``pollinterval``, the settings less often (seconds)."""
        return {"quick": self.pollinterval, "settings": self.settingsinterval}

    def parameters(self) -> Mapping[str, str]:
        """No driver.parameter.* beyond what ups.conf gave."""
        return {}

    def connect(self) -> Deferred[None]:
        """Open the port and read the settings: "connected" means it answered."""
        self._settings_due = True
        self._tail_supported = True
        return ensureDeferred(self._with_bus(self._read_settings))

    def disconnect(self) -> None:
        """Close the port (a request in flight fails with DeviceError)."""
        bus, self._bus = self._bus, None
        self._users = 0
        transport: Any = bus.transport if bus is not None else None
        if transport is not None:
            transport.loseConnection()

    def poll(self, tier: str) -> Deferred[Update]:
        """Read ``tier``'s registers; fire with every variable (replace_all)."""
        return ensureDeferred(self._with_bus(lambda: self._poll(tier)))

    def set_var(self, name: str, value: str) -> Deferred[None]:
        """Write one setting with FC16; CommandUnknown/CommandRejected before any I/O."""
        row = find_setting(name)
        if row is None:
            raise CommandUnknown(f"{name} is not writable on the EP20")
        raw = encode_setting(row, value, self._bat_class)
        return ensureDeferred(self._with_bus(lambda: self._write(row.address, raw)))

    def instcmd(self, name: str, param: str | None) -> Deferred[None]:
        """Run an instant command: one FC16 write from the COMMANDS table."""
        cmd = next((c for c in COMMANDS if c.name == name.lower()), None)
        if cmd is None:
            raise CommandUnknown(f"the EP20 has no command {name}")
        return ensureDeferred(self._with_bus(lambda: self._write(cmd.address, cmd.value)))

    # -- the port -----------------------------------------------------------

    async def _with_bus(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` with the port open; close it after if ``reopen``."""
        if self._bus is None:
            bus = RtuBusProtocol(self.clock, self.timeout, self.tries)
            try:
                self.opener(bus)
            except OSError as exc:
                raise DeviceError(f"cannot open the port: {exc}") from None
            self._bus = bus
        bus = self._bus
        if not bus.connected_ok:
            raise DeviceError(bus.lost_reason)
        self._users += 1
        try:
            return await work()
        finally:
            self._users -= 1
            if self.reopen and self._users == 0 and self._bus is bus:
                self.disconnect()

    async def _read(self, block: tuple[int, int],
                    validate: Callable[[tuple[int, ...]], str | None] | None) -> dict[int, int]:
        start, count = block

        def check(response: Response) -> str | None:
            if validate is not None and isinstance(response, ReadResponse):
                return validate(response.registers)
            return None

        assert self._bus is not None
        response = await self._bus.request(ReadRequest(self.slave, start, count), check)
        if isinstance(response, ExceptionResponse):
            raise DeviceError(f"read {start}x{count}: the device answered {response.describe()}")
        return registers(start, response.registers)

    async def _write(self, address: int, value: int) -> None:
        assert self._bus is not None
        # The EP20 takes writes only as FC16, even for one register (NUT PR #3228).
        response = await self._bus.request(WriteRequest(self.slave, address, (value,)))
        if isinstance(response, ExceptionResponse):
            raise CommandRejected(f"the EP20 refused {address}={value}: {response.describe()}")
        log.info("EP20 register %d set to %d", address, value)
        if address < 32000:
            self._writes += 1
            self._settings_due = True

    # -- polling --------------------------------------------------------------

    async def _poll(self, tier: str) -> Update:
        if tier == "settings" or self._settings_due:
            await self._read_settings()
        if tier != "settings" or not self._status:
            regs = await self._read(STATUS_BLOCK, invalid_status)
            self._bat_class = regs[30003]
            self._status = decode_status(regs, self.lowbatt)
            self._status_time = self.clock.seconds()
        settings, specs = decode_settings(self._settings_regs, self._bat_class)
        values = {**CONSTANTS, **self._status, **settings,
                  "battery.charge.low": str(self.lowbatt)}
        # The estimate learns once per status read: a settings poll repeats its time.
        values = self.runtime.apply(self._status_time, values)
        return Update(values, specs, commands=[c.name for c in COMMANDS], replace_all=True)

    async def _read_settings(self) -> None:
        # A write that lands while this read is in flight makes it stale:
        # keep the re-read due in that case.
        writes_before = self._writes
        regs = await self._read(SETTINGS_BLOCK, invalid_settings)
        if self._tail_supported:
            regs.update(await self._read_tail())
        self._settings_regs = regs
        self._settings_due = self._writes != writes_before

    async def _read_tail(self) -> dict[int, int]:
        # 31016/31017 come from one source only (REV set.js): a device that
        # refuses them loses the two variables, not its whole settings poll.
        try:
            return await self._read(SETTINGS_TAIL, None)
        except DeviceError as exc:
            if "answered" in str(exc):
                log.info("EP20 does not have registers 31016-31017 (%s)", exc)
                self._tail_supported = False
                return {}
            return {a: v for a, v in self._settings_regs.items() if a >= SETTINGS_TAIL[0]}


def _flag(section: UpsSection, key: str) -> bool | None:
    raw = section.get(key)
    if raw is None:
        return None
    word = raw.strip().lower()
    if word in ("", "1", "yes", "on", "true", "enabled"):
        return True
    if word in ("0", "no", "off", "false", "disabled"):
        return False
    raise section.error(key, f"{key} must be on or off, not {raw!r}")


def create(section: UpsSection, reactor: Any) -> MustEp20:
    """Build the driver for one ups.conf section (``driver = must_ep2000pro``)."""
    slave = section.get_int("slaveid", DEFAULT_SLAVE)
    if not 1 <= slave <= 247:
        raise section.error("slaveid", "slaveid must be between 1 and 247")
    lowbatt = section.get_int("lowbatt", 15)
    if not 1 <= lowbatt <= 99:
        raise section.error("lowbatt", "lowbatt must be between 1 and 99")
    tries = section.get_int("retries", 4)
    if not 1 <= tries <= 10:
        raise section.error("retries", "retries must be between 1 and 10")
    opener = serial_opener(section.port, reactor, _flag(section, "dtr"), _flag(section, "rts"))
    return MustEp20(
        opener, reactor, slave=slave,
        pollinterval=section.get_float("pollinterval", 2.0, minimum=0.5),
        settingsinterval=section.get_float("settingsinterval", 30.0, minimum=1.0),
        lowbatt=lowbatt, timeout=section.get_float("timeout", 0.5, minimum=0.05),
        tries=tries, reopen=bool(_flag(section, "reopen")),
        runtime=EstimatedRuntime(runtime_options(section)))


# A section with no options: the estimate's defaults for a driver built directly.
_NO_OPTIONS = UpsSection(name="ep20", driver="must_ep2000pro", port="", desc=None, options={},
                         path="", lineno=0)


__all__ = ["MustEp20", "create"]
