"""The NUT commands: a table from verb to handler, and one handler per family.

Each handler takes the session and the words after the verb, returns the
reply lines, and raises :class:`NutError` for an ``ERR`` reply.  Checks run
in the order upsd 2.8's ``server/net*.c`` runs them (CONFORMANCE.md §2),
because clients and the differential test see the first error only.
Names the client sent are echoed as sent; lookups ignore case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from twisted.python.failure import Failure

from pynutd import __version__
from pynutd.drivers.base import CommandRejected, CommandUnknown
from pynutd.nut import auth
from pynutd.nut.errors import ErrCode, NutError
from pynutd.nut.session import NutSession
from pynutd.nut.wire import for_log, quoted, type_words
from pynutd.ups import (
    Availability,
    Snapshot,
    UpsState,
    check_value,
    control_character,
    record_outcome,
)

log = logging.getLogger(__name__)

# The upsd release whose behaviour pynutd reproduces; clients read it from
# VER (WinNUT takes the fifth word) and server.version.
UPSD_VERSION = "2.8.0"
SERVER_INFO = f"Network UPS Tools upsd {UPSD_VERSION} - pynutd {__version__}"
HELP_TEXT = "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"
PROTOCOL_VERSION = "1.3"

Handler = Callable[[NutSession, list[str]], list[str]]


@dataclass(frozen=True, slots=True)
class Command:
    """A verb's handler and whether it needs USERNAME and PASSWORD first."""

    handler: Handler
    needs_user: bool = False


def _no_args(args: list[str]) -> None:
    if args:
        raise NutError(ErrCode.INVALID_ARGUMENT)


def _one_arg(args: list[str]) -> str:
    if len(args) != 1:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    return args[0]


def _ups(session: NutSession, name: str) -> UpsState:
    state = session.context.registry.get(name)
    if state is None:
        raise NutError(ErrCode.UNKNOWN_UPS)
    return state


def _available(session: NutSession, name: str) -> Snapshot:
    """Look up a UPS and apply upsd's ups_available gate."""
    snap = _ups(session, name).snapshot()
    status = snap.availability(session.context.now(), session.context.maxage)
    if status is Availability.DRIVER_NOT_CONNECTED:
        raise NutError(ErrCode.DRIVER_NOT_CONNECTED)
    if status is Availability.DATA_STALE:
        raise NutError(ErrCode.DATA_STALE)
    return snap


def _served_value(snap: Snapshot, name: str, value: str) -> str:
    # The FSD latch shows as a prefix on ups.status in GET VAR and LIST VAR.
    if snap.fsd and name.lower() == "ups.status":
        return f"FSD {value}"
    return value


# -- misc -------------------------------------------------------------------

# VER
def do_ver(session: NutSession, args: list[str]) -> list[str]:
    _no_args(args)
    return [SERVER_INFO]


# NETVER / PROTVER
def do_netver(session: NutSession, args: list[str]) -> list[str]:
    _no_args(args)
    return [PROTOCOL_VERSION]


# HELP
def do_help(session: NutSession, args: list[str]) -> list[str]:
    _no_args(args)
    return [HELP_TEXT]


# STARTTLS (arguments ignored; no certificate is configured)
def do_starttls(session: NutSession, args: list[str]) -> list[str]:
    raise NutError(ErrCode.FEATURE_NOT_CONFIGURED)


# -- user -------------------------------------------------------------------

# USERNAME <name>
def do_username(session: NutSession, args: list[str]) -> list[str]:
    name = _one_arg(args)
    if session.username is not None:
        raise NutError(ErrCode.ALREADY_SET_USERNAME)
    session.username = name
    return ["OK"]


# PASSWORD <password>
def do_password(session: NutSession, args: list[str]) -> list[str]:
    password = _one_arg(args)
    if session.password is not None:
        raise NutError(ErrCode.ALREADY_SET_PASSWORD)
    session.password = password
    return ["OK"]


# LOGIN <ups>
def do_login(session: NutSession, args: list[str]) -> list[str]:
    name = _one_arg(args)
    if session.login_ups is not None:
        raise NutError(ErrCode.ALREADY_LOGGED_IN)
    state = _ups(session, name)
    if not auth.may(session.user(), "login"):
        raise NutError(ErrCode.ACCESS_DENIED)
    session.login_ups = state.name
    log.info("User %s@%s logged into UPS [%s]", for_log(session.username), session.address,
             state.name)
    return ["OK"]


