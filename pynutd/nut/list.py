"""LIST and its subcommands, as NUT's server/netlist.c.

Every list comes as ``BEGIN LIST <query>``, its lines, ``END LIST
<query>``, with the query echoed as the client spelt it (clients wait for
that exact END line).  VAR, RW and CMD are sorted as upsd sorts them.
"""

from __future__ import annotations

from pynutd.nut.errors import ErrCode, NutError
from pynutd.nut.session import NutSession
from pynutd.nut.wire import quoted

# Client-chosen spellings of UPS names key the LIST VAR cache: bound it.
LIST_VAR_CACHE_SIZE = 256


def _block(query: str, body: list[str]) -> list[str]:
    return [f"BEGIN LIST {query}", *body, f"END LIST {query}"]


# LIST UPS   (config order, canonical names)
def list_ups(session: NutSession) -> list[str]:
    """List every UPS with its desc."""
    body = []
    for state in session.context.registry:
        desc = quoted(state.desc) if state.desc is not None else '"Description unavailable"'
        body.append(f"UPS {state.name} {desc}")
    return _block("UPS", body)


# LIST VAR <ups>
def list_var(session: NutSession, ups: str) -> list[str]:
    """List every variable and its value (``ups.status`` with the FSD latch).

    The rendered reply is kept in the server's cache per spelling of the
    UPS name, and rebuilt only when the variables or the FSD latch change,
    not on every request: upsmon-like pollers ask many times per change.
    """
    snap = session.available(ups)
    cache = session.context.list_var_cache
    cached = cache.get(ups)
    if cached is not None and cached[0] is snap.variables and cached[1] == snap.fsd:
        return cached[2]
    lines = _block(f"VAR {ups}", [
        f"VAR {ups} {v.name} {quoted(snap.served_value(v))}" for v in snap.variables])
    if len(cache) >= LIST_VAR_CACHE_SIZE:
        cache.clear()
    cache[ups] = (snap.variables, snap.fsd, lines)
    return lines


# LIST RW <ups>   (no FSD prefix here, as in upsd)
def list_rw(session: NutSession, ups: str) -> list[str]:
    """List the writable variables and their values."""
    snap = session.available(ups)
    return _block(f"RW {ups}", [
        f"RW {ups} {v.name} {quoted(v.value)}" for v in snap.variables if v.spec.rw])


# LIST CMD <ups>
def list_cmd(session: NutSession, ups: str) -> list[str]:
    """List the instant commands."""
    snap = session.available(ups)
    return _block(f"CMD {ups}", [f"CMD {ups} {c}" for c in snap.commands])


# LIST CLIENT <ups>   (no availability check)
def list_client(session: NutSession, ups: str) -> list[str]:
    """List the addresses of the connections LOGINed to the UPS, newest first."""
    state = session.ups(ups)
    return _block(f"CLIENT {ups}", [
        f"CLIENT {state.name} {addr}" for addr in session.context.logins(state.name)])


# LIST ENUM <ups> <var>
def list_enum(session: NutSession, ups: str, var: str) -> list[str]:
    """List the values a variable may be set to."""
    snap = session.available(ups)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    return _block(f"ENUM {ups} {var}", [
        f"ENUM {ups} {var} {quoted(e)}" for e in found.spec.enums])


# LIST RANGE <ups> <var>
def list_range(session: NutSession, ups: str, var: str) -> list[str]:
    """List the ranges a variable may be set within."""
    snap = session.available(ups)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    return _block(f"RANGE {ups} {var}", [
        f'RANGE {ups} {var} "{lo}" "{hi}"' for lo, hi in found.spec.ranges])


LIST_ONE_ARG = {"VAR": list_var, "RW": list_rw, "CMD": list_cmd, "CLIENT": list_client}
LIST_TWO_ARGS = {"ENUM": list_enum, "RANGE": list_range}


# LIST <subcommand> ...
def do_list(session: NutSession, args: list[str]) -> list[str]:
    """Dispatch a LIST by subcommand, checking the words as net_list does."""
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
