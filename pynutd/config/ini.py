"""pynutd.conf's INI syntax, read into sections of located ``key = value`` entries.

The syntax is configparser's as pynutd.conf uses it: ``[section]`` headers,
``key = value`` or ``key: value`` (keys are case-insensitive), ``#`` and
``;`` comment lines, indented continuation lines.  The reader is pynutd's
own so that every entry keeps its line and every mistake has one: a
repeated section or key, a line that is no ``key = value``, text that is
not UTF-8, or a control character.  A ``#`` or ``;`` after whitespace
starts a comment, as in the documentation's examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pynutd.config.errors import ConfigError
from pynutd.config.values import shown

_SECTION = re.compile(r"\[\s*([^\[\]]*?)\s*\]")
_KEY = re.compile(r"[a-z0-9_.-]{1,64}")
_COMMENT = re.compile(r"\s[#;].*\Z", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``key = value`` (continuation lines joined with newlines)."""

    key: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Section:
    """One ``[name]`` and its entries, in file order."""

    name: str
    line: int
    entries: tuple[Entry, ...]

    def get(self, key: str) -> Entry | None:
        """Return the entry for ``key`` (lower case), or None."""
        return next((e for e in self.entries if e.key == key), None)


@dataclass
class _DraftEntry:
    key: str
    value: str
    line: int
    indent: int


@dataclass
class _Draft:
    name: str
    line: int
    entries: list[_DraftEntry]


def read_ini(path: Path) -> tuple[Section, ...]:
    """Read pynutd.conf; an absent file has no sections."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror}") from None
    return parse_ini(data, str(path))


def parse_ini(data: bytes, path: str) -> tuple[Section, ...]:
    """Parse the bytes of an INI file; raise ConfigError at the first bad line."""
    text = _decode(data, path)
    sections: list[_Draft] = []
    for number, raw in _lines(text):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            continue
        bad = _CONTROL.search(raw)
        if bad:
            raise ConfigError(path, number, f"control character U+{ord(bad.group()):04X} "
                              "in the line")
        stripped = _COMMENT.sub("", stripped)
        indent = len(raw) - len(raw.lstrip())
        current = sections[-1] if sections else None
        if indent and current and current.entries and indent > current.entries[-1].indent:
            last = current.entries[-1]
            last.value = f"{last.value}\n{stripped}" if last.value else stripped
            continue
        if stripped.startswith("["):
            sections.append(_header(stripped, number, path, sections))
        elif current is None:
            raise ConfigError(path, number, "a setting before the first [section]")
        else:
            current.entries.append(_entry(stripped, number, indent, path, current))
    return tuple(Section(d.name, d.line, tuple(Entry(e.key, e.value, e.line) for e in d.entries))
                 for d in sections)


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(path, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x})") from None


def _lines(text: str) -> Iterator[tuple[int, str]]:
    # Only \n ends a line (str.splitlines would also split at \f, \x1c, U+2028...,
    # and the line numbers would no longer match an editor's).
    for number, raw in enumerate(text.split("\n"), 1):
        yield number, raw.removesuffix("\r")


def _header(text: str, number: int, path: str, sections: list[_Draft]) -> _Draft:
    match = _SECTION.fullmatch(text)
    if match is None or not match.group(1):
        raise ConfigError(path, number, f"bad section header {shown(text)}")
    name = match.group(1)
    for other in sections:
        if other.name.lower() == name.lower():
            raise ConfigError(path, number, f"section [{name}] is already on line {other.line}")
    return _Draft(name, number, [])


def _entry(text: str, number: int, indent: int, path: str, section: _Draft) -> _DraftEntry:
    cut = min((i for i in (text.find("="), text.find(":")) if i >= 0), default=-1)
    if cut < 0:
        raise ConfigError(path, number, f"[{section.name}] expected 'key = value', "
                          f"not {shown(text)}")
    key = text[:cut].strip().lower()
    if not _KEY.fullmatch(key):
        raise ConfigError(path, number, f"[{section.name}] bad key {shown(key)}")
    for other in section.entries:
        if other.key == key:
            raise ConfigError(path, number, f"[{section.name}] {key} is already set on "
                              f"line {other.line}")
    return _DraftEntry(key, text[cut + 1:].strip(), number, indent)
