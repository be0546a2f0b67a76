"""The HID report descriptor parser against hid-tools, NUT's log and known vectors."""

from __future__ import annotations

import re

import pytest
from hidtools.hid import ReportDescriptor as HtDescriptor

from pynutd.drivers.hid.descriptor import FEATURE, INPUT, DescriptorError, parse
from pynutd.drivers.hid.dumps import from_hex, parse_reports
from pynutd.drivers.hid.usages import path_to_string, string_to_path
from tests.hidfakes import DESCRIPTORS, FIXTURES, descriptor, reports


def _oracle_field(ht: HtDescriptor, kind: str, rid: int, bit: int):  # type: ignore[no-untyped-def]
    table = {FEATURE: ht.feature_reports, INPUT: ht.input_reports}.get(kind, ht.output_reports)
    hits = [f for f in table[rid].fields
            if f.start <= bit < f.start + f.size * f.count and (bit - f.start) % f.size == 0]
    assert len(hits) == 1, f"report {rid:#x} bit {bit}: {len(hits)} hid-tools fields"
    return hits[0]


@pytest.mark.parametrize("name", DESCRIPTORS)
def test_fields_agree_with_hid_tools(name: str) -> None:
    """Every field's report ID, bit offset, size, logical range and exponent match hid-tools."""
    data = from_hex((FIXTURES / name).read_text())
    ours, ht = parse(data), HtDescriptor.from_bytes(data)
    assert len(ours.fields) > 20   # a real Power Device (the Back-UPS 500 has 35)
    for f in ours.fields:
        other = _oracle_field(ht, f.kind, f.report_id, f.offset + 8)
        assert other.report_ID == f.report_id
        assert (other.size, other.logical_min, other.logical_max, other.unit_exp) == \
            (f.size, f.log_min, f.log_max, f.unit_exp), (name, f)
        assert other.usage == f.usage or (other.usages and f.usage in other.usages)


