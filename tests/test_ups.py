"""The state store's guards: values written by drivers and values asked for by clients."""

from __future__ import annotations

import pytest

from pynutd.control import check_value
from pynutd.printable import control_character
from pynutd.ups import UpsState, VarSpec

CONTROLS = ["\n", "\r", "\x00", "\t", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", CONTROLS)
def test_driver_values_are_sanitised_once(char):
    """A control character a driver reports is dropped when the value is stored,
    so the snapshot, every reader and the change event see the clean value."""
    ups = UpsState("ups")
    events = []
    ups.subscribe(events.append)
    ups.update({"ups.serial": f"AB{char}12", "ups.load": f"5{char}VAR ups ups.status OB"}, 1.0)
    snap = ups.snapshot()
    assert snap.value("ups.serial") == "AB12"
    assert snap.value("ups.load") == "5VAR ups ups.status OB"
    assert events[-1].detail["changed"] == {"ups.serial": None, "ups.load": None}
    ups.update({"ups.serial": "AB12"}, 2.0)  # the same value again: no change
    assert len(events) == 1


def test_printable_values_are_kept_as_they_are():
    """Quotes, backslashes, '#' and non-ASCII letters are values, not controls."""
    ups = UpsState("ups")
    value = 'Done "ok" \\#1 Büro ✓'
    ups.update({"ups.test.result": value}, 1.0)
    assert ups.snapshot().value("ups.test.result") == value


@pytest.mark.parametrize("char", CONTROLS)
def test_check_value_refuses_control_characters(char):
    """A write holding a control character is INVALID-VALUE, after READONLY as upsd orders it."""
    rw = VarSpec(rw=True, string_len=32)
    assert check_value(rw, f"5{char}") == "INVALID-VALUE"
    assert check_value(VarSpec(string_len=32), f"5{char}") == "READONLY"
    assert check_value(rw, "5") is None
    assert control_character(f"ok{char}") == f"U+{ord(char):04X}"
    assert control_character("ok") is None


def test_a_value_changed_only_in_letter_case_is_no_change():
    """As NUT's state_setinfo (strcasecmp): ``pbac`` on ``PbAc`` keeps ``PbAc``,
    the snapshot is the same object and no change event is sent (issue 12.3)."""
    ups = UpsState("ups")
    events = []
    ups.subscribe(events.append)
    ups.update({"battery.type": "PbAc", "ups.status": "OL"}, 1.0)
    before = ups.snapshot()
    ups.update({"battery.type": "pbac", "ups.status": "ol"}, 2.0)
    after = ups.snapshot()
    assert after.value("battery.type") == "PbAc" and after.value("ups.status") == "OL"
    assert after.variables is before.variables
    assert len(events) == 1
    ups.update({"battery.type": "PbAcid"}, 3.0)  # a real change still counts
    assert ups.snapshot().value("battery.type") == "PbAcid"
    assert events[-1].detail["changed"] == {"battery.type": "PbAc"}


def test_letter_case_folds_as_strcasecmp_does():
    """Only ASCII letters fold, as C's strcasecmp in the C locale: ``É`` is not ``é``."""
    ups = UpsState("ups")
    ups.update({"ups.location": "Büro É"}, 1.0)
    ups.update({"ups.location": "bÜRO É"}, 2.0)  # Ü is not ü
    assert ups.snapshot().value("ups.location") == "bÜRO É"
    ups.update({"ups.location": "BÜro É"}, 3.0)  # only ASCII letters differ
    assert ups.snapshot().value("ups.location") == "bÜRO É"
    ups.update({"ups.location": "BÜro é"}, 4.0)
    assert ups.snapshot().value("ups.location") == "BÜro é"


def test_a_failing_observer_does_not_stop_the_others(caplog):
    """Observers are isolated: one that raises is logged and the next still hears
    the event, one that unsubscribes while called skips nobody, and the writer
    (the poller) never sees the error."""
    ups = UpsState("ups")
    heard = []

    def broken(event):
        raise RuntimeError("boom")

    def leaving(event):
        ups.unsubscribe(leaving)
        heard.append(("leaving", event.kind))

    ups.subscribe(broken)
    ups.subscribe(leaving)
    ups.subscribe(lambda event: heard.append(("last", event.kind)))
    with caplog.at_level("ERROR", "pynutd.ups"):
        ups.update({"ups.status": "OL"}, 1.0)
        ups.set_fsd(2.0)
    assert heard == [("leaving", "update"), ("last", "update"), ("last", "fsd")]
    assert ups.snapshot().fsd and ups.snapshot().value("ups.status") == "OL"
    failures = [r for r in caplog.records if "observer of UPS ups failed" in r.getMessage()]
    assert len(failures) == 2 and failures[0].exc_info[0] is RuntimeError
