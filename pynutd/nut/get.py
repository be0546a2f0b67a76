"""GET and its subcommands, as NUT's server/netget.c.

Arity is checked step by step, as ``net_get`` does, so the first error a
client sees is upsd's; extra words are ignored.
"""

from __future__ import annotations

from pynutd import SERVER_INFO, UPSD_VERSION
from pynutd.nut.errors import ErrCode, NutError
from pynutd.nut.session import NutSession
from pynutd.nut.wire import quoted


# GET NUMLOGINS <ups>
def get_numlogins(session: NutSession, ups: str, _: str) -> list[str]:
    """Count the connections LOGINed to the UPS."""
    snap = session.available(ups)
    return [f"NUMLOGINS {ups} {session.context.numlogins(snap.name)}"]


# GET UPSDESC <ups>   (no availability check)
def get_upsdesc(session: NutSession, ups: str, _: str) -> list[str]:
    """Give the UPS's desc from ups.conf."""
    state = session.ups(ups)
    desc = quoted(state.desc) if state.desc is not None else '"Unavailable"'
    return [f"UPSDESC {ups} {desc}"]


# GET VAR <ups> <var>
def get_var(session: NutSession, ups: str, var: str) -> list[str]:
    """Give one variable's value (``ups.status`` with the FSD latch)."""
    if var.lower().startswith("server."):
        # Answered before any UPS lookup: any UPS name works.
        if var.lower() == "server.info":
            return [f"VAR {ups} server.info {quoted(SERVER_INFO)}"]
        if var.lower() == "server.version":
            return [f"VAR {ups} server.version {quoted(UPSD_VERSION)}"]
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    snap = session.available(ups)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    return [f"VAR {ups} {var} {quoted(snap.served_value(found))}"]


# GET TYPE <ups> <var>
def get_type(session: NutSession, ups: str, var: str) -> list[str]:
    """Give one variable's type words (RW, ENUM, RANGE, STRING:n or NUMBER)."""
    snap = session.available(ups)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    return [f"TYPE {ups} {var} {found.spec.type_words()}"]


# GET DESC <ups> <var>   (texts are sent as cmdvartab has them, unescaped)
def get_desc(session: NutSession, ups: str, var: str) -> list[str]:
    """Describe a variable, known to the UPS or not."""
    session.available(ups)
    text = session.context.descriptions.var_desc(var) or "Description unavailable"
    return [f'DESC {ups} {var} "{text}"']


# GET CMDDESC <ups> <cmd>
def get_cmddesc(session: NutSession, ups: str, cmd: str) -> list[str]:
    """Describe an instant command, known to the UPS or not."""
    session.available(ups)
    text = session.context.descriptions.cmd_desc(cmd) or "Description unavailable"
    return [f'CMDDESC {ups} {cmd} "{text}"']


GET_TWO_ARGS = {"NUMLOGINS": get_numlogins, "UPSDESC": get_upsdesc}
GET_THREE_ARGS = {"VAR": get_var, "TYPE": get_type, "DESC": get_desc, "CMDDESC": get_cmddesc}


# GET TRACKING [<id>]
def get_tracking(session: NutSession, args: list[str]) -> list[str]:
    """Say whether TRACKING is on, or give a tracked request's status."""
    if not args:
        return ["ON" if session.tracking else "OFF"]
    if not session.tracking:
        raise NutError(ErrCode.FEATURE_NOT_CONFIGURED)
    return [session.context.tracking.get(args[0])]


# GET <subcommand> ...
def do_get(session: NutSession, args: list[str]) -> list[str]:
    """Dispatch a GET by subcommand, checking the words as net_get does."""
    if not args:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    sub = args[0].upper()
    if sub == "TRACKING":
        return get_tracking(session, args[1:])
    if len(args) < 2:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    if sub in GET_TWO_ARGS:
        return GET_TWO_ARGS[sub](session, args[1], "")
    if len(args) < 3 or sub not in GET_THREE_ARGS:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    return GET_THREE_ARGS[sub](session, args[1], args[2])