@pytest.mark.parametrize("name", DESCRIPTORS)
def test_report_lengths_agree_with_hid_tools(name: str) -> None:
    """Report lengths (ID byte included) from hid-tools' fields by NUT's replen rule.

    libhid.c keeps one buffer length per report ID, the longest of its
    input, output and feature reports, and hidparser.c counts bit offsets
    in 8 bits: past 256 bits they wrap (APC's 46-byte input report 0x20 is
    asked for as 33 bytes).
    """
    data = from_hex((FIXTURES / name).read_text())
    ours, ht = parse(data), HtDescriptor.from_bytes(data)
    tables = (ht.feature_reports, ht.input_reports, ht.output_reports)
    for kind, table in zip((FEATURE, INPUT), tables[:2], strict=True):
        assert sorted(table) == ours.report_ids(kind)
    replen: dict[int, int] = {}
    for table in tables:
        for rid, report in table.items():
            for f in report.fields:
                for i in range(f.count):
                    offset = (f.start - 8 + i * f.size) % 256
                    replen[rid] = max(replen.get(rid, 0), (offset + f.size + 7) // 8)
    assert {rid: ours.report_length(rid) for rid in replen} == \
        {rid: n + 1 for rid, n in replen.items()}

def test_long_report_is_asked_with_nut_wrapped_length() -> None:
    """APC's 46-byte input report 0x20 is 33 bytes for NUT (offsets wrap at 256 bits)."""
    assert descriptor("apc-backups-bk650m2ch-051d_0002.hex").report_length(0x20) == 33


def _nut_log_lines() -> list[tuple[str, str, int, int, int, float]]:
    """(path, type, report id, offset, size, value) NUT 2.8.0 logged for the BK650M2-CH."""
    text = (FIXTURES / "APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev").read_text()
    text = text.split("upsdrv_initinfo")[0]
    pattern = (r"Path: (\S+), Type: (\w+), ReportID: 0x([0-9a-f]+), Offset: (\d+), "
               r"Size: (\d+), Value: (\S+)")
    return [(p, t, int(r, 16), int(o), int(s), float(v))
            for p, t, r, o, s, v in re.findall(pattern, text)]


def test_apc_paths_offsets_and_values_match_nut_log() -> None:
    """All 71 objects NUT's explore mode printed decode to the same path, place and value."""
    desc = descriptor("apc-backups-bk650m2ch-051d_0002.hex")
    saved = reports("apc-backups-bk650m2ch-051d_0002.hex")
    lines = _nut_log_lines()
    assert len(lines) == 71
    for path, kind, rid, offset, size, value in lines:
        nodes = string_to_path(path, {})
        assert nodes is not None, path
        f = desc.find(nodes, kind.lower())
        assert f is not None, path
        assert (path_to_string(f.path, {}), f.report_id, f.offset, f.size) == \
            (path, rid, offset, size)
        assert f.to_physical(f.decode(saved[rid])) == pytest.approx(value), path


def test_logmax_below_logmin_is_read_unsigned() -> None:
    """APC declares LogMax -1 with LogMin 0 (report 0x0c); NUT reads it as 255."""
    f = descriptor("apc-backups-bk650m2ch-051d_0002.hex").in_report(0x0C, FEATURE)[0]
    assert (f.log_min, f.log_max) == (0, 255)
    assert f.decode(bytes([0x0C, 0xC8])) == 200


def test_4003_vectors_from_research() -> None:
    """Tripp Lite 4003: decivolts with UnitExp 6, Hz with UnitExp -1, signed delay."""
    desc = descriptor("tripplite-smartonline3000-09ae_4003.hex")
    volt = desc.in_report(0x1B, FEATURE)[0]
    assert volt.unit == 0x00F0D121 and volt.unit_exp == 6
    assert volt.to_physical(volt.decode(bytes([0x1B, 0xB0, 0x04]))) == pytest.approx(120.0)
    hz = desc.in_report(0x19, FEATURE)[0]
    assert hz.to_physical(hz.decode(bytes([0x19, 0x58, 0x02]))) == pytest.approx(60.0)
    delay = desc.in_report(0x15, FEATURE)[0]
    buf = bytearray([0x15, 0, 0])
    delay.encode(buf, 20)
    assert bytes(buf) == bytes([0x15, 0x14, 0x00])
    delay.encode(buf, -1)
    assert bytes(buf) == bytes([0x15, 0xFF, 0xFF]) and delay.decode(bytes(buf)) == -1


def test_physical_range_cyberpower_minutes() -> None:
    """CyberPower delays count minutes: -1 is -60 s, 120 s is logical 2, 20 s truncates to 0."""
    f = descriptor("cyberpower-cp1500pfclcd-0764_0501.hex").in_report(0x15, FEATURE)[0]
    assert (f.phy_min, f.phy_max) == (-60, 1966020)
    assert f.to_physical(f.decode(bytes([0x15, 0xFF, 0xFF]))) == -60
    assert (f.from_physical(120), f.from_physical(60), f.from_physical(20)) == (2, 1, 0)
    assert f.to_physical(2) == 120


def test_unsigned_field_takes_minus_one_as_all_ones() -> None:
    """Writing -1 to an unsigned 16-bit delay (3016) must give ff ff, not 0 (shutdown now)."""
    f = descriptor("tripplite-smart1500lcdt-09ae_3016.hex").in_report(0x15, FEATURE)[0]
    assert f.log_min == 0 and f.from_physical(-1) == -1
    buf = bytearray(3)
    buf[0] = 0x15
    f.encode(buf, f.from_physical(-1) & 0xFFFF)
    assert bytes(buf) == b"\x15\xff\xff"
    assert f.decode(bytes(buf)) == 65535


def test_3016_decivolts_with_exponent_one() -> None:
    """The 3016 declares decivolts as volts with UnitExp 1 (NUT scales by 1e5 after)."""
    f = descriptor("tripplite-smart1500lcdt-09ae_3016.hex").in_report(0x31, FEATURE)[0]
    assert f.unit_exp == 1
    raw = f.decode(reports("tripplite-smart1500lcdt-09ae_3016.hex")[0x31])
    assert raw == 1214 and f.to_physical(raw) * 1e5 == pytest.approx(121.4)


def test_vendor_collection_adds_index_node() -> None:
    """A Collection of vendor type 0x81 adds the [1] node NUT paths use (4003 TLCustom)."""
    desc = descriptor("tripplite-smartonline3000-09ae_4003.hex")
    names = {0xFFFF0010: "TLCustom", 0xFFFF007C: "UPSFirmwareVersion"}
    f = desc.find(string_to_path("UPS.TLCustom.[1].UPSFirmwareVersion", names) or ())
    assert f is not None and path_to_string(f.path, names) == "UPS.TLCustom.[1].UPSFirmwareVersion"


def test_short_report_reads_missing_bytes_as_zero() -> None:
    """A field past the end of a short reply decodes as 0."""
    f = descriptor("tripplite-smartonline3000-09ae_4003.hex").in_report(0x1B, FEATURE)[0]
    assert f.decode(bytes([0x1B])) == 0


@pytest.mark.parametrize("data", [b"\x05", b"\x05\x84\x09", b"\xc0"])
def test_malformed_descriptors_raise(data: bytes) -> None:
    """Truncated items and an End Collection with none open are DescriptorError, not crashes.

    A collection left open is accepted, as NUT's parser does (test_hid_paths).
    """
    with pytest.raises(DescriptorError):
        parse(data)


def test_reports_file_rejects_wrong_id() -> None:
    """A reports line whose bytes do not start with its report ID is refused."""
    with pytest.raises(ValueError):
        parse_reports("15: 16 00 00\n")
