"""HID report descriptors: parse them into fields, decode and encode reports.

Pure code, no I/O: bytes in, values out.  The rules follow the HID 1.11
specification as NUT's usbhid-ups applies them (``drivers/hidparser.c``,
``drivers/libhid.c``), because pynutd must print the same numbers NUT prints
for the same device:

* every main item element that has a usage becomes one :class:`HidField`
  with the *path* of enclosing collection usages plus its own usage
  (``UPS.PowerSummary.RemainingCapacity``); a vendor collection type
  (>= 0x80) adds an index node ``0x00ff0000 | (type & 0x7f)`` (NUT's ``[1]``);
* usages are consumed one per element and, as NUT's usage stack, do not
  repeat: elements past the last usage, and padding, give no field but
  still take bits;
* bit offsets count per (report ID, report kind), after the ID byte, in
  NUT's 8-bit counters; a report's length is the same for every kind;
* Push/Pop and Usage Minimum/Maximum are ignored, as hidparser.c does;
* Logical Maximum below Logical Minimum is re-read as unsigned (NUT's
  "assumed LogMax" hack for APC firmware);
* decoding masks, sign-extends (only when LogMin < 0) and clamps;
* physical = linear map when both Physical extents are declared and not
  both 0, then times ``10 ** (UnitExp - E(unit))`` (E = 7 for volt, VA, W).

test-case-name: tests.test_hid_descriptor
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

INPUT, OUTPUT, FEATURE = "input", "output", "feature"
_MAIN_KINDS = {0x8: INPUT, 0x9: OUTPUT, 0xB: FEATURE}

# PDC 3.2.3 / libhid.c HIDUnits: the exponent a unit implies by itself.
UNIT_EXPONENT = {0x00F0D121: 7, 0x0000D121: 7}

INDEX_NODE = 0x00FF0000   # path node for a vendor collection type ("[n]")


class DescriptorError(ValueError):
    """The report descriptor is truncated or malformed."""


@dataclass(frozen=True, slots=True)
class HidField:
    """One data element of a report, as NUT's HIDData_t describes it."""

    path: tuple[int, ...]
    report_id: int
    kind: str
    offset: int          # bits after the report ID byte
    size: int            # bits
    attribute: int       # the main item's data byte (bit 0 = Constant)
    log_min: int
    log_max: int
    phy_min: int | None  # None when not declared
    phy_max: int | None
    unit: int
    unit_exp: int
    # hidparser.c's assumed_LogMax: set once a Logical Maximum below its
    # minimum was re-read unsigned, and, as NUT's parser state, for every
    # field after it (cps-hid.c's fix tests it)
    assumed_log_max: bool = False

    @property
    def usage(self) -> int:
        """The field's own usage (page << 16 | id)."""
        return self.path[-1]

    def decode(self, report: bytes) -> int:
        """Return the logical value of this field in ``report`` (ID first).

        Bytes missing from a short report read as zero.
        """
        raw = 0
        for i in range(self.size):
            bit = self.offset + 8 + i
            byte = bit >> 3
            if byte < len(report) and report[byte] >> (bit & 7) & 1:
                raw |= 1 << i
        return self._normalise(raw)

    def _normalise(self, raw: int) -> int:
        # hidparser.c GetValue: keep only the bits the logical range needs,
        # sign-extend when negative values are possible, then clamp.
        mag_max = self.log_max if self.log_max >= 0 else -(self.log_max + 1)
        mag_min = self.log_min if self.log_min >= 0 else -(self.log_min + 1)
        signbit = 1 << max(mag_max, mag_min).bit_length()
        mask = (signbit - 1) | (signbit if self.log_min < 0 else 0)
        value = raw & mask
        if self.log_min < 0 and value & signbit:
            value -= signbit << 1
        return min(max(value, self.log_min), self.log_max)

    def encode(self, report: bytearray, value: int) -> None:
        """Write logical ``value`` into ``report`` (two's complement, LSB first)."""
        need = (self.offset + self.size + 7) // 8 + 1
        if len(report) < need:
            report.extend(bytes(need - len(report)))
        for i in range(self.size):
            bit = self.offset + 8 + i
            if value >> i & 1:
                report[bit >> 3] |= 1 << (bit & 7)
            else:
                report[bit >> 3] &= ~(1 << (bit & 7)) & 0xFF

    @property
    def _scaled(self) -> bool:
        return (self.phy_min is not None and self.phy_max is not None
                and not (self.phy_min == 0 and self.phy_max == 0)
                and self.phy_max > self.phy_min and self.log_max > self.log_min)

    @property
    def exponent(self) -> int:
        """The power of ten a physical value is multiplied by (NUT's rule)."""
        return self.unit_exp - UNIT_EXPONENT.get(self.unit, 0)

    def to_physical(self, logical: int) -> float:
        """Return the value in the units NUT reports (libhid.c)."""
        value = float(logical)
        if self._scaled:
            assert self.phy_min is not None and self.phy_max is not None
            factor = (self.phy_max - self.phy_min) / (self.log_max - self.log_min)
            value = (logical - self.log_min) * factor + self.phy_min
            value = min(max(value, self.phy_min), self.phy_max)
        return value * 10.0 ** self.exponent

    def from_physical(self, value: float) -> int:
        """Return the logical value to write for physical ``value``.

        As libhid.c's physical_to_logical: truncation toward zero, and a
        clamp to the logical range only when a physical range applies (so
        -1 written to an unsigned 16-bit delay becomes 0xFFFF, "cancel").
        """
        # round(…, 6) first: 120 / 10**-1 is 1199.9999999999998 in binary.
        value = round(value / 10.0 ** self.exponent, 6)
        if not self._scaled:
            return int(value)
        assert self.phy_min is not None and self.phy_max is not None
        factor = (self.log_max - self.log_min) / (self.phy_max - self.phy_min)
        logical = int(round((value - self.phy_min) * factor, 6)) + self.log_min
        return min(max(logical, self.log_min), self.log_max)


