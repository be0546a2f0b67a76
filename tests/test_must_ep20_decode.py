"""Tests for the EP20 register decoding: the real captures and the status rules."""

from __future__ import annotations

import struct

from twisted.trial.unittest import SynchronousTestCase

from pynutd.control import CommandRejected
from pynutd.drivers.must_ep20.decode import (
    decode_settings,
    decode_status,
    encode_setting,
    find_setting,
    invalid_settings,
    invalid_status,
    model_name,
    registers,
)
from pynutd.ups import VarSpec
from tests.mustfakes import FRAMES, load_golden


def capture(name: str) -> dict[int, int]:
    """Return the registers of a recorded 30000x27 reply."""
    frame = FRAMES[name]
    return registers(30000, struct.unpack(">27H", frame[3:57]))


def status(**changes: int) -> tuple[str, str | None]:
    """Decode capture C (line, float) with some registers changed; return status, alarm."""
    regs = capture("capture_c")
    for key, value in changes.items():
        regs[int(key[1:])] = value
    values = decode_status(regs, 15)
    return values["ups.status"], values.get("ups.alarm")


class CaptureTests(SynchronousTestCase):
    """The three real replies of RESEARCH §2.2 decode exactly."""

    def test_captures_match_golden(self) -> None:
        """Every variable decoded from each capture equals the golden file's."""
        for name in ("capture_a", "capture_b", "capture_c"):
            golden = load_golden(name)
            values = decode_status(capture(name), 15)
            for var, value in values.items():
                self.assertEqual(golden.get(var), value, f"{name} {var}")

    def test_on_battery_is_not_online(self) -> None:
        """Capture A (WorkState 3, output 220.9 V) is OB DISCHRG, not mustmon.py's "online"."""
        values = decode_status(capture("capture_a"), 15)
        self.assertEqual(values["ups.status"], "OB DISCHRG")
        self.assertEqual(values["battery.current"], "-8.6")
        self.assertEqual(values["battery.charger.status"], "discharging")

    def test_low_mains_still_online(self) -> None:
        """Capture B at 214 V mains is OL CHRG (mustmon.py's window said battery)."""
        self.assertEqual(decode_status(capture("capture_b"), 15)["ups.status"], "OL CHRG")

    def test_float_is_not_charging(self) -> None:
        """Capture C (ChargeState FV) is plain OL, charger floating."""
        values = decode_status(capture("capture_c"), 15)
        self.assertEqual((values["ups.status"], values["battery.charger.status"]),
                         ("OL", "floating"))


class StatusRuleTests(SynchronousTestCase):
    """ups.status and ups.alarm from WorkState and the other state registers."""

    def test_rules(self) -> None:
        """Each register combination gives NUT's tokens in NUT's order."""
        cases = [
            ({}, ("OL", None)),
            ({"r30024": 0}, ("OL", None)),
            ({"r30023": 1}, ("OL CHRG", None)),
            ({"r30002": 3, "r30005": 0, "r30017": 15}, ("OB DISCHRG LB", None)),
            ({"r30002": 3, "r30005": 0, "r30017": 16}, ("OB DISCHRG", None)),
            ({"r30017": 5, "r30023": 0}, ("OL CHRG", None)),           # low SOC on mains
            ({"r30022": 0b10}, ("OL LB", None)),                       # device says low
            ({"r30022": 0b100}, ("OL OVER", None)),
            ({"r30022": 0b1000}, ("OL HB", None)),
            ({"r30022": 0b10000}, ("ALARM OL", "[Parameter error]")),
            ({"r30013": 1}, ("OL OVER", None)),
            ({"r30013": 2}, ("ALARM OL OVER", "[Overload]")),
            ({"r30019": 1}, ("OL TRIM", None)),
            ({"r30019": 2}, ("OL BOOST", None)),
            ({"r30019": 4}, ("OL BOOST", None)),
            ({"r30002": 3, "r30005": 0, "r30019": 2}, ("OB DISCHRG", None)),   # capture A
            ({"r30021": 2}, ("ALARM OL", "[Inverter over temperature]")),
            ({"r30021": 4, "r30002": 3, "r30005": 0}, ("ALARM OB DISCHRG LB",
                                                       "[Battery voltage is too low]")),
            ({"r30021": 99}, ("ALARM OL", "[Fault code 99]")),
            ({"r30021": 7, "r30013": 2}, ("ALARM OL OVER", "[Overload]")),
            ({"r30002": 5}, ("OL OFF", None)),
            ({"r30002": 6, "r30005": 0}, ("OB OFF", None)),
            ({"r30002": 7}, ("OL CHRG", None)),
            ({"r30002": 7, "r30007": 0}, ("OL CHRG OFF", None)),
            ({"r30025": 0}, ("OL OFF", None)),
            ({"r30002": 1, "r30005": 0}, ("OB", None)),
            ({"r30002": 8}, ("OL", None)),
        ]
        for changes, expected in cases:
            self.assertEqual(status(**changes), expected, changes)

    def test_lowbatt_threshold(self) -> None:
        """battery.charge.low decides LB on battery."""
        regs = capture("capture_a")
        self.assertEqual(decode_status(regs, 52)["ups.status"], "OB DISCHRG LB")
        self.assertEqual(decode_status(regs, 51)["ups.status"], "OB DISCHRG")

    def test_invalid_blocks(self) -> None:
        """All-zero and impossible frames are refused; real ones are not."""
        self.assertEqual(invalid_status((0,) * 27), "all-zero reply")
        bad = list(capture("capture_a").values())
        bad[2] = 9
        self.assertEqual(invalid_status(tuple(bad)), "invalid reply (WorkState 9)")
        bad[2], bad[3] = 4, 0
        self.assertEqual(invalid_status(tuple(bad)), "invalid reply (BatClass 0)")
        for name in ("capture_a", "capture_b", "capture_c"):
            self.assertIsNone(invalid_status(tuple(capture(name).values())))
        self.assertEqual(invalid_settings((0,) * 10), "all-zero settings reply")
        self.assertIsNone(invalid_settings((0, 220, 105, 141, 136, 20, 0, 0, 0, 1)))

    def test_model_name(self) -> None:
        """The model name follows the vendor's power/voltage scheme."""
        self.assertEqual(model_name({30004: 600, 30003: 12}), "EP20-0612 PRO")
        self.assertEqual(model_name({}), "EP20 PRO")


