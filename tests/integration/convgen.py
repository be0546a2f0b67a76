"""A seeded generator of NUT conversations for the generated differential test.

:func:`plan` turns a seed and a count into rounds of conversations for the
fixtures of tests/fixtures/nut (three dummy UPSes, five users).  Each
conversation is a few request lines sent in one write; the generator covers
every command and sub-command with right, wrong, missing and extra
arguments, any letter case, unknown names, the tokenizer's quoting, escapes,
comments and control bytes, lines around upsd's 512-byte limits, auth
sequences in every order, SETs that change state, and pipelines (LOGOUT
followed by more lines among them).

A round is a parallel part (replies that cannot depend on other connections
or change state) and a sequential part (GET NUMLOGINS and LIST CLIENT from
several client addresses, held LOGINs, batches of SETs and tracked
SET/INSTCMDs with their read-back after a driver barrier, FSD in the last
round only).  The same seed always gives the same conversations.

What the README lists as intended differences is not generated rather than
masked: a SET that can reach the driver carries no backslash, quote or
``#`` and stays far below 512 bytes, an INSTCMD parameter holds no space or
``=``, and no SET or INSTCMD line holds DEL.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nut"
DEV_FILES = {"ups": "diff.dev", "second": "second.dev", "tower": "tower.dev"}
USERS = {"monuser": "secret", "prim": "primpw", "admin": "adminpw", "cmduser": "cmdpw",
         "setonly": "setpw"}
MAY_SET = ("admin", "setonly")
# Variables NUT's driver core adds to every dummy-ups UPS.
CORE_VARS = ("device.type", "driver.name", "driver.version", "driver.version.internal",
             "driver.parameter.port", "driver.parameter.pollinterval",
             "driver.parameter.synchronous", "driver.parameter.mode", "device.mfr",
             "device.model")
# dummy-ups 2.8.0's STRING variables and their lengths (drivers/dummy-ups.h);
# the other names it knows are NUMBER, and names it does not know STRING:32.
STRING_LEN = {"ups.mfr": 32, "ups.model": 32, "ups.status": 32, "ups.serial": 32,
              "ups.alarm": 32, "ups.time": 16, "ups.date": 16, "ups.mfr.date": 16,
              "ups.firmware": 16, "ups.firmware.aux": 16, "ups.id": 16,
              "ups.test.result": 16, "input.transfer.reason": 1, "input.sensitivity": 1,
              "input.quality": 6}
NUMBERS = ("ups.load", "ups.temperature", "ups.delay.start", "ups.delay.shutdown",
           "input.voltage", "input.voltage.nominal", "input.transfer.low",
           "input.transfer.high", "input.frequency", "output.voltage", "output.frequency",
           "battery.charge", "battery.charge.low", "battery.voltage", "battery.runtime",
           "battery.runtime.low", "battery.voltage.nominal")
# Deleting these (SET to "") leaves every UPS enough to work with.
DELETABLE = ("ups.temperature", "ups.delay.start", "battery.voltage.nominal", "device.type",
             "output.frequency", "battery.runtime.low", "device.serial", "ups.beeper.status")
STATUS_WORDS = ("OL", "OB", "LB", "CHRG", "DISCHRG", "RB", "BYPASS", "OFF", "TRIM", "BOOST",
                "ol", "Ob", "WAIT", "ALARM")
VERBS = ("VER", "NETVER", "PROTVER", "HELP", "STARTTLS", "GET", "LIST", "USERNAME",
         "PASSWORD", "LOGOUT", "LOGIN", "PRIMARY", "MASTER", "FSD", "SET", "INSTCMD")
NEAR_VERBS = ("GETS", "LISTS", "VERSION", "HELPME", "LOG", "LOGI", "USER", "PASS", "SETVAR",
              "INST", "CMD", "QUIT", "EXIT", "STARTSSL", "NETVERS", "PROT", "MASTERS", "F")
GET_SUBS = ("VAR", "TYPE", "DESC", "CMDDESC", "UPSDESC", "TRACKING")
LIST_SUBS = ("UPS", "VAR", "RW", "CMD", "ENUM", "RANGE")
UNKNOWN_VARS = ("nosuch.var", "ups", "ups.", "ups.status.x", "battery", "x", "server",
                "server.nosuch", "ups.statu", ".ups.status", "ups..status", "driver",
                "device.model.x", "battery.charge.", "Ups-Status", "load.off")
UNKNOWN_UPS = ("nosuch", "ups2", "up", "second.", "tow", "towers", "u", "default", "UPS ",
               "upsd", "*", "localhost", "ups@localhost")
SAFE_CHARS = string.ascii_letters + string.digits + " .-_:/+,;!?()[]{}@$%^&*~'|<>="
DROPPED = bytes(range(1, 9)) + bytes(range(14, 32)) + bytes((0x80, 0xA0, 0xE9, 0xFF))
SPACES = (" ", "  ", "\t", " \r", "\v", "\f", " \t ")


@dataclass(frozen=True)
class Conversation:
    """Request lines for one connection, sent in one write.

    ``hold`` keeps the connection open until its round's sequential part
    ends; ``barrier`` means every driver must have applied earlier SETs
    before it runs; ``context`` is the SET conversations a read-back checks;
    ``source`` is the client address (LIST CLIENT shows it, newest first);
    ``track``: ask GET TRACKING for the ids the replies hand out.
    """

    label: str
    lines: tuple[bytes, ...]
    hold: bool = False
    barrier: bool = False
    context: tuple[tuple[bytes, ...], ...] = ()
    source: str = "127.0.0.1"
    track: bool = False


@dataclass
class Round:
    """Conversations run concurrently, then ones run one at a time."""

    parallel: list[Conversation] = field(default_factory=list)
    sequential: list[Conversation] = field(default_factory=list)


def read_dev(path: Path) -> dict[str, str]:
    """The ``name: value`` lines of a dummy-ups file (roughly; for choosing values)."""
    values = {}
    for raw in path.read_text().splitlines():
        if raw.startswith("#") or ":" not in raw:
            continue
        name, _, value = raw.partition(":")
        values[name.strip()] = value.strip().strip('"').replace("\\", "")
    return values


class Model:
    """What the generator believes each UPS holds, to make SETs meaningful."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, str]] = {}
        for ups, name in DEV_FILES.items():
            values = {k: v for k, v in read_dev(FIXTURES / name).items()
                      if not k.startswith("driver.")}
            values.setdefault("ups.mfr", "Dummy Manufacturer")
            values.setdefault("ups.model", "Dummy UPS")
            values.setdefault("ups.status", "OL")
            values.setdefault("device.type", "ups")
            self.values[ups] = values
        self.deleted: set[tuple[str, str]] = set()
        self.copies_set: set[tuple[str, str]] = set()

    def settable(self, ups: str) -> list[str]:
        """Names a SET may reach the driver with."""
        return sorted(self.values[ups])

    @staticmethod
    def string_len(var: str) -> int | None:
        """dummy-ups' STRING length of ``var``, or None for a NUMBER."""
        if var in NUMBERS:
            return None
        return STRING_LEN.get(var, 32)


