"""Run NUT conversations against Debian's upsd 2.8.0 and pynutd side by side.

Shared by the differential tests: the two servers on the same configuration
(:func:`server_pair`), one conversation on one fresh connection
(:func:`exchange`), the masks for what the README lists as intended
differences (:func:`normalise`), and :class:`PairRunner`, which runs many
conversations on both servers, concurrently where the replies cannot depend
on other connections, waits for the drivers to apply SETs, and shrinks a
differing conversation to a minimal one.

How a conversation's end is found: a sentinel request follows it, and
reading stops at the sentinel's reply or when the server closes.  upsd drops
the rest of a 512-byte read after a parse error and decides LOGOUT's close
per read, so when either may matter the sentinel goes in a read of its own,
after the server has answered (or 150 ms of silence).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from tests.integration.harness import Pynutd
from tests.integration.nutref import RealUpsd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nut"
FIXTURE_FILES = ("upsd.users", "diff.dev", "second.dev", "tower.dev")
UPS_NAMES = ("ups", "second", "tower")

# Answered before any UPS lookup, so it works on every connection; the name
# __end__ appears in no conversation.
SENTINEL = b"GET VAR __end__ server.version\n"
SENTINEL_REPLY = b'VAR __end__ server.version "2.8.0"\n'
READ_SIZE = 512  # upsd's read(): a parse error drops the rest of one such read

UUID = re.compile(rb"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")
VERSIONED = [
    # upsd names itself (VER, server.info); pynutd names itself there too, an
    # intended difference.  Not anchored: after a line cut at 512 bytes the
    # next reply starts mid-line.
    (re.compile(rb'Network UPS Tools upsd 2\.8\.0 - [^\n"]*'), b"<VER>"),
    (re.compile(rb'^((?:VAR|RW) \S+ (?i:driver\.(?:version|version\.internal|name))) ".*"$',
                re.MULTILINE),
     rb'\1 "<DRIVER>"'),
]


def normalise(reply: bytes) -> bytes:
    """Mask what README lists as intended: version strings and tracking ids."""
    reply = UUID.sub(b"<UUID>", reply)
    for pattern, repl in VERSIONED:
        reply = pattern.sub(repl, reply)
    return reply


def prepare_confdir(confdir: Path) -> None:
    """Write the differential configuration: fixtures plus the third UPS.

    ``ups-extra.conf`` is appended to ``ups.conf`` here only: other tests
    serve the fixtures' two UPSes and list exactly those.
    """
    for name in FIXTURE_FILES:
        shutil.copy(FIXTURES / name, confdir / name)
    (confdir / "ups.conf").write_text((FIXTURES / "ups.conf").read_text() + "\n"
                                      + (FIXTURES / "ups-extra.conf").read_text())


@contextlib.contextmanager
def server_pair(ref_dir: Path, our_dir: Path) -> Iterator[tuple[RealUpsd, Pynutd]]:
    """Start upsd + dummy-ups and pynutd on the same configuration; stop both."""
    prepare_confdir(ref_dir)
    prepare_confdir(our_dir)
    with RealUpsd(ref_dir) as ref, Pynutd(our_dir, wait_for_ups="ups") as ours:
        for port in (ref.port, ours.port):
            ours.wait_until(lambda port=port: all(map(partial(serving, port), UPS_NAMES)))
        yield ref, ours


def serving(port: int, ups: str) -> bool:
    """True once ``ups`` is served with its driver's data.

    upsd answers ups.status "WAIT" until a driver's dump arrives, and the
    dump ends with the command list.
    """
    reply = exchange(port, f"GET VAR {ups} ups.status\nLIST CMD {ups}\n".encode())
    return reply.startswith(b"VAR") and b'"WAIT"' not in reply and b" load.off\n" in reply


# -- framing ------------------------------------------------------------------

# parseconf states (common/parseconf.c), only as far as line ends go
_WORDSTART, _COLLECT, _LITERAL, _QUOTE, _QLITERAL, _COMMENT = range(6)
_SPACE = frozenset(b" \t\n\v\f\r")   # C isspace()


def _scan(payload: bytes) -> tuple[bool, bool]:
    """Return (ends mid-line, had a parse error) for ``payload`` as upsd reads it."""
    state, midline, error = _WORDSTART, False, False
    for start in range(0, len(payload), READ_SIZE):
        for ch in payload[start:start + READ_SIZE]:
            midline = True
            if state == _QUOTE:
                if ch == ord("#"):
                    error = True
                    state, midline = _WORDSTART, False
                    break   # the rest of this read is dropped
                state = {ord('"'): _WORDSTART, ord("\\"): _QLITERAL}.get(ch, _QUOTE)
            elif state in (_LITERAL, _QLITERAL):
                state = _COLLECT if state == _LITERAL else _QUOTE
            elif ch == ord("\n"):
                state, midline = _WORDSTART, False
            elif state == _COMMENT:
                pass
            elif ch == ord("#"):
                state = _COMMENT
            elif ch == ord("\\"):
                state = _LITERAL
            elif ch == ord('"') and state == _WORDSTART:
                state = _QUOTE
            elif ch in _SPACE or ch == ord("="):
                state = _WORDSTART
            else:
                state = _COLLECT
    return midline, error


def frame(payload: bytes) -> bytes:
    """Close an open quote or line at the end, so the sentinel is a line of its own."""
    for _ in range(3):
        if not _scan(payload)[0]:
            return payload
        for tail in (b"\n", b'"\n'):
            if not _scan(payload + tail)[0]:
                return payload + tail
        payload += b'"'
    return payload


_FOLD = re.compile(rb'[\\"\x00-\x20\x7f-\xff]')


def needs_pause(payload: bytes) -> bool:
    """True when the sentinel must come in a read of its own (parse error, LOGOUT)."""
    return _scan(payload)[1] or b"LOGOUT" in _FOLD.sub(b"", payload).upper()


# -- one connection -------------------------------------------------------------

def exchange(port: int, payload: bytes, pause: float | None = None,
             keep: list[socket.socket] | None = None, source: str = "127.0.0.1") -> bytes:
    """Send ``payload`` on a fresh connection; return every byte received.

    ``pause`` is how long to wait for the server to start answering before
    the sentinel goes in a write of its own (None: decide by the payload).
    The connection is then half-closed and the server's close awaited, so
    a LOGIN is gone from NUMLOGINS before the next conversation starts; with
    ``keep``, the socket is left open and appended to it instead.
    ``source`` is the client's address (any of 127.0.0.0/8), which LIST
    CLIENT shows.
    """
    payload = frame(payload)
    if pause is None:
        pause = 0.15 if needs_pause(payload) else 0.0
    out = b""
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    try:
        if pause:
            s.sendall(payload)
            out = _read_quiet(s, pause)
            _send(s, SENTINEL)
        else:
            s.sendall(payload + SENTINEL)
        out += _read_to_sentinel(s, out)
        if keep is not None and out.endswith(SENTINEL_REPLY):
            keep.append(s)
            s = None  # type: ignore[assignment]
        else:
            release(s)
    finally:
        if s is not None:
            s.close()
    return out


def _send(s: socket.socket, data: bytes) -> None:
    try:
        s.sendall(data)
    except OSError:
        pass  # closed by the server (LOGOUT): what came before is the answer


def _read_quiet(s: socket.socket, first: float, quiet: float = 0.02) -> bytes:
    """Read until the server has said something and then paused, or ``first`` passed."""
    out = b""
    s.settimeout(first)
    while True:
        try:
            chunk = s.recv(65536)
        except (TimeoutError, OSError):
            return out
        if not chunk:
            return out
        out += chunk
        s.settimeout(quiet)


def _read_to_sentinel(s: socket.socket, already: bytes) -> bytes:
    out = b""
    deadline = time.monotonic() + 5
    resend = time.monotonic() + 1
    s.settimeout(0.25)
    while not (already + out).endswith(SENTINEL_REPLY) and time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except TimeoutError:
            if time.monotonic() > resend:
                # The sentinel shared a read with a parse error: ask again.
                _send(s, SENTINEL)
                resend = time.monotonic() + 1
            continue
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def release(s: socket.socket) -> None:
    """Half-close ``s`` and wait until the server has closed its side."""
    try:
        s.shutdown(socket.SHUT_WR)
        s.settimeout(2)
        while s.recv(65536):
            pass
    except OSError:
        pass
    finally:
        s.close()


# -- many conversations ----------------------------------------------------------

def _shape(line: bytes | None) -> str:
    """A reply line's kind: its first word, the variable named, length and end."""
    if line is None:
        return "<nothing more>"
    words = line.split(b" ", 3)
    shape = words[0].decode("latin-1")
    if shape in ("VAR", "RW", "TYPE") and len(words) > 2:
        shape += " " + words[2].decode("latin-1")
    if len(line) >= 500:
        # a line cut at 512 bytes runs into the next reply: lengths vary
        return shape + " <long>"
    if not line.endswith(b"\n"):
        shape += " <no newline>"
    return shape


