"""Chat tables per command family: every success path and every ERR code it can give.

Each table is a list of (request line, expected reply lines) run in order on
one fresh session; the expectations are upsd 2.8.0's (CONFORMANCE.md §2, §12).
"""

from __future__ import annotations

import re

import pytest
from twisted.internet import task

from pynutd.nut.commands import COMMANDS
from pynutd.nut.session import NutSession
from pynutd.ups import UpsState
from tests.nutfixtures import chat, make_context

MISC = [
    ("VER", ["Network UPS Tools upsd 2.8.0 - pynutd 0.1.0"]),
    ("NETVER", ["1.3"]), ("PROTVER", ["1.3"]),
    ("HELP", ["Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"]),
    ("VER extra", ["ERR INVALID-ARGUMENT"]), ("NETVER x", ["ERR INVALID-ARGUMENT"]),
    ("HELP x", ["ERR INVALID-ARGUMENT"]), ("FOO", ["ERR UNKNOWN-COMMAND"]),
    ("", ["ERR UNKNOWN-COMMAND"]), ("# comment", ["ERR UNKNOWN-COMMAND"]),
    ("STARTTLS", ["ERR FEATURE-NOT-CONFIGURED"]), ("starttls x y", ["ERR FEATURE-NOT-CONFIGURED"]),
]

GET = [
    ("GET", ["ERR INVALID-ARGUMENT"]), ("GET VAR", ["ERR INVALID-ARGUMENT"]),
    ("GET VAR ups", ["ERR INVALID-ARGUMENT"]), ("GET FOO ups x", ["ERR INVALID-ARGUMENT"]),
    ("GET VAR ups ups.status", ['VAR ups ups.status "OL CHRG"']),
    ("get var UPS UPS.STATUS", ['VAR UPS UPS.STATUS "OL CHRG"']),
    ("GET VAR ups ups.test.result", ['VAR ups ups.test.result "Done \\"ok\\" \\#1"']),
    ("GET VAR nosuch ups.status", ["ERR UNKNOWN-UPS"]),
    ("GET VAR ups nosuch", ["ERR VAR-NOT-SUPPORTED"]),
    ("GET VAR nosuch server.version", ['VAR nosuch server.version "2.8.0"']),
    ("GET VAR ups SERVER.INFO", ['VAR ups server.info "Network UPS Tools upsd 2.8.0 - pynutd 0.1.0"']),
    ("GET VAR ups server.x", ["ERR VAR-NOT-SUPPORTED"]),
    ("GET TYPE ups ups.status", ["TYPE ups ups.status NUMBER"]),
    ("GET TYPE ups ups.delay.shutdown", ["TYPE ups ups.delay.shutdown RW NUMBER"]),
    ("GET TYPE ups ups.beeper.status", ["TYPE ups ups.beeper.status RW ENUM STRING:8"]),
    ("GET TYPE ups battery.charge.low", ["TYPE ups battery.charge.low RW RANGE NUMBER"]),
    ("GET TYPE ups ups.mfr", ["TYPE ups ups.mfr STRING:32"]),
    ("GET TYPE ups nosuch", ["ERR VAR-NOT-SUPPORTED"]),
    ("GET DESC ups ups.status", ['DESC ups ups.status "UPS status"']),
    ("GET DESC ups nosuch", ['DESC ups nosuch "Description unavailable"']),
    ("GET CMDDESC ups LOAD.OFF", ['CMDDESC ups LOAD.OFF "Turn off the load immediately"']),
    ("GET CMDDESC ups x", ['CMDDESC ups x "Description unavailable"']),
    ("GET UPSDESC ups", ['UPSDESC ups "Test \\"quoted\\" \\#desc"']),
    ("GET UPSDESC second", ['UPSDESC second "Unavailable"']),
    ("GET UPSDESC nosuch", ["ERR UNKNOWN-UPS"]),
    ("GET NUMLOGINS ups", ["NUMLOGINS ups 0"]), ("GET NUMLOGINS x", ["ERR UNKNOWN-UPS"]),
    ("GET TRACKING", ["OFF"]), ("GET TRACKING abc", ["ERR FEATURE-NOT-CONFIGURED"]),
]

