"""MGE HID table (mge-hid.c): real Eaton and PowerWalker units through the virtual UPS.

Fixtures (tests/fixtures/hid/SOURCES.md): a PowerWalker VI 1200 SHL (06da:ffff, NUT issue
#1270, served by MGE HID in NUT 2.7.4; NUT master gives 06da to Liebert unless a string says
AEG, so the test sets ``subdriver = mge`` as one would there) and an Eaton 5SC 750 (0463:ffff,
NUT issue #2380, advanced battery monitoring on).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pynutd.drivers.hid.rows import DeviceIdent
from pynutd.drivers.hid.vendors import by_name, subdriver_for
from pynutd.drivers.hid.vendors.mge import MGE, mge_claim
from pynutd.drivers.hid.vendors.mge_lookups import EATON_5P, MGE_3S, PEGASUS, model_name
from tests.hidfakes import FIXTURES, Rig, dev_values, result

VI1200 = "powerwalker-vi1200shl-06da_ffff.hex"
VI1200_DUMP = "PowerWalker__VI_1200_SHL__usbhid-ups__2.7.4__01.dev"
EATON5SC = "eaton-5sc750-0463_ffff.hex"


def _published(values: dict[str, str]) -> dict[str, str]:
    # What the driver itself publishes; driver.* and device.* come from the core.
    return {k: v for k, v in values.items() if not k.startswith(("driver.", "device."))}


def _rig(name: str, folder: Path = FIXTURES, **options: str) -> Rig:
    rig = Rig(folder / name, **options)
    rig.connect()
    return rig


def test_vi1200shl_every_variable_equals_nut_dump() -> None:
    """VI 1200 SHL: NUT's upsc dump of the unit (nut-ddl, issue #1270), variable for variable.

    The dump was taken later than the debug log whose reports we replay:
    the three mains readings moved (the log's Path values are 234 V,
    49.8 Hz, 234 V; NUT's %.1f).  ups.realpower is the estimate NUT master
    added after 2.7.4 (load 8 % of 5 VA at 0.8: 0 W).  All else, including
    ups.status "OL" where the Charging bit is 1 at 100 %, is the dump's.
    """
    nut = _published(dev_values(VI1200_DUMP))
    ours = _published(_rig(VI1200, subdriver="mge").values())
    live = {"input.voltage": ("234.0", "231.0"), "output.voltage": ("234.0", "231.0"),
            "output.frequency": ("49.8", "49.6")}
    for var, (logged, dumped) in live.items():
        assert (ours.pop(var), nut.pop(var)) == (logged, dumped), var
    assert ours.pop("ups.realpower") == "0"
    assert ours == nut
    assert {"ups.load", "output.voltage.nominal", "ups.power.nominal",
            "output.frequency.nominal", "ups.test.result", "ups.type",
            "outlet.1.status"} <= set(ours)


def test_vi1200shl_commands_and_settings_equal_nut_dump() -> None:
    """The instant commands and RW variables of the same dump (its upscmd -l / upsrw blocks)."""
    update = _rig(VI1200, subdriver="mge").poll()
    assert sorted(update.commands or ()) == [
        "beeper.disable", "beeper.enable", "beeper.mute", "beeper.off", "beeper.on",
        "load.off", "load.off.delay", "load.on", "load.on.delay", "shutdown.return",
        "shutdown.stayoff", "shutdown.stop", "test.battery.start.deep",
        "test.battery.start.quick", "test.battery.stop"]
    assert sorted(k for k, spec in update.specs.items() if spec.rw) == [
        "output.voltage.nominal", "ups.delay.shutdown", "ups.delay.start"]
    # "Type: ENUM", options 200 208 220 230 240: a 230 V unit of a line-interactive type.
    assert update.specs["output.voltage.nominal"].enums == ("200", "208", "220", "230", "240")
    assert update.specs["output.voltage.nominal"].type_words() == "RW ENUM STRING:3"
    assert update.values["driver.version.data"] == "MGE HID 1.59"


# What NUT master's mge-hid.c prints for the reports NUT 2.7.4 logged for this 5SC 750 (issue
# #2380): each logged Path value through the table's row, format and conversion.  The log's
# own dstate lines agree where it has them: ups.test.interval "604800", ups.beeper.status
# "enabled", ABM status "resting".  2.7.4 printed no battery.voltage (the issue: the 5SC was
# not in its model table, fixed by NUT PR #2442) and 0 for the -1 timers.
EATON5SC_VALUES = {
    "battery.capacity": "7.00", "battery.charge": "100", "battery.charge.low": "20",
    "battery.charge.restart": "0", "battery.charger.status": "resting",
    "battery.charger.type": "ABM", "battery.energysave": "no",
    "battery.energysave.delay": "300", "battery.energysave.load": "20",
    "battery.protection": "yes", "battery.runtime": "1772", "battery.type": "PbAc",
    "battery.voltage": "25.8", "battery.voltage.nominal": "24",
    "input.current": "0.00", "input.frequency": "49.9", "input.frequency.nominal": "50",
    "input.sensitivity": "high", "input.transfer.boost.low": "198",
    "input.transfer.high": "264", "input.transfer.low": "176",
    "input.transfer.trim.high": "233", "input.voltage": "229.0",
    "input.voltage.nominal": "230", "outlet.1.status": "on", "outlet.desc": "Main Outlet",
    "outlet.id": "0", "outlet.switchable": "no", "output.current": "0.60",
    "output.frequency": "49.9", "output.frequency.nominal": "50", "output.powerfactor": "0.80",
    "output.voltage": "228.4", "output.voltage.nominal": "220", "ups.beeper.status": "enabled",
    "ups.delay.shutdown": "20", "ups.delay.start": "30", "ups.efficiency": "72",
    "ups.firmware": "01.10.0018", "ups.load": "29", "ups.load.high": "105", "ups.mfr": "EATON",
    "ups.model": "Eaton 5SC 750", "ups.power": "137", "ups.power.nominal": "750",
    "ups.productid": "ffff", "ups.realpower": "110", "ups.realpower.nominal": "525",
    "ups.serial": "G132H10156", "ups.shutdown": "enabled", "ups.start.auto": "yes",
    "ups.start.battery": "yes", "ups.start.reboot": "yes", "ups.status": "OL",
    "ups.test.interval": "604800", "ups.test.result": "Done and passed",
    "ups.timer.shutdown": "-1", "ups.timer.start": "-1",
    "ups.type": "offline / line interactive", "ups.vendorid": "0463",
}


def test_eaton_5sc750_every_variable_equals_nut() -> None:
    """Eaton 5SC 750: every variable, as NUT master prints it for the logged reports.

    ABM is on (ABMEnable 1) and the charger rests (Mode 4): ``OL``, no
    CHRG although PresentStatus.Charging is 1; the 5SC is an Eaton 5P
    type, so PowerSummary.Voltage is battery.voltage.
    """
    rig = _rig(EATON5SC)
    assert rig.driver.map is not None and rig.driver.map.sub is MGE
    assert _published(rig.values()) == EATON5SC_VALUES


def _variant(tmp_path: Path, name: str, **reports: str) -> Path:
    """A copy of a fixture with some reports replaced (``r29="29 00"``)."""
    stem = name[:-len(".hex")]
    for suffix in (".hex", ".strings.txt"):
        shutil.copy(FIXTURES / f"{stem}{suffix}", tmp_path / f"{stem}{suffix}")
    lines = []
    for line in (FIXTURES / f"{stem}.reports.txt").read_text().splitlines():
        rid = line.split(":")[0].lower()
        lines.append(f"{rid}: {reports[f'r{rid}']}" if f"r{rid}" in reports else line)
    (tmp_path / f"{stem}.reports.txt").write_text("\n".join(lines) + "\n")
    return tmp_path / name


@pytest.mark.parametrize("abm, mode, charge, status, charger", [
    ("29 01", "26 04 01", "5a", "OL CHRG", "charging"),      # ABM on, charging (90 %)
    ("29 01", "26 04 03", "5a", "OL CHRG", "floating"),      # floating counts as charging
    ("29 01", "26 04 02", "5a", "OL DISCHRG", "discharging"),
    ("29 01", "26 04 04", "5a", "OL", "resting"),            # Charging bit 1 ignored
    ("29 00", "26 04 04", "5a", "OL CHRG", None),            # ABM off: the Charging bit
    ("29 00", "26 04 04", "64", "OL", None),                 # ...but not at 100 %
])
def test_abm_decides_chrg_and_dischrg(tmp_path: Path, abm: str, mode: str, charge: str,
                                      status: str, charger: str | None) -> None:
    """CHRG/DISCHRG from the ABM charger mode while ABM is on, else from PresentStatus."""
    hex_path = _variant(tmp_path, EATON5SC, r29=abm, r26=mode, r06=f"06 {charge} ec 06 00 00")
    values = _rig(hex_path.name, tmp_path).values()
    assert values["ups.status"] == status
    assert values.get("battery.charger.status") == charger


def test_vendor_alarm_rows_set_ups_alarm(tmp_path: Path) -> None:
    """ConfigurationFailure 1: NUT's "Fatal EEPROM fault!" in ups.alarm, ALARM in ups.status."""
    hex_path = _variant(tmp_path, EATON5SC, r03="03 01 00 00 00")
    values = _rig(hex_path.name, tmp_path).values()
    assert values["ups.alarm"] == "Fatal EEPROM fault!"
    assert values["ups.status"] == "ALARM OL"


def test_converter_input_decides_online(tmp_path: Path) -> None:
    """Input.[1].PresentStatus.Used 0 clears online although ACPresent is 1, as NUT.

    NUT master then reports no power state at all (neither OL nor OB:
    ups_status_set has no online and no offline flag).  Input.[1] counts
    only while the UPS is not off: with Good 0 (OFF) online stays ACPresent's.
    """
    hex_path = _variant(tmp_path, EATON5SC, r32="32 00 00 00 00 00 00")
    assert _rig(hex_path.name, tmp_path).values()["ups.status"] == ""
    hex_path = _variant(tmp_path, EATON5SC, r32="32 00 00 00 00 00 00",
                        r01="01 01 00 01 00 00")
    assert _rig(hex_path.name, tmp_path).values()["ups.status"] == "OL OFF"


@pytest.mark.parametrize("vid, pid, mfr, product, forced, claimed", [
    (0x0463, 0xFFFF, "EATON", "Eaton 5SC", False, True),
    (0x0463, 0x0001, None, None, False, True),
    (0x0463, 0x1234, None, None, False, False),     # POSSIBLY_SUPPORTED: productid= only
    (0x0463, 0x1234, None, None, True, True),
    (0x047C, 0xFFFF, "Dell", None, False, True),
    (0x047C, 0x0005, "Dell", None, False, False),
    (0x03F0, 0x1FE5, "HP", None, False, True),
    (0x03F0, 0x1FE0, "HP", None, True, True),
    (0x0592, 0x0004, None, None, False, True),
    (0x06DA, 0xFFFF, "PPC", "Offline UPS", False, False),   # Liebert's
    (0x06DA, 0xFFFF, "PPC", "Offline UPS", True, False),
    (0x06DA, 0xFFFF, "AEG", "PROTECT NAS", False, True),
    (0x06DA, 0xFFFF, None, "AEG PROTECT B", False, True),
    (0x09D6, 0x0001, "KSTAR", None, False, True),
    (0x09D6, 0x0001, "MasterPower", "KSTAR", False, False),  # manufacturer only
    (0x051D, 0x0002, None, None, True, False),
])
def test_claim_as_mge_claim(vid: int, pid: int, mfr: str | None, product: str | None,
                            forced: bool, claimed: bool) -> None:
    """mge_claim: the USB ID table, 06da only with AEG, 09d6 only with KSTAR, productid=."""
    assert mge_claim(DeviceIdent(vid, pid, mfr, product, forced=forced)) is claimed


def test_registry_gives_eaton_to_mge_and_ppc_to_liebert() -> None:
    """In NUT's subdriver order MGE comes first, and leaves a PPC 06da to Liebert."""
    assert subdriver_for(0x0463, 0xFFFF) is MGE
    assert subdriver_for(0x06DA, 0xFFFF, manufacturer="PPC", product="Offline UPS") is not MGE
    assert subdriver_for(0x06DA, 0xFFFF, manufacturer="PPC", name="mge") is MGE


@pytest.mark.parametrize("name, found", [
    ("MGE HID 1.59", True), ("mge", True), ("MGE.*", True), ("mge hid 1\\.59", True),
    ("hid", False), ("[", False), ("nonesuch", False)])
def test_subdriver_option_names_a_table(name: str, found: bool) -> None:
    """ups.conf subdriver: exact name, a case-insensitive regex, or one with .* added."""
    assert (by_name(name) is MGE) is found


@pytest.mark.parametrize("product, model, kind, name", [
    ("Eaton 5SC", "750", EATON_5P, "Eaton 5SC 750"),
    ("Eaton 5P", "1550", EATON_5P, "5P 1550"),
    ("Ellipse PRO", "1200 ", EATON_5P, "Eaton 5S1200"),
    ("Ellipse ECO", "800", PEGASUS, "Ellipse ECO 800"),
    ("3S", "700", MGE_3S, "3S 700"),
    ("ELLIPSE", "650", 0, "ellipse 650"),
    ("Offline UPS", "HID UPS", 0x200, "Offline UPS HID UPS"),
])
def test_model_names_and_types(product: str, model: str, kind: int, name: str) -> None:
    """mge_model_names: the type decides battery.voltage and the ECO rows; unknown pairs joined."""
    assert model_name(product, model) == (kind, name)


@pytest.mark.parametrize("var, value, written", [
    ("input.sensitivity", "low", "4f 02"),          # mge_sensitivity_info: 2 is low
    ("ups.start.auto", "no", "73 00"),              # yes_no_info
    ("battery.charge.low", "30", "12 1e"),          # RemainingCapacityLimitSetting
    ("ups.shutdown", "disabled", "05 00"),          # eaton_enable_disable_info
    ("output.voltage.nominal", "230", "72 e6 00"),
])
def test_settings_write_nut_values(var: str, value: str, written: str) -> None:
    """upsrw on the 5SC 750: the SET_REPORT carries the value NUT's table maps the text to."""
    rig = _rig(EATON5SC)
    before = len(rig.device.writes)
    result(rig.driver.set_var(var, value))
    assert [w.hex(" ") for w in rig.device.writes[before:]] == [written]


def test_enum_settings_of_the_5sc() -> None:
    """ENUM rows: ups.shutdown's table, and the nominal voltages a 220 V online-class unit takes."""
    specs = _rig(EATON5SC).poll().specs
    assert specs["ups.shutdown"].enums == ("disabled", "enabled")
    assert specs["output.voltage.nominal"].enums == ("200", "208", "220", "230", "240")
    assert specs["input.sensitivity"].enums == ()      # RW without HU_FLAG_ENUM


def test_outlet_desc_is_text_and_writable_as_text() -> None:
    """outlet.desc (HU_FLAG_ABSENT) is the driver's text, set as given (not as a number)."""
    rig = _rig(EATON5SC)
    assert rig.values()["outlet.desc"] == "Main Outlet"
    assert result(rig.driver.set_var("outlet.desc", "Rack A")) is None
    assert rig.values()["outlet.desc"] == "Rack A"
