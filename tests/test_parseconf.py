"""Tokenizer vectors: NUT's parseconf rules (CONFORMANCE.md §1.2 and §12)."""

from __future__ import annotations

import pytest

from pynutd.parseconf import ARG_LIMIT, QUOTE_ERROR, WORDLEN_LIMIT, Tokenizer, encode, read_lines, split

VECTORS = [
    (b"   GET    VAR   ups   ups.status   ", ["GET", "VAR", "ups", "ups.status"]),
    (b"get var UPS UPS.STATUS", ["get", "var", "UPS", "UPS.STATUS"]),
    (b"GET VAR ups ups.status\r", ["GET", "VAR", "ups", "ups.status"]),
    (b"GET VAR ups ups.status\r\r", ["GET", "VAR", "ups", "ups.status"]),
    (b"GET VAR ups ups.status # c", ["GET", "VAR", "ups", "ups.status"]),
    (b'GET "VAR" "ups" "ups.status"', ["GET", "VAR", "ups", "ups.status"]),
    (b'GET VAR ups "ups.sta"tus', ["GET", "VAR", "ups", "ups.sta", "tus"]),
    (b"GET VAR ups ups.sta\\tus", ["GET", "VAR", "ups", "ups.status"]),
    (b"GET VAR u\xe9ps ups.status", ["GET", "VAR", "ups", "ups.status"]),
    (b"USERNAME x=y", ["USERNAME", "x", "=", "y"]),
    (b"a =b", ["a", "=", "b"]),
    (b'PASSWORD "pw with space"', ["PASSWORD", "pw with space"]),
    (b'x "" y', ["x", "", "y"]),
    (b'x "a=b" y', ["x", "a=b", "y"]),
    (b'a"b c', ['a"b', "c"]),
    (b"\\\"quoted\\\"", ['"quoted"']),
    (b'"esc \\" \\\\ \\#"', ['esc " \\ #']),
    (b"a\\ b", ["a b"]),
    (b"a\x01b", ["ab"]),
    (b"\x80\x81 z", ["", "z"]),
    (b"del\x7f", ["del\x7f"]),
    (b"\tVER\x0b\x0c", ["VER"]),
    (b"# only a comment", []),
    (b"   ", []),
    (b"", []),
]


@pytest.mark.parametrize("line,words", VECTORS, ids=[repr(v[0])[:40] for v in VECTORS])
def test_vectors(line, words):
    """Each line splits into exactly the words upsd's parser makes of it."""
    assert split(line) == words


def test_hash_in_quotes_is_a_parse_error():
    """An unescaped # inside quotes ends the line with an error and no words."""
    lines = list(Tokenizer().feed(b'GET VAR ups "ups#status"\nVER\n'))
    assert lines[0].error == QUOTE_ERROR
    assert len(lines) == 1  # the caller decides what to do with the rest


def test_newline_inside_quotes_is_swallowed():
    """A quote spanning lines joins them: USERNAME "abc<nl>VER<nl>" is abcVER."""
    lines = list(Tokenizer().feed(b'USERNAME "abc\nVER\n"\nGET TRACKING\n'))
    assert [l.words for l in lines] == [("USERNAME", "abcVER"), ("GET", "TRACKING")]


def test_backslash_newline_continues_line():
    """A backslash before the newline continues the logical line."""
    assert [l.words for l in Tokenizer().feed(b"GET VAR ups \\\nups.status\n")] == [
        ("GET", "VAR", "ups", "ups.status")]


def test_limits():
    """Words are cut at 512 characters and lines at 32 words, silently."""
    words = split("x" * 600 + " " + " ".join(str(i) for i in range(40)))
    assert len(words) == ARG_LIMIT
    assert words[0] == "x" * WORDLEN_LIMIT


def test_every_chunk_size():
    """A request split at any byte boundary parses as if it came whole."""
    data = b'SET VAR ups "ups.id" "a \\"b\\" \\#c"\r\nLIST VAR ups\n'
    expected = [("SET", "VAR", "ups", "ups.id", 'a "b" #c'), ("LIST", "VAR", "ups")]
    for size in range(1, len(data) + 1):
        tok = Tokenizer()
        got = []
        for start in range(0, len(data), size):
            got.extend(l.words for l in tok.feed(data[start:start + size]))
        assert got == expected, size


def test_read_lines_numbers_and_errors():
    """File reading reports the physical line of each logical line and of errors."""
    data = b'[ups]\n driver = x\n desc = "a#b"\n\n port = "multi\nline"\nlast'
    lines = list(read_lines(data))
    assert [(l.lineno, l.words, l.error) for l in lines] == [
        (1, ("[ups]",), None), (2, ("driver", "=", "x"), None),
        (3, ("desc", "=", "a"), QUOTE_ERROR), (5, ("port", "=", "multiline"), None),
        (7, ("last",), None)]


@pytest.mark.parametrize("value", ["plain", 'q"uote', "back\\slash", "#hash", 'all \\ " #', ""])
def test_encode_round_trip(value):
    """encode() escapes exactly \\, " and #, and the tokenizer undoes it."""
    assert split(f'"{encode(value)}"'.encode()) == [value]
    assert encode(value).replace("\\\\", "").replace('\\"', "").replace("\\#", "").count("\\") == 0
