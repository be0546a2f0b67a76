"""Descriptor fixes by report ID, as NUT's fix_report_desc functions find fields.

NUT's subdrivers look a field up with ``FindObject_with_ID_Node``: the
first item in descriptor order, of any kind, whose report ID and last usage
match.  These helpers do the same on a parsed
:class:`~pynutd.drivers.hid.descriptor.ReportDescriptor` and return a
corrected copy, for a subdriver's ``fix_descriptor`` hook.

test-case-name: tests.test_hid_vendor_cps
"""

from __future__ import annotations

from dataclasses import replace

from pynutd.drivers.hid.descriptor import HidField, ReportDescriptor

# Power Device page usages the fixes look for.
VOLTAGE = 0x00840030
CONFIG_VOLTAGE = 0x00840040
CONFIG_ACTIVE_POWER = 0x00840044
HIGH_VOLTAGE_TRANSFER = 0x00840054


def find_by_id(desc: ReportDescriptor, report_id: int, usage: int) -> HidField | None:
    """Return the first field with this report ID whose own usage is ``usage``."""
    return next((f for f in desc.fields if f.report_id == report_id and f.usage == usage),
                None)


def with_range(desc: ReportDescriptor, old: HidField, log_min: int,
               log_max: int) -> ReportDescriptor:
    """Return ``desc`` with field ``old`` given another logical range."""
    new = replace(old, log_min=log_min, log_max=log_max)
    return replace(desc, fields=tuple(new if f is old else f for f in desc.fields))
