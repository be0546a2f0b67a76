"""HID paths and lookups built exactly as NUT's hidparser.c / libhid.c build them.

Real descriptors: every ``Path:`` line NUT's HIDDumpTree logged (fixture
debug logs) names the field pynutd finds at that report ID, type, offset
and size, and NUT's "N HID objects found" count is pynutd's field count.
Built descriptors (:mod:`pynutd.sim.hid_virtual_build`) show the index
nodes and the parser rules NUT has and the HID specification does not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pynutd.drivers.hid.descriptor import FEATURE, INDEX_NODE, INPUT, parse
from pynutd.drivers.hid.dumps import from_hex
from pynutd.drivers.hid.usages import USAGE_NAMES, path_to_string, string_to_path
from pynutd.sim.hid_virtual_build import Element, build_descriptor
from tests.hidfakes import FIXTURES

PATH_LINE = re.compile(r"Path: (\S+), Type: (\w+), ReportID: 0x([0-9a-fA-F]+), "
                       r"Offset: (\d+), Size: (\d+)")
# Debug logs whose descriptor has another file name than the log.
LOG_DESCRIPTORS = {"APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev":
                   "apc-backups-bk650m2ch-051d_0002.hex"}


def _logs() -> list[tuple[str, str]]:
    """(log fixture, descriptor fixture) for every fixture log with Path: lines."""
    found = []
    for log in sorted(FIXTURES.iterdir()):
        hexname = LOG_DESCRIPTORS.get(log.name)
        if hexname is None and log.name.endswith(".log.txt"):
            hexname = log.name[:-len(".log.txt")] + ".hex"
        if hexname and (FIXTURES / hexname).exists() and PATH_LINE.search(log.read_text()):
            found.append((log.name, hexname))
    return found


def _first_dump(text: str) -> str:
    """The log up to its first walk (HIDDumpTree runs once, before upsdrv_initinfo)."""
    return text.split("upsdrv_initinfo")[0]


@pytest.mark.parametrize(("log", "hexname"), _logs())
def test_real_descriptors_give_nut_logged_paths(log: str, hexname: str) -> None:
    """Each field NUT logged is ours at the same ID/type/offset/size, with the same path.

    A vendor usage the log names by the subdriver's table prints as hex
    here (no subdriver names given); every other node must print the same.
    """
    desc = parse(from_hex((FIXTURES / hexname).read_text()))
    text = _first_dump((FIXTURES / log).read_text())
    lines = PATH_LINE.findall(text)
    assert lines
    by_place = {(f.kind, f.report_id, f.offset, f.size): f for f in desc.fields}
    for path, kind, rid, offset, size in lines:
        f = by_place.get((kind.lower(), int(rid, 16), int(offset), int(size)))
        assert f is not None, (log, path)
        ours = path_to_string(f.path, {}).split(".")
        theirs = path.split(".")
        assert len(ours) == len(theirs), (path, ours)
        for mine, nut in zip(ours, theirs, strict=True):
            assert mine == nut or re.fullmatch(r"[0-9a-f]{8}", mine), (path, ours)
    count = re.search(r"(\d+) HID objects found", text)
    if count:
        assert len(desc.fields) == int(count.group(1))


def test_bk650m2_path_count_is_nut_object_count() -> None:
    """The APC explore log: 71 Path: lines, one per HID object NUT keeps."""
    text = _first_dump((FIXTURES / "APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev")
                       .read_text())
    desc = parse(from_hex((FIXTURES / "apc-backups-bk650m2ch-051d_0002.hex").read_text()))
    assert len(PATH_LINE.findall(text)) == len(desc.fields) == 71


INDEXED = (
    Element("UPS.PowerConverter.Input.[1].Voltage", 0x31, size=16, log_max=65535),
    Element("UPS.PowerConverter.Input.[1].Frequency", 0x31, size=16, log_max=65535),
    Element("UPS.PowerConverter.Input.[3].Voltage", 0x32, size=16, log_max=65535),
    Element("UPS.PowerConverter.Output.Voltage", 0x33, size=16, log_max=65535),
    Element("UPS.Flow.[4].ConfigVoltage", 0x40),
    Element("UPS.Flow.[4].ConfigFrequency", 0x40),
    Element("UPS.PowerSummary.PresentStatus.ACPresent", 0x01, size=1, log_max=1),
    Element("UPS.PowerSummary.PresentStatus.Charging", 0x01, size=1, log_max=1),
    Element("UPS.PowerSummary.PresentStatus.ACPresent", 0x01, size=1, log_max=1, kind=INPUT),
)


def test_built_descriptor_paths_with_index_nodes() -> None:
    """Vendor collection types give NUT's [n] nodes, and the paths find their fields."""
    desc = parse(build_descriptor(INDEXED))
    assert [path_to_string(f.path, {}) for f in desc.fields] == [e.path for e in INDEXED]
    assert [(f.report_id, f.offset) for f in desc.fields[:4]] == \
        [(0x31, 0), (0x31, 16), (0x32, 0), (0x33, 0)]
    voltage = string_to_path("UPS.PowerConverter.Input.[3].Voltage", {})
    assert voltage is not None and voltage[3] == INDEX_NODE | 3
    found = desc.find(voltage)
    assert found is not None and found.report_id == 0x32
    flow = desc.find(string_to_path("UPS.Flow.[4].ConfigFrequency", {}) or ())
    assert flow is not None and (flow.report_id, flow.offset) == (0x40, 8)
    # Only the given nodes are compared: a collection path finds its first field,
    # and a path without the index node is another path.
    first = desc.find(string_to_path("UPS.PowerConverter.Input", {}) or ())
    assert first is not None and first.report_id == 0x31 and first.offset == 0
    assert desc.find(string_to_path("UPS.Flow.ConfigVoltage", {}) or ()) is None
    status = desc.find(string_to_path("UPS.PowerSummary.PresentStatus.ACPresent", {}) or (),
                       INPUT)
    assert status is not None and status.kind == INPUT