@dataclass
class Difference:
    """A conversation whose replies differ, and its shrunk form."""

    label: str
    lines: tuple[bytes, ...]
    theirs: bytes
    mine: bytes
    context: tuple[tuple[bytes, ...], ...] = ()   # earlier SET / FSD conversations
    shrunk: tuple[bytes, ...] | None = None
    shrunk_theirs: bytes = b""
    shrunk_mine: bytes = b""

    def signature(self) -> tuple[str, ...]:
        """A rough cause: the shapes of the first reply lines that differ."""
        theirs, mine = self.shrunk_theirs, self.shrunk_mine
        if self.shrunk is None:
            theirs, mine = self.theirs, self.mine
        a = normalise(theirs).splitlines(keepends=True)
        b = normalise(mine).splitlines(keepends=True)
        i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        return (_shape(a[i] if i < len(a) else None), _shape(b[i] if i < len(b) else None))

    def report(self) -> str:
        """The minimal conversation with both servers' bytes."""
        lines, theirs, mine = self.lines, self.theirs, self.mine
        if self.shrunk is not None:
            lines, theirs, mine = self.shrunk, self.shrunk_theirs, self.shrunk_mine
        text = [f"[{self.label}]"]
        # only the earlier conversations that name what this one reads: its
        # variables, else its UPSes
        words = [_FOLD.sub(b" ", line).lower().split() for line in lines]
        names = {w[3] for w in words if len(w) > 3} or {w[2] for w in words if len(w) > 2}
        relevant = [c for c in self.context if any(n in b"".join(c).lower() for n in names)]
        for earlier in relevant[-6:]:
            text.append(f"  after:  {frame(b''.join(earlier))!r}")
        if self.context:
            text.append("  (then every driver had applied the SETs)")
        text += [f"  sent:   {frame(b''.join(lines))!r}", f"  upsd:   {theirs!r}",
                 f"  pynutd: {mine!r}"]
        return "\n".join(text)


