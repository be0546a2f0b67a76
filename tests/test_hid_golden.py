"""Golden mapping: NUT variables from real reports equal what NUT's usbhid-ups printed."""

from __future__ import annotations

from pynutd.ups import VarSpec
from tests.hidfakes import DATA, FIXTURES, Rig, dev_marks, dev_values

APC = "apc-backups-bk650m2ch-051d_0002.hex"
CPS = "cyberpower-cp1500pfclcd-0764_0501.hex"
TL4003 = "tripplite-smartonline3000-09ae_4003.hex"
TL3016 = "tripplite-smart1500lcdt-09ae_3016.hex"


def _ours(name: str, folder=FIXTURES) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rig = Rig(folder / name)
    rig.connect()
    return rig.values()


def _published(values: dict[str, str]) -> dict[str, str]:
    # What the driver itself publishes; driver.* and device.* come from the core.
    return {k: v for k, v in values.items() if not k.startswith(("driver.", "device."))}


def test_apc_bk650m2ch_equals_nut_280_dump() -> None:
    """Every variable NUT 2.8.0 printed for this BK650M2-CH, from the reports of the same log.

    Two exceptions: ups.load (the upsc dump was taken later than the
    explore log whose reports we replay: 0 there) and ups.serial (the
    submitter masked it as xxxx in the dump only).
    """
    nut = _published(dev_values("APC__Back-UPS_BK650M2-CH__usbhid-ups__2.8.0__01.dev"))
    ours = _published(_ours(APC))
    assert ours.pop("ups.load") == "0" and nut.pop("ups.load") == "5"
    assert ours.pop("ups.serial") == "9B2019A14274" and nut.pop("ups.serial") == "xxxx"
    assert ours == nut


def test_cyberpower_cp1500pfclcd_values_and_variable_set() -> None:
    """CP1500PFCLCD: the logged state, and the same variables the model's nut-ddl dump has."""
    ours = _ours(CPS)
    logged = {"battery.charge": "100", "battery.runtime": "9180", "ups.load": "3",
              "input.voltage": "121.0", "output.voltage": "121.0", "ups.status": "OL",
              "ups.timer.shutdown": "-60", "ups.timer.start": "-60"}
    assert {k: ours[k] for k in logged} == logged
    dump = _published(dev_values("Cyber_Power_Systems__CP1500PFCLCD__usbhid-ups__2.7.4__01.dev"))
    # NUT master's cps-hid.c maps two more than 2.7.4 did (FullChargeCapacity, the
    # vendor's input sensitivity); this descriptor has both.
    assert set(_published(ours)) == set(dump) | {"battery.status", "input.sensitivity"}
    assert (ours["battery.status"], ours["input.sensitivity"]) == ("100%", "normal")
    # Settings and ratings of the model agree between the two units.
    same = ["battery.charge.low", "battery.charge.warning", "battery.runtime.low",
            "battery.voltage.nominal", "input.transfer.high", "input.transfer.low",
            "input.voltage.nominal", "ups.realpower.nominal", "ups.beeper.status",
            "battery.type", "battery.mfr.date", "ups.mfr", "ups.model", "battery.voltage",
            "ups.vendorid", "ups.productid"]
    assert {k: ours[k] for k in same} == {k: dump[k] for k in same}
    # Deliberate difference: whole minutes, because the device truncates 20 s to 0.
    assert (ours["ups.delay.shutdown"], ours["ups.delay.start"]) == ("60", "120")


def test_tripplite_4003_logged_values() -> None:
    """SmartOnline 4003: the values NUT logged for the saved reports (RESEARCH §5)."""
    ours = _ours(TL4003)
    expected = {"battery.charge": "100", "battery.runtime": "2311", "ups.load": "20",
                "input.frequency": "60.0", "output.voltage": "120.0", "output.frequency": "60.0",
                "ups.realpower": "493.0", "ups.power.nominal": "3000",
                "battery.voltage.nominal": "72.0", "output.voltage.nominal": "120",
                "input.voltage.nominal": "120", "ups.status": "OL",
                "ups.test.result": "Done and passed", "ups.beeper.status": "enabled"}
    assert {k: ours.get(k) for k in expected} == expected


def test_tripplite_3016_input_voltage_scale() -> None:
    """SMART1500LCDT: report 0x31 (1214 raw, UnitExp 1) is 121.4 V after NUT's 1e5 scale."""
    assert _ours(TL3016)["input.voltage"] == "121.4"


def test_tripplite_3016_demo_matches_nut_dump_names_types_commands() -> None:
    """The bundled 3016 gives the dump's variables, RW types and commands (NUT table)."""
    rig = Rig(DATA / TL3016)
    rig.connect()
    update = rig.poll()
    dump_name = "Tripp_Lite__SMART1500LCDT__usbhid-ups__2.6.3__01.dev"
    dump = _published(dev_values(dump_name))
    # NUT master maps ActivePower to ups.realpower (W), not ups.power (PR #3581).
    dump["ups.realpower"] = dump.pop("ups.power")
    ours = _published(dict(update.values))
    ours.pop("driver.version.data", None)
    assert set(ours) == set(dump)
    static = ["battery.charge.low", "battery.charge.warning", "battery.voltage.nominal",
              "input.transfer.high", "input.transfer.low", "input.voltage.nominal",
              "output.frequency.nominal", "output.voltage.nominal", "ups.power.nominal",
              "ups.timer.reboot", "ups.timer.shutdown", "ups.timer.start", "ups.delay.start",
              "ups.delay.shutdown", "ups.watchdog.status", "battery.type", "ups.mfr",
              "ups.model", "ups.vendorid", "ups.productid", "ups.status", "ups.beeper.status"]
    assert {k: ours[k] for k in static} == {k: dump[k] for k in static}
    assert sorted(update.commands or ()) == sorted(dev_marks(dump_name, "CMD"))
    rw = {m.split(":")[0] for m in dev_marks(dump_name, "RW")}
    assert {k for k, s in update.specs.items() if s.rw} == rw
    assert update.specs["battery.charge.low"] == VarSpec(rw=True, string_len=5)
    assert update.specs["ups.delay.shutdown"] == VarSpec(rw=True, string_len=10)