class Generator:
    """Builds conversations from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.model = Model()

    # -- words -------------------------------------------------------------------

    def pick(self, seq: Sequence[T]) -> T:
        """A random element of ``seq``."""
        return seq[self.rng.randrange(len(seq))]

    def case(self, word: str, p: float = 0.35) -> str:
        """``word`` in some letter case (as is with probability 1 - p)."""
        r = self.rng.random()
        if r > p:
            return word
        if r < p / 3:
            return word.upper()
        if r < 2 * p / 3:
            return word.lower()
        return "".join(c.upper() if self.rng.random() < 0.5 else c.lower() for c in word)

    def ups(self, good: float = 0.85) -> str:
        """A UPS name in any case, or a wrong one."""
        if self.rng.random() < good:
            return self.case(self.pick(list(DEV_FILES)))
        r = self.rng.random()
        if r < 0.1:
            return ""
        if r < 0.15:
            return "u" * self.rng.randint(40, 300)
        return self.pick(UNKNOWN_UPS)

    def var(self, ups: str, good: float = 0.8) -> str:
        """A variable name of ``ups`` in any case, or an unknown or server.* one."""
        r = self.rng.random()
        known = self.model.values.get(ups.lower())
        if r < good and known:
            pool = list(known) + list(CORE_VARS)
            return self.case(self.pick(pool), 0.2)
        if r < good + 0.07:
            return self.case(self.pick(("server.info", "server.version")))
        return self.pick(UNKNOWN_VARS + ("",))

    def word(self) -> str:
        """An arbitrary argument."""
        r = self.rng.random()
        if r < 0.3:
            return self.pick(VERBS + GET_SUBS + LIST_SUBS + tuple(DEV_FILES))
        if r < 0.4:
            return ""
        if r < 0.5:
            return "a b"
        if r < 0.6:
            return str(self.rng.randint(-5, 1000))
        return "".join(self.pick(string.ascii_letters + ".-_") for _ in range(self.rng.randint(1, 12)))

    def args(self, right: list[str], extra_pool: int = 3) -> list[str]:
        """``right`` as is, or with a word missing, or with extra words."""
        r = self.rng.random()
        if r < 0.65 or (not right and r < 0.8):
            return right
        if r < 0.82 and right:
            cut = self.rng.randrange(len(right))
            return right[:cut]
        return right + [self.word() for _ in range(self.rng.randint(1, extra_pool))]

    # -- rendering ---------------------------------------------------------------

    @staticmethod
    def encode(word: str) -> str:
        """``word`` as one token: plain, or quoted with pconf escapes when needed."""
        if word and not any(c in word for c in ' \t"#\\=\r\n\v\f') and word.isprintable():
            return word
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("#", "\\#") + '"'

    def sep(self) -> str:
        """Whitespace between words."""
        return " " if self.rng.random() < 0.8 else self.pick(SPACES)

    def end(self, plain: bool = False) -> str:
        """A line end, sometimes with CR or a comment."""
        r = self.rng.random()
        if plain or r < 0.8:
            return "\n"
        return self.pick(("\r\n", "\r\r\n", " # a comment\n", "\t#c\n", " \n", "#\n"))

    def render(self, words: list[str], hostile: bool = True) -> bytes:
        """One request line; ``hostile`` allows tokenizer tricks that alter words."""
        tokens = [self.encode(w) for w in words]
        if self.rng.random() < 0.08:
            tokens = [f'"{t}"' if t and t[0] != '"' and self.rng.random() < 0.4 else t
                      for t in tokens]
        line = self.sep().join(tokens)
        if self.rng.random() < 0.05:
            line = self.pick(SPACES) + line
        data = line.encode("latin-1")
        if hostile and self.rng.random() < 0.25:
            # README: pynutd refuses DEL in a SET value or INSTCMD parameter
            writes = bool(words) and words[0].upper() in ("SET", "INSTCMD")
            data = self.mangle(data, keep_del=not writes)
        return data + self.end().encode()

    def mangle(self, data: bytes, keep_del: bool = True) -> bytes:
        """One tokenizer trick: escapes, dropped bytes, quotes, ``=``, ``#``."""
        if not data:
            return data
        at = self.rng.randrange(len(data) + 1)
        kind = self.rng.randrange(11)
        if kind == 2 and not keep_del:
            kind = 1
        if kind == 0:      # an escape: the next byte is taken literally
            return data[:at] + b"\\" + data[at:]
        if kind == 1:      # a byte the tokenizer drops
            return data[:at] + bytes([self.pick(DROPPED)]) + data[at:]
        if kind == 2:      # DEL is kept
            return data[:at] + b"\x7f" + data[at:]
        if kind == 3:      # a quote in a word, or opening one
            return data[:at] + b'"' + data[at:]
        if kind == 4:      # "=" splits words outside quotes
            return data[:at] + b"=" + data[at:]
        if kind == 5:      # a comment from here
            return data[:at] + b"#" + data[at:]
        if kind == 6:      # an unescaped # inside quotes: a parse error, no reply
            return data[:at] + b' "x#y" ' + data[at:]
        if kind == 7:      # backslash-newline continues the line
            return data[:at] + b"\\\n" + data[at:]
        if kind == 8:      # a NUL byte
            return data[:at] + b"\x00" + data[at:]
        if kind == 9:      # an empty word
            return data + b' ""'
        return data[:at] + b"\\" + bytes([self.pick(b'"#\\= ')]) + data[at:]

    # -- read-only families ------------------------------------------------------

    def fam_misc(self) -> list[list[str]]:
        verb = self.pick(("VER", "NETVER", "PROTVER", "HELP", "STARTTLS"))
        return [[self.case(verb)] + self.args([])]

    def fam_get(self) -> list[list[str]]:
        sub = self.pick(GET_SUBS + ("FOO", "NUMLOGIN", "VARS", ""))
        ups = self.ups()
        if sub == "UPSDESC":
            right = [ups]
        elif sub == "TRACKING":
            right = [] if self.rng.random() < 0.5 else [self.tracking_id()]
        elif sub == "CMDDESC":
            right = [ups, self.case(self.pick(("load.off", "load.on", "shutdown.return",
                                               "nosuch.cmd", "test.battery.start")))]
        else:
            right = [ups, self.var(ups)]
        lines = [[self.case("GET"), self.case(sub)] + self.args(right)]
        if sub == "TRACKING" and self.rng.random() < 0.5:
            lines.insert(0, [self.case("SET"), "TRACKING", self.case("on")])
            lines[:0] = self.creds()
        return lines

    def tracking_id(self) -> str:
        hexd = "0123456789ABCDEF"
        parts = ["".join(self.pick(hexd) for _ in range(n)) for n in (8, 4, 4, 4, 12)]
        ident = "-".join(parts)
        return self.case(ident) if self.rng.random() < 0.7 else ident[:self.rng.randint(0, 40)]

    def fam_list(self) -> list[list[str]]:
        sub = self.pick(LIST_SUBS + ("CLIENTS", "FOO", "VARS", ""))
        ups = self.ups()
        if sub == "UPS":
            right: list[str] = []
        elif sub in ("ENUM", "RANGE"):
            right = [ups, self.var(ups)]
        else:
            right = [ups]
        return [[self.case("LIST"), self.case(sub)] + self.args(right)]

    def creds(self, user: str | None = None, good: float = 0.8) -> list[list[str]]:
        """USERNAME and PASSWORD lines (in either order), possibly wrong."""
        user = user or self.pick(list(USERS))
        password = USERS.get(user, "x")
        if self.rng.random() > good:
            r = self.rng.random()
            if r < 0.3:
                password = "wrong"
            elif r < 0.5:
                user = user.upper()
            elif r < 0.7:
                user = "nobody"
            else:
                password = password + " "
        lines = [[self.case("USERNAME"), user], [self.case("PASSWORD"), password]]
        if self.rng.random() < 0.2:
            lines.reverse()
        return lines

    def fam_userpass(self) -> list[list[str]]:
        lines = []
        for _ in range(self.rng.randint(1, 4)):
            verb = self.pick(("USERNAME", "PASSWORD"))
            right = [self.pick(list(USERS) + list(USERS.values()) + ["", "a b", "x=y"])]
            lines.append([self.case(verb)] + self.args(right))
        return lines

    def fam_auth(self) -> list[list[str]]:
        """USERNAME / PASSWORD / LOGIN / PRIMARY / MASTER / INSTCMD in some order."""
        user = self.pick(list(USERS) + ["nobody"])
        steps = self.creds(user, good=0.75)
        for _ in range(self.rng.randint(0, 4)):
            verb = self.pick(("LOGIN", "PRIMARY", "MASTER", "INSTCMD", "SET"))
            if verb == "INSTCMD":
                steps.append([self.case(verb)] + self.args([self.ups(), self.case("load.off")]))
            elif verb == "SET":
                steps.append([self.case(verb), self.case("TRACKING")]
                             + self.args([self.case(self.pick(("ON", "OFF", "maybe")))]))
            else:
                steps.append([self.case(verb)] + self.args([self.ups()]))
        self.rng.shuffle(steps)
        return steps

    def fam_instcmd(self) -> list[list[str]]:
        cmd = self.case(self.pick(("load.off", "load.on", "nosuch.cmd", "load.off.delay")))
        right = [self.ups(), cmd]
        if self.rng.random() < 0.4:
            right.append(self.pick(("10", "a b", "", "x=y", "1 2")))
        lines = self.creds(self.pick(list(USERS))) if self.rng.random() < 0.8 else []
        if self.rng.random() < 0.3:
            lines.append(["SET", "TRACKING", "ON"])
        return lines + [[self.case("INSTCMD")] + self.args(right)]

    def fam_unknown(self) -> list[list[str]]:
        r = self.rng.random()
        if r < 0.3:
            return [[self.pick(NEAR_VERBS)] + [self.word() for _ in range(self.rng.randint(0, 2))]]
        if r < 0.5:
            return [[]]
        if r < 0.7:
            return [[self.word()]]
        return [[self.case(self.pick(VERBS + ("GET", "LIST")))]]

    def fam_logout(self) -> list[list[str]]:
        return [[self.case("LOGOUT")] + self.args([])]

    def long_word(self, length: int) -> str:
        """A name-like word of exactly ``length`` characters."""
        base = self.pick(("ups.status.", "x", "battery.charge.", "a.b."))
        return (base * (length // len(base) + 1))[:length]

    def fam_long(self) -> list[bytes]:
        """Lines of 500-520 bytes, and replies of 509-514 bytes."""
        kind = self.rng.randrange(8)
        if kind == 0:   # GET DESC: 35 characters besides the variable name
            name = self.long_word(self.rng.randint(472, 480))
            return [f"GET DESC {self.case('ups')} {name}\n".encode()]
        if kind == 1:
            name = self.long_word(self.rng.randint(468, 480))
            return [f"GET CMDDESC {self.case('tower')} {name}\n".encode()]
        if kind == 2:   # the tower's description makes a 511-character line
            return [self.render([self.case("GET"), "UPSDESC", self.case("tower")], False),
                    self.render([self.case("VER")], False)]
        if kind == 3:   # a long UPS name with server.version (answered for any name)
            name = self.long_word(self.rng.randint(470, 480))
            return [f"GET VAR {name} server.version\n".encode(), b"NETVER\n"]
        if kind == 4:   # a whole line of 500-520 bytes, the verb known or not
            verb = self.pick(("GET VAR ups ", "LIST VAR ", "FOO ", "USERNAME ", "GET DESC ups "))
            size = self.rng.randint(500, 520)
            return [(verb + self.long_word(size - len(verb) - 1)).encode() + b"\n", b"VER\n"]
        if kind == 5:   # a word longer than 512 characters is cut at 512
            name = self.long_word(self.rng.randint(505, 530))
            return [f"GET DESC ups {name}\n".encode(), b"GET VAR ups ups.status\n"]
        if kind == 6:   # more than 32 words
            words = ["GET", "VAR", "ups", "ups.load"] + ["w"] * self.rng.randint(28, 40)
            return [(" ".join(words) + "\n").encode()]
        pad = self.rng.randint(500, 520)  # a line that spans two of upsd's reads
        return [b"VER" + b" " * pad + b"\n", b"NETVER\n", b"GET VAR second battery.charge\n"]

    def fam_tokenizer(self) -> list[bytes]:
        """Fixed tricks of the tokenizer, one at a time or mixed."""
        return [self.pick((
            b'USERNAME "abc\nVER\n"\n', b'GET VAR ups \\\nups.status\n', b"VER \\\n\n",
            b'GET VAR ups "ups#status"\nVER\n', b'GET "VAR" "ups" "ups.status"\n',
            b'GET VAR ups "ups.sta"tus\n', b"GET VAR ups ups.sta\\tus\n", b"\n", b"  \t \n",
            b"# only a comment\n", b"GET VAR ups ups.status=OL\n", b'GET VAR "" ups.status\n',
            b"GET VAR u\xe9ps ups.status\n", b"GET\tVAR\tups\tbattery.charge\n",
            b'LIST ENUM ups "ups.status" extra "more words"\n', b'GET VAR ups ""\n',
            b"GET VAR ups \x01ups.load\n", b'GET VAR "ups\\" ups.load\n', b"\\\n",
            b"GET VAR ups ups.load\r\r\n", b"\x00\n", b'"\n', b'""\n', b"=\n", b"==VER\n",
            b'VER "" \n', b"GET VAR ups ups.load\\\n\n", b'GET VAR ups "a\\\nb"\n',
            b"GET\\ VAR ups ups.load\n", b'GE"T" VAR ups ups.load\n', b"G\\ET VAR ups ups.load\n",
            b"\x7f\n", b"VER\x7f\n", b"GET VAR ups ups.load # x \" y\n",
        ))]

    READ_ONLY = (("misc", "fam_misc", 6), ("get", "fam_get", 22), ("list", "fam_list", 14),
                 ("userpass", "fam_userpass", 5), ("auth", "fam_auth", 10),
                 ("instcmd", "fam_instcmd", 4), ("unknown", "fam_unknown", 6))

    def read_only(self) -> Conversation:
        """A conversation whose replies depend on nothing else: 1-6 lines."""
        r = self.rng.random()
        if r < 0.07:
            return Conversation("long", tuple(self.fam_long()))
        if r < 0.12:
            return Conversation("tokenizer", tuple(self.fam_tokenizer() + self.rest(0, 2)))
        if r < 0.16:   # LOGOUT inside a pipeline
            lines = self.rest(0, 2) + [self.render(self.fam_logout()[0])] + self.rest(1, 3)
            if self.rng.random() < 0.2:
                lines.insert(-1, b" " * self.rng.randint(500, 620) + b"\n")
            return Conversation("logout", tuple(lines))
        label, lines = self.family()
        if self.rng.random() < 0.3:   # a pipeline of several families
            for _ in range(self.rng.randint(1, 3)):
                more_label, more = self.family()
                label, lines = f"{label}+{more_label}", lines + more
        return Conversation(label, tuple(lines))

    def family(self) -> tuple[str, list[bytes]]:
        """One read-only family's lines, rendered."""
        total = sum(w for _, _, w in self.READ_ONLY)
        r = self.rng.uniform(0, total)
        for label, method, weight in self.READ_ONLY:  # noqa: B007 - used after the loop
            r -= weight
            if r <= 0:
                break
        return label, [self.render(words) for words in getattr(self, method)()]

    def rest(self, low: int, high: int) -> list[bytes]:
        """A few more read-only lines."""
        lines: list[bytes] = []
        for _ in range(self.rng.randint(low, high)):
            lines += self.family()[1][:1]
        return lines

    # -- sequential families -------------------------------------------------------

    def counts(self) -> Conversation:
        """GET NUMLOGINS and LIST CLIENT, after a LOGIN of its own or not."""
        lines: list[bytes] = []
        if self.rng.random() < 0.4:
            lines += [self.render(w) for w in self.creds(self.pick(("monuser", "prim")))]
            lines.append(self.render([self.case("LOGIN"), self.ups()]))
        for _ in range(self.rng.randint(1, 3)):
            if self.rng.random() < 0.5:
                words = [self.case("GET"), self.case("NUMLOGINS")] + self.args([self.ups()])
            else:
                words = [self.case("LIST"), self.case("CLIENT")] + self.args([self.ups()])
            lines.append(self.render(words))
        return Conversation("counts", tuple(lines), source=self.source())

    def source(self) -> str:
        """A loopback client address, so LIST CLIENT's order shows."""
        return f"127.0.0.{self.rng.randint(1, 9)}"

    def holder(self) -> Conversation:
        """A LOGIN kept open while later conversations count logins."""
        user = self.pick(("monuser", "prim", "admin"))
        lines = [self.render(w, hostile=False) for w in self.creds(user, good=0.9)]
        lines.append(self.render([self.case("LOGIN"), self.ups(0.9)], hostile=False))
        return Conversation("held login", tuple(lines), hold=True, source=self.source())

    def set_value(self, ups: str, var: str) -> str:
        """A value that is safe to send to dummy-ups, sometimes too long or empty."""
        current = self.model.values[ups].get(var, "")
        size = self.model.string_len(var)
        r = self.rng.random()
        if var == "ups.status" and r < 0.6:
            return " ".join(self.pick(STATUS_WORDS) for _ in range(self.rng.randint(0, 3)))
        if r < 0.2 and any(c.isalpha() for c in current):
            # only the letter case differs (upsd and the driver see no change)
            variant = "".join(c.swapcase() if self.rng.random() < 0.6 else c for c in current)
            return variant if variant != current else current.swapcase()
        if r < 0.25 and (ups, var) not in self.model.deleted and var in DELETABLE:
            return ""
        if r < 0.3:
            return current
        if size is None:
            if r < 0.35:
                return "9" * self.rng.randint(250, 258)   # the driver keeps 255
            return self.pick(("0", "1", "42", "-7", "3.14", "1e3", "abc", " 5", "5 ",
                              "007", "+1", str(self.rng.randint(0, 100000))))
        length = self.rng.choice((1, 2, size, size, size + 1, self.rng.randint(1, size)))
        value = "".join(self.pick(SAFE_CHARS) for _ in range(length))
        if self.rng.random() < 0.1 and len(value) > 1:
            value = value[:1] + chr(self.pick(DROPPED)) + value[1:]   # dropped on the wire
        return value

    def setter(self, tracking: float = 0.3, instcmd: float = 0.0
               ) -> tuple[Conversation, list[tuple[str, str]]]:
        """SET VAR lines that may change state; returns what they touch.

        With probability ``instcmd`` a line is an INSTCMD instead (dummy-ups
        handles none; its parameter never has a space or ``=``, see README).
        """
        user = self.pick(MAY_SET)
        lines = [self.render(w, hostile=False) for w in self.creds(user, good=0.95)]
        if self.rng.random() < tracking:
            lines.append(self.render([self.case("SET"), self.case("TRACKING"), "ON"], False))
        touched: list[tuple[str, str]] = []
        for _ in range(self.rng.randint(1, 3)):
            if self.rng.random() < instcmd:
                words = [self.case("INSTCMD"), self.case(self.pick(list(DEV_FILES)), 0.2),
                         self.case(self.pick(("load.off", "load.on", "LOAD.OFF")))]
                lines.append(self.render(words + self.pick(([], ["10"], ["1.5"], [""])), False))
                continue
            ups = self.pick(list(DEV_FILES))
            r = self.rng.random()
            if r < 0.75:
                var = self.pick(self.model.settable(ups))
            elif r < 0.82:
                # the driver core's copies of ups.*: the model holds the
                # file's value, which the copy replaced
                ups = self.pick(("tower", ups))
                var = self.pick(("device.model", "device.mfr", "device.serial"))
            elif r < 0.9:
                var = self.pick(CORE_VARS)
            else:
                var = self.pick(UNKNOWN_VARS[:4])
            value = self.set_value(ups, var) if var in self.model.values[ups] else "1"
            if var.startswith("device.") and (ups, var) not in self.model.copies_set:
                # the first SET of a copy: the file's value (which the copy
                # replaced), or that in another letter case
                self.model.copies_set.add((ups, var))
                current = self.model.values[ups].get(var)
                if current:
                    value = self.pick((current, current.swapcase()))
            name = self.case(var, 0.15)
            if (var == "ups.status" and (ups, var) not in self.model.deleted
                    and self.rng.random() < 0.15):
                # dummy-ups treats only the lower-case name as the status:
                # any other spelling with an empty value deletes it
                name, value = self.pick(("UPS.STATUS", "Ups.Status", "ups.STATUS")), ""
            words = [self.case("SET"), self.case("VAR"), self.case(ups, 0.2), name, value]
            lines.append(self.render(words, hostile=False))
            touched.append((ups, var))
            self.apply(ups, var, value, deletes=value == "" and name != "ups.status")
            if value == "":
                # dummy-ups applies a SET up to a second later: whether a
                # later SET finds the variable would be a race on upsd.
                break
        return Conversation("set", tuple(lines)), touched

    def set_batch(self) -> list[Conversation]:
        """A few SET conversations, then one read-back after a driver barrier.

        dummy-ups 2.8.0 sleeps a second in every poll, so a SET may take
        that long to show in upsd: the barrier is paid once per batch.
        """
        setters: list[Conversation] = []
        touched: list[tuple[str, str]] = []
        for _ in range(self.rng.randint(4, 8)):
            if self.rng.random() < 0.25:
                # TRACKING ON, and the runner asks for each id handed out (on
                # the same connection, after the barrier below)
                conv, names = self.setter(tracking=1.0, instcmd=0.4)
                conv = Conversation("tracked", conv.lines, track=True)
            else:
                conv, names = self.setter()
            setters.append(conv)
            touched += [t for t in names if t not in touched]
            if b'""' in conv.lines[-1]:
                break   # a deletion: the barrier comes before any other SET
        reads = []
        for ups, var in touched:
            reads.append(self.render(["GET", "VAR", ups, var], False))
            if self.rng.random() < 0.3:
                reads.append(self.render(["GET", "TYPE", ups, var], False))
        if self.rng.random() < 0.5 or not reads:
            ups = touched[0][0] if touched else self.pick(list(DEV_FILES))
            reads.append(self.render([self.pick(("LIST", "list")), self.pick(("VAR", "RW")),
                                      ups], False))
        readback = Conversation("set read-back", tuple(reads), barrier=True,
                                context=tuple(c.lines for c in setters))
        return setters + [readback]

    def apply(self, ups: str, var: str, value: str, deletes: bool) -> None:
        """Follow an admin's SET in the model (as upsd would, roughly)."""
        values = self.model.values[ups]
        if var not in values:
            return
        size = self.model.string_len(var)
        if size is not None and len(value) > size:
            return
        if deletes:
            del values[var]
            self.model.deleted.add((ups, var))
        elif value.lower() != values[var].lower():
            values[var] = value

    def denied_set(self) -> Conversation:
        """SETs by users who may not SET: hostile values never reach a driver."""
        user = self.pick(("monuser", "prim", "cmduser", "nobody", "admin"))
        creds = self.creds(user, good=0.2 if user == "admin" else 0.9)
        if user == "admin":
            creds = [[self.case("USERNAME"), "admin"], [self.case("PASSWORD"), "wrong"]]
        lines = [self.render(w) for w in creds if self.rng.random() < 0.95]
        ups = self.ups()
        value = self.pick(('a "quoted" #value\\', "x" * 600, "", "a=b", "\\#", "ol"))
        for _ in range(self.rng.randint(1, 2)):
            words = [self.case("SET"), self.case(self.pick(("VAR", "TRACKING", "FOO", "")))]
            lines.append(self.render(words + self.args([ups, self.var(ups), value])))
        return Conversation("denied set", tuple(lines))

    def fsd(self) -> list[Conversation]:
        """FSD in an auth sequence, then what the latch shows."""
        user = self.pick(("prim", "admin", "monuser", "cmduser", "nobody"))
        steps = self.creds(user, good=0.8)
        ups = self.ups(0.9)
        steps.append([self.case("FSD")] + self.args([ups]))
        if self.rng.random() < 0.5:
            steps.append([self.case(self.pick(("PRIMARY", "MASTER", "LOGIN")))] + [self.ups()])
        self.rng.shuffle(steps)
        fsd = Conversation("fsd", tuple(self.render(w) for w in steps))
        name = self.pick(list(DEV_FILES))
        reads = (f"GET VAR {self.case(name)} ups.status\n".encode(),
                 f"LIST VAR {name}\n".encode(), f"LIST RW {name}\n".encode())
        return [fsd, Conversation("fsd read-back", reads, context=(fsd.lines,))]

    def sequential(self, last: bool) -> list[Conversation]:
        """One state- or count-dependent step (a conversation or two)."""
        r = self.rng.random()
        if r < 0.25:
            return [self.denied_set()]
        if r < 0.4:
            return [self.holder()]
        if last and r < 0.6:
            return self.fsd()
        return [self.counts()]


def affects_others(payload: bytes) -> bool:
    """True if a line might count logins, change state or read counts.

    Conservative: quotes, escapes, whitespace and dropped bytes are
    removed first, so no tokenizer trick hides an FSD or a SET VAR.
    """
    folded = bytes(b for b in payload.upper() if 0x21 <= b <= 0x7E and b not in b'"\\')
    return any(word in folded for word in (b"FSD", b"NUMLOGINS", b"CLIENT", b"SETVAR"))


def plan(seed: int, count: int, rounds: int | None = None) -> list[Round]:
    """``count`` conversations in ``rounds`` rounds plus a last read-only one.

    By default a round per thousand conversations (at least three), so a
    held LOGIN never nears upsd's 60-second idle limit.

    About a quarter run in the sequential parts, with a batch of SETs per 40
    of them; FSD only in the last of those, so the rounds before it read the
    UPSes without the latch.
    """
    gen = Generator(seed)
    rounds = rounds or max(3, count // 1000)
    plans = [Round() for _ in range(rounds + 1)]
    per_round = count // (rounds + 1)
    sequential = per_round // 3
    for index, rnd in enumerate(plans):
        last = index == rounds
        size = count - per_round * rounds if last else per_round
        seq_size = 0 if last else sequential
        batches = max(1, seq_size // 40) if seq_size else 0
        steps: list[list[Conversation]] = []
        while sum(map(len, steps)) < seq_size - 7 * batches:
            steps.append(gen.sequential(last=index == rounds - 1))
        # SET batches go in at random places, made in the order they run,
        # so the model follows the servers
        places = sorted(gen.rng.randrange(len(steps) + 1) for _ in range(batches))
        for done, at in enumerate(places):
            steps.insert(at + done, gen.set_batch())
        rnd.sequential = [conv for step in steps for conv in step]
        while len(rnd.parallel) + len(rnd.sequential) < size:
            conv = gen.read_only()
            if affects_others(b"".join(conv.lines)):
                rnd.sequential.append(conv)
            else:
                rnd.parallel.append(conv)
    return plans