@dataclass(frozen=True, slots=True)
class ReportDescriptor:
    """A parsed descriptor: its fields in descriptor order and report lengths.

    ``replen`` is NUT's ``HIDDesc_t.replen``: per report ID, the bytes its
    elements reach, whatever their kind (input, output and feature reports
    with one ID share one buffer length in libhid.c); ``kinds`` the
    (report ID, kind) pairs the descriptor declares.
    """

    fields: tuple[HidField, ...]
    replen: dict[int, int] = field(default_factory=dict)
    kinds: frozenset[tuple[int, str]] = frozenset()

    def report_length(self, report_id: int) -> int:
        """Return the bytes libhid asks for a report: ``replen`` plus the ID byte."""
        return self.replen.get(report_id, 0) + 1

    def report_ids(self, kind: str = FEATURE) -> list[int]:
        """Return the report IDs of ``kind``, sorted."""
        return sorted(rid for rid, k in self.kinds if k == kind)

    def find(self, path: Iterable[int], kind: str = FEATURE) -> HidField | None:
        """Return the first field of ``kind`` whose path starts with ``path``.

        NUT's FindObject_with_Path compares only the nodes given, so a
        collection path matches its first element.
        """
        nodes = tuple(path)
        for f in self.fields:
            if f.kind == kind and f.path[:len(nodes)] == nodes:
                return f
        return None

    def find_id_node(self, report_id: int, node: int) -> HidField | None:
        """Return the first field of any kind in ``report_id`` whose last node is ``node``.

        NUT's FindObject_with_ID_Node, which the subdrivers' fix_report_desc
        functions use to find the field they correct.
        """
        return next((f for f in self.fields
                     if f.report_id == report_id and f.path and f.path[-1] == node), None)

    def in_report(self, report_id: int, kind: str = INPUT) -> list[HidField]:
        """Return the fields carried by one report."""
        return [f for f in self.fields if f.report_id == report_id and f.kind == kind]


def _signed(value: int, nbytes: int) -> int:
    bits = 8 * nbytes
    if nbytes and value >> (bits - 1):
        return value - (1 << bits)
    return value


def _int8(value: int) -> int:
    value &= 0xFF
    return value - 0x100 if value & 0x80 else value


@dataclass(slots=True)
class _State:
    """hidparser.c's parser state: global items (never pushed: NUT ignores Push/Pop)."""

    page: int = 0
    log_min: int = 0
    log_max: int = 0
    phy_min: int | None = None
    phy_max: int | None = None
    unit: int = 0
    unit_exp: int = 0
    size: int = 0
    report_id: int = 0
    count: int = 0
    assumed: bool = False


MAX_REPORT = 500   # hidparser.c's OffsetTab entries (and the most items it keeps)


@dataclass(slots=True)
class _Slot:
    report_id: int
    kind: str
    offset: int = 0


class _Offsets:
    """hidparser.c's ``OffsetTab`` and ``GetReportOffset``, quirks included.

    Offsets are 8-bit in NUT (``uint8_t``), so they wrap after 256 bits; a
    slot whose report ID is 0 is taken as free and reset whenever it is
    passed, so fields of report ID 0 all sit at offset 0.  Both are what NUT
    reads from such a device, so pynutd reads the same.
    """

    def __init__(self) -> None:
        self.slots: list[_Slot] = []

    def slot(self, report_id: int, kind: str) -> _Slot:
        """Return the slot holding one report's next offset, as GetReportOffset."""
        for s in self.slots:
            if s.report_id == 0:
                s.report_id, s.kind, s.offset = report_id, kind, 0
            if s.report_id == report_id and s.kind == kind:
                return s
        if len(self.slots) >= MAX_REPORT:
            raise DescriptorError("too many reports")
        self.slots.append(_Slot(report_id, kind))
        return self.slots[-1]


