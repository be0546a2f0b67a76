"""Differential test: the same requests to Debian's upsd 2.8.0 and to pynutd.

Both serve the same ups.conf, .dev files and upsd.users (tests/fixtures/nut,
plus the tower UPS of ups-extra.conf), upsd through NUT's own dummy-ups,
pynutd through its dummy-ups driver.  Each script is sent on a fresh
connection; the replies must be byte-identical, except where upsd names its
own version (VER, server.info, driver.* values) and the random TRACKING ids
(tests/integration/diffrun.py).  Scripts run in order: the state changing
ones (SET, FSD) come last, and ``WAIT`` waits until every driver has applied
the SETs before it.  The test_intended_difference_* tests pin down, against
the real upsd, each upsd defect README lists as an intended difference.
"""

from __future__ import annotations

import re
import socket
import time

import pytest

from tests.integration.diffrun import (
    SENTINEL_REPLY,
    driver_barrier,
    exchange,
    normalise,
    prepare_confdir,
    release,
    server_pair,
    serving,
)
from tests.integration.nutref import RealUpsd

PRIM = ["USERNAME prim", "PASSWORD primpw"]
MON = ["USERNAME monuser", "PASSWORD secret"]
ADMIN = ["USERNAME admin", "PASSWORD adminpw"]
CMD = ["USERNAME cmduser", "PASSWORD cmdpw"]

