"""The NUT verb table, as upsd's ``server/netcmds.h:netcmds[]``.

Each verb maps to its handler and to what the session checks before the
handler runs: the USERNAME/PASSWORD gate (``FLAG_USER``) and, for verbs
that take a fixed number of words, that number.  Aliases share a handler
(PROTVER/NETVER), as in NUT.  The handlers live by family: misc, user,
get, list, set and instcmd, as NUT's ``server/net*.c``.  The table is
handed to each session (:class:`pynutd.nut.protocol.NutFactory`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pynutd.nut.get import do_get
from pynutd.nut.instcmd import do_instcmd
from pynutd.nut.list import do_list
from pynutd.nut.misc import do_fsd, do_help, do_netver, do_starttls, do_ver
from pynutd.nut.session import Command
from pynutd.nut.set import do_set
from pynutd.nut.user import (
    do_login,
    do_logout,
    do_master,
    do_password,
    do_primary,
    do_username,
)

COMMANDS: Mapping[str, Command] = MappingProxyType({
    "VER": Command(do_ver, words=0),
    "NETVER": Command(do_netver, words=0),
    "PROTVER": Command(do_netver, words=0),
    "HELP": Command(do_help, words=0),
    "STARTTLS": Command(do_starttls),
    "GET": Command(do_get),
    "LIST": Command(do_list),
    "USERNAME": Command(do_username, words=1),
    "PASSWORD": Command(do_password, words=1),
    "LOGIN": Command(do_login, needs_user=True, words=1),
    "LOGOUT": Command(do_logout, words=0),
    "PRIMARY": Command(do_primary, needs_user=True, words=1),
    "MASTER": Command(do_master, needs_user=True, words=1),
    "FSD": Command(do_fsd, needs_user=True, words=1),
    "SET": Command(do_set, needs_user=True),
    "INSTCMD": Command(do_instcmd, needs_user=True),
})
