"""upsd.users: accounts, their passwords, actions and instant commands.

User names are case-sensitive, as in upsd.  The file holds passwords: if
others can read it, a warning says so, as upsd's ``check_perms()`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pynutd.config.errors import ConfigError
from pynutd.config.nutlines import read_nut_lines, section_name, world_readable

UPSMON_ACTIONS = {
    "primary": {"login", "master", "fsd"}, "master": {"login", "master", "fsd"},
    "secondary": {"login"}, "slave": {"login"},
}


@dataclass(frozen=True, slots=True)
class User:
    """One upsd.users account: password, actions and instant commands.

    ``actions`` and ``instcmds`` are lower-cased; ``upsmon primary`` adds the
    actions login, master and fsd, ``upsmon secondary`` adds login.
    """

    name: str
    password: str | None
    actions: frozenset[str] = frozenset()
    instcmds: frozenset[str] = frozenset()


@dataclass
class _UserDraft:
    """A user being read: settings accumulate over lines, as in upsd."""

    password: str | None = None
    actions: set[str] = field(default_factory=set)
    instcmds: set[str] = field(default_factory=set)


def _setting(current: _UserDraft, words: list[str]) -> bool:
    """Apply one line to ``current``; return False if it means nothing."""
    key, args = words[0].lower() if words else "", words[1:]
    if key == "password" and len(args) == 1:
        current.password = args[0]
    elif key == "actions" and args:
        current.actions.update(a.lower() for a in args)
    elif key == "instcmds" and args:
        current.instcmds.update(a.lower() for a in args)
    elif key == "upsmon" and len(args) == 1 and args[0].lower() in UPSMON_ACTIONS:
        current.actions.update(UPSMON_ACTIONS[args[0].lower()])
    else:
        return False
    return True


def load_users(path: Path, warnings: list[str]) -> dict[str, User]:
    """Read upsd.users (absent: no users); warn if it is world readable."""
    lines = read_nut_lines(path, missing_ok=True)
    if lines is None:
        return {}
    users: dict[str, _UserDraft] = {}
    current: _UserDraft | None = None
    for line in lines:
        name = section_name(line.words)
        if name is not None:
            # upsd ignores a repeated user; so do we, with a warning.
            current = _UserDraft()
            if name in users:
                warnings.append(f"{path}:{line.lineno}: user [{name}] defined twice, ignored")
            else:
                users[name] = current
            continue
        if current is None:
            raise ConfigError(path, line.lineno, "setting outside a [user] section")
        words = [w for w in line.words if w != "="]
        if _setting(current, words):
            continue
        if words and words[0].lower() in ("allowfrom", "user"):
            warnings.append(f"{path}:{line.lineno}: {words[0].lower()} is obsolete and ignored")
        else:
            text = " ".join(line.words)
            text = text if len(text) <= 80 else text[:80] + "…"
            raise ConfigError(path, line.lineno, f"bad upsd.users line: {text}")
    if world_readable(path):
        warnings.append(f"{path} is world readable; it holds passwords (chmod o-rwx)")
    return {n: User(n, u.password, frozenset(u.actions), frozenset(u.instcmds))
            for n, u in users.items()}
