"""Build a HID report descriptor and its reports from a subdriver's paths (test helper).

For subdrivers with no public descriptor: every field gets a report of its
own (the next free ID unless it names one; offset 0), nested in the collections its
path names, with the logical range and size given.  The files written are
the ones a virtual HID UPS loads (``.hex``, ``.reports.txt``,
``.strings.txt``), so the real driver reads them as it reads a device.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pynutd.drivers.hid.descriptor import INDEX_NODE
from pynutd.drivers.hid.usages import string_to_path


@dataclass(frozen=True)
class Field:
    """One feature field: its dotted path, logical value, bits and logical range."""

    path: str
    value: int
    size: int = 8
    log_min: int = 0
    log_max: int | None = None     # default: the largest unsigned value of ``size`` bits
    unit: int = 0
    unit_exp: int = 0
    report_id: int | None = None   # default: the next free ID


def _item(prefix: int, value: int, nbytes: int) -> bytes:
    code = {0: 0, 1: 1, 2: 2, 4: 3}[nbytes]
    return bytes([prefix | code]) + (value & ((1 << (8 * nbytes)) - 1)).to_bytes(nbytes, "little")


def _signed_item(prefix: int, value: int) -> bytes:
    for nbytes in (1, 2, 4):
        if -(1 << (8 * nbytes - 1)) <= value < (1 << (8 * nbytes - 1)):
            return _item(prefix, value, nbytes)
    raise ValueError(value)


def build(fields: Sequence[Field], names: Mapping[int, str]) -> tuple[bytes, dict[int, bytes]]:
    """Return (descriptor bytes, report ID -> report bytes) for ``fields``.

    Collections are Logical (0x02), the outermost Application (0x01); a
    ``[n]`` node is made as NUT reads it, by a collection of type 0x80 | n.
    """
    out = bytearray()
    reports: dict[int, bytes] = {}
    fixed = {f.report_id for f in fields if f.report_id is not None}
    free = (rid for rid in range(1, 256) if rid not in fixed)
    for fld in fields:
        rid = fld.report_id if fld.report_id is not None else next(free)
        assert rid not in reports, f"report 0x{rid:02x} used twice"
        path = string_to_path(fld.path, names)
        assert path is not None, f"unknown usage in {fld.path}"
        opened = 0
        nodes = path[:-1]
        for i, node in enumerate(nodes):
            if node & 0xFFFF0000 == INDEX_NODE:
                continue    # made by the collection before it (type 0x80 | n)
            nxt = nodes[i + 1] if i + 1 < len(nodes) else 0
            kind = (0x80 | (nxt & 0x7F) if nxt & 0xFFFF0000 == INDEX_NODE
                    else 0x01 if i == 0 else 0x02)
            out += _item(0x08, node, 4) + _item(0xA0, kind, 1)
            opened += 1
        log_max = (1 << fld.size) - 1 if fld.log_max is None else fld.log_max
        out += _item(0x84, rid, 1) + _signed_item(0x14, fld.log_min)
        out += _signed_item(0x24, log_max) if log_max < (1 << 31) else _item(0x24, log_max, 4)
        out += _item(0x64, fld.unit, 4) + _item(0x54, fld.unit_exp & 0xF, 1)
        out += _item(0x74, fld.size, 1) + _item(0x94, 1, 1)
        out += _item(0x08, path[-1], 4) + _item(0xB0, 0x02, 1)
        out += b"\xc0" * opened
        nbytes = (fld.size + 7) // 8
        reports[rid] = bytes([rid]) + (fld.value & ((1 << (8 * nbytes)) - 1)).to_bytes(
            nbytes, "little")
    return bytes(out), reports


def write_device(folder: Path, name: str, fields: Sequence[Field], names: Mapping[int, str],
                 strings: Mapping[str, str]) -> Path:
    """Write ``name``.hex/.reports.txt/.strings.txt under ``folder``; return the .hex path.

    ``name`` ends in ``VVVV_PPPP`` so the virtual UPS takes its USB IDs from it.
    """
    desc, reports = build(fields, names)
    hex_path = folder / f"{name}.hex"
    hex_path.write_text(desc.hex(" ") + "\n")
    (folder / f"{name}.reports.txt").write_text(
        "".join(f"{rid:02x}: {data.hex(' ')}\n" for rid, data in reports.items()))
    (folder / f"{name}.strings.txt").write_text(
        "".join(f"{key}: {text}\n" for key, text in strings.items()))
    return hex_path
