"""SET VAR and SET TRACKING, as NUT's server/netset.c.

A SET VAR is checked in upsd's order (UPS, data, ACL, variable, then the
value rules of the write contract, :func:`pynutd.control.request_set`),
handed to the UPS's controller and answered at once; the driver's answer
is followed by :func:`pynutd.nut.tracking.follow`.
"""

from __future__ import annotations

from pynutd.control import NoController, Requester, ValueRefused, request_set
from pynutd.nut import auth
from pynutd.nut.errors import ErrCode, NutError
from pynutd.nut.session import NutSession
from pynutd.nut.tracking import follow
from pynutd.printable import escape


# SET VAR <ups> <var> <value>   (words after the value are ignored)
def set_var(session: NutSession, args: list[str]) -> list[str]:
    """Ask the driver to set a writable variable."""
    if len(args) < 3:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    ups, var, value = args[0], args[1], args[2]
    state = session.ups(ups)
    snap = session.available(ups)
    if not auth.may_set(session.user()):
        raise NutError(ErrCode.ACCESS_DENIED)
    found = snap.get(var)
    if found is None:
        raise NutError(ErrCode.VAR_NOT_SUPPORTED)
    try:
        # The driver gets the name as the client spelt it, as upsd forwards
        # it (server/netset.c): NUT's drivers match names in any case, but
        # dummy-ups takes only the lower-case ups.status as the status.
        d = request_set(state, var, found.spec, value,
                        Requester(session.username, session.address), session.context.clock)
    except ValueRefused as refused:
        raise NutError(ErrCode(refused.code)) from None
    except NoController:
        raise NutError(ErrCode.SET_FAILED) from None
    table = session.context.tracking if session.tracking else None
    return follow(d, table, state.name, f"SET {found.name}={escape(value)}")


# SET TRACKING ON|OFF
def set_tracking(session: NutSession, args: list[str]) -> list[str]:
    """Turn tracking of this connection's SETs and INSTCMDs on or off."""
    if not args or args[0].upper() not in ("ON", "OFF"):
        raise NutError(ErrCode.INVALID_ARGUMENT)
    session.tracking = args[0].upper() == "ON"
    return ["OK"]


# SET <subcommand> ...
def do_set(session: NutSession, args: list[str]) -> list[str]:
    """Dispatch a SET by subcommand."""
    if not args:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    sub = args[0].upper()
    if sub == "VAR":
        return set_var(session, args[1:])
    if sub == "TRACKING":
        return set_tracking(session, args[1:])
    raise NutError(ErrCode.INVALID_ARGUMENT)