# LOGOUT
def do_logout(session: NutSession, args: list[str]) -> list[str]:
    _no_args(args)
    session.closing = True
    return ["OK Goodbye"]


def _primary(granted: str) -> Handler:
    # PRIMARY <ups> / MASTER <ups>: a permission check, nothing is stored.
    def handler(session: NutSession, args: list[str]) -> list[str]:
        name = _one_arg(args)
        _ups(session, name)
        user = session.user()
        if not (auth.may(user, "primary") or auth.may(user, "master")):
            raise NutError(ErrCode.ACCESS_DENIED)
        return [f"OK {granted}-GRANTED"]
    return handler


# FSD <ups>
def do_fsd(session: NutSession, args: list[str]) -> list[str]:
    name = _one_arg(args)
    state = _ups(session, name)
    if not auth.may(session.user(), "fsd"):
        raise NutError(ErrCode.ACCESS_DENIED)
    log.warning("Client %s@%s set FSD on UPS [%s]", for_log(session.username), session.address,
                state.name)
    state.set_fsd(session.context.now(), session.username)
    return ["OK FSD-SET"]


# -- GET --------------------------------------------------------------------

# GET NUMLOGINS <ups>
def get_numlogins(session: NutSession, ups: str, _: str) -> list[str]:
    snap = _available(session, ups)
    return [f"NUMLOGINS {ups} {session.context.numlogins(snap.name)}"]


# GET UPSDESC <ups>
def get_upsdesc(session: NutSession, ups: str, _: str) -> list[str]:
    state = _ups(session, ups)
    desc = quoted(state.desc) if state.desc is not None else '"Unavailable"'
    return [f"UPSDESC {ups} {desc}"]


# GET VAR <ups> <var>
def get_var(session: NutSession, ups: str, var: str) -> list[str]:
    if var.lower().startswith("server."):
        # Answered before any UPS lookup: any UPS name works.
        if var.lower() == "server.info":
            return [f"VAR {ups} server.info {quoted(SERVER_INFO)}"]
        if var.lower() == "server.version":
            return [f"VAR {ups} server.version {quoted(UPSD_VERSION)}"]
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    snap = _available(session, ups)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    return [f"VAR {ups} {var} {quoted(_served_value(snap, var, found.value))}"]


# GET TYPE <ups> <var>
def get_type(session: NutSession, ups: str, var: str) -> list[str]:
    snap = _available(session, ups)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    return [f"TYPE {ups} {var} {type_words(found.spec)}"]


# GET DESC <ups> <var>   (texts are sent as cmdvartab has them, unescaped)
def get_desc(session: NutSession, ups: str, var: str) -> list[str]:
    _available(session, ups)
    text = session.context.descriptions.var_desc(var) or "Description unavailable"
    return [f'DESC {ups} {var} "{text}"']


# GET CMDDESC <ups> <cmd>
def get_cmddesc(session: NutSession, ups: str, cmd: str) -> list[str]:
    _available(session, ups)
    text = session.context.descriptions.cmd_desc(cmd) or "Description unavailable"
    return [f'CMDDESC {ups} {cmd} "{text}"']


GET_TWO_ARGS = {"NUMLOGINS": get_numlogins, "UPSDESC": get_upsdesc}
GET_THREE_ARGS = {"VAR": get_var, "TYPE": get_type, "DESC": get_desc, "CMDDESC": get_cmddesc}


def do_get(session: NutSession, args: list[str]) -> list[str]:
    # Arity is checked step by step, as net_get does; extra words are ignored.
    if not args:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    sub = args[0].upper()
    if sub == "TRACKING":
        if len(args) < 2:
            return ["ON" if session.tracking else "OFF"]
        if not session.tracking:
            raise NutError(ErrCode.FEATURE_NOT_CONFIGURED)
        return [session.context.tracking.get(args[1])]
    if len(args) < 2:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    if sub in GET_TWO_ARGS:
        return GET_TWO_ARGS[sub](session, args[1], "")
    if len(args) < 3 or sub not in GET_THREE_ARGS:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    return GET_THREE_ARGS[sub](session, args[1], args[2])


