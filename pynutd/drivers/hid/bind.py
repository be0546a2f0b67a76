"""Bind a subdriver's tables to one device's descriptor; turn reports into NUT values.

Pure code: :func:`bind` resolves table rows against the parsed descriptor
the way usbhid-ups' ``hid_ups_walk(HU_WALKMODE_INIT)`` does (a row whose
path is absent is dropped; for a repeated variable or command the first row
present wins; every status row present is kept).  :class:`DeviceMap` then
reads values and status flags from report buffers and encodes writes; the
flags become ``ups.status`` in :mod:`pynutd.drivers.hid.status`.

test-case-name: tests.test_hid_golden
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from pynutd.drivers.hid.converters import Context, c_format, packed_date, takes_string
from pynutd.drivers.hid.descriptor import FEATURE, INPUT, HidField, ReportDescriptor
from pynutd.drivers.hid.rows import (
    FieldFix,
    FixedLayout,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
)
from pynutd.drivers.hid.status import bit_token, process_boolean
from pynutd.drivers.hid.usages import string_to_path
from pynutd.ups import VarSpec


def apply_fixes(desc: ReportDescriptor, sub: Subdriver, product_id: int) -> ReportDescriptor:
    """Return ``desc`` with the subdriver's firmware corrections applied."""
    fields = list(desc.fields)
    for fix in sub.fixes:
        if fix.products and product_id not in fix.products:
            continue
        fields = [_fixed(f, fix, desc, sub) for f in fields]
    fixed = replace(desc, fields=tuple(fields))
    return sub.fix_descriptor(fixed, product_id) if sub.fix_descriptor else fixed


def _fixed(f: HidField, fix: FieldFix, desc: ReportDescriptor, sub: Subdriver) -> HidField:
    path = string_to_path(fix.path, sub.usages)
    if path is None or f.path[:len(path)] != path:
        return f
    if fix.unit_exp is not None and f.unit_exp == fix.when_unit_exp:
        f = replace(f, unit_exp=fix.unit_exp)
    if fix.log_range is not None and fix.when_same_range_as:
        other_path = string_to_path(fix.when_same_range_as, sub.usages)
        other = desc.find(other_path or (), f.kind)
        if other is not None and (other.log_min, other.log_max) == (f.log_min, f.log_max):
            f = replace(f, log_min=fix.log_range[0], log_max=fix.log_range[1])
    return f


