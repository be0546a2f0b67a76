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

_SPACE = frozenset(b" \t\n\v\f\r")
# Lines made only of these bytes need none of the state machine's rules.
_PLAIN = re.compile(rb"[\t\v\f\r\x20\x21\x24-\x3c\x3e-\x5b\x5d-\x7f]*")
_ESCAPED = frozenset('\\"#')

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


class Tokenizer:
    """Feed bytes with :meth:`feed`; it yields each completed :class:`Line`.

    The tokenizer keeps partial words and open quotes between calls, so a
    request split across TCP segments parses as if it came whole.
    """

    def __init__(self) -> None:
        self._state = _FINDWORDSTART
        self._words: list[str] = []
        self._word = bytearray()
        self._physical = 1
        self._start = 1
        self.remaining = b""

    def feed(self, data: bytes) -> Iterator[Line]:
        """Parse ``data``; yield every line it completes, in order.

        After a parse error the rest of ``data`` is left unparsed (the caller
        decides whether to drop it, as upsd drops the rest of its read).
        """
        start = 0
        # Fast path: a whole line of plain words (no quotes, escapes, comments,
        # '=' or dropped bytes) splits exactly as the state machine would.
        while self._state == _FINDWORDSTART and not self._words:
            end = data.find(b"\n", start)
            if end < 0 or not _PLAIN.fullmatch(data, start, end):
                break
            words = data[start:end].split()[:ARG_LIMIT]
            yield Line(tuple(w[:WORDLEN_LIMIT].decode("ascii") for w in words), self._start)
            start = end + 1
            self._physical += 1
            self._start = self._physical
        if start:
            data = data[start:]
        for index, ch in enumerate(data):
            line = self._char(ch)
            if ch == 10:
                self._physical += 1
            if line is not None:
                if line.error is not None:
                    self.remaining = data[index + 1:]
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

    def _take(self, error: str | None = None) -> Line:
        line = Line(tuple(self._words), self._start, error)
        self._words = []
        self._word = bytearray()
        self._state = _FINDWORDSTART
        self._start = self._physical + 1 if error is None else self._physical
        return line

    def _add(self, ch: int) -> None:
        # CVE-2012-2944: keep only space to DEL; cut overlong words silently.
        if 0x20 <= ch <= 0x7F and len(self._word) < WORDLEN_LIMIT:
            self._word.append(ch)

    def _end_word(self) -> None:
        if len(self._words) < ARG_LIMIT:
            self._words.append(self._word.decode("ascii"))
        self._word = bytearray()

    def _char(self, ch: int) -> Line | None:
        state = self._state
        if state == _FINDWORDSTART:
            return self._find_word_start(ch)
        if state == _FINDEOL:
            return self._take() if ch == 10 else None
        if state == _QUOTECOLLECT:
            if ch == 0x23:  # '#'
                self._end_word()
                return self._take(QUOTE_ERROR)
            if ch == 0x22:
                self._end_word()
                self._state = _FINDWORDSTART
            elif ch == 0x5C:
                self._state = _QC_LITERAL
            else:
                self._add(ch)
            return None
        if state == _QC_LITERAL:
            if ch != 10:
                self._add(ch)
            self._state = _QUOTECOLLECT
            return None
        if state == _COLLECTLITERAL:
            if ch != 10:
                self._add(ch)
            self._state = _COLLECT
            return None
        return self._collect(ch)

    def _find_word_start(self, ch: int) -> Line | None:
        if ch == 10:
            return self._take()
        if ch == 0x23:
            self._state = _FINDEOL
        elif ch in _SPACE:
            pass
        elif ch == 0x5C:
            self._state = _COLLECTLITERAL
        elif ch == 0x22:
            self._state = _QUOTECOLLECT
        else:
            self._add(ch)
            if ch == 0x3D:  # '=' is a word of its own
                self._end_word()
            else:
                self._state = _COLLECT
        return None

    def _collect(self, ch: int) -> Line | None:
        if ch == 0x23:
            self._end_word()
            self._state = _FINDEOL
        elif ch == 10:
            self._end_word()
            return self._take()
        elif ch in _SPACE:
            self._end_word()
            self._state = _FINDWORDSTART
        elif ch == 0x3D:
            self._end_word()
            self._add(ch)
            self._end_word()
            self._state = _FINDWORDSTART
        elif ch == 0x5C:
            self._state = _COLLECTLITERAL
        else:
            self._add(ch)
        return None


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
                tok = _resume(tok, line.lineno + 1)
                yield line
                break
            if line.words:
                yield line
        else:
            data = b""
    last = tok.finish()
    if last is not None and last.words:
        yield last


def _resume(old: Tokenizer, lineno: int) -> Tokenizer:
    tok = Tokenizer()
    tok._physical = tok._start = lineno
    return tok


def encode(value: str) -> str:
    """Escape ``\\``, ``"`` and ``#`` with a backslash (``pconf_encode``)."""
    if not any(c in _ESCAPED for c in value):
        return value
    return "".join("\\" + c if c in _ESCAPED else c for c in value)
