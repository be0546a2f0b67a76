"""conf/99-pynutd.rules: well formed; group nut gets the UPS makers' hidraw nodes, and only theirs."""

from __future__ import annotations

import re
from pathlib import Path

from pynutd.drivers.hid.match import UPS_ONLY_VENDORS, UPS_VENDORS

RULES = Path(__file__).resolve().parent.parent / "conf" / "99-pynutd.rules"


def rules() -> list[str]:
    return [line for line in RULES.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_every_ups_vendor_gets_group_nut_on_hidraw():
    """The UPS-only vendors (and Eaton/MGE) by vendor; never HP or Delta, who make keyboards."""
    hidraw = [line for line in rules() if 'SUBSYSTEM=="hidraw"' in line]
    covered = {int(v, 16) for line in hidraw
               for v in re.search(r'idVendor}=="([^"]+)"', line).group(1).split("|")}
    assert set(UPS_ONLY_VENDORS) | {0x0463} <= covered
    assert not covered & (set(UPS_VENDORS) - set(UPS_ONLY_VENDORS) - {0x0463})
    assert all('GROUP="nut"' in line and 'MODE="0660"' in line for line in hidraw)


def test_rule_syntax():
    """Each rule is comma-separated KEY op "value" pairs (what udev parses)."""
    pair = r'[A-Z]+(\{[A-Za-z_]+\})?(==|!=|=|\+=)"[^"]*"'
    for line in rules():
        if line.startswith("LABEL="):
            continue
        assert re.fullmatch(rf"{pair}(, {pair})*", line), line
