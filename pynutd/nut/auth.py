"""upsd.users semantics: who may LOGIN, be PRIMARY, FSD, SET and run INSTCMDs.

As in upsd's ``server/user.c``: user names and passwords compare
case-sensitively, a user without a password never matches, actions and
instant-command names compare case-insensitively, and ``instcmds = ALL``
grants every command.  The web API uses the same functions, so a user has
the same rights on both ports.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from pynutd.config import User


def authenticate(users: Mapping[str, User], username: str | None,
                 password: str | None) -> User | None:
    """Return the user whose name and password both match, else None."""
    if username is None or password is None:
        return None
    user = users.get(username)
    if user is None or user.password is None:
        return None
    if not hmac.compare_digest(user.password.encode(), password.encode()):
        return None
    return user


def may(user: User | None, action: str) -> bool:
    """Return whether ``user`` holds ``action`` (login, master, fsd, set...)."""
    return user is not None and action.lower() in user.actions


def may_set(user: User | None) -> bool:
    """Return whether ``user`` may SET variables."""
    return may(user, "set")


def may_instcmd(user: User | None, cmd: str) -> bool:
    """Return whether ``user`` may run instant command ``cmd``."""
    return user is not None and ("all" in user.instcmds or cmd.lower() in user.instcmds)
