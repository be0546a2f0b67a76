"""Property: any mangling of the four files loads cleanly or is one ``file:line:`` error.

Starting from a valid configuration, hypothesis truncates files, inserts
binary junk and stray quotes, swaps values for huge numbers, nan and
friends, repeats and drops lines and adds unknown keys and sections.  Every
result must either load and build the service (as ``pynutd -c DIR`` does
before anything listens, then run on a fake reactor without a traceback) or
raise a ConfigError whose text starts with the file and line: never another
exception, never an error without a line.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from twisted.internet.defer import maybeDeferred
from twisted.internet.error import CannotListenError
from twisted.internet.testing import MemoryReactorClock

from pynutd import config
from pynutd.config import ConfigError
from pynutd.service import make_service

# Addresses are IPv6 so that a mangled one is refused without asking DNS
# (text with ':' is never taken for a host name): the test stays fast offline.
BASE = {
    "ups.conf": b'pollinterval = 2\n[ups]\n    driver = dummy-ups\n    port = ups.dev\n'
                b'    desc = "Rack \\"A\\" UPS"\n    pollinterval = 2\n',
    "upsd.conf": b"LISTEN ::1 3493\nMAXAGE 15\nMAXCONN 100\nTRACKINGDELAY 3600\n",
    "upsd.users": b"[admin]\n    password = \"s3cret pw\"\n    actions = SET FSD\n"
                  b"    instcmds = ALL\n[mon]\n    password = x\n    upsmon secondary\n",
    "pynutd.conf": b"[web]\nlisten = ::1\nport = 8080\nenabled = yes\n"
                   b"allowed_origins = https://ups.example.com, http://[::1]:8080\n"
                   b"[history]\ndatabase = h.sqlite\nretention = 30d\nraw_retention = 48h\n"
                   b"interval = 2\nvariables = ups.load, battery.charge\n"
                   b"[alerts]\nload_high = 80\nload_high_hysteresis = 5\n"
                   b"[alerts:ups]\nbattery_low = off\n"
                   b"[log]\nmax_bytes = 1000\nbackups = 5\ntelemetry_interval = 30\n"
                   b"[mqtt]\nhost = ::1\nport = 1883\nusername = u\npassword = p w\n"
                   b"client_id = rack-1\ntopic_prefix = home/ups\ndiscovery_prefix = ha\n"
                   b"discovery = yes\ncommands_user = admin\nlegacy_topic = ups/telemetry\n"
                   b"[zeroconf]\nenabled = yes\n",
}
FILES = tuple(BASE)
NASTY_VALUES = (b"9" * 400, b"-1", b"nan", b"inf", b"-inf", b"1e999", b"0", b"", b"99999",
                b"0x10", b"1_000", b"\xe9t\xe9", b'"open', b"\\", b"#", b"2147483648",
                b"3.5", b"999.1.1.1", b"::1", b"*", b"\x00", b"yes", b"1e-999")
INSERTS = (b'"', b"\\", b"#", b"[", b"]", b"=", b":", b";", b"\n", b"\r", b"\t", b"\x00",
           b"\xff", b"\xef\xbb\xbf", b"\n[", b"\n    ")
# Unknown or repeated keys and sections, per file.
UNKNOWN = {
    "ups.conf": (b"bogus = 1", b"[bogus]", b"[default]", b"[ups]", b"driver = x"),
    "upsd.conf": (b"BOGUS 1", b"MAXAGE 5", b"LISTEN ::1 3493", b"LISTEN * 3493", b"ACL x"),
    "upsd.users": (b"bogus = 1", b"[admin]", b"upsmon boss", b"password = a b"),
    "pynutd.conf": (b"[bogus]", b"[DEFAULT]", b"[alerts:nope]", b"bogus = 1", b"[web]",
                    b"port = 1", b"notifycmd = /x", b"[mqtt]", b"legacy_topic = a/#",
                    b"keyfile = k.pem"),
}
KINDS = ("truncate", "junk", "insert", "value", "duplicate", "unknown", "delete")

# One file per example, so a mistake in one file never hides another's.
mangling = st.sampled_from(FILES).flatmap(lambda name: st.tuples(st.just(name), st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(min_value=0, max_value=10**6),
              st.binary(min_size=1, max_size=12), st.sampled_from(NASTY_VALUES),
              st.sampled_from(INSERTS), st.sampled_from(UNKNOWN[name])),
    min_size=1, max_size=3)))


def mutate(data: bytes, kind: str, n: int, junk: bytes, value: bytes, insert: bytes,
           unknown: bytes) -> bytes:
    """Return ``data`` mangled one way, at a place chosen by ``n``."""
    pos = n % (len(data) + 1)
    lines = data.split(b"\n")
    line = n % len(lines)
    if kind == "truncate":
        return data[:pos]
    if kind == "junk":
        return data[:pos] + junk + data[pos:]
    if kind == "insert":
        return data[:pos] + insert + data[pos:]
    if kind == "value":   # on a line that has a value, so the nasty one is read
        valued = [i for i, text in enumerate(lines) if re.search(rb"\S[ =]+\S", text)]
        line = valued[n % len(valued)] if valued else line
        words = re.split(rb"([ =]+)", lines[line])
        lines[line] = b"".join(words[:-1]) + value if len(words) > 1 else value
    elif kind == "duplicate":
        lines.insert(line, lines[line])
    elif kind == "unknown":
        lines.insert(line, unknown)
    else:
        del lines[line]
    return b"\n".join(lines)


def check(error: ConfigError, confdir: Path) -> None:
    text = str(error)
    where = re.escape(str(confdir))
    assert re.match(rf"{where}/(ups\.conf|upsd\.conf|upsd\.users|pynutd\.conf):[1-9][0-9]*: \S",
                    text), text
    assert "\n" not in text and "\r" not in text, text


class Tracebacks(logging.Handler):
    """Collects log records that carry a traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.found.append(self.format(record))


