"""Reply encoding for the NUT wire: quoting, escaping and upsd's line limit.

Requests are split by :mod:`pynutd.parseconf`; this is the other direction.
"""

from __future__ import annotations

from collections.abc import Iterable

from pynutd.parseconf import encode
from pynutd.ups import VarSpec

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


def type_words(spec: VarSpec) -> str:
    """Return what upsd's ``TYPE`` reply says after the variable name.

    The order is fixed: ``RW``, ``ENUM``, ``RANGE``, then ``STRING:<n>`` or
    ``NUMBER`` (``server/netget.c:get_type``).
    """
    words = []
    if spec.rw:
        words.append("RW")
    if spec.enums:
        words.append("ENUM")
    if spec.ranges:
        words.append("RANGE")
    words.append(f"STRING:{spec.string_len}" if spec.string_len else "NUMBER")
    return " ".join(words)
