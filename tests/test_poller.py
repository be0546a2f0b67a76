"""The poller: tiers on the clock, survival of any driver failure, reconnect with backoff."""

from __future__ import annotations

from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.trial.unittest import SynchronousTestCase

from pynutd.config import UpsSection
from pynutd.control import DeviceError
from pynutd.drivers.base import Update, poll_once
from pynutd.drivers.poller import Poller
from pynutd.ups import Availability, UpsState, VarSpec

SECTION = UpsSection(name="ups", driver="test", port="/dev/null", desc=None,
                     options={"pollinterval": "2", "vendorid": "09ae"}, path="ups.conf", lineno=1)


class ScriptedDriver:
    """A driver whose behaviour each test sets: values, failures, connect errors."""

    name = "scripted"
    version = "1.0"

    def __init__(self) -> None:
        self.polls: list[tuple[float, str]] = []
        self.connects = 0
        self.disconnects = 0
        self.connect_error: Exception | None = None
        self.poll_error: Exception | None = None
        self.clock: task.Clock | None = None
        self.charge = 100

    def tiers(self):
        return {"quick": 2.0, "full": 30.0}

    def parameters(self):
        return {}

    def connect(self):
        self.connects += 1
        if self.connect_error:
            raise self.connect_error

    def disconnect(self):
        self.disconnects += 1

    def poll(self, tier):
        self.polls.append((self.clock.seconds(), tier))
        if self.poll_error:
            raise self.poll_error
        return Update({"battery.charge": str(self.charge), "ups.status": "OL", "ups.mfr": "Acme"},
                      {"battery.charge": VarSpec(rw=True)}, commands=["load.off"])

    def set_var(self, name, value):
        self.charge = int(value)

    def instcmd(self, name, param):
        raise DeviceError("refused")


class PollerTests(SynchronousTestCase):
    def setUp(self):
        self.clock = task.Clock()
        self.driver = ScriptedDriver()
        self.driver.clock = self.clock
        self.state = UpsState("ups")
        self.poller = Poller(self.state, self.driver, SECTION, self.clock)

    def test_tiers_fire_on_the_clock(self):
        """quick every 2 s, full every 30 s, both once at start."""
        self.poller.start()
        self.clock.pump([1] * 30)
        quick = [t for t, tier in self.driver.polls if tier == "quick"]
        full = [t for t, tier in self.driver.polls if tier == "full"]
        self.assertEqual(quick, [float(t) for t in range(0, 31, 2)])
        self.assertEqual(full, [0.0, 30.0])
        snap = self.state.snapshot()
        self.assertEqual(snap.value("battery.charge"), "100")
        self.assertEqual(snap.value("driver.name"), "scripted")
        self.assertEqual(snap.value("driver.parameter.vendorid"), "09ae")
        self.assertEqual(snap.value("device.mfr"), "Acme")
        self.assertEqual(snap.value("device.type"), "ups")
        self.assertEqual(snap.commands, ("load.off",))

    def test_not_connected_until_first_connect(self):
        """DRIVER-NOT-CONNECTED while the device cannot be opened; retries back off."""
        self.driver.connect_error = DeviceError("no such device")
        self.poller.start()
        self.clock.pump([0.5] * 40)  # 20 s
        self.assertEqual(self.state.snapshot().availability(self.clock.seconds(), 15),
                         Availability.DRIVER_NOT_CONNECTED)
        self.assertEqual(self.driver.connects, 5)  # t = 0, 1, 3, 7, 15
        self.driver.connect_error = None
        self.clock.pump([1] * 20)
        self.assertEqual(self.state.snapshot().availability(self.clock.seconds(), 15),
                         Availability.OK)

    def test_survives_a_raising_driver(self):
        """Any exception from poll becomes stale data and reconnects; never a dead loop."""
        self.poller.start()
        self.clock.advance(4)
        self.driver.poll_error = ZeroDivisionError("driver bug")
        self.clock.pump([1] * 20)
        self.assertEqual(self.state.snapshot().availability(self.clock.seconds(), 15),
                         Availability.DATA_STALE)
        self.assertGreaterEqual(self.driver.disconnects, 1)
        self.driver.poll_error = None
        self.driver.charge = 55
        self.clock.pump([1] * 70)
        snap = self.state.snapshot()
        self.assertEqual(snap.availability(self.clock.seconds(), 15), Availability.OK)
        self.assertEqual(snap.value("battery.charge"), "55")

    def test_problem_logged_once(self):
        """A persistent failure is logged once, and the recovery once."""
        with self.assertLogs("pynutd.drivers.poller", "INFO") as logs:
            self.poller.start()
            self.driver.poll_error = DeviceError("no reply from slave 10")
            self.clock.pump([1] * 100)
            self.driver.poll_error = None
            self.clock.pump([1] * 70)
        failures = [r for r in logs.output if "no reply from slave 10" in r and "restored" not in r]
        self.assertEqual(len(failures), 1)
        self.assertEqual(len([r for r in logs.output if "restored" in r]), 1)

    def test_slow_poll_is_not_overlapped(self):
        """Polls never overlap; a tier due meanwhile runs next, once, not piled up."""
        pending: list[tuple[str, Deferred]] = []

        def poll(tier):
            pending.append((tier, Deferred()))
            return pending[-1][1]
        self.driver.poll = poll
        self.poller.start()
        self.clock.pump([1] * 10)
        self.assertEqual([t for t, _ in pending], ["quick"])
        pending[0][1].callback(Update({"ups.status": "OL"}))
        # the full tier, due at start while quick was busy, goes next
        self.assertEqual([t for t, _ in pending], ["quick", "full"])
        pending[1][1].callback(Update({"ups.status": "OL"}))
        self.assertEqual([t for t, _ in pending], ["quick", "full", "quick"])

    def test_writes_go_to_the_driver_and_poll_again(self):
        """SET VAR reaches the driver and the next poll shows the new value at once."""
        self.poller.start()
        results = []
        self.poller.set_var("battery.charge", "42").addCallback(results.append)
        self.clock.advance(0)
        self.assertEqual(results, [None])
        self.assertEqual(self.state.snapshot().value("battery.charge"), "42")
        failures = []
        self.poller.instcmd("load.off", None).addErrback(failures.append)
        self.assertIsInstance(failures[0].value, DeviceError)

    def test_stop_releases_the_device(self):
        """stop() cancels loops and retries and disconnects the driver."""
        self.poller.start()
        self.poller.stop()
        count = len(self.driver.polls)
        self.clock.pump([1] * 10)
        self.assertEqual(len(self.driver.polls), count)
        self.assertEqual(self.driver.disconnects, 1)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_poll_once(self):
        """poll_once runs each tier once and returns all values."""
        results = []
        poll_once(self.driver).addCallback(results.append)
        self.assertEqual(results[0]["battery.charge"], "100")
        self.assertEqual([tier for _, tier in self.driver.polls], ["quick", "full"])
        self.assertEqual(self.driver.disconnects, 1)


