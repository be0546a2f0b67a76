"""dummy-ups: replays NUT ``.dev`` dumps and ``.seq`` sequences, as NUT 2.8.0's driver.

File format (NUT's ``docs/man/dummy-ups.txt``, CONFORMANCE.md §9): upsc
output lines ``var: value`` in parseconf syntax, ``TIMER <seconds>`` to pause
a sequence, ``ALARM <text>`` to raise an alarm (bare ``ALARM`` clears it;
NUT added this after 2.8.0).  ``.dev`` files are read once and re-read when
they change; ``.seq`` and other names loop forever; ``mode=`` overrides.

The variables, types, RW flags and commands are those NUT 2.8.0's
dummy-ups presents for the same file, so LIST VAR, LIST RW, GET TYPE and
LIST CMD match it; the type table below is data taken from NUT's
``drivers/dummy-ups.h`` (v2.8.0).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pynutd.config import UpsSection
from pynutd.control import CommandUnknown, DeviceError
from pynutd.drivers.base import Update
from pynutd.parseconf import read_lines
from pynutd.ups import VarSpec, same_value

log = logging.getLogger(__name__)

VERSION = "0.15"  # the dummy-ups version NUT 2.8.0 reports

RW_NUMBER = VarSpec(rw=True)


def _rw_string(length: int) -> VarSpec:
    return VarSpec(rw=True, string_len=length)


# Known variables and their type (NUT 2.8.0 drivers/dummy-ups.h, nut_data[]).
# Every other name a file sets becomes RW STRING:32.
KNOWN_TYPES: dict[str, VarSpec] = {
    "ups.mfr": _rw_string(32), "ups.model": _rw_string(32), "ups.status": _rw_string(32),
    "ups.serial": _rw_string(32), "ups.load": RW_NUMBER, "ups.alarm": _rw_string(32),
    "ups.time": _rw_string(16), "ups.date": _rw_string(16), "ups.mfr.date": _rw_string(16),
    "ups.firmware": _rw_string(16), "ups.firmware.aux": _rw_string(16),
    "ups.temperature": RW_NUMBER, "ups.id": _rw_string(16), "ups.delay.start": RW_NUMBER,
    "ups.delay.reboot": RW_NUMBER, "ups.delay.shutdown": RW_NUMBER,
    "ups.test.interval": RW_NUMBER, "ups.test.result": _rw_string(16),
    "input.voltage": RW_NUMBER, "input.voltage.maximum": RW_NUMBER,
    "input.voltage.minimum": RW_NUMBER, "input.voltage.nominal": RW_NUMBER,
    "input.transfer.reason": _rw_string(1), "input.transfer.low": RW_NUMBER,
    "input.transfer.high": RW_NUMBER, "input.sensitivity": _rw_string(1),
    "input.quality": _rw_string(6), "input.frequency": RW_NUMBER,
    "input.transfer.boost.low": RW_NUMBER, "input.transfer.boost.high": RW_NUMBER,
    "input.transfer.trim.low": RW_NUMBER, "input.transfer.trim.high": RW_NUMBER,
    "output.voltage": RW_NUMBER, "output.frequency": RW_NUMBER, "output.current": RW_NUMBER,
    "battery.charge": RW_NUMBER, "battery.charge.low": RW_NUMBER,
    "battery.voltage": RW_NUMBER, "battery.current": RW_NUMBER,
    "battery.runtime": RW_NUMBER, "battery.runtime.low": RW_NUMBER,
    "battery.charge.restart": RW_NUMBER, "battery.temperature": RW_NUMBER,
    "battery.voltage.nominal": RW_NUMBER, "ambient.temperature": RW_NUMBER,
    "ambient.temperature.alarm": RW_NUMBER, "ambient.temperature.high": RW_NUMBER,
    "ambient.temperature.low": RW_NUMBER, "ambient.humidity": RW_NUMBER,
    "ambient.humidity.alarm": RW_NUMBER, "ambient.humidity.high": RW_NUMBER,
    "ambient.humidity.low": RW_NUMBER,
}
DEFAULT_TYPE = _rw_string(32)

# Set before the file is read (DU_FLAG_INIT rows).
INITIAL_VALUES = {"ups.mfr": "Dummy Manufacturer", "ups.model": "Dummy UPS", "ups.status": "OL"}

MODES = ("dummy-once", "dummy-loop", "dummy")
MAX_VALUE = 255  # NUT's ST_MAX_VALUE_LEN less the terminator


def spec_for(name: str) -> VarSpec:
    """Return the type dummy-ups gives variable ``name``."""
    return KNOWN_TYPES.get(name.lower(), DEFAULT_TYPE)


class DummyUps:
    """The dummy-ups driver: a file interpreter with NUT's timing rules."""

    name = "dummy-ups"
    version = VERSION

    def __init__(self, path: Path, mode: str, pollinterval: float, clock: Any) -> None:
        self.path = path
        self.mode = mode
        self.pollinterval = pollinterval
        self.clock = clock
        self.values: dict[str, str] = {}
        self.specs: dict[str, VarSpec] = {}
        self.alarm: str | None = None
        self._status_words: list[str] = ["OL"]
        self._pending: list[tuple[str, ...]] | None = None  # lines left in this pass
        self._resume_at = 0.0
        self._stamp: tuple[int, int] | None = None
        self._last_value = ""

    # -- Driver interface ------------------------------------------------------

    def tiers(self) -> Mapping[str, float]:
        return {"quick": self.pollinterval}

    def parameters(self) -> Mapping[str, str]:
        return {"mode": self.mode}

    def connect(self) -> None:
        self.values, self.specs, self.alarm = {}, {}, None
        for name, value in INITIAL_VALUES.items():
            self._set(name, value)
        self._status_words = ["OL"]
        self._start_pass()
        self._run()

    def disconnect(self) -> None:
        self._pending = None

    def poll(self, tier: str) -> Update:
        now = self.clock.seconds()
        if self._pending is None and now >= self._resume_at:
            if self.mode == "dummy-once":
                if self._file_stamp() != self._stamp:
                    self._start_pass()
            else:
                self._start_pass()
        if self._pending is not None and now >= self._resume_at:
            self._run()
        return Update(dict(self.values), dict(self.specs), commands=("load.off",),
                      replace_all=True)

    def set_var(self, name: str, value: str) -> None:
        self._setvar(name, value)

    def instcmd(self, name: str, param: str | None) -> None:
        # NUT 2.8.0's dummy-ups lists load.off but handles no command.
        raise CommandUnknown(f"dummy-ups does not handle {name}")

    # -- the file --------------------------------------------------------------

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _start_pass(self) -> None:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise DeviceError(f"cannot open dummy-ups definition file {self.path}: "
                              f"{exc.strerror}") from None
        self._stamp = self._file_stamp()
        self._pending = []
        for line in read_lines(data):
            if line.error:
                log.debug("%s:%d: %s", self.path, line.lineno, line.error)
                continue
            self._pending.append(line.words)

    def _run(self) -> None:
        """Interpret lines until a TIMER or the end of the file."""
        assert self._pending is not None
        while self._pending:
            words = self._pending.pop(0)
            if words[0].startswith("TIMER"):
                delay = _atoi(words[1]) if len(words) > 1 else 0
                self._resume_at = self.clock.seconds() + delay
                return
            self._line(words)
        self._pending = None

    def _line(self, words: tuple[str, ...]) -> None:
        name = words[0].split(":", 1)[0]
        if name == "ALARM":
            self.alarm = " ".join(words[1:]) or None
            self._commit_status()
            return
        if name.startswith("driver."):
            return
        if name.startswith("ups.status"):
            self._status_words = list(words[1:])
            self._commit_status()
            return
        if len(words) > 1:
            # A value-less line reuses the previous value, as NUT's buffer does.
            self._last_value = " ".join(words[1:])
        self._setvar(name, self._last_value)

    def _setvar(self, name: str, value: str) -> None:
        if name.startswith("ups.status"):
            self._status_words = [value]
            self._commit_status()
        elif value == "":
            key = self._key(name)
            self.values.pop(key, None)
            self.specs.pop(key, None)
        else:
            self._set(name, value)

    def _commit_status(self) -> None:
        status = " ".join(self._status_words)
        if self.alarm:
            status = f"ALARM {status}"
            self._set("ups.alarm", self.alarm)
        else:
            self.values.pop(self._key("ups.alarm"), None)
        self._store(self._key("ups.status"), status[:MAX_VALUE])

    def _key(self, name: str) -> str:
        # NUT's state tree matches names case-insensitively and keeps the first spelling.
        for existing in self.values:
            if existing.lower() == name.lower():
                return existing
        return name

    def _set(self, name: str, value: str) -> None:
        key = self._key(name)
        self._store(key, value[:MAX_VALUE])
        self.specs[key] = spec_for(name)

    def _store(self, key: str, value: str) -> None:
        # NUT's dstate_setinfo: a value equal but for letter case is no change.
        old = self.values.get(key)
        if old is None or not same_value(old, value):
            self.values[key] = value


