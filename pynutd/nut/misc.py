"""The verbs that stand alone, as NUT's server/netmisc.c: VER, NETVER/PROTVER, HELP, FSD, STARTTLS.

STARTTLS has a file of its own in NUT (``server/netssl.c``); here it only
decides the reply, and the transport (:mod:`pynutd.nut.protocol`) starts
the handshake after ``OK STARTTLS``.
"""

from __future__ import annotations

import logging

from pynutd import PROTOCOL_VERSION, SERVER_INFO
from pynutd.nut import auth
from pynutd.nut.errors import ErrCode, NutError
from pynutd.nut.session import NutSession
from pynutd.printable import escape

log = logging.getLogger(__name__)

HELP_TEXT = "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"


# VER
def do_ver(session: NutSession, args: list[str]) -> list[str]:
    """Name the server (the shape WinNUT and go.nut parse)."""
    return [SERVER_INFO]


# NETVER / PROTVER
def do_netver(session: NutSession, args: list[str]) -> list[str]:
    """Give the protocol version."""
    return [PROTOCOL_VERSION]


# HELP
def do_help(session: NutSession, args: list[str]) -> list[str]:
    """List the commands, as upsd 2.8.0 lists them (PRIMARY, FSD left out)."""
    return [HELP_TEXT]


# STARTTLS   (arguments ignored, as upsd)
def do_starttls(session: NutSession, args: list[str]) -> list[str]:
    """Accept TLS when a certificate is configured, in upsd's order of refusals.

    Already in TLS: ALREADY-SSL-MODE; no CERTFILE: FEATURE-NOT-CONFIGURED
    (upsc and upsmon then go on in plain text unless told to insist).
    """
    if session.tls:
        raise NutError(ErrCode.ALREADY_SSL_MODE)
    if session.context.tls is None:
        raise NutError(ErrCode.FEATURE_NOT_CONFIGURED)
    session.starttls_due = True
    return ["OK STARTTLS"]


# FSD <ups>
def do_fsd(session: NutSession, args: list[str]) -> list[str]:
    """Latch forced shutdown on a UPS (a primary upsmon's last word)."""
    state = session.ups(args[0])
    if not auth.may(session.user(), "fsd"):
        raise NutError(ErrCode.ACCESS_DENIED)
    log.warning("Client %s@%s set FSD on UPS [%s]", escape(session.username), session.address,
                state.name)
    state.set_fsd(session.context.now(), session.username)
    return ["OK FSD-SET"]
