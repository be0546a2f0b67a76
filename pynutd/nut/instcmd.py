"""INSTCMD, as NUT's server/netinstcmd.c: an instant command handed to the driver.

NUT gives INSTCMD a file of its own beside netset.c, and so does pynutd:
it is checked in upsd's order (UPS, data, command, ACL, then the
parameter rule of the write contract, :func:`pynutd.control.request_instcmd`),
answered at once and followed by :func:`pynutd.nut.tracking.follow`, as
SET VAR is.
"""

from __future__ import annotations

from pynutd.control import NoController, Requester, ValueRefused, request_instcmd
from pynutd.nut import auth
from pynutd.nut.errors import ErrCode, NutError
from pynutd.nut.session import NutSession
from pynutd.nut.tracking import follow


# INSTCMD <ups> <cmd> [<param>]   (a parameter counts only with exactly 3 words)
def do_instcmd(session: NutSession, args: list[str]) -> list[str]:
    """Ask the driver to run an instant command."""
    if len(args) < 2:
        raise NutError(ErrCode.INVALID_ARGUMENT)
    ups, cmd = args[0], args[1]
    param = args[2] if len(args) == 3 else None
    state = session.ups(ups)
    snap = session.available(ups)
    canonical = next((c for c in snap.commands if c.lower() == cmd.lower()), None)
    if canonical is None:
        raise NutError(ErrCode.CMD_NOT_SUPPORTED)
    if not auth.may_instcmd(session.user(), canonical):
        raise NutError(ErrCode.ACCESS_DENIED)
    try:
        # A parameter holding a control character is refused: a CR or LF
        # would forge lines towards the driver and in the log.
        d = request_instcmd(state, canonical, param,
                            Requester(session.username, session.address), session.context.clock)
    except ValueRefused:
        raise NutError(ErrCode.INVALID_ARGUMENT) from None
    except NoController:
        raise NutError(ErrCode.INSTCMD_FAILED) from None
    table = session.context.tracking if session.tracking else None
    return follow(d, table, state.name, f"INSTCMD {canonical}")