class FileDriver(ScriptedDriver):
    """A dummy-ups-like driver: every poll replaces all variables with its file's."""

    def __init__(self, values):
        super().__init__()
        self.values = dict(values)

    def poll(self, tier):
        return Update(dict(self.values), replace_all=True)

    def set_var(self, name, value):
        if value == "":
            self.values.pop(name, None)
        else:
            self.values[name] = value


class CoreVariableTests(SynchronousTestCase):
    """device.* as NUT's driver core publishes them, against a replace-all driver."""

    def setUp(self):
        self.clock = task.Clock()
        self.driver = FileDriver({"device.model": "Smart 1500 LCD Tower",
                                  "ups.model": "Smart 1500 LCD", "ups.status": "OL"})
        self.driver.clock = self.clock
        self.state = UpsState("ups")
        self.poller = Poller(self.state, self.driver, SECTION, self.clock)
        self.poller.start()
        self.clock.pump([1] * 5)

    def test_ups_copy_wins_over_the_file(self):
        """main.c copies ups.model over device.model after the first read, and it stays."""
        self.assertEqual(self.state.snapshot().value("device.model"), "Smart 1500 LCD")
        self.assertEqual(self.state.snapshot().value("device.type"), "ups")

    def test_driver_writing_again_wins(self):
        """Once the driver sets device.model to a new value, the driver's value stands."""
        self.driver.values["device.model"] = "Renamed"
        self.clock.pump([1] * 3)
        self.assertEqual(self.state.snapshot().value("device.model"), "Renamed")

    def test_deleted_core_variable_stays_deleted(self):
        """SET VAR device.type "" deletes it for good, as dummy-ups under upsd."""
        self.poller.set_var("device.type", "")
        self.poller.set_var("device.model", "")
        self.clock.pump([1] * 5)
        snap = self.state.snapshot()
        self.assertIsNone(snap.value("device.type"))
        self.assertIsNone(snap.value("device.model"))
        self.assertEqual(snap.value("ups.model"), "Smart 1500 LCD")