def _atoi(text: str) -> int:
    digits = ""
    for ch in text.strip():
        if ch.isdigit() or (not digits and ch in "+-"):
            digits += ch
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


def create(section: UpsSection, reactor: Any) -> DummyUps:
    """Build a dummy-ups driver from its ups.conf section."""
    path = section.resolve(section.port)
    mode = section.get("mode")
    if mode is None:
        mode = "dummy-once" if path.suffix == ".dev" else (
            "dummy-loop" if path.suffix == ".seq" else "dummy")
    elif mode not in MODES:
        raise section.error("mode", f"unsupported dummy-ups mode {mode!r} "
                            f"(pynutd has {', '.join(MODES)}; not the repeater)")
    pollinterval = section.get_float("pollinterval", 2.0, minimum=0.1)
    return DummyUps(path, mode, pollinterval, reactor)


DEMO_SEQ = Path(__file__).resolve().parent.parent / "data" / "demo.seq"


def demo_sections(reactor: Any, workdir: Any) -> list[str]:
    """The demo's dummy UPS: a sequence that goes through a power cut.

    It is named ``ups``, the one name Synology DSM accepts, so a NAS can be
    pointed at the demo as it is.
    """
    (workdir.path / "demo.seq").write_bytes(DEMO_SEQ.read_bytes())
    return ['[ups]\n    driver = dummy-ups\n    port = demo.seq\n'
            '    desc = "Demo sequence: OL, OB, OB LB, OL"\n']
