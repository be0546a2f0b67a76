"""Text from outside made safe to show: control characters found and escaped.

A value that came from a client or a device (a SET, a command parameter,
a header, a driver's string) must never split a log line or reach the NUT
side as two lines.  :data:`CONTROL` matches the characters no UPS value
may hold; :func:`control_character` and :func:`first_control` name the
first one, so a write can be refused naming it; :func:`escape` returns
text with every control character (and the backslash) written as a
backslash escape, for log lines.  Every front end and the state store use
this one module.

test-case-name: tests.test_web_security, tests.test_nut_wire
"""

from __future__ import annotations

import re
import unicodedata

# Characters no value may hold: C0 and C1 controls, DEL, and the Unicode
# line and paragraph separators (each ends a line somewhere).  The same set
# as the categories below, as one regular expression for the hot paths.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

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


def escape(text: object) -> str:
    """Return ``text`` (any object, as ``str``) with backslashes and control characters escaped.

    Printable characters, non-ASCII letters included, stay as they are, so
    a log line reads naturally; it never contains a raw line break.
    """
    text = str(text)
    if not any(char == "\\" or is_control(char) for char in text):
        return text
    return "".join(escape_char(c) if c == "\\" or is_control(c) else c for c in text)


def control_character(value: str) -> str | None:
    """Return the first control character of ``value`` as ``U+XXXX``, or None."""
    found = CONTROL.search(value)
    return f"U+{ord(found.group()):04X}" if found else None