LIST = [
    ("LIST", ["ERR INVALID-ARGUMENT"]), ("LIST VAR", ["ERR INVALID-ARGUMENT"]),
    ("LIST CLIENT", ["ERR INVALID-ARGUMENT"]), ("LIST CLIENTS ups", ["ERR INVALID-ARGUMENT"]),
    ("LIST ENUM ups", ["ERR INVALID-ARGUMENT"]), ("LIST FOO ups x", ["ERR INVALID-ARGUMENT"]),
    ("LIST UPS", ["BEGIN LIST UPS", 'UPS ups "Test \\"quoted\\" \\#desc"',
                  'UPS second "Description unavailable"', "END LIST UPS"]),
    ("LIST VAR second", ["BEGIN LIST VAR second", 'VAR second ups.status "OB DISCHRG"',
                         "END LIST VAR second"]),
    ("LIST VAR nosuch", ["ERR UNKNOWN-UPS"]),
    ("LIST RW UPS", ["BEGIN LIST RW UPS", 'RW UPS battery.charge.low "10"',
                     'RW UPS input.sensitivity "M"', 'RW UPS ups.beeper.status "enabled"',
                     'RW UPS ups.delay.shutdown "20"', "END LIST RW UPS"]),
    ("LIST CMD ups", ["BEGIN LIST CMD ups", "CMD ups beeper.enable", "CMD ups load.off",
                      "CMD ups test.battery.start.quick", "END LIST CMD ups"]),
    ("LIST ENUM ups ups.beeper.status", ["BEGIN LIST ENUM ups ups.beeper.status",
                                         'ENUM ups ups.beeper.status "enabled"',
                                         'ENUM ups ups.beeper.status "disabled"',
                                         'ENUM ups ups.beeper.status "muted"',
                                         "END LIST ENUM ups ups.beeper.status"]),
    ("LIST ENUM ups ups.status", ["BEGIN LIST ENUM ups ups.status", "END LIST ENUM ups ups.status"]),
    ("LIST RANGE ups battery.charge.low", ["BEGIN LIST RANGE ups battery.charge.low",
                                           'RANGE ups battery.charge.low "5" "50"',
                                           'RANGE ups battery.charge.low "60" "70"',
                                           "END LIST RANGE ups battery.charge.low"]),
    ("LIST RANGE ups nosuch", ["ERR VAR-NOT-SUPPORTED"]),
    ("LIST CLIENT second", ["BEGIN LIST CLIENT second", "END LIST CLIENT second"]),
    ("LIST CLIENT nosuch", ["ERR UNKNOWN-UPS"]),
]

USER = [
    ("LOGIN ups", ["ERR USERNAME-REQUIRED"]), ("FSD ups", ["ERR USERNAME-REQUIRED"]),
    ("SET TRACKING ON", ["ERR USERNAME-REQUIRED"]), ("INSTCMD ups load.off", ["ERR USERNAME-REQUIRED"]),
    ("USERNAME", ["ERR INVALID-ARGUMENT"]), ("USERNAME a b", ["ERR INVALID-ARGUMENT"]),
    ("USERNAME x=y", ["ERR INVALID-ARGUMENT"]),
    ("USERNAME monuser", ["OK"]), ("USERNAME monuser", ["ERR ALREADY-SET-USERNAME"]),
    ("LOGIN", ["ERR PASSWORD-REQUIRED"]), ("PRIMARY ups", ["ERR PASSWORD-REQUIRED"]),
    ("PASSWORD pw with space", ["ERR INVALID-ARGUMENT"]),
    ("PASSWORD secret", ["OK"]), ("PASSWORD again", ["ERR ALREADY-SET-PASSWORD"]),
    ("LOGIN", ["ERR INVALID-ARGUMENT"]), ("LOGIN nosuch", ["ERR UNKNOWN-UPS"]),
    ("PRIMARY ups", ["ERR ACCESS-DENIED"]), ("FSD ups", ["ERR ACCESS-DENIED"]),
    ("LOGIN UPS", ["OK"]), ("LOGIN ups", ["ERR ALREADY-LOGGED-IN"]),
    ("LOGIN second", ["ERR ALREADY-LOGGED-IN"]), ("GET NUMLOGINS ups", ["NUMLOGINS ups 1"]),
    ("LIST CLIENT UPS", ["BEGIN LIST CLIENT UPS", "CLIENT ups 127.0.0.1", "END LIST CLIENT UPS"]),
    ("LOGOUT x", ["ERR INVALID-ARGUMENT"]), ("LOGOUT", ["OK Goodbye"]),
]

PRIMARY = [
    ("PASSWORD primpw", ["OK"]), ("USERNAME prim", ["OK"]),
    ("PRIMARY", ["ERR INVALID-ARGUMENT"]), ("PRIMARY nosuch", ["ERR UNKNOWN-UPS"]),
    ("PRIMARY ups", ["OK PRIMARY-GRANTED"]), ("MASTER ups", ["OK MASTER-GRANTED"]),
    ("FSD", ["ERR INVALID-ARGUMENT"]), ("FSD nosuch", ["ERR UNKNOWN-UPS"]),
    ("FSD second", ["OK FSD-SET"]), ("FSD second", ["OK FSD-SET"]),
    ("GET VAR second ups.status", ['VAR second ups.status "FSD OB DISCHRG"']),
    ("LIST VAR second", ["BEGIN LIST VAR second", 'VAR second ups.status "FSD OB DISCHRG"',
                         "END LIST VAR second"]),
    ("GET VAR ups ups.status", ['VAR ups ups.status "OL CHRG"']),
]

