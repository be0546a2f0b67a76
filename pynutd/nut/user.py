"""Who the client is, as NUT's server/netuser.c: USERNAME, PASSWORD, LOGIN, LOGOUT, PRIMARY/MASTER.

USERNAME and PASSWORD only store what was sent; LOGIN and PRIMARY judge it
(:mod:`pynutd.nut.auth`).  LOGOUT only answers: when the connection closes
is the transport's business (:mod:`pynutd.nut.protocol`).
"""

from __future__ import annotations

import logging

from pynutd.nut import auth
from pynutd.nut.errors import ErrCode, NutError
from pynutd.nut.session import NutSession
from pynutd.printable import escape

log = logging.getLogger(__name__)


# USERNAME <name>
def do_username(session: NutSession, args: list[str]) -> list[str]:
    """Store the user name, once per connection."""
    if session.username is not None:
        raise NutError(ErrCode.ALREADY_SET_USERNAME)
    session.username = args[0]
    return ["OK"]


# PASSWORD <password>
def do_password(session: NutSession, args: list[str]) -> list[str]:
    """Store the password, once per connection."""
    if session.password is not None:
        raise NutError(ErrCode.ALREADY_SET_PASSWORD)
    session.password = args[0]
    return ["OK"]


# LOGIN <ups>
def do_login(session: NutSession, args: list[str]) -> list[str]:
    """Count this connection among the UPS's logins (NUMLOGINS, LIST CLIENT)."""
    if session.login_ups is not None:
        raise NutError(ErrCode.ALREADY_LOGGED_IN)
    state = session.ups(args[0])
    if not auth.may(session.user(), "login"):
        raise NutError(ErrCode.ACCESS_DENIED)
    session.login_ups = state.name
    log.info("User %s@%s logged into UPS [%s]", escape(session.username), session.address,
             state.name)
    return ["OK"]


# LOGOUT
def do_logout(session: NutSession, args: list[str]) -> list[str]:
    """Say goodbye; the session's ``closing`` tells the transport."""
    session.closing = True
    return ["OK Goodbye"]


def _primary(session: NutSession, args: list[str], granted: str) -> list[str]:
    # A permission check only: nothing is stored, as in upsd.
    session.ups(args[0])
    user = session.user()
    if not (auth.may(user, "primary") or auth.may(user, "master")):
        raise NutError(ErrCode.ACCESS_DENIED)
    return [f"OK {granted}-GRANTED"]


# PRIMARY <ups>
def do_primary(session: NutSession, args: list[str]) -> list[str]:
    """Check that the user may be the primary upsmon of the UPS."""
    return _primary(session, args, "PRIMARY")


# MASTER <ups>   (the name before NUT 2.8.0, still sent by older upsmon)
def do_master(session: NutSession, args: list[str]) -> list[str]:
    """PRIMARY under its old name."""
    return _primary(session, args, "MASTER")
