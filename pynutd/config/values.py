"""Checks for single configuration values: integers, numbers, durations, names.

Each function takes the text as written and returns the value, or raises
ValueError with a message that names what was expected; the file readers
add the file and line.  Every range is bounded, so a value that passes
here can never fail later (no 10**400 seconds, no ``nan``, no ``inf``).
"""

from __future__ import annotations

import math
import re

INT32_MAX = 2**31 - 1          # upsd keeps MAXAGE and friends in a C int
MAX_SECONDS = 100 * 365 * 86400.0   # durations: a century is plenty
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

_INTEGER = re.compile(r"\+?[0-9]{1,30}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[eE][+-]?[0-9]{1,3})?")
_DURATION = re.compile(r"\s*([0-9]{1,30}(?:\.[0-9]{1,30})?)\s*([smhdw]?)\s*")
_NUT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def shown(text: str, limit: int = 40) -> str:
    """Return ``text`` quoted for a message, cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def integer(text: str, lo: int, hi: int) -> int:
    """Return ``text`` as a decimal integer in ``lo..hi``."""
    word = text.strip()
    if not _INTEGER.fullmatch(word) or not lo <= int(word) <= hi:
        raise ValueError(f"must be an integer from {lo} to {hi}, not {shown(word)}")
    return int(word)


def number(text: str, lo: float, hi: float) -> float:
    """Return ``text`` as a finite decimal number in ``lo..hi`` (no nan, no inf)."""
    word = text.strip()
    value = float(word) if _NUMBER.fullmatch(word) else math.nan
    if not lo <= value <= hi:   # false for nan too
        raise ValueError(f"must be a number from {lo:g} to {hi:g}, not {shown(word)}")
    return value


def parse_duration(text: str) -> float:
    """Return seconds for ``30d``, ``48h``, ``15m``, ``90s`` or ``90``; ValueError if bad."""
    match = _DURATION.fullmatch(text.lower())
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * UNITS[match.group(2) or "s"]


def duration(text: str, lo: float, hi: float = MAX_SECONDS) -> float:
    """Return a duration (see :func:`parse_duration`) of ``lo..hi`` seconds."""
    try:
        value = parse_duration(text)
    except ValueError:
        raise ValueError(f"must be a duration like 30d, 48h or 2 (seconds), "
                         f"not {shown(text.strip())}") from None
    if not lo <= value <= hi:
        raise ValueError(f"must be from {lo:g} to {hi:g} seconds, not {shown(text.strip())}")
    return value


def nut_name(text: str) -> str:
    """Return ``text`` if it is a NUT variable name (``battery.charge``)."""
    if not _NUT_NAME.fullmatch(text):
        raise ValueError(f"{shown(text)} is not a NUT variable name")
    return text


def plain_text(text: str) -> str:
    """Return ``text`` if it holds no control characters (tabs aside)."""
    bad = _CONTROL.search(text)
    if bad:
        raise ValueError(f"holds the control character U+{ord(bad.group()):04X}")
    return text
