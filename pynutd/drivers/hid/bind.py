"""Bind a subdriver's tables to one device's descriptor; turn reports into NUT values.

Pure code: :func:`bind` resolves table rows against the parsed descriptor
the way usbhid-ups' ``hid_ups_walk(HU_WALKMODE_INIT)`` does (a row whose
path is absent is dropped; for a repeated variable or command the first row
present wins; every status row present is kept).  :class:`DeviceMap` then
reads values from report buffers, builds ``ups.status`` / ``ups.alarm`` as
``ups_status_set`` / ``ups_alarm_set`` in NUT 2.8.0 do, and encodes writes.

test-case-name: tests.test_hid_golden
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from pynutd.drivers.hid_descriptor import FEATURE, INPUT, HidField, ReportDescriptor
from pynutd.drivers.hid_tables import (
    QUICK,
    SEMI,
    STATIC,
    Context,
    FieldFix,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
    c_format,
    packed_date,
    string_to_path,
)
from pynutd.ups import VarSpec

# ups_alarm_set's texts, in its order.
ALARMS = (("replacebatt", "Replace battery!"), ("shutdownimm", "Shutdown imminent!"),
          ("fanfail", "Fan failure!"), ("nobattery", "No battery installed!"),
          ("battvoltlo", "Battery voltage too low!"), ("battvolthi", "Battery voltage too high!"),
          ("chargerfail", "Battery charger fail!"), ("overheat", "Temperature too high!"),
          ("commfault", "Internal UPS fault!"), ("awaitingpower", "Awaiting power!"),
          ("bypassauto", "Automatic bypass mode!"), ("bypassman", "Manual bypass mode!"))


def status_text(flags: Mapping[str, bool]) -> tuple[str, str | None, str | None]:
    """Return (ups.status, ups.alarm or None, input.transfer.reason or None).

    NUT 2.8.0 semantics: OB unless online; OL+discharging stays OL; CHRG
    only while not fully charged; LB from low battery, time limit expired
    or shutdown imminent; an active alarm prefixes ``ALARM``.
    """
    on = flags.get
    tokens = ["OL" if on("online") else "OB"]
    if on("dischrg") and not on("depleted"):
        tokens.append("DISCHRG")
    if on("chrg") and not on("fullycharged"):
        tokens.append("CHRG")
    if on("lowbatt") or on("timelimitexp") or on("shutdownimm"):
        tokens.append("LB")
    for flag, token in (("overload", "OVER"), ("replacebatt", "RB"), ("trim", "TRIM"),
                        ("boost", "BOOST")):
        if on(flag):
            tokens.append(token)
    if on("bypassauto") or on("bypassman"):
        tokens.append("BYPASS")
    if on("off"):
        tokens.append("OFF")
    if on("cal"):
        tokens.append("CAL")
    alarms = [text for flag, text in ALARMS if on(flag)]
    alarm = " ".join(alarms) if alarms else None
    status = " ".join(tokens)
    reason = ("input voltage out of range" if on("vrange") else
              "input frequency out of range" if on("frange") else None)
    return ("ALARM " + status if alarm else status), alarm, reason


def apply_fixes(desc: ReportDescriptor, sub: Subdriver, product_id: int) -> ReportDescriptor:
    """Return ``desc`` with the subdriver's firmware corrections applied."""
    fields = list(desc.fields)
    for fix in sub.fixes:
        if fix.products and product_id not in fix.products:
            continue
        fields = [_fixed(f, fix, desc, sub) for f in fields]
    return replace(desc, fields=tuple(fields))


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
    """The rows that exist on one device, each with its descriptor field."""

    sub: Subdriver
    desc: ReportDescriptor
    variables: tuple[tuple[HidVar, HidField], ...]
    absent: tuple[HidAbsent, ...]
    status: tuple[tuple[HidStatus, HidField], ...]
    commands: Mapping[str, tuple[HidCommand, HidField]]

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
        for row, f in rows:
            buf = reports.get(f.report_id)
            if buf is None:
                continue
            physical = f.to_physical(f.decode(buf))
            text = row.convert(physical, ctx) if row.convert else c_format(physical, row.fmt)
            if text is not None:
                values[row.var] = text
        return values

    def read_input(self, data: bytes, ctx: Context, flags: dict[str, bool]) -> dict[str, str]:
        """Apply one interrupt-in report: update flags, return the variables it carries.

        As usbhid-ups, an input field feeds the rows whose (feature) path
        equals its own path.
        """
        inputs = {f.path: f for f in self.desc.in_report(data[0], INPUT)} if data else {}
        for row, feat in self.status:
            f = inputs.get(feat.path)
            if f is not None:
                flags[row.flag] = bool(f.decode(data)) != row.inverted
        rows = [(row, inputs[feat.path]) for row, feat in self.variables if feat.path in inputs]
        return self.read(rows, {data[0]: data}, ctx)

    def read_flags(self, rows: Iterable[tuple[HidStatus, HidField]],
                   reports: Mapping[int, bytes], flags: dict[str, bool]) -> None:
        """Update the internal status flags from report buffers.

        Rows are applied in table order and a later row feeding the same
        flag overrides an earlier one, as NUT's ``process_boolean_info``.
        """
        for row, f in rows:
            buf = reports.get(f.report_id)
            if buf is not None:
                flags[row.flag] = bool(f.decode(buf)) != row.inverted

    def specs(self) -> dict[str, VarSpec]:
        """Return the RW/STRING types of the writable variables."""
        specs = {row.var: VarSpec(rw=True, string_len=row.string_len)
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
        """Return the RW row and field behind ``var``."""
        for row, f in self.variables:
            if row.var == var and row.rw:
                return row, f
        return None


def bind(sub: Subdriver, desc: ReportDescriptor, product_id: int = 0) -> DeviceMap:
    """Resolve ``sub``'s rows against a device's (fixed) descriptor.

    Rows on a report the subdriver must never read for ``product_id`` are
    dropped.
    """
    skip = set(sub.skip_reports.get(product_id, ()))

    def field_of(path_text: str) -> HidField | None:
        path = string_to_path(path_text, sub.usages)
        found = desc.find(path, FEATURE) if path else None
        return None if found is None or found.report_id in skip else found

    taken: set[str] = set()
    variables: list[tuple[HidVar, HidField]] = []
    absent: list[HidAbsent] = []
    for row in sub.variables:
        if row.var in taken:
            continue
        f = field_of(row.path)
        if f is None:
            continue
        taken.add(row.var)
        if isinstance(row, HidAbsent):
            absent.append(row)
        else:
            variables.append((row, f))
    status = [(row, f) for row in sub.status if (f := field_of(row.path)) is not None]
    commands: dict[str, tuple[HidCommand, HidField]] = {}
    for cmd in sub.commands:
        if cmd.name not in commands and (f := field_of(cmd.path)) is not None:
            commands[cmd.name] = (cmd, f)
    return DeviceMap(sub, desc, tuple(variables), tuple(absent), tuple(status), commands)


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


__all__ = [
    "QUICK",
    "SEMI",
    "STATIC",
    "DeviceMap",
    "apply_fixes",
    "bind",
    "encode_write",
    "parse_setting",
    "status_text",
]