class SettingTests(SynchronousTestCase):
    """Settings registers as RW variables."""

    SETTINGS = registers(31000, (0, 220, 105, 141, 136, 20, 1, 0, 0, 1))

    def test_decode(self) -> None:
        """Enums map raw values; voltages are tenths; unknown raw values pass through."""
        values, specs = decode_settings({**self.SETTINGS, 31001: 240}, 12)
        self.assertEqual(values["output.frequency.nominal"], "50")
        self.assertEqual(values["output.voltage.nominal"], "240")
        self.assertEqual(values["ups.beeper.status"], "disabled")
        self.assertEqual(values["battery.voltage.low"], "10.5")
        self.assertNotIn("experimental.ups.start.auto", values)
        self.assertEqual(specs["battery.voltage.low"], VarSpec(rw=True, ranges=((10, 12),)))
        self.assertEqual(specs["output.frequency.nominal"], VarSpec(rw=True, enums=("50", "60")))
        self.assertFalse(specs["input.voltage.nominal"].rw)

    def test_24v_limits_double(self) -> None:
        """A 24 V unit's voltage limits are twice the 12 V ones."""
        _, specs = decode_settings(self.SETTINGS, 24)
        self.assertEqual(specs["battery.voltage.high"].ranges, ((27, 29),))
        row = find_setting("battery.voltage.low")
        assert row is not None
        self.assertEqual(encode_setting(row, "22.5", 24), 225)
        self.assertRaises(CommandRejected, encode_setting, row, "12.5", 24)

    def test_encode(self) -> None:
        """Values become register values; bad ones are refused with a reason."""
        def enc(name: str, value: str) -> int:
            row = find_setting(name)
            assert row is not None
            return encode_setting(row, value, 12)
        self.assertEqual(enc("output.voltage.nominal", "230"), 230)
        self.assertEqual(enc("output.frequency.nominal", "60"), 1)
        self.assertEqual(enc("battery.voltage.low", "11.5"), 115)
        self.assertEqual(enc("ups.beeper.status", "disabled"), 1)
        self.assertEqual(enc("experimental.ups.display.backlight", "disabled"), 0)
        with self.assertRaises(CommandRejected) as cm:
            enc("battery.voltage.high", "13.5")
        self.assertEqual(str(cm.exception), "battery.voltage.high must be between 13.8 and 14.5 V")
        self.assertRaises(CommandRejected, enc, "battery.voltage.low", "low")
        self.assertRaises(CommandRejected, enc, "output.voltage.nominal", "240")
        self.assertIsNone(find_setting("input.voltage.nominal"))
