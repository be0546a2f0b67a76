"""NUT's parseconf tokenizer: the word rules of the wire protocol and of NUT's files.

The same state machine splits a client's request line on port 3493, a line
of ups.conf / upsd.conf / upsd.users, and a line of a dummy-ups .dev file,
exactly as ``common/parseconf.c`` of NUT 2.8 does (CONFORMANCE.md §1.2):

* only ``\\n`` ends a line; ``\\r`` and other ``isspace`` bytes separate words;
* ``"..."`` groups a word (a closing quote ends it even if text follows);
* ``\\`` takes the next byte literally, in or out of quotes (``\\`` + newline
  continues the line);
* ``#`` outside quotes starts a comment; inside quotes it is a parse error;
* ``=`` outside quotes is always a word of its own;
* bytes below 0x20 that are not whitespace, and bytes above 0x7F, are dropped;
* words are cut at 512 characters and lines at 32 words.

:func:`encode` is the inverse (``pconf_encode``): it escapes ``\\``, ``"``
and ``#``.  This module is pure: bytes in, words out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

ARG_LIMIT = 32
WORDLEN_LIMIT = 512

# Lines made only of these bytes need none of the state machine's rules.
_PLAIN = re.compile(rb"[\t\v\f\r\x20\x21\x24-\x3c\x3e-\x5b\x5d-\x7f]*")
_ESCAPED = frozenset('\\"#')

# The state machine reads runs, not bytes: a request line may be megabytes
# long, and a Python step per byte made a 20 MB line cost seconds.  Each
# state consumes its longest run of ordinary bytes (escape pairs included)
# in one regex match; Python code runs once per structural event (word end,
# quote, comment, line end), and once a line holds its 32 words the rest of
# it is skipped word by word inside the regex engine.
_NOT_WORD = rb"#\n \t\v\f\r=\\"          # bytes that end an unquoted run
_NOT_QUOTED = rb'#"\\'                  # bytes that end a quoted run
_WORD_RUN = re.compile(rb"[^%s]*+(?:\\.[^%s]*+)*+" % (_NOT_WORD, _NOT_WORD), re.DOTALL)
_QUOTED_RUN = re.compile(rb"[^%s]*+(?:\\.[^%s]*+)*+" % (_NOT_QUOTED, _NOT_QUOTED), re.DOTALL)
_SPACE_RUN = re.compile(rb"[ \t\v\f\r]*+")
# Complete words and separators of a line that already has 32 words:
# separators, then closed quoted words or unquoted words each followed by
# what ends it (and more separators).  It stops at a line end, a comment, an
# unclosed quote, a lone trailing backslash or a word still open at the end
# of the data.
_SEPARATORS = rb"[ \t\v\f\r=]*+"
_SKIP_WORDS = re.compile(
    _SEPARATORS + rb"(?:(?:"
    + rb'"[^%s]*+(?:\\.[^%s]*+)*+"' % (_NOT_QUOTED, _NOT_QUOTED)
    + rb'|(?:[^%s"]|\\.)[^%s]*+(?:\\.[^%s]*+)*+(?=[#\n \t\v\f\r=])' % (
        _NOT_WORD, _NOT_WORD, _NOT_WORD)
    + rb")" + _SEPARATORS + rb")*+", re.DOTALL)
# Where a run of plain words and separators ends.
_STRUCTURAL = re.compile(rb'[\n#"\\]')
# addchar's filter (CVE-2012-2944) keeps 0x20-0x7F only.  Runs are cleaned
# with byte translations: droppable bytes become 0x01 (so escape pairs keep
# their places), escaped backslashes 0x02, then escape starters go.
_DROPPABLE = bytes([*range(0x20), *range(0x80, 0x100)])
_MARK_DROPPABLE = bytes.maketrans(_DROPPABLE, b"\x01" * len(_DROPPABLE))
_RESTORE_BACKSLASH = bytes.maketrans(b"\x02", b"\\")

# parser states, named as in parseconf.c
_FINDWORDSTART, _FINDEOL, _QUOTECOLLECT, _QC_LITERAL, _COLLECT, _COLLECTLITERAL = range(6)

QUOTE_ERROR = "Unbalanced word due to unescaped # in quotes"


@dataclass(frozen=True, slots=True)
class Line:
    """One logical line: its words, or the parse error that ended it.

    ``lineno`` is the physical line (1-based) on which the logical line began.
    """

    words: tuple[str, ...]
    lineno: int
    error: str | None = None


def _kept(run: bytes) -> bytes:
    """Return what a run of word bytes adds to its word: escapes undone, filter applied."""
    if b"\\" in run:
        run = run.translate(_MARK_DROPPABLE).replace(b"\\\\", b"\x02").replace(b"\\", b"")
        return run.translate(_RESTORE_BACKSLASH, b"\x01")
    return run.translate(None, _DROPPABLE)


class Tokenizer:
    """Feed bytes with :meth:`feed`; it yields each completed :class:`Line`.

    The tokenizer keeps partial words and open quotes between calls, so a
    request split across TCP segments parses as if it came whole.  Its cost
    is linear in the input whatever the input: runs of ordinary bytes are
    consumed by one regex match each, never byte by byte.

    While a line is being handed out, :attr:`offset` is where it ends in the
    data given to :meth:`feed` (the byte after its newline, or after the
    ``#`` of a parse error): upsd acts per 512-byte read, so the NUT port
    needs to know which read a line came in.
    """

    def __init__(self) -> None:
        self._state = _FINDWORDSTART
        self._words: list[str] = []
        self._word = bytearray()
        self._physical = 1
        self._start = 1
        self.remaining = b""
        self.offset = 0

    def feed(self, data: bytes) -> Iterator[Line]:
        """Parse ``data``; yield every line it completes, in order.

        After a parse error the rest of ``data`` is left unparsed in
        :attr:`remaining` (the caller decides whether to drop it, as upsd
        drops the rest of its read).
        """
        pos, end = 0, len(data)
        while pos < end:
            if self._state == _FINDWORDSTART and not self._words:
                # Fast path: a whole line of plain words (no quotes, escapes,
                # comments, '=' or dropped bytes) splits as the machine would.
                eol = data.find(b"\n", pos)
                if eol >= 0 and _PLAIN.fullmatch(data, pos, eol):
                    words = data[pos:eol].split()[:ARG_LIMIT]
                    pos = self.offset = eol + 1
                    self._physical += 1
                    plain = Line(tuple(w[:WORDLEN_LIMIT].decode("ascii") for w in words),
                                 self._start)
                    self._start = self._physical
                    yield plain
                    continue
            pos, line = self._step(data, pos)
            if line is not None:
                self.offset = pos
                if line.error is not None:
                    self.remaining = data[pos:]
                    yield line
                    return
                yield line
        self.remaining = b""

    def finish(self) -> Line | None:
        """End of input: return the last line if it had no newline."""
        if self._state in (_COLLECT, _COLLECTLITERAL) or self._word:
            self._end_word()
        if self._words:
            return self._take()
        return None

    # -- one step: a run and the byte that ends it ---------------------------

    def _step(self, data: bytes, pos: int) -> tuple[int, Line | None]:
        """Consume one run from ``pos`` and the byte after it; return the new position."""
        state = self._state
        if state == _FINDWORDSTART:
            return self._find_word_start(data, pos)
        if state == _COLLECT:
            return self._collect(data, pos)
        if state == _QUOTECOLLECT:
            return self._quote_collect(data, pos)
        if state == _FINDEOL:
            eol = data.find(b"\n", pos)
            if eol < 0:
                return len(data), None
            return eol + 1, self._end_line()
        # _QC_LITERAL or _COLLECTLITERAL: one byte taken as it is.
        ch = data[pos]
        if ch == 10:
            self._physical += 1
        elif 0x20 <= ch <= 0x7F and len(self._word) < WORDLEN_LIMIT:
            self._word.append(ch)
        self._state = _QUOTECOLLECT if state == _QC_LITERAL else _COLLECT
        return pos + 1, None

    def _find_word_start(self, data: bytes, pos: int) -> tuple[int, Line | None]:
        if len(self._words) >= ARG_LIMIT:
            pos = self._skip_words(data, pos)
            if self._state != _FINDWORDSTART:
                return pos, None
        else:
            pos = _SPACE_RUN.match(data, pos).end()  # type: ignore[union-attr]
        if pos >= len(data):
            return pos, None
        ch = data[pos]
        if ch == 10:
            return pos + 1, self._end_line()
        if ch == 0x23:  # '#'
            self._state = _FINDEOL
        elif ch == 0x5C:
            self._state = _COLLECTLITERAL
        elif ch == 0x22:
            self._state = _QUOTECOLLECT
        elif ch == 0x3D:  # '=' is a word of its own
            self._add_run(b"=")
            self._end_word()
        else:
            # The first byte of an unquoted word: the collector takes it.
            self._state = _COLLECT
            return pos, None
        return pos + 1, None

    def _skip_words(self, data: bytes, pos: int) -> int:
        """Pass over words a full line drops; leave the state right for what follows."""
        found = _STRUCTURAL.search(data, pos)
        stop = found.start() if found else len(data)
        if stop == len(data) or data[stop] in b"\n#":
            # Only plain words and separators up to a line end, a comment or
            # the end of the data: no newline to count, no quote to honour.
            if stop > pos and data[stop - 1] not in b" \t\v\f\r=":
                self._state = _COLLECT  # the last word may go on in the next data
            return stop
        skip_end = _SKIP_WORDS.match(data, pos).end()  # type: ignore[union-attr]
        self._physical += data.count(b"\n", pos, skip_end)
        return skip_end

    def _collect(self, data: bytes, pos: int) -> tuple[int, Line | None]:
        run_end = _WORD_RUN.match(data, pos).end()  # type: ignore[union-attr]
        if run_end > pos:
            self._physical += data.count(b"\n", pos, run_end)  # escaped newlines
            self._add_run(data[pos:run_end])
        if run_end >= len(data):
            return run_end, None
        ch = data[run_end]
        if ch == 0x5C:
            # A lone backslash ends the data: the next byte is taken as it is.
            self._state = _COLLECTLITERAL
            return run_end + 1, None
        self._end_word()
        self._state = _FINDWORDSTART
        if ch == 10:
            return run_end + 1, self._end_line()
        if ch == 0x23:
            self._state = _FINDEOL
        elif ch == 0x3D:
            self._add_run(b"=")
            self._end_word()
        return run_end + 1, None

    def _quote_collect(self, data: bytes, pos: int) -> tuple[int, Line | None]:
        run_end = _QUOTED_RUN.match(data, pos).end()  # type: ignore[union-attr]
        if run_end > pos:
            self._physical += data.count(b"\n", pos, run_end)  # swallowed newlines
            self._add_run(data[pos:run_end])
        if run_end >= len(data):
            return run_end, None
        ch = data[run_end]
        if ch == 0x5C:
            self._state = _QC_LITERAL
        elif ch == 0x22:
            self._end_word()
            self._state = _FINDWORDSTART
        else:  # '#' inside quotes
            self._end_word()
            return run_end + 1, self._take(QUOTE_ERROR)
        return run_end + 1, None

    # -- words and lines -----------------------------------------------------

    def _add_run(self, run: bytes) -> None:
        # Words are cut at 512 characters, and a line's 33rd word is dropped:
        # nothing is built that would be thrown away.
        room = WORDLEN_LIMIT - len(self._word)
        if room > 0 and len(self._words) < ARG_LIMIT:
            self._word += _kept(run)[:room]

    def _end_word(self) -> None:
        if len(self._words) < ARG_LIMIT:
            self._words.append(self._word.decode("ascii"))
        self._word = bytearray()

    def _end_line(self) -> Line:
        """A newline outside quotes ends the logical line."""
        line = self._take()
        self._physical += 1
        return line

    def _take(self, error: str | None = None) -> Line:
        # Hand the line out and start afresh: after a parse error too, as
        # pconf_char does, so the next line owes nothing to the broken one.
        line = Line(tuple(self._words), self._start, error)
        self._words = []
        self._word = bytearray()
        self._state = _FINDWORDSTART
        self._start = self._physical + 1 if error is None else self._physical
        return line


def split(line: str | bytes) -> list[str]:
    """Return the words of one line (no newline needed); [] on a parse error."""
    data = line.encode("latin-1", "replace") if isinstance(line, str) else line
    tok = Tokenizer()
    for parsed in tok.feed(data):
        return [] if parsed.error else list(parsed.words)
    last = tok.finish()
    return list(last.words) if last else []


def read_lines(data: bytes) -> Iterator[Line]:
    """Yield the non-empty lines of a whole file, parse errors included.

    After a parse error the rest of that physical line is skipped.
    """
    tok = Tokenizer()
    while data:
        for line in tok.feed(data):
            if line.error:
                rest = tok.remaining
                nl = rest.find(b"\n")
                data = rest[nl + 1:] if nl >= 0 else b""
                tok = _resume(line.lineno + 1)
                yield line
                break
            if line.words:
                yield line
        else:
            data = b""
    last = tok.finish()
    if last is not None and last.words:
        yield last


def _resume(lineno: int) -> Tokenizer:
    """Return a fresh tokenizer counting lines from ``lineno`` (after a line in error)."""
    tok = Tokenizer()
    tok._physical = tok._start = lineno
    return tok


def encode(value: str) -> str:
    """Escape ``\\``, ``"`` and ``#`` with a backslash (``pconf_encode``)."""
    if not any(c in _ESCAPED for c in value):
        return value
    return "".join("\\" + c if c in _ESCAPED else c for c in value)
