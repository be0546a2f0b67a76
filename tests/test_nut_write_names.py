"""A SET VAR reaches the driver under the name the client spelt, as upsd sends it.

upsd forwards ``SET <var> "<value>"`` with the client's spelling
(``server/netset.c``); NUT's drivers match names case-insensitively
(usbhid-ups' ``find_nut_info``), except dummy-ups 2.8.0, which takes only
a name starting with the lower-case ``ups.status`` as the status: any other
spelling is a plain variable, so an empty value deletes it.
"""

from __future__ import annotations

from pathlib import Path

from twisted.internet import task

from pynutd.config import UpsSection
from pynutd.drivers.dummy import create
from pynutd.drivers.poller import Poller
from pynutd.nut.commands import COMMANDS
from pynutd.nut.session import NutSession
from pynutd.ups import UpsState
from tests.hidfakes import FIXTURES, Rig
from tests.nutfixtures import chat, make_context


def test_the_driver_gets_the_name_as_the_client_spelt_it():
    """The controller is asked with the client's spelling; the reply and checks
    use the variable found case-insensitively."""
    context, _, controller = make_context()
    session = NutSession(context, "127.0.0.1", COMMANDS)
    assert chat(session, [("USERNAME admin", ["OK"]), ("PASSWORD adminpw", ["OK"]),
                          ("SET VAR ups UPS.Delay.Shutdown 5", ["OK"]),
                          ("SET VAR ups UPS.BEEPER.STATUS Muted", ["ERR INVALID-VALUE"])]) == []
    assert controller.calls == [("set", "UPS.Delay.Shutdown", "5")]


def test_hid_driver_matches_names_in_any_case():
    """usbhid-ups takes ``UPS.DELAY.SHUTDOWN`` and ``Battery.Charge.Low`` as the
    lower-case names (NUT's find_nut_info uses strcasecmp)."""
    rig = Rig(FIXTURES / "tripplite-smartonline3000-09ae_4003.hex")
    rig.connect()
    assert rig.driver.set_var("UPS.DELAY.SHUTDOWN", "90") is None
    assert rig.values()["ups.delay.shutdown"] == "90"
    rig = Rig(Path(__file__).parent.parent / "pynutd" / "data" / "hid"
              / "tripplite-smart1500lcdt-09ae_3016.hex")
    rig.connect()
    rig.driver.set_var("Battery.Charge.Low", "20")
    assert [w.hex(" ") for w in rig.device.writes] == ["3a 14"]


def test_dummy_ups_takes_only_the_lower_case_status(tmp_path):
    """``SET VAR ups ups.status ""`` empties the status; ``UPS.STATUS ""`` deletes
    ups.status, as upsd 2.8.0 with NUT's dummy-ups answers."""
    (tmp_path / "a.dev").write_text("ups.status: OL\nbattery.charge: 90\n")
    section = UpsSection(name="a", driver="dummy-ups", port="a.dev", desc=None, options={},
                         path=str(tmp_path / "ups.conf"), lineno=1, confdir=tmp_path)
    clock = task.Clock()
    state = UpsState("a")
    poller = Poller(state, create(section, clock), section, clock)
    poller.start()
    clock.pump([1] * 3)
    poller.set_var("ups.status", "")
    clock.pump([1] * 3)
    assert state.snapshot().value("ups.status") == ""
    poller.set_var("Ups.Status", "")
    clock.pump([1] * 3)
    assert state.snapshot().value("ups.status") is None
    assert state.snapshot().value("battery.charge") == "90"
    poller.stop()