SET = [
    ("USERNAME admin", ["OK"]), ("PASSWORD adminpw", ["OK"]),
    ("SET", ["ERR INVALID-ARGUMENT"]), ("SET FOO", ["ERR INVALID-ARGUMENT"]),
    ("SET VAR ups ups.delay.shutdown", ["ERR INVALID-ARGUMENT"]),
    ("SET VAR nosuch x 1", ["ERR UNKNOWN-UPS"]), ("SET VAR ups nosuch 1", ["ERR VAR-NOT-SUPPORTED"]),
    ("SET VAR ups ups.status OB", ["ERR READONLY"]),
    ("SET VAR ups input.sensitivity HH", ["ERR TOO-LONG"]),
    ("SET VAR ups ups.beeper.status loud", ["ERR INVALID-VALUE"]),
    ("SET VAR ups ups.beeper.status Enabled", ["ERR INVALID-VALUE"]),
    ("SET VAR ups battery.charge.low 55", ["ERR INVALID-VALUE"]),
    ("SET VAR ups battery.charge.low 65xyz", ["OK"]),
    ("SET VAR ups ups.delay.shutdown 3 5", ["OK"]),
    ("SET VAR ups ups.beeper.status muted", ["OK"]),
    ("SET TRACKING maybe", ["ERR INVALID-ARGUMENT"]), ("SET TRACKING on", ["OK"]),
    ("GET TRACKING", ["ON"]), ("GET TRACKING nosuch", ["ERR UNKNOWN"]),
]

INSTCMD = [
    ("USERNAME cmduser", ["OK"]), ("PASSWORD cmdpw", ["OK"]),
    ("INSTCMD ups", ["ERR INVALID-ARGUMENT"]), ("INSTCMD nosuch load.off", ["ERR UNKNOWN-UPS"]),
    ("INSTCMD ups nosuch.cmd", ["ERR CMD-NOT-SUPPORTED"]),
    ("INSTCMD ups beeper.enable", ["ERR ACCESS-DENIED"]),
    ("INSTCMD ups LOAD.OFF", ["OK"]), ("INSTCMD ups load.off 10", ["OK"]),
    ("INSTCMD ups load.off 10 20", ["OK"]),
    ("SET VAR ups ups.delay.shutdown 1", ["ERR ACCESS-DENIED"]),
]


@pytest.mark.parametrize("table", [MISC, GET, LIST, USER, PRIMARY, SET, INSTCMD],
                         ids=["misc", "get", "list", "user", "primary", "set", "instcmd"])
def test_chat(table):
    """Every request of the family gets upsd's reply, in order."""
    context, _, _ = make_context()
    session = NutSession(context, "127.0.0.1", COMMANDS)
    context.sessions.append(session)
    assert chat(session, table) == []


def test_closing_means_the_last_line_was_logout():
    """LOGOUT sets closing; any later line clears it, a bad or empty one too (upsd's
    last_heard: LOGOUT zeroes it, every complete line sets it again, issue 12.5)."""
    context, _, _ = make_context()
    session = NutSession(context, "127.0.0.1", COMMANDS)
    steps = [("LOGOUT", True), ("VER", False), ("LOGOUT", True), ("", False),
             ("LOGOUT", True), ("LOGOUT x", False), ("logout", True), ("LOGOUT", True)]
    for line, closing in steps:
        session.handle(line.split())
        assert session.closing is closing, line


def test_set_and_instcmd_reach_the_controller():
    """Accepted writes are forwarded with canonical names and the parameter rule."""
    context, _, controller = make_context()
    session = NutSession(context, "127.0.0.1", COMMANDS)
    chat(session, SET)
    session2 = NutSession(context, "127.0.0.1", COMMANDS)
    chat(session2, INSTCMD)
    assert controller.calls == [
        ("set", "battery.charge.low", "65xyz"), ("set", "ups.delay.shutdown", "3"),
        ("set", "ups.beeper.status", "muted"),
        ("instcmd", "load.off", None), ("instcmd", "load.off", "10"), ("instcmd", "load.off", None)]


