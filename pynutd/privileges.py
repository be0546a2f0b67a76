"""Giving up root: which user to become, and becoming it (upsd's ``-u``).

Started as root, pynutd opens its listening sockets and its devices first
and then runs as an unprivileged user with that user's groups, so that
everything a client can reach runs without root.  The user is the one
``-u`` names; without ``-u`` it is NUT's own user ``nut`` when that exists
(Debian's packages create it); ``-u root`` keeps root, with a warning.
Started as another user, pynutd stays who it is.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEFAULT_USER = "nut"


@dataclass(frozen=True)
class Target:
    """The account to run as: name, uid, primary gid and every group it is in."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]


def _lookup(name: str) -> Target:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ValueError(f"unknown user {name!r} (-u)") from None
    groups = tuple(sorted(set(os.getgrouplist(entry.pw_name, entry.pw_gid))))
    return Target(entry.pw_name, entry.pw_uid, entry.pw_gid, groups)


def choose(requested: str | None, euid: int | None = None) -> Target | None:
    """Return the user to become after start-up, or None to stay as we are.

    Raises ValueError for a ``-u`` naming no user (a start-up error, as upsd).
    """
    euid = os.geteuid() if euid is None else euid
    if requested is not None:
        target = _lookup(requested)    # checked even when not root, as upsd
        if euid != 0:
            if target.uid != euid:
                log.warning("not started as root: -u %s ignored, running as uid %d",
                            requested, euid)
            return None
        if target.uid == 0:
            log.warning("running as root (-u %s): every client request is served by root",
                        requested)
            return None
        return target
    if euid != 0:
        return None
    try:
        return _lookup(DEFAULT_USER)
    except ValueError:
        log.warning("running as root: there is no user %r to switch to (use -u USER)",
                    DEFAULT_USER)
        return None


def drop(target: Target) -> None:
    """Become ``target`` for good: groups first, then gid, then uid (root is needed for each)."""
    os.setgroups(list(target.groups))
    os.setgid(target.gid)
    os.setuid(target.uid)
    # setuid as root sets real, effective and saved ids: there is no way back.
    group_names = ", ".join(_group_name(g) for g in target.groups)
    log.info("running as user %s (uid %d), groups %s", target.name, target.uid, group_names)


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