READ_ONLY_SCRIPTS: list[list[str] | bytes] = [
    # misc
    ["VER"], ["NETVER"], ["PROTVER"], ["HELP"], ["VER extra"], ["NETVER 1"], ["HELP me"],
    ["PROTVER x"], ["FOO"], ["foo bar"], [""], ["   "], ["# a comment"], ["STARTTLS"],
    ["STARTTLS now please"], ["ver"], ["help"],
    # tokenizer (CONFORMANCE.md §12)
    ["   GET    VAR   ups   ups.status   "], ["get var UPS UPS.STATUS"],
    b"GET VAR ups ups.status\r\n", b"GET VAR ups ups.status\r\r\n",
    ["GET VAR ups ups.status # c"], ['GET "VAR" "ups" "ups.status"'],
    ['GET VAR ups "ups.sta"tus'], ["GET VAR ups ups.sta\\tus"],
    b'GET VAR ups "ups#status"\n', b"GET VAR u\xe9ps ups.status\n",
    b"GET\tVAR\tups\tbattery.charge\n", b"GET VAR ups \\\nups.status\n",
    b'USERNAME "abc\nVER\n"\nGET TRACKING\n', ["GET VAR ups " + "x" * 600],
    [" ".join(["GET", "VAR", "ups", "ups.load"] + ["w"] * 40)],
    ["GET VAR ups ups.status=OL"], ['GET VAR "" ups.status'], b"GET VAR ups \x01ups.load\n",
    # GET
    ["GET"], ["GET VAR"], ["GET VAR ups"], ["GET VAR nosuch ups.status"],
    ["GET VAR ups nosuch.var"], ["GET VAR nosuch server.version"],
    ["GET VAR ups SERVER.VERSION"], ["GET VAR ups server.nosuch"], ["GET VAR ups server"],
    ["GET VAR ups ups.test.result"], ["GET VAR ups ups.firmware"],
    ["GET VAR second ups.status"], ["GET VAR SECOND Battery.Charge"],
    ["GET VAR ups battery.charge extra words"], ["GET VAR ups driver.name"],
    ["GET TYPE ups ups.status"], ["GET TYPE ups ups.delay.shutdown"],
    ["GET TYPE ups ups.beeper.status"], ["GET TYPE ups ups.firmware"],
    ["GET TYPE ups input.sensitivity"], ["GET TYPE ups device.mfr"],
    ["GET TYPE ups driver.name"], ["GET TYPE ups nosuch"], ["GET TYPE nosuch ups.status"],
    ["GET TYPE ups server.version"], ["GET TYPE UPS BATTERY.CHARGE"],
    ["GET DESC ups ups.status"], ["GET DESC ups nosuch.var"], ["GET DESC ups input.voltage"],
    ["GET DESC UPS UPS.LOAD"], ["GET DESC nosuch ups.load"], ["GET DESC ups server.info"],
    ["GET CMDDESC ups load.off"], ["GET CMDDESC ups nosuch.cmd"], ["GET CMDDESC ups LOAD.OFF"],
    ["GET UPSDESC ups"], ["GET UPSDESC second"], ["GET UPSDESC nosuch"], ["GET UPSDESC UPS"],
    ["GET UPSDESC"], ["GET NUMLOGINS ups"], ["GET NUMLOGINS"], ["GET NUMLOGINS nosuch"],
    ["GET TRACKING"], ["GET TRACKING abc"], ["GET FOO ups x"], ["GET FOO"], ["GET VAR ups ''"],
    # LIST
    ["LIST"], ["LIST UPS"], ["LIST UPS extra"], ["list ups"], ["LIST VAR ups"], ["LIST VAR UPS"],
    ["LIST VAR nosuch"], ["LIST VAR"], ["LIST RW ups"], ["LIST RW second"], ["LIST CMD ups"],
    ["LIST CMD UPS"], ["LIST ENUM ups ups.status"], ["LIST RANGE ups ups.status"],
    ["LIST ENUM ups nosuch"], ["LIST ENUM ups"], ["LIST RANGE nosuch x"], ["LIST CLIENT"],
    ["LIST CLIENTS ups"], ["LIST CLIENT ups"], ["LIST CLIENT SECOND"], ["LIST CLIENT nosuch"],
    ["LIST FOO ups"], ["LIST VAR second", "LIST CMD second"],
    # USERNAME / PASSWORD
    ["USERNAME"], ["USERNAME a b"], ["USERNAME x=y"], ["USERNAME monuser", "USERNAME monuser"],
    ["PASSWORD a", "PASSWORD b"], ['PASSWORD "pw with space"'], ["PASSWORD pw with space"],
    ['USERNAME ""', "PASSWORD x", "LOGIN ups"], ["PASSWORD secret", "USERNAME monuser", "LOGIN ups"],
    # LOGIN / PRIMARY / FSD gates and errors
    ["LOGIN"], ["LOGIN ups"], ["PRIMARY ups"], ["MASTER ups"], ["FSD ups"], ["SET TRACKING ON"],
    ["INSTCMD ups load.off"], ["SET VAR ups ups.load 1"], ["PASSWORD secret", "LOGIN ups"],
    ["USERNAME monuser", "LOGIN ups"], MON + ["LOGIN"], MON + ["LOGIN ups extra"],
    MON + ["LOGIN nosuch"], MON + ["LOGIN ups", "LOGIN ups", "LOGIN second"],
    MON + ["LOGIN UPS", "GET NUMLOGINS ups", "LIST CLIENT ups", "LIST CLIENT second"],
    MON + ["PRIMARY ups"], MON + ["FSD ups"], PRIM + ["PRIMARY ups", "MASTER ups"],
    PRIM + ["PRIMARY nosuch"], PRIM + ["PRIMARY"], PRIM + ["MASTER a b"],
    ["USERNAME monuser", "PASSWORD wrong", "LOGIN ups"], ["USERNAME MONUSER", "PASSWORD secret", "LOGIN ups"],
    ADMIN + ["LOGIN ups"], ["USERNAME nobody", "PASSWORD x", "LOGIN ups"],
    # SET / INSTCMD errors (no state change)
    MON + ["SET VAR ups ups.load 5"], ADMIN + ["SET VAR ups nosuch.var 1"],
    ADMIN + ["SET VAR nosuch ups.load 1"], ADMIN + ["SET VAR ups driver.name x"],
    ADMIN + ["SET VAR ups ups.firmware 12345678901234567"],
    ADMIN + ["SET VAR ups input.sensitivity HH"], ADMIN + ['SET VAR ups ups.mfr "' + "m" * 40 + '"'],
    ADMIN + ["SET VAR ups ups.load"], ADMIN + ["SET VAR"], ADMIN + ["SET FOO"], ADMIN + ["SET"],
    ADMIN + ["SET TRACKING maybe"],
    ADMIN + ["SET TRACKING on", "GET TRACKING", "SET TRACKING OFF", "GET TRACKING"],
    ADMIN + ["SET TRACKING ON", "GET TRACKING 59DF2263-3F15-4601-8786-9C36E1900437"],
    ADMIN + ["INSTCMD ups nosuch.cmd"], ADMIN + ["INSTCMD ups"], ADMIN + ["INSTCMD nosuch load.off"],
    MON + ["INSTCMD ups load.off"], MON + ["INSTCMD ups nosuch.cmd"], CMD + ["INSTCMD ups load.off"],
    CMD + ["INSTCMD ups LOAD.OFF 10"], CMD + ["INSTCMD ups load.off 10 20"],
    CMD + ["SET TRACKING ON", "INSTCMD ups load.off"],
    ["USERNAME setonly", "PASSWORD setpw", "INSTCMD ups load.off"],
    # pipelining and LOGOUT
    ["VER", "NETVER", "GET VAR ups ups.load", "LIST UPS", "GET VAR ups ups.status"],
    ["LOGOUT"], ["LOGOUT now"], ["logout"],
    # issue 12.1: the driver core copies ups.model over the file's device.model
    ["GET VAR tower device.model", "GET VAR tower device.serial", "LIST VAR tower"],
    # issue 12.4: upsd formats a reply line in 513 bytes: 511 characters and the
    # newline go out whole, a longer line is cut to 512 bytes without newline
    ["GET DESC ups " + "x" * 475, "VER"], ["GET DESC ups " + "x" * 476, "VER"],
    ["GET DESC ups " + "x" * 477, "VER"], ["GET DESC UPS " + "x" * 478, "NETVER"],
    ["GET UPSDESC tower", "GET UPSDESC TOWER", "LIST UPS"],
    # issue 12.5: LOGOUT inside a pipeline.  upsd handles the rest of the same
    # read, and any later line there resets the idle timer LOGOUT had zeroed,
    # so the connection stays (a reproduced upsd quirk) ...
    b"LOGOUT\nVER\n", b"VER\nLOGOUT\nGET VAR ups ups.load\n", b"LOGOUT\nLOGOUT\n",
    # ... but when LOGOUT's read holds no further complete line, it closes
    # before reading the rest
    b"LOGOUT\n" + b" " * 600 + b"\nVER\n",
]