def write_files(confdir: Path, files: dict[str, bytes]) -> None:
    (confdir / "ups.dev").write_text("ups.status: OL\nbattery.charge: 90\n")
    for name, data in files.items():
        (confdir / name).write_bytes(data)


def start_and_run(conf: config.Config) -> None:
    """Build, start and run the service for a while on a fake reactor, then stop it.

    A value that passed the checks but breaks a part later (a nan interval,
    say) shows here as an exception or a logged traceback.
    """
    reactor = MemoryReactorClock()
    # MQTT's and zeroconf's own threads need a real reactor: their settings
    # are checked above by loading, their running by tests/integration/
    # test_mqtt_broker.py and test_zeroconf_netns.py.
    conf = dataclasses.replace(conf, mqtt=config.MqttConfig(),
                               zeroconf=config.ZeroconfConfig(enabled=False))
    service = make_service(conf, reactor, run=maybeDeferred)
    tracebacks = Tracebacks()
    logging.getLogger().addHandler(tracebacks)
    try:
        service.privilegedStartService()
        service.startService()
        for _ in range(7):
            reactor.advance(10)
        service.stopService()
    except CannotListenError:
        pass   # LISTEN * or :: binds a real socket: only the NUT port may stop start-up
    finally:
        logging.getLogger().removeHandler(tracebacks)
    assert tracebacks.found == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangling)
# The holes issue 8 lists, always tried.
@example(("upsd.conf", [("value", 1, b"x", b"9" * 400, b"", b"")]))           # MAXAGE 999...9
@example(("upsd.conf", [("unknown", 0, b"x", b"", b"", b"LISTEN 999.1.1.1")]))
@example(("upsd.conf", [("unknown", 0, b"x", b"", b"", b"LISTEN 3.5")]))
@example(("upsd.conf", [("duplicate", 0, b"x", b"", b"", b"")]))             # LISTEN twice
@example(("pynutd.conf", [("value", 0, b"x", b"nan", b"", b"")]))            # listen = nan
@example(("pynutd.conf", [("junk", 3, b"\xe9\xff", b"", b"", b"")]))         # not UTF-8
@example(("pynutd.conf", [("unknown", 0, b"x", b"", b"", b"[DEFAULT]")]))
@example(("pynutd.conf", [("value", 16, b"x", b"nan", b"", b"")]))           # [mqtt] port = nan
@example(("pynutd.conf", [("delete", 23, b"x", b"", b"", b"")]))            # password, no username
def test_mangled_files_load_or_fail_at_a_line(mangled: tuple[str, list[tuple]]) -> None:
    """Every mangled configuration runs, or is one ConfigError at file:line before it starts."""
    name, mutations = mangled
    files = dict(BASE)
    for how in mutations:
        files[name] = mutate(files[name], *how)
    with tempfile.TemporaryDirectory() as tmp:
        confdir = Path(tmp)
        write_files(confdir, files)
        try:
            conf = config.load(confdir)
            make_service(conf, MemoryReactorClock())
        except ConfigError as exc:
            check(exc, confdir)
            return
        start_and_run(conf)


def test_base_configuration_is_valid() -> None:
    """The starting point loads and runs: mutations start from a clean configuration."""
    with tempfile.TemporaryDirectory() as tmp:
        confdir = Path(tmp)
        write_files(confdir, BASE)
        conf = config.load(confdir)
        assert conf.web.allowed_origins == ("https://ups.example.com", "http://[::1]:8080")
        assert conf.alerts.per_ups and conf.upsd.listen == (("::1", 3493),)
        assert conf.mqtt.enabled and conf.mqtt.commands_user == "admin"
        start_and_run(conf)