@dataclass(frozen=True, slots=True)
class DeviceMap:
    """The rows that exist on one device, each with its descriptor field.

    ``layout`` is the subdriver's fixed-layout hook when the descriptor left
    some of its variables (``unbound``) without a row.
    """

    sub: Subdriver
    desc: ReportDescriptor
    variables: tuple[tuple[HidVar, HidField], ...]
    absent: tuple[HidAbsent, ...]
    status: tuple[tuple[HidStatus, HidField], ...]
    commands: Mapping[str, tuple[HidCommand, HidField]]
    layout: FixedLayout | None = None
    unbound: frozenset[str] = frozenset()

    def settle(self, existing: Iterable[str], reports: Mapping[int, bytes],
               ctx: Context) -> DeviceMap:
        """Keep the rows usbhid-ups' first walk (HU_WALKMODE_INIT) keeps, after reading ``reports``.

        In table order, a row stays while its variable does not exist yet
        (``existing``: what the driver set before, as the USB identity and
        the driver-side settings); a row whose value reads and converts
        makes it exist, so the rows after it are dropped, but those before
        it that gave nothing stay and are read at every poll.  ups.alarm
        rows all stay.
        """
        have = set(existing) | {row.var for row in self.absent}
        kept: list[tuple[HidVar, HidField]] = []
        for row, f in self.variables:
            if row.var in have and not row.var.startswith("ups.alarm"):
                continue
            kept.append((row, f))
            if self.read([(row, f)], reports, ctx):
                have.add(row.var)
        return replace(self, variables=tuple(kept))

    def rows(self, tiers: Iterable[str]) -> list[tuple[HidVar, HidField]]:
        """Return the variable rows read in ``tiers``."""
        wanted = set(tiers)
        return [(r, f) for r, f in self.variables if r.tier in wanted]

    def status_rows(self, quick_only: bool) -> list[tuple[HidStatus, HidField]]:
        """Return the status rows read by a quick (or any) poll."""
        return [(r, f) for r, f in self.status if r.quick or not quick_only]

    def report_ids(self, tiers: Iterable[str], quick_only: bool) -> list[int]:
        """Return the feature report IDs one poll must fetch, sorted."""
        ids = {f.report_id for _, f in self.rows(tiers)}
        ids |= {f.report_id for _, f in self.status_rows(quick_only)}
        return sorted(ids)

    def read(self, rows: Iterable[tuple[HidVar, HidField]],
             reports: Mapping[int, bytes], ctx: Context) -> dict[str, str]:
        """Decode ``rows`` from report buffers into NUT variables."""
        values: dict[str, str] = {}
        # Converters see this read's values before older ones, as NUT's
        # dstate holds what the walk has set so far.
        ctx = Context(ctx.strings, ctx.scales, ChainMap(values, dict(ctx.values)), ctx.state)
        for row, f in rows:
            buf = reports.get(f.report_id)
            if buf is None:
                continue
            physical = f.to_physical(f.decode(buf))
            text = row.convert(physical, ctx) if row.convert else c_format(physical, row.fmt)
            if text is not None:
                values[row.var] = text
        return values

    def string_indexes(self, rows: Iterable[tuple[HidVar, HidField]],
                       reports: Mapping[int, bytes]) -> set[int]:
        """Return the USB string indexes the string-valued ``rows`` point at."""
        return {f.decode(reports[f.report_id]) for row, f in rows
                if takes_string(row.convert) and f.report_id in reports}

    def read_input(self, data: bytes, ctx: Context, flags: dict[str, bool]) -> dict[str, str]:
        """Apply one interrupt-in report: update flags, return the variables it carries.

        As usbhid-ups, an input field feeds the rows whose (feature) path
        equals its own path.
        """
        inputs = {f.path: f for f in self.desc.in_report(data[0], INPUT)} if data else {}
        for row, feat in self.status:
            f = inputs.get(feat.path)
            if f is not None:
                _set_flag(row, f, data, flags, ctx)
        rows = [(row, inputs[feat.path]) for row, feat in self.variables if feat.path in inputs]
        return self.read(rows, {data[0]: data}, ctx)

    def read_flags(self, rows: Iterable[tuple[HidStatus, HidField]],
                   reports: Mapping[int, bytes], flags: dict[str, bool],
                   ctx: Context | None = None) -> None:
        """Update the internal status flags from report buffers.

        Rows are applied in table order and a later row feeding the same
        flag overrides an earlier one, as NUT's ``process_boolean_info``.
        """
        for row, f in rows:
            buf = reports.get(f.report_id)
            if buf is not None:
                _set_flag(row, f, buf, flags, ctx)

    def specs(self, ctx: Context | None = None) -> dict[str, VarSpec]:
        """Return the RW/STRING types of the writable variables.

        An ``enum`` row's values are its table's texts whose number its
        converter accepts now (``ctx``: the device's state), in table order,
        as usbhid-ups adds them with dstate_addenum.
        """
        specs = {row.var: VarSpec(rw=True, string_len=row.string_len,
                                  enums=_enums(row, ctx) if row.enum and ctx else ())
                 for row, _ in self.variables if row.rw}
        specs.update({row.var: VarSpec(rw=True, string_len=row.string_len)
                      for row in self.absent})
        return specs

    def command_names(self) -> list[str]:
        """Return the instant commands, composite ones included (usbhid-ups.c)."""
        names = set(self.commands)
        if "beeper.enable" in names:
            names.add("beeper.on")
        if "beeper.disable" in names:
            names.add("beeper.off")
        if "load.off.delay" in names:
            names.add("load.off")
        if "load.on.delay" in names:
            names.add("load.on")
        if {"load.off.delay", "load.on.delay"} <= names:
            names |= {"shutdown.return", "shutdown.stayoff"}
        return sorted(names)

    def writable(self, var: str) -> tuple[HidVar, HidField] | None:
        """Return the RW row and field behind ``var`` (any case, as NUT's find_nut_info)."""
        key = var.lower()
        for row, f in self.variables:
            if row.var.lower() == key and row.rw:
                return row, f
        return None


def _enums(row: HidVar, ctx: Context) -> tuple[str, ...]:
    convert = row.convert
    if convert is None:
        return ()
    table: Mapping[str, float] = getattr(convert, "reverse", {})
    return tuple(text for text, value in table.items() if convert(float(value), ctx) is not None)


def _set_flag(row: HidStatus, f: HidField, buf: bytes, flags: dict[str, bool],
              ctx: Context | None) -> None:
    """Apply one status row: its converter's "flag"/"!flag", else its bit test.

    The token goes through NUT's process_boolean_info rules (an online bit
    at 0 says offline, a FullyCharged bit at 0 says notfullycharged).
    """
    if row.convert is None:
        process_boolean(flags, bit_token(row.flag, row.active(f.decode(buf))))
        return
    text = row.convert(f.to_physical(f.decode(buf)),
                       ctx or Context(lambda index: None, {}, {}), flags)
    if text:
        process_boolean(flags, text)


