"""Tokenizer vectors: NUT's parseconf rules (CONFORMANCE.md §1.2 and §12)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pynutd.parseconf import (
    ARG_LIMIT,
    QUOTE_ERROR,
    WORDLEN_LIMIT,
    Tokenizer,
    encode,
    read_lines,
    split,
)

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


def test_offset_is_where_each_line_ends():
    """While a line is handed out, ``offset`` is the byte after its newline in
    the data fed (after the ``#`` for a parse error), on the fast and the slow path."""
    data = b'VER\nGET "VAR" ups x\n\nLIST UPS\nUSERNAME "a#b"\nVER\n'
    tok = Tokenizer()
    ends = [(line.words, tok.offset) for line in tok.feed(data)]
    assert ends == [(("VER",), 4), (("GET", "VAR", "ups", "x"), 20), ((), 21),
                    (("LIST", "UPS"), 30), (("USERNAME", "a"), 42)]
    assert tok.remaining == b'b"\nVER\n'
    tok = Tokenizer()
    assert [tok.offset for _ in tok.feed(b"LIST ")] == []
    assert [tok.offset for _ in tok.feed(b"VAR ups\nVER\n")] == [8, 12]


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


# -- the run-based tokenizer against parseconf.c's byte-at-a-time machine -------


class ByteMachine:
    """parseconf.c's state machine, one byte per step: the reference the
    run-based :class:`Tokenizer` must match on every input and chunking."""

    def __init__(self) -> None:
        self.state, self.words, self.word = "start", [], bytearray()
        self.physical = self.start = 1
        self.remaining = b""

    def feed(self, data):
        lines = []
        for index, ch in enumerate(data):
            line = self.char(ch)
            if ch == 10:
                self.physical += 1
            if line is not None:
                lines.append(line)
                if line[2] is not None:
                    self.remaining = data[index + 1:]
                    return lines
        self.remaining = b""
        return lines

    def add(self, ch):
        if 0x20 <= ch <= 0x7F and len(self.word) < WORDLEN_LIMIT:
            self.word.append(ch)

    def end_word(self):
        if len(self.words) < ARG_LIMIT:
            self.words.append(self.word.decode())
        self.word = bytearray()

    def take(self, error=None):
        line = (tuple(self.words), self.start, error)
        self.words, self.word, self.state = [], bytearray(), "start"
        self.start = self.physical + 1 if error is None else self.physical
        return line

    def char(self, ch):
        s, space = self.state, ch in b" \t\n\v\f\r"
        if s == "start":
            if ch == 10:
                return self.take()
            if ch == 0x23:
                self.state = "eol"
            elif ch == 0x5C:
                self.state = "lit"
            elif ch == 0x22:
                self.state = "quote"
            elif ch == 0x3D:
                self.add(ch)
                self.end_word()
            elif not space:
                self.add(ch)
                self.state = "word"
        elif s == "eol":
            return self.take() if ch == 10 else None
        elif s == "quote":
            if ch == 0x23:
                self.end_word()
                return self.take(QUOTE_ERROR)
            if ch == 0x22:
                self.end_word()
                self.state = "start"
            elif ch == 0x5C:
                self.state = "qlit"
            else:
                self.add(ch)
        elif s in ("lit", "qlit"):
            if ch != 10:
                self.add(ch)
            self.state = "word" if s == "lit" else "quote"
        elif ch == 0x23:
            self.end_word()
            self.state = "eol"
        elif ch == 10:
            self.end_word()
            return self.take()
        elif space or ch == 0x3D:
            self.end_word()
            if ch == 0x3D:
                self.add(ch)
                self.end_word()
            self.state = "start"
        elif ch == 0x5C:
            self.state = "lit"
        else:
            self.add(ch)
        return None

    def finish(self):
        if self.state in ("word", "lit") or self.word:
            self.end_word()
        return self.take() if self.words else None


# Fragments rich in what changes the machine's state, plus the two limits.
FRAGMENTS = [b"a", b"bc", b" ", b"\t", b"\r", b"\n", b'"', b"\\", b"#", b"=", b"\x01", b"\x7f",
             b"\xe9", b'"q q"', b"\\\\", b'\\"', b"\\\n", b"w " * 33, b"y" * 520, b'"" ' * 40,
             b"\\\x01" * 300, b"z\\" * 300, b'x"#', b'"\n']


def _run(make, chunks):
    """Feed ``chunks``; return every line, remainder and the final line, as tuples."""
    tok, seen = make(), []
    for chunk in chunks:
        for fed in tok.feed(chunk):
            line = fed if isinstance(fed, tuple) else (fed.words, fed.lineno, fed.error)
            seen.append(line)
            if line[2] is not None:
                seen.append(("remaining", tok.remaining))
                break
    last = tok.finish()
    seen.append(last if last is None or isinstance(last, tuple) else
                (last.words, last.lineno, last.error))
    return seen


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60), st.integers(1, 700))
@settings(max_examples=600, deadline=None)
def test_same_lines_as_the_byte_machine(fragments, size):
    """On any input cut at any size, the run-based tokenizer yields exactly the
    lines, line numbers, errors and leftovers of the byte-at-a-time machine."""
    data = b"".join(fragments)
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    assert _run(Tokenizer, chunks) == _run(ByteMachine, chunks)


def test_full_line_word_cut_before_a_quote():
    """A line past 32 words whose last word is cut at a chunk boundary: a quote
    right after the cut is part of that word, not the start of a quoted one."""
    data = b"w " * 33 + b'ab"x\nVER\n'
    for cut in range(len(data) - 8, len(data)):
        lines = _run(Tokenizer, [data[:cut], data[cut:]])
        assert [l[0] for l in lines[:2]] == [("w",) * ARG_LIMIT, ("VER",)], cut


def python_calls(work):
    """Run ``work()``; return its result and how many Python functions it called."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        result = work()
    finally:
        sys.setprofile(None)
    return result, calls


@pytest.mark.parametrize("body", [
    b"x" * 2_000_000, b"a " * 1_000_000, b'"" ' * 700_000, b"\\a" * 1_000_000,
    b"\\\x01" * 1_000_000, b'"' + b"q" * 2_000_000 + b'"', b'a"b\\c d=e "f\\"g" ' * 100_000,
    b"\x01" * 2_000_000, b'"' + b"\n" * 2_000_000 + b'"',
], ids=["long word", "short words", "quoted words", "escapes", "escaped drops", "long quote",
        "mixed", "dropped bytes", "newlines in quotes"])
def test_work_does_not_grow_with_the_line(body):
    """A 2 MB request line of any shape costs a bounded number of Python calls
    per 64 KiB read (runs go to the regex engine), not one per byte or word:
    upsd answers a 20 MB line in 0.4 s, so must pynutd (issue 8.8)."""
    data = b"GET VAR ups " + body + b"\n"
    tok = Tokenizer()
    reads = range(0, len(data), 65536)
    lines, calls = python_calls(
        lambda: [line for start in reads for line in tok.feed(data[start:start + 65536])])
    assert len(lines) == 1 and lines[0].words[:3] == ("GET", "VAR", "ups")
    assert calls <= 1000 + 30 * len(reads), calls
