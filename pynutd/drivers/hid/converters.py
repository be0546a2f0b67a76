"""Converters for HID rows (NUT's hid2info): a physical value to the text NUT prints.

Small pure functions named for what they do, shared by every vendor table;
a vendor's own converters live in its module.  A converter takes the
physical value and a :class:`Context` (USB strings, the product's scale
factors, the values read so far) and returns the text, or None to leave the
variable out.

test-case-name: tests.test_hid_tables
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class Context:
    """What converters may consult: device strings and scale factors."""

    def __init__(self, strings: Callable[[int], str | None],
                 scales: Mapping[str, float], values: Mapping[str, str],
                 state: dict[str, Any] | None = None) -> None:
        self.strings = strings
        self.scales = scales
        self.values = values
        # Per-device memory a subdriver's converters keep between polls
        # (NUT's subdrivers keep it in globals: MGE's ABM mode, model type).
        self.state: dict[str, Any] = {} if state is None else state


Converter = Callable[[float, Context], "str | None"]


def c_format(value: float, fmt: str) -> str:
    """Format like C's printf for the formats NUT's tables use."""
    if fmt == "%s":
        return str(value)
    return fmt % value


def lookup(table: Mapping[int, str]) -> Converter:
    """Return a converter mapping an integer value to text (None if absent)."""
    def convert(value: float, ctx: Context) -> str | None:
        return table.get(int(value))
    convert.reverse = {v: k for k, v in table.items()}  # type: ignore[attr-defined]
    return convert


def kelvin_celsius(value: float, ctx: Context) -> str:
    """Kelvin to °C; values outside 273..373 are taken as °C already (HP)."""
    return f"{value - 273.15:.1f}" if 273 <= value <= 373 else f"{value:.1f}"


def packed_date(value: float, ctx: Context) -> str:
    """The Battery System date: (year - 1980) * 512 + month * 32 + day."""
    raw = int(value)
    if raw == 0:
        return "not set"
    return f"{(raw >> 9) + 1980:04d}/{(raw >> 5) & 0x0F:02d}/{raw & 0x1F:02d}"


def reads_string(convert: Converter) -> Converter:
    """Mark ``convert`` as taking a USB string index, so the driver fetches that string first."""
    convert.reads_string = True  # type: ignore[attr-defined]
    return convert


def takes_string(convert: Converter | None) -> bool:
    """Return whether a row's converter was marked with :func:`reads_string`."""
    return bool(getattr(convert, "reads_string", False))


@reads_string
def string_index(value: float, ctx: Context) -> str | None:
    """A USB string descriptor index: the string itself."""
    return ctx.strings(int(value))


def scaled(scale: str, fmt: str = "%.1f") -> Converter:
    """Return a converter multiplying by the subdriver's named scale factor."""
    def convert(value: float, ctx: Context) -> str:
        return c_format(value * ctx.scales.get(scale, 1.0), fmt)
    return convert


TEST_RESULT = {1: "Done and passed", 2: "Done and warning", 3: "Done and error",
               4: "Aborted", 5: "In progress", 6: "No test initiated", 7: "Test scheduled"}
BEEPER = {1: "disabled", 2: "enabled", 3: "muted"}
selftest_result = lookup(TEST_RESULT)
beeper = lookup(BEEPER)