def test_unknown_user_and_no_password_user_are_denied():
    """USERNAME/PASSWORD never fail; LOGIN judges them (a user without password never matches)."""
    context, _, _ = make_context()
    for user, pw in [("nobody", "x"), ("monuser", "wrong"), ("MONUSER", "secret"), ("nopw", "")]:
        session = NutSession(context, "127.0.0.1", COMMANDS)
        assert chat(session, [(f"USERNAME {user}", ["OK"]), (f'PASSWORD "{pw}"', ["OK"]),
                              ("LOGIN ups", ["ERR ACCESS-DENIED"])]) == []


@pytest.mark.parametrize("result,final", [("ok", "SUCCESS"), ("rejected", "ERR INVALID-ARGUMENT"),
                                          ("failed", "ERR FAILED")])
def test_tracking(result, final):
    """With TRACKING ON a write answers OK TRACKING <uuid>; GET TRACKING follows it."""
    context, _, controller = make_context()
    controller.result = "pending"
    session = NutSession(context, "127.0.0.1", COMMANDS)
    chat(session, [("USERNAME admin", ["OK"]), ("PASSWORD adminpw", ["OK"]), ("SET TRACKING ON", ["OK"])])
    (reply,) = session.handle(["INSTCMD", "ups", "load.off"])
    assert re.fullmatch(
        r"OK TRACKING [0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}", reply)
    assert len(reply) == 48
    ident = reply.split()[2]
    assert session.handle(["GET", "TRACKING", ident.lower()]) == ["PENDING"]
    if result == "ok":
        controller.pending.callback(None)
    elif result == "rejected":
        from pynutd.control import CommandRejected
        controller.pending.errback(CommandRejected("bad"))
    else:
        controller.pending.errback(OSError("gone"))
    assert session.handle(["GET", "TRACKING", ident]) == [final]
    other = NutSession(context, "::1", COMMANDS)
    assert other.handle(["GET", "TRACKING", ident]) == ["ERR FEATURE-NOT-CONFIGURED"]
    context.clock.advance(3601)
    assert session.handle(["GET", "TRACKING", ident]) == ["ERR UNKNOWN"]


def test_writes_without_a_driver_fail():
    """SET-FAILED and INSTCMD-FAILED when nothing can carry the request to a device."""
    context, ups, _ = make_context()
    ups.controller = None
    session = NutSession(context, "127.0.0.1", COMMANDS)
    assert chat(session, [("USERNAME admin", ["OK"]), ("PASSWORD adminpw", ["OK"]),
                          ("SET VAR ups ups.delay.shutdown 5", ["ERR SET-FAILED"]),
                          ("INSTCMD ups load.off", ["ERR INSTCMD-FAILED"])]) == []


def test_staleness_gate():
    """DATA-STALE after MAXAGE, DRIVER-NOT-CONNECTED first; the exemptions still answer."""
    clock = task.Clock()
    context, ups, _ = make_context(clock)
    session = NutSession(context, "127.0.0.1", COMMANDS)
    chat(session, [("USERNAME prim", ["OK"]), ("PASSWORD primpw", ["OK"])])
    clock.advance(15)
    assert session.handle(["GET", "VAR", "ups", "ups.status"]) == ['VAR ups ups.status "OL CHRG"']
    clock.advance(1)
    gated = [("GET VAR ups ups.status", ["ERR DATA-STALE"]), ("LIST VAR ups", ["ERR DATA-STALE"]),
             ("GET NUMLOGINS ups", ["ERR DATA-STALE"]), ("GET TYPE ups ups.status", ["ERR DATA-STALE"]),
             ("GET DESC ups ups.status", ["ERR DATA-STALE"]), ("LIST CMD ups", ["ERR DATA-STALE"]),
             ("LIST RW ups", ["ERR DATA-STALE"]), ("LIST ENUM ups x", ["ERR DATA-STALE"]),
             ("INSTCMD ups nosuch", ["ERR DATA-STALE"])]
    exempt = [("GET UPSDESC ups", ['UPSDESC ups "Test \\"quoted\\" \\#desc"']),
              ("GET VAR ups server.version", ['VAR ups server.version "2.8.0"']),
              ("LIST CLIENT ups", ["BEGIN LIST CLIENT ups", "END LIST CLIENT ups"]),
              ("PRIMARY ups", ["OK PRIMARY-GRANTED"]), ("LOGIN ups", ["OK"]), ("FSD ups", ["OK FSD-SET"])]
    assert chat(session, gated + exempt) == []
    ups.update({"battery.charge": "99"}, clock.seconds())
    assert session.handle(["GET", "VAR", "ups", "ups.status"]) == ['VAR ups ups.status "FSD OL CHRG"']
    ups.set_connected(False, clock.seconds())
    assert session.handle(["GET", "VAR", "ups", "ups.status"]) == ["ERR DRIVER-NOT-CONNECTED"]
    ups.mark_stale(clock.seconds())
    assert session.handle(["GET", "VAR", "ups", "ups.status"]) == ["ERR DRIVER-NOT-CONNECTED"]