@dataclass
class Stats:
    """What a run compared."""

    conversations: int = 0
    reply_lines: int = 0
    request_lines: int = 0
    differences: list[Difference] = field(default_factory=list)


class PairRunner:
    """Runs conversations on upsd (``ref``) and pynutd (``ours``) and compares.

    The first differences of each rough kind are shrunk as soon as they are
    found, while both servers still hold the state they were found in.
    """

    def __init__(self, ref_port: int, our_port: int, workers: int = 12,
                 shrink_limit: int = 12) -> None:
        self.ports = (ref_port, our_port)
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.stats = Stats()
        self.held: list[socket.socket] = []
        self.shrink_limit = shrink_limit
        self._kinds: set[tuple[str, ...]] = set()
        self._tracked: list[tuple[str, tuple[bytes, ...], dict[int, list[socket.socket]],
                                  list[bytes]]] = []

    def close(self) -> None:
        """Release held connections and stop the threads."""
        for _, _, kept, _ in self._tracked:
            for sockets in kept.values():
                for s in sockets:
                    s.close()
        self.release_held()
        self.pool.shutdown()

    def both(self, lines: Sequence[bytes], hold: bool = False,
             source: str = "127.0.0.1") -> tuple[bytes, bytes]:
        """Run one conversation on both servers at once; return (upsd, pynutd)."""
        payload = b"".join(lines)
        keep = self.held if hold else None
        theirs, mine = self.pool.map(
            lambda port: exchange(port, payload, keep=keep, source=source), self.ports)
        return theirs, mine

    def compare(self, label: str, lines: Sequence[bytes], theirs: bytes, mine: bytes,
                context: tuple[tuple[bytes, ...], ...] = (), shrink: bool = True) -> bool:
        """Count one compared conversation; record (and shrink) it if it differs."""
        self.stats.conversations += 1
        self.stats.request_lines += len(lines)
        self.stats.reply_lines += theirs.count(b"\n") - theirs.endswith(SENTINEL_REPLY)
        if normalise(theirs) == normalise(mine):
            return True
        diff = Difference(label, tuple(lines), theirs, mine, context)
        self.stats.differences.append(diff)
        kind = diff.signature()
        if shrink and kind not in self._kinds and len(self._kinds) < self.shrink_limit:
            self._kinds.add(kind)
            self.shrink(diff)
        return False

    def run_parallel(self, convs: Sequence[tuple[str, Sequence[bytes]]]) -> None:
        """Run conversations that cannot affect each other, many at a time."""
        payloads = [b"".join(lines) for _, lines in convs]
        jobs = [(port, p) for p in payloads for port in self.ports]
        replies = list(self.pool.map(lambda job: exchange(*job), jobs))
        for i, (label, lines) in enumerate(convs):
            self.compare(label, lines, replies[2 * i], replies[2 * i + 1])

    def run_one(self, label: str, lines: Sequence[bytes], hold: bool = False,
                context: tuple[tuple[bytes, ...], ...] = (), read_only: bool = True,
                source: str = "127.0.0.1") -> bool:
        """Run one conversation on both servers while nothing else runs; compare.

        Only a ``read_only`` one is shrunk (running a SET again is no test).
        """
        theirs, mine = self.both(lines, hold, source)
        return self.compare(label, lines, theirs, mine, context, shrink=read_only and not hold)

    def run_tracked(self, label: str, lines: Sequence[bytes]) -> None:
        """Run a conversation that turns TRACKING on; its ids are asked later.

        The connections stay open until the next :meth:`barrier`, which
        then sends GET TRACKING for each id each server handed out (the
        first also in lower case: ids match without regard to case) and
        compares the whole exchange.
        """
        payload = b"".join(lines)
        kept: dict[int, list[socket.socket]] = {port: [] for port in self.ports}
        first = list(self.pool.map(
            lambda port: exchange(port, payload, keep=kept[port]), self.ports))
        self._tracked.append((label, tuple(lines), kept, first))

    def _ask_tracked(self) -> None:
        def ask(port: int, kept: list[socket.socket], reply: bytes) -> bytes:
            if not kept:
                return b""
            ids = re.findall(rb"OK TRACKING (\S+)\n", reply)
            query = b"".join(b"GET TRACKING " + i + b"\n" for i in ids)
            if ids:
                query += b"GET TRACKING " + ids[0].lower() + b"\n"
            kept[0].sendall(query + SENTINEL)
            out = _read_to_sentinel(kept[0], b"")
            release(kept[0])
            return out

        pending, self._tracked = self._tracked, []
        for label, lines, kept, first in pending:
            theirs, mine = (a + b for a, b in zip(first, self.pool.map(
                ask, self.ports, [kept[p] for p in self.ports], first), strict=True))
            self.compare(label, lines, theirs, mine, shrink=False)

    def release_held(self) -> None:
        """Close the connections kept open by ``hold``; wait for the servers."""
        held, self.held = self.held, []
        list(self.pool.map(release, held))

    def barrier(self, ups_names: Sequence[str] = UPS_NAMES) -> None:
        """Wait until each driver has handled every SET sent to it so far.

        A driver answers commands in order, so once a tracked INSTCMD sent
        after them is no longer PENDING, the SETs before it are applied
        (upsd has read their SETINFO lines before the tracking result).
        """
        jobs = [(port, name) for port in self.ports for name in ups_names]
        list(self.pool.map(lambda job: driver_barrier(*job), jobs))
        self._ask_tracked()

    def shrink(self, diff: Difference, budget: int = 40) -> None:
        """Drop lines while the replies still differ."""
        lines = list(diff.lines)
        best = (diff.theirs, diff.mine)
        changed = True
        while changed and budget > 0 and len(lines) > 1:
            changed = False
            for i in reversed(range(len(lines))):
                if budget <= 0 or len(lines) == 1:
                    break
                trial = lines[:i] + lines[i + 1:]
                budget -= 1
                theirs, mine = self.both(trial)
                if normalise(theirs) != normalise(mine):
                    lines, best, changed = trial, (theirs, mine), True
        diff.shrunk, (diff.shrunk_theirs, diff.shrunk_mine) = tuple(lines), best


