"""Client text made safe to show: control characters found and escaped.

A value that came from a client (a web SET, a command parameter, a
header) must never split a log line or reach the NUT side as two lines.
:func:`first_control` finds the first control character, so a write can
be refused naming it; :func:`escape` returns text with every control
character written as a backslash escape, for log lines.

test-case-name: tests.test_web_security
"""

from __future__ import annotations

import unicodedata

# Named escapes, as Python's repr writes them.
NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

# C0, DEL and C1 controls (Cc), and the Unicode line and paragraph
# separators, which some log viewers break lines at.
UNSAFE_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def is_control(char: str) -> bool:
    """Return whether ``char`` is a control character or a line separator."""
    return unicodedata.category(char) in UNSAFE_CATEGORIES


def escape_char(char: str) -> str:
    """Return the backslash escape of one character (``\\n``, ``\\x00``, ``\\u2028``)."""
    if char in NAMED:
        return NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def first_control(text: str) -> str | None:
    """Return the escaped form of the first control character in ``text``, or None."""
    for char in text:
        if is_control(char):
            return escape_char(char)
    return None


def escape(text: str) -> str:
    """Return ``text`` with backslashes and control characters escaped.

    Printable characters, non-ASCII letters included, stay as they are, so
    a log line reads naturally; it never contains a raw line break.
    """
    if not any(char == "\\" or is_control(char) for char in text):
        return text
    return "".join(escape_char(c) if c == "\\" or is_control(c) else c for c in text)
