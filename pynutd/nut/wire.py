"""Reply encoding for the NUT wire: quoting, escaping and upsd's line limit.

Requests are split by :mod:`pynutd.parseconf`; this is the other direction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pynutd.parseconf import encode

# upsd formats each reply line, newline included, with vsnprintf into a
# buffer of NUT_NET_ANSWER_MAX+1 = 513 bytes (server/upsd.c:sendback): at
# most 512 bytes go out.  A line of 511 characters keeps its newline; a
# longer one is cut to exactly 512 bytes and loses it, so the next reply
# runs into it.
MAX_LINE = 512

# No reply line may carry a control byte: a CR or LF inside a value would
# end the line early and let a value forge reply lines (``VAR ups
# ups.status "OB LB"``).  upsd never sends one because parseconf drops every
# byte below 0x20 of what a driver reports (addchar's CVE-2012-2944 filter),
# so the encoder strips them the same way, whatever a driver handed over.
_CONTROL = bytes(range(0x20))
_CONTROL_BUT_LF = re.compile(rb"[\x00-\x09\x0b-\x1f]")


def quoted(value: str) -> str:
    """Return ``value`` escaped (``pconf_encode``) and wrapped in quotes."""
    return f'"{encode(value)}"'


def encode_reply(lines: Sequence[str]) -> bytes:
    """Return reply lines as the bytes upsd would send, each cut as upsd cuts it.

    Control characters inside a line are dropped, as upsd's parser drops
    them from driver values, so every line ends exactly where it should.
    """
    if not lines:
        return b""
    data = "\n".join(lines).encode("ascii", "replace")
    # Common case in one pass: short lines, no control byte, no line break
    # inside a line (the joined text then has exactly one LF between lines).
    if (max(map(len, lines)) < MAX_LINE and data.count(b"\n") == len(lines) - 1
            and not _CONTROL_BUT_LF.search(data)):
        return data + b"\n"
    out = bytearray()
    for line in lines:
        clean = line.encode("ascii", "replace").translate(None, _CONTROL) + b"\n"
        out += clean[:MAX_LINE]
    return bytes(out)