# -- LIST -------------------------------------------------------------------

def _block(query: str, body: list[str]) -> list[str]:
    return [f"BEGIN LIST {query}", *body, f"END LIST {query}"]


# LIST UPS
def list_ups(session: NutSession) -> list[str]:
    body = []
    for state in session.context.registry:
        desc = quoted(state.desc) if state.desc is not None else '"Description unavailable"'
        body.append(f"UPS {state.name} {desc}")
    return _block("UPS", body)


# Rendered LIST VAR replies, per UPS name as the client spelt it: rebuilt
# only when the variables change, not on every request.
_LIST_VAR_CACHE: dict[str, tuple[object, bool, list[str]]] = {}


# LIST VAR <ups>
def list_var(session: NutSession, ups: str) -> list[str]:
    snap = _available(session, ups)
    cached = _LIST_VAR_CACHE.get(ups)
    if cached is not None and cached[0] is snap.variables and cached[1] == snap.fsd:
        return cached[2]
    lines = _block(f"VAR {ups}", [
        f"VAR {ups} {v.name} {quoted(_served_value(snap, v.name, v.value))}"
        for v in snap.variables])
    if len(_LIST_VAR_CACHE) > 256:  # spellings are client-chosen: bound the cache
        _LIST_VAR_CACHE.clear()
    _LIST_VAR_CACHE[ups] = (snap.variables, snap.fsd, lines)
    return lines


# LIST RW <ups>   (no FSD prefix here, as in upsd)
def list_rw(session: NutSession, ups: str) -> list[str]:
    snap = _available(session, ups)
    return _block(f"RW {ups}", [
        f"RW {ups} {v.name} {quoted(v.value)}" for v in snap.variables if v.spec.rw])


# LIST CMD <ups>
def list_cmd(session: NutSession, ups: str) -> list[str]:
    snap = _available(session, ups)
    return _block(f"CMD {ups}", [f"CMD {ups} {c}" for c in snap.commands])


# LIST CLIENT <ups>   (no availability check)
def list_client(session: NutSession, ups: str) -> list[str]:
    state = _ups(session, ups)
    return _block(f"CLIENT {ups}", [
        f"CLIENT {state.name} {addr}" for addr in session.context.logins(state.name)])


# LIST ENUM <ups> <var>
def list_enum(session: NutSession, ups: str, var: str) -> list[str]:
    snap = _available(session, ups)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    return _block(f"ENUM {ups} {var}", [
        f"ENUM {ups} {var} {quoted(e)}" for e in found.spec.enums])


# LIST RANGE <ups> <var>
def list_range(session: NutSession, ups: str, var: str) -> list[str]:
    snap = _available(session, ups)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    return _block(f"RANGE {ups} {var}", [
        f'RANGE {ups} {var} "{lo}" "{hi}"' for lo, hi in found.spec.ranges])


LIST_ONE_ARG = {"VAR": list_var, "RW": list_rw, "CMD": list_cmd, "CLIENT": list_client}
LIST_TWO_ARGS = {"ENUM": list_enum, "RANGE": list_range}


def do_list(session: NutSession, args: list[str]) -> list[str]:
    if not args:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    sub = args[0].upper()
    if sub == "UPS":
        return list_ups(session)
    if len(args) < 2:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    if sub in LIST_ONE_ARG:
        return LIST_ONE_ARG[sub](session, args[1])
    if len(args) < 3 or sub not in LIST_TWO_ARGS:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    return LIST_TWO_ARGS[sub](session, args[1], args[2])


# -- SET and INSTCMD ----------------------------------------------------------

def _track(session: NutSession, d: object, what: str, state: UpsState) -> list[str]:
    """Follow the driver's answer; reply OK (or OK TRACKING <id>) at once."""
    ident = session.context.tracking.add() if session.tracking else None
    tracking = session.context.tracking

    def done(_: object) -> None:
        log.info("[%s] %s: done", state.name, what)
        if ident:
            tracking.resolve(ident, "SUCCESS")

    def failed(failure: Failure) -> None:
        exc = failure.value
        log.warning("[%s] %s: failed: %s", state.name, what, for_log(exc))
        if ident:
            if isinstance(exc, CommandUnknown):
                tracking.resolve(ident, "ERR UNKNOWN")
            elif isinstance(exc, CommandRejected):
                tracking.resolve(ident, "ERR INVALID-ARGUMENT")
            else:
                tracking.resolve(ident, "ERR FAILED")

    d.addCallbacks(done, failed)  # type: ignore[attr-defined]
    return [f"OK TRACKING {ident}"] if ident else ["OK"]


