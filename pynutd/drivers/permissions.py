"""Say which permission is missing when a device node cannot be opened.

pynutd drops root after start-up (``-u``), so a UPS unplugged and plugged
back gets a new node that ``nut`` must be allowed to open: the udev rules
in conf/99-pynutd.rules grant it.  When they are missing, "permission
denied" alone does not tell an admin what to change; :func:`access_problem`
names the node's owner, group and mode beside the user and groups pynutd
runs as.
"""

from __future__ import annotations

import grp
import os
import pwd


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def access_problem(path: str) -> str | None:
    """Return why this process may not read and write ``path``, or None when it may.

    Only device nodes are judged (``/dev/...``); other ports (a USB bus
    path, ``virtual:``) return None.
    """
    if not path.startswith("/dev/") or not os.path.exists(path):
        return None
    if os.access(path, os.R_OK | os.W_OK):
        return None
    st = os.stat(path)
    groups = sorted({_group(g) for g in os.getgroups()} | {_group(os.getegid())})
    return (f"{path} is {_user(st.st_uid)}:{_group(st.st_gid)} mode {st.st_mode & 0o777:04o}, "
            f"and pynutd runs as {_user(os.geteuid())} (groups {', '.join(groups)}): "
            f"it needs read and write access; install conf/99-pynutd.rules "
            f"(udev) or add the user to group {_group(st.st_gid)}")
