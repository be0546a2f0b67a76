"""The reply encoder: upsd's line cut, and no control byte inside a line whatever a value holds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pynutd.nut.wire import MAX_LINE, encode_reply, quoted
from pynutd.printable import escape


def test_plain_lines():
    """Each line goes out with one newline, nothing else changed."""
    assert encode_reply(["OK", 'VAR ups ups.status "OL"']) == b'OK\nVAR ups ups.status "OL"\n'
    assert encode_reply([]) == b""


@pytest.mark.parametrize("value,sent", [
    ("5\nVAR ups ups.status OB LB", "5VAR ups ups.status OB LB"),
    ("a\r\nb", "ab"), ("nul\x00x", "nulx"), ("esc\x1b[31m", "esc[31m"), ("tab\there", "tabhere"),
    ("del\x7f", "del\x7f"),  # DEL is kept, as upsd's parser keeps it
])
def test_control_bytes_never_reach_the_wire(value, sent):
    """A value with CR, LF, NUL or another byte below 0x20 cannot end or forge a
    reply line: the bytes are dropped, as upsd's parser drops them from drivers."""
    reply = encode_reply([f"VAR ups ups.id {quoted(value)}", "END"])
    assert reply == f'VAR ups ups.id "{sent}"\nEND\n'.encode()


def test_long_lines_are_cut_as_upsd_cuts_them():
    """A line of MAX_LINE bytes or more is cut to MAX_LINE and loses its newline."""
    assert encode_reply(["x" * (MAX_LINE - 1)]) == b"x" * (MAX_LINE - 1) + b"\n"
    assert encode_reply(["x" * MAX_LINE, "OK"]) == b"x" * MAX_LINE + b"OK\n"
    assert encode_reply(["\n" * 5 + "y" * 600]) == b"y" * MAX_LINE


def test_line_cut_at_upsd_2_8_0_sizes():
    """As measured on upsd 2.8.0 (issue 12.4): a 511-character line goes out
    whole with its newline; a 512-character one as exactly 512 bytes, no newline."""
    assert encode_reply(["a" * 511, "OK"]) == b"a" * 511 + b"\nOK\n"
    assert encode_reply(["b" * 512, "OK"]) == b"b" * 512 + b"OK\n"
    assert encode_reply(["c" * 513]) == b"c" * 512


@given(st.lists(st.text(st.characters(max_codepoint=0x3000), max_size=600), max_size=5))
def test_one_newline_per_line(lines):
    """Whatever the lines hold, the bytes hold one LF per line, each at its end (or
    the line was cut), and nothing below 0x20 besides."""
    data = encode_reply(lines)
    assert data.count(b"\n") <= len(lines)
    assert not any(b < 0x20 and b != 0x0A for b in data)
    expected = b"".join((l.encode("ascii", "replace").translate(None, bytes(range(32)))
                         + b"\n")[:MAX_LINE] for l in lines)
    assert data == expected


@pytest.mark.parametrize("text,logged", [
    ("plain value 42", "plain value 42"), ("a\nb", "a\\nb"), ("back\\slash", "back\\\\slash"),
    ("del\x7f", "del\\x7f"), ("caf\xe9", "caf\xe9"), (None, "None"),
])
def test_log_text_escaped(text, logged):
    """Log text: printable text as it is, backslashes and controls escaped on one line."""
    assert escape(text) == logged