def _items(data: bytes) -> Iterable[tuple[int, int, int, int]]:
    """Yield (type, tag, value, size in bytes) for every short item."""
    pos = 0
    while pos < len(data):
        prefix = data[pos]
        if prefix == 0xFE:   # long item: skip it, nothing in HID PDC uses them
            if pos + 2 >= len(data):
                raise DescriptorError(f"truncated long item at byte {pos}")
            pos += 3 + data[pos + 1]
            continue
        nbytes = (0, 1, 2, 4)[prefix & 3]
        if pos + 1 + nbytes > len(data):
            raise DescriptorError(f"truncated item at byte {pos}")
        value = int.from_bytes(data[pos + 1:pos + 1 + nbytes], "little")
        yield (prefix >> 2) & 3, prefix >> 4, value, nbytes
        pos += 1 + nbytes


def parse(data: bytes) -> ReportDescriptor:
    """Parse a report descriptor into a :class:`ReportDescriptor`, as NUT's HIDParse.

    A collection takes the first pending usage as its path node (0 when
    none) and, for a type >= 0x80, an index node; each element of a main
    item takes the next pending usage and is kept only when that usage is
    not 0 (the usage list is not repeated: NUT's usage stack runs out);
    Push/Pop and Usage Minimum/Maximum are ignored; collections left open
    at the end are accepted.
    """
    g = _State()
    usages: list[int] = []
    path: list[int] = []
    offsets = _Offsets()
    replen: dict[int, int] = {}
    kinds: set[tuple[int, str]] = set()
    fields: list[HidField] = []
    for kind, tag, value, nbytes in _items(data):
        if kind == 0:
            if tag in _MAIN_KINDS:
                _main_item(g, value, _MAIN_KINDS[tag], usages, path, offsets, fields, replen)
                kinds.add((g.report_id, _MAIN_KINDS[tag]))
            elif tag == 0xA:                     # Collection
                path.append(usages[0] if usages else 0)
                if value >= 0x80:
                    path.append(INDEX_NODE | (value & 0x7F))
            elif tag == 0xC:                     # End Collection
                if not path:
                    raise DescriptorError("End Collection without Collection")
                # hidparser.c drops one more node when the one it removed
                # looks like an index node (0x00ffxxxx), whatever it was.
                if path.pop() & 0xFFFF0000 == INDEX_NODE and path:
                    path.pop()
            usages = []
        elif kind == 1:
            _global_item(g, tag, value, nbytes)
        elif kind == 2 and tag == 0:             # Usage
            usages.append(value if nbytes > 2 else (g.page << 16) | (value & 0xFFFF))
    return ReportDescriptor(tuple(fields), replen, frozenset(kinds))


def _global_item(g: _State, tag: int, value: int, nbytes: int) -> None:
    if tag == 0:
        g.page = value & 0xFFFF
    elif tag == 1:
        g.log_min = _signed(value, nbytes)
    elif tag == 2:
        g.log_max = _signed(value, nbytes)
        if g.log_max < g.log_min:
            # hidparser.c: firmware that overflowed into the sign bit
            g.log_max = value
            g.assumed = True
    elif tag == 3:
        g.phy_min = _signed(value, nbytes)
    elif tag == 4:
        g.phy_max = _signed(value, nbytes)
    elif tag == 5:
        # int8_t, and a value above 7 gets the high nibble set (so 0x0F is -1)
        exp = _int8(value)
        g.unit_exp = _int8(exp | 0xF0) if exp > 7 else exp
    elif tag == 6:
        g.unit = value
    elif tag == 7:
        g.size = value & 0xFF
    elif tag == 8:
        g.report_id = value & 0xFF
    elif tag == 9:
        g.count = value & 0xFF


def _main_item(g: _State, attribute: int, kind: str, usages: list[int],
               path: list[int], offsets: _Offsets, fields: list[HidField],
               replen: dict[int, int]) -> None:
    # A Report Count of 0 still yields one element and then counts down from
    # 255 in NUT's uint8_t counter: 256 elements.
    for i in range(g.count or 256):
        usage = usages[i] if i < len(usages) else 0
        slot = offsets.slot(g.report_id, kind)
        offset = slot.offset
        if usage:
            fields.append(HidField(
                tuple(path) + (usage,), g.report_id, kind, offset, g.size,
                attribute & 0xFF, g.log_min, g.log_max, g.phy_min, g.phy_max,
                g.unit, g.unit_exp, g.assumed))
        replen[g.report_id] = max(replen.get(g.report_id, 0), (offset + g.size + 7) >> 3)
        slot.offset = (offset + g.size) & 0xFF
