"""SETs from NUT clients through the poller to dummy-ups, read back as upsd 2.8.0 reads them.

Two differences the generated differential found after issue 12: NUT's
dummy-ups stores a value with ``dstate_setinfo``, which treats a change of
letter case as no change (``common/state.c``), even when two SETs reach it
before the next poll; and a SET of a ``device.*`` variable the driver core
had copied from ``ups.*`` stands, even when it names the value the .dev
file had given.
"""

from __future__ import annotations

from pathlib import Path

from twisted.internet import task

from pynutd.config import UpsSection
from pynutd.drivers.dummy import create
from pynutd.drivers.poller import Poller
from pynutd.ups import UpsState

DEV = ("device.model: Smart 1500 LCD Tower\nups.model: Smart 1500 LCD\nups.status: OL\n"
       "battery.type: PbAc\ninput.sensitivity: M\n")


def serve(tmp_path: Path) -> tuple[UpsState, Poller, task.Clock]:
    """Run dummy-ups on DEV under a poller, as pynutd does, past its first polls."""
    (tmp_path / "tower.dev").write_text(DEV)
    section = UpsSection(name="tower", driver="dummy-ups", port="tower.dev", desc=None,
                         options={}, path=str(tmp_path / "ups.conf"), lineno=1,
                         confdir=tmp_path)
    clock = task.Clock()
    state = UpsState("tower")
    poller = Poller(state, create(section, clock), section, clock)
    poller.start()
    clock.pump([1] * 5)
    return state, poller, clock


def test_sets_that_change_only_letter_case_change_nothing(tmp_path):
    """``T`` then ``t`` before a poll reads back ``T``; ``pbac`` on ``PbAc`` and
    ``ol`` on ``OL`` keep what was there (upsd 2.8.0 with dummy-ups does)."""
    state, poller, clock = serve(tmp_path)
    poller.set_var("input.sensitivity", "T")
    poller.set_var("input.sensitivity", "t")
    poller.set_var("battery.type", "pbac")
    poller.set_var("ups.status", "ol")
    clock.pump([1] * 3)
    snap = state.snapshot()
    assert snap.value("input.sensitivity") == "T"
    assert snap.value("battery.type") == "PbAc"
    assert snap.value("ups.status") == "OL"
    poller.set_var("battery.type", "Li")
    clock.pump([1] * 3)
    assert state.snapshot().value("battery.type") == "Li"
    poller.stop()


def test_a_set_of_a_copied_device_variable_stands(tmp_path):
    """After the core copied ups.model over device.model, SET device.model to the
    file's own value shows that value (the driver wrote it), and later SETs too."""
    state, poller, clock = serve(tmp_path)
    assert state.snapshot().value("device.model") == "Smart 1500 LCD"
    for value, served in [
            ("Smart 1500 LCD Tower", "Smart 1500 LCD Tower"),
            ("smart 1500 lcd", "smart 1500 lcd"),
            ("SMART 1500 LCD", "smart 1500 lcd")]:
        poller.set_var("device.model", value)
        clock.pump([1] * 3)
        assert state.snapshot().value("device.model") == served, value
    poller.stop()


def test_a_set_against_the_copy_not_the_file(tmp_path):
    """The driver's value after the copy is the copy: a SET differing from the
    file's value only in case stands as sent, one differing from the copy only
    in case leaves the copy (as upsd 2.8.0 with dummy-ups answers)."""
    state, poller, clock = serve(tmp_path)
    poller.set_var("device.model", "smART 1500 lcd tOweR")
    clock.pump([1] * 3)
    assert state.snapshot().value("device.model") == "smART 1500 lcd tOweR"
    poller.set_var("device.model", "SMART 1500 LCD TOWER")
    clock.pump([1] * 3)
    assert state.snapshot().value("device.model") == "smART 1500 lcd tOweR"
    poller.stop()
    state, poller, clock = serve(tmp_path)
    poller.set_var("device.model", "smART 1500 lcd tOweR")
    poller.set_var("device.model", "SMART 1500 LCD TOWER")  # before the next poll
    clock.pump([1] * 3)
    assert state.snapshot().value("device.model") == "smART 1500 lcd tOweR"
    poller.stop()
    state, poller, clock = serve(tmp_path)
    poller.set_var("device.model", "smart 1500 LCD")
    clock.pump([1] * 3)
    assert state.snapshot().value("device.model") == "Smart 1500 LCD"
    poller.stop()