def driver_barrier(port: int, ups: str, timeout: float = 3.0) -> None:
    """Wait until the driver of ``ups`` has handled what was sent to it (see PairRunner)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b"USERNAME admin\nPASSWORD adminpw\nSET TRACKING ON\n"
                  + f"INSTCMD {ups} load.off\n".encode())
        reply = _read_lines(s, 4)
        found = re.search(rb"OK TRACKING (\S+)\n", reply)
        if not found:
            raise AssertionError(f"driver barrier on port {port}: {reply!r}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s.sendall(b"GET TRACKING " + found.group(1) + b"\n")
            if not _read_lines(s, 1).startswith(b"PENDING"):
                return
            time.sleep(0.01)
        raise AssertionError(f"the driver of {ups} on port {port} did not answer")
    finally:
        release(s)


def _read_lines(s: socket.socket, count: int) -> bytes:
    out = b""
    while out.count(b"\n") < count:
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    return out


def summary(stats: Stats, seed: int, elapsed: float, shown: int = 15) -> str:
    """Counts, then one minimal conversation per rough cause, most frequent first."""
    head = (f"seed {seed}: {stats.conversations} conversations, {stats.request_lines} request "
            f"lines, {stats.reply_lines} reply lines compared in {elapsed:.1f} s; "
            f"{len(stats.differences)} differ")
    lines = [head]
    causes: dict[tuple[str, ...], list[Difference]] = {}
    for diff in stats.differences:
        causes.setdefault(diff.signature(), []).append(diff)
    ranked = sorted(causes.items(), key=lambda item: -len(item[1]))
    for kind, diffs in ranked[:shown]:
        example = next((d for d in diffs if d.shrunk is not None), diffs[0])
        lines.append(f"\n{len(diffs)} x upsd {kind[0]!r} / pynutd {kind[1]!r}, e.g.\n"
                     + example.report())
    if len(ranked) > shown:
        lines.append(f"... and {len(ranked) - shown} more kinds")
    return "\n".join(lines)