def _desc(*items: str) -> bytes:
    return bytes.fromhex(" ".join(items))


UPS_OPEN = "05 84 09 04 a1 01 85 01 75 08 95 01 15 00 25 64"


def test_usage_list_is_not_repeated() -> None:
    """Three elements, two usages: NUT keeps two fields; the third only takes bits."""
    data = _desc(UPS_OPEN, "09 30 09 31 95 03 b1 02", "09 32 95 01 b1 02", "c0")
    desc = parse(data)
    assert [(path_to_string(f.path, {}), f.offset) for f in desc.fields] == \
        [("UPS.Voltage", 0), ("UPS.Current", 8), ("UPS.Frequency", 24)]
    assert desc.report_length(1) == 5


def test_push_and_pop_are_ignored() -> None:
    """hidparser.c has no Push/Pop: a Pop does not restore the pushed Logical Maximum."""
    data = _desc(UPS_OPEN, "a4 25 0a b4", "09 30 b1 02", "c0")
    assert parse(data).fields[0].log_max == 10


def test_report_id_zero_fields_all_sit_at_offset_zero() -> None:
    """NUT takes an offset slot of report ID 0 as free: every such field reads offset 0."""
    data = _desc("05 84 09 04 a1 01 75 08 15 00 25 64 09 30 09 31 09 32 95 03 b1 02 c0")
    assert [f.offset for f in parse(data).fields] == [0, 0, 0]


def test_offsets_wrap_at_256_bits() -> None:
    """Offsets are uint8_t in NUT: the 33rd byte of a report is read at offset 0 again."""
    data = _desc(UPS_OPEN, "09 30 95 20 b1 03", "09 31 95 01 b1 02", "c0")
    desc = parse(data)
    assert [(path_to_string(f.path, {}), f.offset) for f in desc.fields] == \
        [("UPS.Voltage", 0), ("UPS.Current", 0)]
    assert desc.report_length(1) == 33


def test_unit_exponent_as_nut_reads_it() -> None:
    """0x0f is -1 and 0x08 is -8; a 2-byte 0xfffe is -2; 0x10 is -16 (int8 with high nibble)."""
    for item, exp in (("55 0f", -1), ("55 08", -8), ("56 fe ff", -2), ("55 10", -16),
                      ("55 07", 7)):
        assert parse(_desc(UPS_OPEN, item, "09 30 b1 02 c0")).fields[0].unit_exp == exp


def test_unclosed_collection_is_accepted() -> None:
    """NUT parses a descriptor whose collections are left open."""
    assert len(parse(_desc(UPS_OPEN, "09 30 b1 02")).fields) == 1


def test_report_length_is_per_id_over_all_kinds() -> None:
    """A 1-byte feature report sharing ID 1 with a 3-byte input report is asked as 4 bytes."""
    data = _desc(UPS_OPEN, "09 30 b1 02", "09 31 95 03 81 02", "c0")
    desc = parse(data)
    assert desc.report_length(1) == 4
    assert desc.report_ids(FEATURE) == desc.report_ids(INPUT) == [1]


def test_string_to_path_as_libhid() -> None:
    """Case-insensitive names, any-length hex, [n], and unknown parts left out."""
    ups_voltage = (0x00840004, 0x00840030)
    assert string_to_path("ups.VOLTAGE", {}) == ups_voltage
    assert string_to_path("UPS.NoSuchThing.Voltage", {}) == ups_voltage
    assert string_to_path("UPS.0x00840030", {}) == (0x00840004,)
    assert string_to_path("UPS.840030", {}) == ups_voltage
    assert string_to_path("UPS.[12]", {}) == (0x00840004, INDEX_NODE | 12)
    assert string_to_path("UPS..Voltage", {}) == ups_voltage
    assert string_to_path("NoSuchThing", {}) is None
    assert string_to_path("UPS.Voltage", {0x00840030: "Weird", 0xFFFF0001: "voltage"}) == \
        (0x00840004, 0xFFFF0001)


def test_names_are_nuts_with_the_subdriver_first() -> None:
    """NUT's spellings (SwitchOn/Off, iDevicename); a subdriver's name wins over the common one."""
    assert USAGE_NAMES[0x0084006B] == "SwitchOn/Off" and USAGE_NAMES[0x00850088] == "iDevicename"
    assert USAGE_NAMES[0x00840000] == "Undefined" and 0x00840017 not in USAGE_NAMES
    assert path_to_string((0x00840004, 0x00840030), {0x00840030: "MyVolts"}) == "UPS.MyVolts"
    assert path_to_string((0x00840004, 0xFF840030, INDEX_NODE | 2), {}) == "UPS.ff840030.[2]"
    # libhid.c asks the tables before it looks for an index node
    assert path_to_string((INDEX_NODE | 1,), {INDEX_NODE | 1: "Named"}) == "Named"


def test_builder_refuses_a_path_without_usage() -> None:
    """A path ending in an index node, or naming nothing, is a ValueError."""
    with pytest.raises(ValueError):
        build_descriptor([Element("UPS.[1]", 1)])
    with pytest.raises(ValueError):
        build_descriptor([Element("NoSuchThing", 1)])


def test_shipped_descriptors_parse_without_error() -> None:
    """Every descriptor shipped for the virtual UPS parses into fields."""
    data_dir = Path(__file__).parent.parent / "pynutd" / "data" / "hid"
    for hexfile in sorted(data_dir.glob("*.hex")):
        assert parse(from_hex(hexfile.read_text())).fields, hexfile.name