@pytest.mark.parametrize("value", ["5\nVAR ups ups.status OB LB", "a\rb", "nul\x00", "del\x7f",
                                   "esc\x1b[31m", "tab\there", "c1\x85", "sep\u2028"])
def test_control_characters_are_refused(value):
    """A SET VAR value or INSTCMD parameter holding a control character is refused
    before anything reaches the device (the parser lets DEL through; the rest only
    the session's own callers could hand over)."""
    context, _, controller = make_context()
    admin = NutSession(context, "127.0.0.1", COMMANDS)
    chat(admin, [("USERNAME admin", ["OK"]), ("PASSWORD adminpw", ["OK"])])
    assert admin.handle(["SET", "VAR", "ups", "ups.delay.shutdown", value]) == ["ERR INVALID-VALUE"]
    # READONLY still comes first, as upsd checks it first.
    assert admin.handle(["SET", "VAR", "ups", "ups.status", value]) == ["ERR READONLY"]
    cmd = NutSession(context, "127.0.0.1", COMMANDS)
    chat(cmd, [("USERNAME cmduser", ["OK"]), ("PASSWORD cmdpw", ["OK"])])
    assert cmd.handle(["INSTCMD", "ups", "load.off", value]) == ["ERR INVALID-ARGUMENT"]
    assert controller.calls == []


def test_client_values_are_escaped_in_the_log(caplog):
    """Values, parameters and a device's refusal show escaped, each on one log line."""
    context, _, controller = make_context()
    session = NutSession(context, "127.0.0.1", COMMANDS)
    chat(session, [("USERNAME admin", ["OK"]), ("PASSWORD adminpw", ["OK"])])
    caplog.set_level("INFO", "pynutd")
    assert session.handle(["SET", "VAR", "ups", "ups.delay.shutdown", "a\\b"]) == ["OK"]
    assert session.handle(["INSTCMD", "ups", "load.off", "10\\n"]) == ["OK"]
    controller.result = "pending"
    assert session.handle(["INSTCMD", "ups", "load.off"]) == ["OK"]
    controller.pending.errback(OSError("device said\nVAR ups ups.status OB"))
    # The request lines come from the write contract (pynutd.control), whose
    # rules refuse a control character before anything is logged.
    messages = [r.getMessage() for r in caplog.records
                if r.name.startswith("pynutd.nut.") or r.name == "pynutd.control"]
    assert any(m.endswith("admin@127.0.0.1 set ups.delay.shutdown on ups to a\\\\b")
               for m in messages), messages
    assert any("did load.off 10\\\\n on ups" in m for m in messages), messages
    assert any(m.endswith("SET ups.delay.shutdown=a\\\\b: done") for m in messages), messages
    assert any(m.endswith("failed: device said\\nVAR ups ups.status OB") for m in messages), messages
    assert not any("\n" in m for m in messages)


def test_list_var_cache_follows_fsd_and_new_values():
    """A repeated LIST VAR is served from the server's cache, yet FSD and new
    values show at once; each server has its own cache, and it stays bounded."""
    context, ups, _ = make_context()
    session = NutSession(context, "127.0.0.1", COMMANDS)
    first = session.handle(["LIST", "VAR", "ups"])
    assert session.handle(["LIST", "VAR", "ups"]) is first
    assert 'VAR ups ups.status "OL CHRG"' in first
    ups.set_fsd(context.now())
    assert 'VAR ups ups.status "FSD OL CHRG"' in session.handle(["LIST", "VAR", "ups"])
    ups.update({"battery.charge": "99"}, context.now())
    assert 'VAR ups battery.charge "99"' in session.handle(["LIST", "VAR", "ups"])
    assert list(context.list_var_cache) == ["ups"]
    other, _, _ = make_context()
    assert other.list_var_cache == {}
    # Clients choose the spelling of the name: 600 of them keep 256 at most.
    big = UpsState("bigupsname1")
    big.set_connected(True, context.now())
    big.update({"ups.status": "OL"}, context.now())
    context.registry.add(big)
    for mask in range(600):
        name = "".join(c.upper() if mask >> i & 1 else c for i, c in enumerate(big.name))
        assert session.handle(["LIST", "VAR", name])[1] == f'VAR {name} ups.status "OL"'
    assert 0 < len(context.list_var_cache) <= 256
