"""The dump files of a HID UPS: ``FILE.hex``, ``FILE.reports.txt`` and ``FILE.strings.txt``.

What ``pynutd read --dump`` writes (:func:`dump_texts`), what a virtual UPS
(``port = virtual:FILE.hex``) and the test fixtures load, and what a bug
report needs: the report descriptor as hex bytes, one ``RID: bytes`` line
per feature report, and the USB strings as ``key: text`` lines (see
docs/usb-hid.md).  ``#`` starts a comment in all three.

test-case-name: tests.test_hid_tables
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pynutd.drivers.hid.device import HidBackend


def from_hex(text: str) -> bytes:
    """Return the bytes of a ``.hex`` file (whitespace-separated hex, # comments)."""
    words = []
    for line in text.splitlines():
        words.extend(line.split("#", 1)[0].split())
    return bytes(int(w, 16) for w in words)


def parse_reports(text: str) -> dict[int, bytes]:
    """Return report ID -> bytes from a ``.reports.txt`` (``RID: bytes`` lines).

    The bytes start with the report ID, as GET_REPORT returns them; ``#``
    starts a comment.  A short line (fewer bytes than the descriptor
    declares) is kept short: that is how some devices answer.
    """
    reports: dict[int, bytes] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        rid_text, _, data = line.partition(":")
        data_bytes = bytes(int(w, 16) for w in data.split())
        rid = int(rid_text, 16)
        if not data_bytes or data_bytes[0] != rid:
            raise ValueError(f"report {rid_text}: bytes must start with the report ID")
        reports[rid] = data_bytes
    return reports


def load_strings(path: Path) -> dict[str, str]:
    """Read a ``.strings.txt``: ``key: text`` lines, ``#`` comments."""
    strings: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#") and ":" in line:
                key, _, text = line.partition(":")
                strings[key.strip().lower()] = text.strip()
    return strings


def dump_texts(raw: bytes, replies: Mapping[int, bytes | str], indexed: Mapping[int, str],
               backend: HidBackend) -> dict[str, str]:
    """Return the three dump files' texts (see docs/usb-hid.md, bug reports)."""
    hexlines = [" ".join(f"{b:02x}" for b in raw[i:i + 16]) for i in range(0, len(raw), 16)]
    ident = (f"{backend.vendor_id:04x}:{backend.product_id:04x} "
             f"{backend.manufacturer or '?'} / {backend.product or '?'}")
    reports = [f"# Feature reports of {ident}, read by pynutd (GET_REPORT, ID first)."]
    for rid, data in sorted(replies.items()):
        if isinstance(data, bytes) and data:
            reports.append(f"{rid:02x}: " + " ".join(f"{b:02x}" for b in data))
        else:
            reports.append(f"# {rid:02x}: {data or 'empty reply'}")
    strings = [f"manufacturer: {backend.manufacturer or ''}",
               f"product: {backend.product or ''}", f"serial: {backend.serial or ''}"]
    strings += [f"{index}: {text}" for index, text in sorted(indexed.items())]
    return {".hex": "\n".join(hexlines) + "\n", ".reports.txt": "\n".join(reports) + "\n",
            ".strings.txt": "\n".join(strings) + "\n"}