STATEFUL_SCRIPTS: list[list[str] | bytes] = [
    ADMIN + ["SET VAR ups ups.beeper.status a=b"],
    ADMIN + ["SET VAR ups ups.load 42"],
    ADMIN + ['SET VAR ups battery.type ""'],
    # issue 12.2: a deleted variable stays deleted (read back after WAIT)
    ADMIN + ['SET VAR tower device.type ""'],
    # issue 12.3: a SET that only changes letter case changes nothing
    ADMIN + ["SET VAR tower battery.type pbac", "SET VAR tower input.sensitivity h"],
    ["WAIT"],
    ["GET VAR ups ups.beeper.status", "GET VAR ups ups.load", "GET VAR ups battery.type",
     "LIST RW ups"],
    ["GET VAR tower device.type", "GET TYPE tower device.type", "GET VAR tower battery.type",
     "GET VAR tower input.sensitivity", "LIST VAR tower"],
    ADMIN + ["SET VAR tower device.type ups", "SET VAR tower battery.type PbAc"],
    PRIM + ["FSD second", "FSD second"],
    ["GET VAR second ups.status", "LIST VAR second", "LIST RW second", "GET VAR ups ups.status"],
    ADMIN + ["FSD ups", "GET VAR ups ups.status"],
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with server_pair(tmp_path_factory.mktemp("ref"), tmp_path_factory.mktemp("ours")) as pair:
        yield pair


def wait_for_drivers(*ports: int) -> None:
    """Return once every dummy-ups has applied the SETs sent to it so far."""
    for port in ports:
        for ups in ("ups", "second", "tower"):
            driver_barrier(port, ups)


SCRIPTS = READ_ONLY_SCRIPTS + STATEFUL_SCRIPTS


def _id(script: list[str] | bytes) -> str:
    text = script.decode("latin-1") if isinstance(script, bytes) else " | ".join(script)
    return text.replace("\n", "\\n")[:60]


def payload(script: list[str] | bytes) -> bytes:
    """A script's bytes: lines joined with newlines, or raw bytes as they are."""
    return script if isinstance(script, bytes) else "".join(l + "\n" for l in script).encode()


@pytest.mark.parametrize("script", SCRIPTS, ids=[_id(s) for s in SCRIPTS])
def test_same_reply_as_upsd(servers, script):
    """pynutd answers every request line byte for byte as upsd 2.8.0 does."""
    ref, ours = servers
    if script == ["WAIT"]:
        wait_for_drivers(ref.port, ours.port)
        return
    theirs = exchange(ref.port, payload(script))
    mine = exchange(ours.port, payload(script))
    assert theirs, "the reference upsd said nothing"
    assert normalise(mine) == normalise(theirs)


def test_enough_scripts():
    """The differential covers at least 100 varied request lines."""
    lines = sum(len(s) if isinstance(s, list) else s.count(b"\n") for s in SCRIPTS)
    assert len(SCRIPTS) >= 100 and lines >= 200


# -- README's intended differences: upsd 2.8.0 defects, checked on the real one --

def test_intended_difference_set_value_characters(servers):
    """SET values are stored as sent; upsd 2.8.0 with dummy-ups mangles three kinds.

    dummy-ups sends a new value back to upsd quoted but unescaped
    (``drivers/dstate.c:dstate_setinfo``): upsd drops a backslash (it escapes
    the next character), loses a SET whose value holds ``#`` (a parse error
    on the driver's socket), and reads a value with a quote only up to it.
    """
    ref, ours = servers
    script = ADMIN + ['SET VAR second ups.mfr "a\\\\b"', 'SET VAR second ups.model "c\\#d"',
                      'SET VAR ups ups.id "Said \\"hi\\" \\#2"']
    assert exchange(ref.port, payload(script)) == exchange(ours.port, payload(script))
    # upsd may lose the driver's answer to a barrier in the read with the #
    time.sleep(2.5)
    wait_for_drivers(ours.port)
    query = payload(["GET VAR second ups.mfr", "GET VAR second ups.model", "GET VAR ups ups.id"])
    assert exchange(ours.port, query).startswith(
        b'VAR second ups.mfr "a\\\\b"\nVAR second ups.model "c\\#d"\n'
        b'VAR ups ups.id "Said \\"hi\\" \\#2"\n')
    assert exchange(ref.port, query).startswith(
        b'VAR second ups.mfr "ab"\nVAR second ups.model "Dummy UPS"\nVAR ups ups.id "Said "\n')


def test_intended_difference_long_driver_command(servers):
    """A SET longer than upsd's 512-byte driver command does not swallow the next one.

    upsd formats ``SET <var> "<value>"`` for the driver in 512 bytes
    (``server/netset.c:set_var``); a longer one loses its end and newline, so
    the driver reads the next command as part of it.  A NUMBER variable takes
    a value of any length.
    """
    ref, ours = servers
    script = ADMIN + ["SET VAR ups ups.temperature " + "9" * 500, "SET VAR ups ups.delay.start 31"]
    assert exchange(ref.port, payload(script)) == exchange(ours.port, payload(script))
    wait_for_drivers(ref.port, ours.port)
    query = payload(["GET VAR ups ups.temperature", "GET VAR ups ups.delay.start"])
    # the driver keeps 255 characters of a value (ST_MAX_VALUE_LEN)
    assert exchange(ours.port, query).startswith(
        b'VAR ups ups.temperature "' + b"9" * 255 + b'"\nVAR ups ups.delay.start "31"\n')
    assert exchange(ref.port, query).startswith(
        b'VAR ups ups.temperature "' + b"9" * 255 + b'"\nVAR ups ups.delay.start "30"\n')


def _tracked_instcmds(port: int, params: list[bytes]) -> list[bytes]:
    """Send tracked INSTCMDs on one connection; return each GET TRACKING answer.

    The driver answers in order, so once the last one is no longer PENDING
    the earlier ones have had their answer.
    """
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(payload(ADMIN + ["SET TRACKING ON"]) + b"".join(
            b"INSTCMD ups load.off " + p + b"\n" for p in params))
        reply = b""
        while reply.count(b"\n") < 3 + len(params):
            reply += s.recv(4096)
        ids = re.findall(rb"OK TRACKING (\S+)\n", reply)
        assert len(ids) == len(params), reply
        deadline = time.monotonic() + 5
        while True:
            answers = []
            for ident in ids:
                s.sendall(b"GET TRACKING " + ident + b"\n")
                answer = b""
                while not answer.endswith(b"\n"):
                    answer += s.recv(4096)
                answers.append(answer)
            if not answers[-1].startswith(b"PENDING") or time.monotonic() > deadline:
                return answers
            time.sleep(0.05)
    finally:
        release(s)


def test_intended_difference_instcmd_parameter_with_space(servers):
    """An INSTCMD parameter with a space or ``=`` reaches the driver as one word.

    upsd 2.8.0 forwards the parameter escaped but unquoted
    (``server/netinstcmd.c:send_instcmd``): ``"a b"`` and ``"x=y"`` arrive as
    several words, dummy-ups drops the command as malformed without an
    answer, and its tracking id stays PENDING for ever.  dummy-ups handles no command, so
    pynutd answers ERR UNKNOWN for both, as upsd does for ``ab``.
    """
    ref, ours = servers
    params = [b'"a b"', b'"x=y"', b"ab"]
    assert _tracked_instcmds(ref.port, params) == [b"PENDING\n"] * 2 + [b"ERR UNKNOWN\n"]
    assert _tracked_instcmds(ours.port, params) == [b"ERR UNKNOWN\n"] * 3


def test_intended_difference_tracking_ids_repeat_on_upsd(tmp_path):
    """upsd 2.8.0 hands out the same tracking ids after every start; pynutd's are random.

    ``server/upsd.c:nut_uuid_v4`` draws from ``rand()``, never seeded.
    """
    first = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        prepare_confdir(tmp_path / name)
    script = payload(ADMIN + ["SET TRACKING ON", "INSTCMD ups load.off", "INSTCMD ups load.off"])
    with RealUpsd(tmp_path / "a") as one, RealUpsd(tmp_path / "b") as two:
        for ref in (one, two):
            deadline = time.monotonic() + 10
            while not serving(ref.port, "ups"):
                assert time.monotonic() < deadline, "upsd did not reach its driver"
                time.sleep(0.1)
            first.append(re.findall(rb"OK TRACKING (\S+)\n", exchange(ref.port, script)))
    assert len(first[0]) == 2 and first[0] == first[1]


def test_sentinel_reply_is_what_the_runner_waits_for(servers):
    """The sentinel that ends every exchange is answered alike on both servers."""
    ref, ours = servers
    assert exchange(ref.port, b"") == exchange(ours.port, b"") == SENTINEL_REPLY