def bind(sub: Subdriver, desc: ReportDescriptor, product_id: int = 0,
         vendor_id: int = 0, kind: str = FEATURE) -> DeviceMap:
    """Resolve ``sub``'s rows against a device's (fixed) descriptor.

    Every variable row whose path exists is bound; :meth:`DeviceMap.settle`
    then keeps those NUT's first walk keeps.  For a driver-side setting
    (HidAbsent) and a command the first row whose path exists wins.

    Rows on a report the subdriver must never read for ``product_id`` are
    dropped.  The subdriver's fixed-layout hook for ``vendor_id:product_id``
    is kept only while the descriptor leaves one of its variables unbound.
    Rows bind to feature fields, or to input fields for usbhid-ups'
    ``interruptonly`` (``kind`` INPUT, as HIDGetItemData then looks).
    """
    skip = set(sub.skip_reports.get(product_id, ()))

    def field_of(path_text: str) -> HidField | None:
        path = string_to_path(path_text, sub.usages)
        found = desc.find(path, kind) if path else None
        return None if found is None or found.report_id in skip else found

    # Every row whose path exists, repeated variables included: which of
    # them stay is decided by the first reading (DeviceMap.settle).
    taken: set[str] = set()
    variables: list[tuple[HidVar, HidField]] = []
    absent: list[HidAbsent] = []
    for row in sub.variables:
        f = field_of(row.path)
        if f is None:
            continue
        if isinstance(row, HidAbsent):
            if row.var not in taken:
                taken.add(row.var)
                absent.append(row)
        else:
            variables.append((row, f))
    status = [(row, f) for row in sub.status if (f := field_of(row.path)) is not None]
    commands: dict[str, tuple[HidCommand, HidField]] = {}
    for cmd in sub.commands:
        if cmd.name not in commands and (f := field_of(cmd.path)) is not None:
            commands[cmd.name] = (cmd, f)
    layout = sub.layout_for(vendor_id, product_id)
    unbound = layout.variables - {row.var for row, _ in variables} if layout else frozenset()
    return DeviceMap(sub, desc, tuple(variables), tuple(absent), tuple(status), commands,
                     layout if unbound else None, unbound)


def merge_report(data: bytes, old: bytes | None, length: int) -> bytes:
    """Return the report buffer after a GET_REPORT reply ``data`` of ``length`` bytes.

    A short reply keeps the rest of the previous buffer (zeros at first), as
    libhid.c's ``refresh_report_buffer`` does.
    """
    base = bytearray(old or b"")[:length]
    base.extend(bytes(length - len(base)))
    base[:len(data[:length])] = data[:length]
    return bytes(base)


def encode_write(f: HidField, physical: float, current: bytes | None,
                 length: int) -> bytes:
    """Return the SET_REPORT bytes writing ``physical`` into field ``f``.

    Other fields keep the values of ``current`` (the last report read;
    zeros when never read), as NUT writes into its cached report.
    """
    buf = bytearray(current or b"")[:length]
    buf.extend(bytes(length - len(buf)))
    buf[0] = f.report_id
    logical = f.from_physical(physical)
    f.encode(buf, logical & ((1 << f.size) - 1))
    return bytes(buf)


def parse_setting(row: HidVar, text: str) -> float:
    """Turn an ``upsrw`` value into the physical number to write.

    Lookup rows take their text ("enabled", "low"); date rows take
    YYYY/MM/DD; numbers are read as C's strtod would (leading number).
    Raises ValueError when nothing usable is given.
    """
    reverse = getattr(row.convert, "reverse", None)
    if reverse is not None:
        if text not in reverse:
            raise ValueError(f"{text!r} is not one of {', '.join(reverse)}")
        return float(reverse[text])
    if row.convert is packed_date:
        year, month, day = (int(p) for p in text.split("/"))
        return float(((year - 1980) << 9) | (month << 5) | day)
    return float(text.strip())


def strtol(text: str) -> str:
    """C's strtol(text, NULL, 10) printed with %ld, as usbhid-ups stores delays."""
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    n = 0
    for ch in digits:
        if not ch.isdigit():
            break
        n = n * 10 + int(ch)
    return str(sign * n)


__all__ = [
    "DeviceMap",
    "apply_fixes",
    "bind",
    "encode_write",
    "merge_report",
    "parse_setting",
    "strtol",
]
