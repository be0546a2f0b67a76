"""Tripp Lite protocol 2012 (SMART1500LCD, 09ae:2012): the fixed feature-report layout.

Report IDs and sizes from Tripp Lite's "Communication Protocol 2012"
(Rev 1.0, 2011-02-03; summarised in shared/hid/RESEARCH.md §3), the same
reports the TrippLite USB HID reader (numat/tripplite) reads with ``get_feature_report(id,
nbytes + 1)``.  Values are little-endian after the report ID.

Two uses: :func:`reader_layout` prints that reader's JSON shape for
``pynutd read --tripplite-layout``, and :data:`LAYOUT`, the Tripp Lite
table's :class:`~pynutd.drivers.hid.rows.FixedLayout` hook, gives NUT
variables the descriptor route does not (the 2012 firmware's descriptor
mis-declares units and some status bits).

test-case-name: tests.test_hid_tripplite_2012
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pynutd.drivers.hid.rows import FixedLayout

PRODUCT_ID = 0x2012

# Report 0x32, one byte on protocol 2012: bit n -> name (the tripplite reader's keys).
STATUS_BITS = ("shutdown imminent", "ac present", "charging", "discharging",
               "needs replacement", "below remaining capacity", "fully charged",
               "fully discharged")
# The same bits as usbhid-ups' internal flags.
STATUS_FLAGS = ("shutdownimm", "online", "chrg", "dischrg", "replacebatt", "lowbatt",
                "fullycharged", "depleted")
STATUS_REPORT = 0x32


@dataclass(frozen=True, slots=True)
class Reading:
    """One fixed-layout value: report ID, payload bytes, scale, NUT name."""

    group: str          # the tripplite reader's JSON key ("config", "input", ...)
    key: str | None     # sub-key, None for a top-level value
    report_id: int
    nbytes: int
    scale: float        # 0.1 for decivolts / decihertz
    var: str | None     # the NUT variable it also gives
    fmt: str = "%.0f"


READINGS = (
    Reading("config", "voltage", 0x30, 1, 1, "input.voltage.nominal"),
    Reading("config", "frequency", 0x02, 1, 1, "output.frequency.nominal"),
    Reading("config", "power", 0x03, 2, 1, "ups.power.nominal"),
    Reading("input", "voltage", 0x18, 2, 0.1, "input.voltage", "%.1f"),
    Reading("input", "frequency", 0x19, 2, 0.1, "input.frequency", "%.1f"),
    Reading("output", "voltage", 0x1B, 2, 0.1, "output.voltage", "%.1f"),
    Reading("output", "power", 0x47, 2, 1, "ups.realpower", "%.1f"),
    Reading("health", None, 0x34, 1, 1, "battery.charge"),
    Reading("time to empty", None, 0x35, 2, 1, "battery.runtime"),
)

# Only on protocol 2012 firmware; battery voltage lives in the Battery
# collection (0x20, decivolts), not PowerSummary.Voltage.
FALLBACK = READINGS + (Reading("battery", "voltage", 0x20, 2, 0.1, "battery.voltage", "%.1f"),)


def report_lengths() -> dict[int, int]:
    """Return report ID -> GET_REPORT length (payload + ID byte) of every reading."""
    lengths = {r.report_id: r.nbytes + 1 for r in FALLBACK}
    lengths[STATUS_REPORT] = 2
    return lengths


def _payload(reports: Mapping[int, bytes], rid: int, nbytes: int) -> int | None:
    data = reports.get(rid)
    if data is None or len(data) < 1 + nbytes or data[0] != rid:
        return None
    return int.from_bytes(data[1:1 + nbytes], "little")


def _number(raw: int, scale: float) -> float | int:
    return raw * scale if scale != 1 else raw


def reader_layout(reports: Mapping[int, bytes]) -> dict[str, object]:
    """Return the tripplite reader's JSON object; unreadable values are None."""
    out: dict[str, object] = {}
    for r in READINGS:
        raw = _payload(reports, r.report_id, r.nbytes)
        value = None if raw is None else _number(raw, r.scale)
        if r.key is None:
            out[r.group] = value
        else:
            group = out.setdefault(r.group, {})
            assert isinstance(group, dict)
            group[r.key] = value
    bits = _payload(reports, STATUS_REPORT, 1)
    out["status"] = ({name: bool(bits >> i & 1) for i, name in enumerate(STATUS_BITS)}
                     if bits is not None else None)
    return dict(sorted(out.items()))


def fallback_values(reports: Mapping[int, bytes], missing: set[str]) -> dict[str, str]:
    """Return NUT values for the ``missing`` variables the fixed layout gives."""
    values = {}
    for r in FALLBACK:
        if r.var is None or r.var not in missing:
            continue
        raw = _payload(reports, r.report_id, r.nbytes)
        # 0xFFFF (or 0xFF) marks "not supported" in the protocol document.
        if raw is None or raw == (1 << (8 * r.nbytes)) - 1:
            continue
        values[r.var] = r.fmt % (raw * r.scale)
    return values


def fallback_flags(reports: Mapping[int, bytes]) -> dict[str, bool]:
    """Return usbhid-ups status flags from the one-byte status report."""
    bits = _payload(reports, STATUS_REPORT, 1)
    if bits is None:
        return {}
    return {flag: bool(bits >> i & 1) for i, flag in enumerate(STATUS_FLAGS)}


LAYOUT = FixedLayout(
    vendor_id=0x09AE, product_id=PRODUCT_ID,
    variables=frozenset(r.var for r in FALLBACK if r.var),
    lengths=report_lengths(), values=fallback_values, flags=fallback_flags)
