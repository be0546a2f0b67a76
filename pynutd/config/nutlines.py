"""Reading NUT's own files (ups.conf, upsd.conf, upsd.users) into located lines.

They are read with the wire tokenizer (:mod:`pynutd.parseconf`), so their
quoting, escapes and comments are exactly NUT's; a tokenizer error is a
ConfigError at its line.
"""

from __future__ import annotations

import stat
from pathlib import Path

from pynutd.config.errors import ConfigError
from pynutd.parseconf import Line, read_lines


def read_nut_lines(path: Path, missing_ok: bool = False,
                   data: bytes | None = None) -> list[Line] | None:
    """Return the non-empty lines of ``path``; raise ConfigError if unreadable or bad.

    An absent file gives None when ``missing_ok``.  ``data``, when given, is
    read as the file's content and nothing is opened (the zero-configuration
    start's own section, named after its command line).
    """
    try:
        if data is None:
            data = path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return None
        raise ConfigError(path, None, "cannot read: No such file or directory") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror}") from None
    lines = list(read_lines(data))
    for line in lines:
        if line.error:
            raise ConfigError(path, line.lineno, line.error)
    return lines


def section_name(words: tuple[str, ...]) -> str | None:
    """Return ``name`` for a ``[name]`` line, else None."""
    if len(words) == 1 and words[0].startswith("[") and words[0].endswith("]"):
        return words[0][1:-1]
    return None


def world_readable(path: Path) -> bool:
    """Return whether anyone may read ``path``: o+r (or o+x) on it, o+x on every folder.

    upsd's ``check_perms()`` looks at the file's own bits only; a file in a
    folder others cannot enter is not readable by them either, so such a
    file (a private temporary directory, Debian's /etc/nut at 0750) is not
    reported.
    """
    try:
        if not stat.S_IMODE(path.stat().st_mode) & (stat.S_IROTH | stat.S_IXOTH):
            return False
        return all(stat.S_IMODE(folder.stat().st_mode) & stat.S_IXOTH
                   for folder in path.resolve().parents)
    except OSError:
        return False
