"""Build a HID report descriptor from NUT-style paths: the virtual UPS for a table with no captured device.

A subdriver with no public capture is tested on a descriptor built from
its own rows: :func:`build_descriptor` turns :class:`Element` specs (a
dotted NUT path such as ``UPS.PowerConverter.Input.[1].Voltage``, a report
ID, size and ranges) into descriptor bytes whose parse gives those very
paths.  A ``[n]`` node after a usage makes that usage's collection of type
``0x80 | n``, as NUT's hidparser.c reads it back; the outermost collection
is an Application collection, the others Physical.  Reports are laid out
in the order the elements are given, each element one field.

test-case-name: tests.test_hid_paths
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pynutd.drivers.hid.descriptor import FEATURE, INDEX_NODE, INPUT, OUTPUT
from pynutd.drivers.hid.usages import string_to_path

_MAIN = {INPUT: 0x80, OUTPUT: 0x90, FEATURE: 0xB0}


@dataclass(frozen=True, slots=True)
class Element:
    """One field to declare: its path, report and value encoding."""

    path: str
    report_id: int
    size: int = 8
    log_min: int = 0
    log_max: int = 255
    kind: str = FEATURE
    unit: int = 0
    unit_exp: int = 0
    physical: tuple[int, int] | None = None
    constant: bool = False


def _item(prefix: int, value: int) -> bytes:
    """A short item carrying ``value`` as a 4-byte little-endian number."""
    return bytes([prefix | 3]) + (value & 0xFFFFFFFF).to_bytes(4, "little")


def _chain(nodes: tuple[int, ...]) -> list[tuple[int, int]]:
    """(usage, collection type) of every collection around a field's usage."""
    chain: list[tuple[int, int]] = []
    for node in nodes[:-1]:
        if node & 0xFFFF0000 == INDEX_NODE:
            if not chain:
                raise ValueError("an index node must follow a collection usage")
            usage, _ = chain[-1]
            chain[-1] = (usage, 0x80 | (node & 0x7F))
        else:
            chain.append((node, 0x00))
    return chain


def build_descriptor(elements: Iterable[Element],
                     names: Mapping[int, str] | None = None) -> bytes:
    """Return descriptor bytes declaring ``elements`` (usage names: ``names`` then NUT's).

    Raises ValueError for a path naming no usage.
    """
    out = bytearray()
    open_chain: list[tuple[int, int]] = []
    for el in elements:
        nodes = string_to_path(el.path, names or {})
        if not nodes or nodes[-1] & 0xFFFF0000 == INDEX_NODE:
            raise ValueError(f"{el.path!r} does not end with a usage")
        chain = _chain(nodes)
        keep = 0
        while keep < min(len(chain), len(open_chain)) and chain[keep] == open_chain[keep]:
            keep += 1
        out += b"\xc0" * (len(open_chain) - keep)
        for depth, (usage, ctype) in enumerate(chain[keep:], start=keep):
            out += _item(0x08, usage)
            out += bytes([0xA1, ctype if ctype or depth else 0x01])
        open_chain = chain
        out += _item(0x84, el.report_id) + _item(0x74, el.size) + _item(0x94, 1)
        out += _item(0x14, el.log_min) + _item(0x24, el.log_max)
        out += _item(0x64, el.unit) + _item(0x54, el.unit_exp & 0xF)
        phy_min, phy_max = el.physical or (0, 0)
        out += _item(0x34, phy_min) + _item(0x44, phy_max)
        out += _item(0x08, nodes[-1])
        out += bytes([_MAIN[el.kind] | 1, 0x03 if el.constant else 0x02])
    out += b"\xc0" * len(open_chain)
    return bytes(out)