# SET VAR <ups> <var> <value>
def set_var(session: NutSession, args: list[str]) -> list[str]:
    if len(args) < 3:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    ups, var, value = args[0], args[1], args[2]
    state = _ups(session, ups)
    snap = _available(session, ups)
    if not auth.may_set(session.user()):
        raise NutError(ErrCode.ACCESS_DENIED)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    problem = check_value(found.spec, value)
    if problem is not None:
        raise NutError(ErrCode(problem))
    if state.controller is None:
        raise NutError(ErrCode.SET_FAILED)
    log.info("Set variable: %s@%s set %s on %s to %s", for_log(session.username),
             session.address, found.name, state.name, for_log(value))
    d = record_outcome(state, "setvar", session.context.clock,
                       {"var": found.name, "value": value, "address": session.address},
                       session.username, state.controller.set_var(found.name, value))
    return _track(session, d, f"SET {found.name}={for_log(value)}", state)


# SET TRACKING ON|OFF
def set_tracking(session: NutSession, args: list[str]) -> list[str]:
    if not args or args[0].upper() not in ("ON", "OFF"):
        raise NutError(ErrCode.INVALID_ARGUMENT)
    session.tracking = args[0].upper() == "ON"
    return ["OK"]


def do_set(session: NutSession, args: list[str]) -> list[str]:
    if not args:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    sub = args[0].upper()
    if sub == "VAR":
        return set_var(session, args[1:])
    if sub == "TRACKING":
        return set_tracking(session, args[1:])
    raise NutError(ErrCode.INVALID_ARGUMENT)


# INSTCMD <ups> <cmd> [<param>]   (a parameter counts only with exactly 3 words)
def do_instcmd(session: NutSession, args: list[str]) -> list[str]:
    if len(args) < 2:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    ups, cmd = args[0], args[1]
    param = args[2] if len(args) == 3 else None
    state = _ups(session, ups)
    snap = _available(session, ups)
    canonical = next((c for c in snap.commands if c.lower() == cmd.lower()), None)
    if canonical is None:
        raise NutError(ErrCode.CMD_NOT_SUPPORTED)
    if not auth.may_instcmd(session.user(), canonical):
        raise NutError(ErrCode.ACCESS_DENIED)
    if param is not None and control_character(param) is not None:
        # A CR or LF would forge lines towards the driver and in the log
        # (upsd's parser drops them before; DEL and the rest are refused too).
        raise NutError(ErrCode.INVALID_ARGUMENT)
    if state.controller is None:
        raise NutError(ErrCode.INSTCMD_FAILED)
    log.info("Instant command: %s@%s did %s%s on %s", for_log(session.username),
             session.address, canonical, f" {for_log(param)}" if param is not None else "",
             state.name)
    d = record_outcome(state, "instcmd", session.context.clock,
                       {"command": canonical, "param": param, "address": session.address},
                       session.username, state.controller.instcmd(canonical, param))
    return _track(session, d, f"INSTCMD {canonical}", state)


COMMANDS: dict[str, Command] = {
    "VER": Command(do_ver),
    "NETVER": Command(do_netver),
    "PROTVER": Command(do_netver),
    "HELP": Command(do_help),
    "STARTTLS": Command(do_starttls),
    "GET": Command(do_get),
    "LIST": Command(do_list),
    "USERNAME": Command(do_username),
    "PASSWORD": Command(do_password),
    "LOGOUT": Command(do_logout),
    "LOGIN": Command(do_login, needs_user=True),
    "PRIMARY": Command(_primary("PRIMARY"), needs_user=True),
    "MASTER": Command(_primary("MASTER"), needs_user=True),
    "FSD": Command(do_fsd, needs_user=True),
    "SET": Command(do_set, needs_user=True),
    "INSTCMD": Command(do_instcmd, needs_user=True),
}
