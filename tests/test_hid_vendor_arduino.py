"""Arduino HID (NUT's arduino-hid.c) on the HID Power Device library's example sketch.

The descriptor is the library's own (abratchik/HIDPowerDevice, the report
descriptor a Leonardo running any of its sketches sends); the reports are
what its example sketch stores on mains power with a full battery.  No
NUT output for such a board is public: the expected values are those
reports run through NUT master's arduino-hid.c rows and formats (13.80 V:
centivolts with NUT's exponent rule, -1 timers: the sketch's "no delay").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pynutd.drivers.hid.vendors import subdriver_for
from pynutd.drivers.hid.vendors.arduino import ARDUINO
from tests.hidbuild import Field, write_device
from tests.hidfakes import FIXTURES, Rig

SKETCH = FIXTURES / "arduino-hidpowerdevice-2341_8036.hex"


def test_hidpowerdevice_sketch_through_nut_table() -> None:
    """Every variable and command the arduino table gives for the sketch's reports."""
    rig = Rig(SKETCH)
    rig.connect()
    update = rig.poll()
    values = {k: v for k, v in update.values.items() if not k.startswith(("driver.", "device."))}
    assert values == {
        "battery.charge": "100", "battery.charge.low": "5", "battery.charge.warning": "10",
        "battery.runtime": "7200", "battery.runtime.low": "600", "battery.type": "PbAc",
        "battery.voltage": "13.00", "battery.voltage.nominal": "13.80",
        "ups.delay.shutdown": "20", "ups.timer.reboot": "-1", "ups.timer.shutdown": "-1",
        "ups.mfr": "Arduino LLC", "ups.model": "Arduino Leonardo", "ups.serial": "UPS10",
        "ups.vendorid": "2341", "ups.productid": "8036", "ups.status": "OL",
    }
    assert update.values["driver.version.data"] == "Arduino HID 0.22"
    # No DelayBeforeStartup in the sketch: no load.on*, so no shutdown.return either.
    assert sorted(update.commands) == ["load.off", "load.off.delay", "shutdown.reboot",
                                       "shutdown.stop"]


def test_arduino_newer_rows_and_mfr_default(tmp_path: Path) -> None:
    """Table-built: PercentLoad and the Input.[1] voltage rows; "Arduino" with no mfr string."""
    hex_path = write_device(tmp_path, "arduino-built-2a03_0040", [
        Field("UPS.PowerSummary.PercentLoad", 37),
        Field("UPS.PowerConverter.Input.[1].Voltage", 230),
        Field("UPS.PowerConverter.Output.Voltage", 229),
        Field("UPS.PowerSummary.PresentStatus.ACPresent", 0, 1),
        Field("UPS.PowerSummary.PresentStatus.Discharging", 1, 1),
    ], ARDUINO.usages, {"product": "Pro Micro"})
    rig = Rig(hex_path)
    rig.connect()
    values = rig.values()
    assert {k: values.get(k) for k in ("ups.load", "input.voltage", "output.voltage",
                                        "ups.status", "ups.mfr")} == {
        "ups.load": "37", "input.voltage": "230.0", "output.voltage": "229.0",
        "ups.status": "OB DISCHRG", "ups.mfr": "Arduino"}


@pytest.mark.parametrize(("vid", "pid", "forced", "claimed"), [
    (0x2341, 0x8036, False, True), (0x2341, 0x0036, False, True),
    (0x2A03, 0x0040, False, True), (0x2A03, 0x8040, False, True),
    (0x2341, 0x0043, False, False), (0x2341, 0x0043, True, True),
    (0x1B4F, 0x9204, True, False),
])
def test_arduino_claim(vid: int, pid: int, forced: bool, claimed: bool) -> None:
    """arduino_claim: the six boards; other products of 2341/2a03 only with productid."""
    assert (subdriver_for(vid, pid, forced) is ARDUINO) is claimed
