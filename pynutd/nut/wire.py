"""Reply encoding for the NUT wire: quoting, escaping and upsd's line limit.

Requests are split by :mod:`pynutd.parseconf`; this is the other direction.
"""

from __future__ import annotations

from collections.abc import Iterable

from pynutd.parseconf import encode

# upsd formats each reply line into a 512-byte buffer (NUT_NET_ANSWER_MAX):
# a longer line is cut to 511 bytes and so loses its newline.
MAX_LINE = 511


def quoted(value: str) -> str:
    """Return ``value`` escaped (``pconf_encode``) and wrapped in quotes."""
    return f'"{encode(value)}"'


def encode_reply(lines: Iterable[str]) -> bytes:
    """Return reply lines as the bytes upsd would send, each cut as upsd cuts it."""
    out = bytearray()
    for line in lines:
        data = line.encode("ascii", "replace") + b"\n"
        out += data[:MAX_LINE]
    return bytes(out)
