"""The ``usbhid-ups`` driver: any USB HID Power Device, as NUT's usbhid-ups.

Glue only: the device is a :class:`~pynutd.drivers.hid.device.HidBackend`
from an opener (hidapi by default; the wiring may register others by port
kind, e.g. ``virtual:`` for a simulated UPS) whose blocking calls run on
one thread per device (:mod:`~pynutd.drivers.hid.runner`); the descriptor
is parsed by :mod:`~pynutd.drivers.hid.descriptor`, rows come from the
vendor table :func:`~pynutd.drivers.hid.vendors.subdriver_for` picks,
:mod:`~pynutd.drivers.hid.bind` turns reports into NUT variables and
:mod:`~pynutd.drivers.hid.status` the flags into ``ups.status``.

Tiers: ``quick`` every ``pollinterval`` (2 s) reads status and timers,
``full`` every ``pollfreq`` (30 s) reads everything but static rows;
semi-static rows (RW settings) are re-read after a write.  Every failure is
a :class:`~pynutd.drivers.base.DeviceError`; the poller reconnects, and
reconnecting enumerates again, so a re-plugged UPS is found by identity.

test-case-name: tests.test_hid_driver
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.task import deferLater

from pynutd.config import UpsSection
from pynutd.control import CommandRejected, DeviceError
from pynutd.drivers.base import Update
from pynutd.drivers.hid.bind import (
    DeviceMap,
    apply_fixes,
    bind,
    encode_write,
    merge_report,
    parse_setting,
    strtol,
)
from pynutd.drivers.hid.converters import Context
from pynutd.drivers.hid.descriptor import FEATURE, INPUT, DescriptorError, HidField, parse
from pynutd.drivers.hid.device import HidBackend, Opener, OpenerFactory, identity_values
from pynutd.drivers.hid.dumps import dump_texts
from pynutd.drivers.hid.match import opener_for
from pynutd.drivers.hid.rows import FULL, QUICK, SEMI, STATIC, DeviceIdent, Subdriver
from pynutd.drivers.hid.runner import (
    DeviceRunner,
    Executor,
    drain_input,
    fetch_all,
    fetch_reports,
    fetch_strings,
)
from pynutd.drivers.hid.status import LbRbClock, StatusOptions, apply_status
from pynutd.drivers.hid.vendors import by_name, is_fallback, subdriver_for

log = logging.getLogger(__name__)

COMMAND_GAP = 0.125   # s between the two writes of shutdown.return (AVR750U drops fast ones)
INTERRUPT_PERIOD = 0.5   # s between drains of the interrupt-in pipe
INTERRUPT_SIZE = 64      # bytes asked per interrupt read (NUT's default interruptsize)


class UsbHidDriver:
    """One HID UPS; see the module docstring."""

    name = "usbhid-ups"
    version = "0.47"

    def __init__(self, section: UpsSection, reactor: Any, opener: Opener,
                 executor: Executor | None = None) -> None:
        self.section = section
        self.reactor = reactor
        self.opener = opener
        self.runner = DeviceRunner(reactor, section.name, executor)
        self.pollinterval = section.get_float("pollinterval", 2.0, minimum=0.1)
        self.pollfreq_option = section.get_float("pollfreq", 0, minimum=0)
        self.forced = section.get("productid") is not None
        self.pollonly = section.get("pollonly") is not None
        # usbhid-ups' interruptonly (Powercom): rows bind to input reports and
        # values come only from the interrupt pipe, never from GET_REPORT.
        self.interrupt_only = section.get("interruptonly") is not None
        # NUT's fix_report_desc functions all step aside for this option
        self.disable_fixes = section.get("disable_fix_report_desc") is not None
        self.interrupt_size = section.get_int("interruptsize", INTERRUPT_SIZE)
        if self.interrupt_size <= 0:
            raise section.error("interruptsize",
                                f"Error: invalid interruptsize: {self.interrupt_size}")
        # usbhid-ups' OL+DISCHRG hints ("onlinedischarge" is the old name)
        self.status_options = StatusOptions(
            onbattery=any(section.get(k) is not None
                          for k in ("onlinedischarge", "onlinedischarge_onbattery")),
            calibration=section.get("onlinedischarge_calibration") is not None,
            lbrb_without_calibrating=section.get("lbrb_log_delay_without_calibrating")
            is not None)
        self.lbrb_clock = LbRbClock()
        self.backend: HidBackend | None = None
        self.map: DeviceMap | None = None
        self.reports: dict[int, bytes] = {}
        self.strings: dict[int, str | None] = {}
        self.values: dict[str, str] = {}
        self.flags: dict[str, bool] = {}
        self.state: dict[str, Any] = {}   # the subdriver converters' memory (Context.state)
        self.raw_descriptor = b""
        self.dirty = True
        self.subdriver_name, self.explore = subdriver_options(section)
        self.logged_table = ""   # the table last announced in the log

    # -- Driver interface ------------------------------------------------------

    def tiers(self) -> Mapping[str, float]:
        """Quick poll every pollinterval, full poll every pollfreq.

        Unless ``pollonly`` is set, an ``interrupt`` tier also drains the
        interrupt-in reports the device sent (non-blocking read, no
        GET_REPORT) every :data:`INTERRUPT_PERIOD` s, so a status change the
        UPS announces shows at once rather than at the next quick poll.
        """
        tiers = {"quick": self.pollinterval, "full": self.pollfreq}
        if not self.pollonly:
            tiers["interrupt"] = min(INTERRUPT_PERIOD, self.pollinterval)
        return tiers

    @property
    def pollfreq(self) -> float:
        """Seconds between full polls (ups.conf, else the subdriver's default)."""
        if self.pollfreq_option:
            return self.pollfreq_option
        return float(self.map.sub.pollfreq) if self.map else 30.0

    def parameters(self) -> Mapping[str, str]:
        """driver.parameter.* values usbhid-ups always publishes."""
        return {"pollfreq": f"{self.pollfreq:g}"}

    @inlineCallbacks
    def connect(self) -> Any:
        """Open the device, parse its descriptor, read everything once."""
        self.disconnect()
        try:
            backend, raw = yield self.runner.run(self._open)
        except (OSError, ValueError) as exc:
            raise DeviceError(f"cannot open HID device: {exc}") from None
        self.backend = backend
        self.raw_descriptor = bytes(raw)
        try:
            desc = parse(raw)
        except DescriptorError as exc:
            raise DeviceError(f"bad report descriptor: {exc}") from None
        if not desc.fields:
            raise DeviceError("the device returned no usable report descriptor")
        sub = subdriver_for(backend.vendor_id, backend.product_id, self.forced,
                            manufacturer=backend.manufacturer, product=backend.product,
                            serial=backend.serial, name=self.subdriver_name,
                            explore=self.explore)
        self._announce(sub, backend)
        self.status_options = dataclasses.replace(
            self.status_options, lbrb_delay=lbrb_delay(self.section, backend))
        if not self.disable_fixes:
            desc = apply_fixes(desc, sub, backend.product_id)
        self.map = bind(sub, desc, backend.product_id, backend.vendor_id,
                        INPUT if self.interrupt_only else FEATURE)
        if backend.product_id in sub.pollonly_products:
            self.pollonly = True
        self.values = identity_values(backend, sub.name)
        self.state = {}
        if sub.mfr_default and "ups.mfr" not in self.values:
            self.values["ups.mfr"] = sub.mfr_default
        if sub.identity is not None:
            self.values.update(sub.identity(DeviceIdent(
                backend.vendor_id, backend.product_id, backend.manufacturer, backend.product,
                backend.serial, self.forced)))
        for row in self.map.absent:
            key = {"ups.delay.start": "ondelay", "ups.delay.shutdown": "offdelay"}.get(row.var)
            # Only the delays are numbers; other HU_FLAG_ABSENT rows keep
            # their text (MGE's outlet.desc "Main Outlet").
            self.values[row.var] = (strtol(self.section.get(key, row.default) or "0") if key
                                    else row.default)
        self.dirty = True
        base = dict(self.values)
        yield self._poll([STATIC, SEMI, FULL, QUICK], quick_only=False)
        self._settle(base, backend)
        log.info("[%s] %s %04x:%04x, %s, %d variables", self.section.name,
                 backend.product or "HID UPS", backend.vendor_id, backend.product_id,
                 sub.name, len(self.values))

    def _settle(self, base: dict[str, str], backend: HidBackend) -> None:
        """Drop the rows NUT's first walk drops; the values again from the reports just read."""
        dmap = self.map
        if dmap is None:
            return
        ctx = Context(self.strings.get, dmap.sub.scale_for(backend.product_id), base, self.state)
        # NUT sets ups.mfr/model/serial before its first walk, so a table row
        # for one of them would find it set; pynutd lets such rows override
        # the USB strings (MGE's format_model is written as rows).
        identity = {"ups.mfr", "ups.model", "ups.serial"}
        settled = dmap.settle(set(base) - identity, self.reports, ctx)
        if settled.variables == dmap.variables:
            return
        self.map = settled
        rows = settled.rows([STATIC, SEMI, FULL, QUICK])
        values = dict(base)
        values.update(settled.read(rows, self.reports, ctx))
        for var in ("ups.status", "ups.alarm", "input.transfer.reason",
                    "experimental.ups.mode.buzzwords"):
            if var in self.values:
                values[var] = self.values[var]
        self.values = values

    def _announce(self, sub: Subdriver, backend: HidBackend) -> None:
        """Log the table chosen, once per device and table, as usbhid-ups' callback."""
        key = f"{backend.vendor_id:04x}:{backend.product_id:04x} {sub.name}"
        if key == self.logged_table:
            return
        self.logged_table = key
        if is_fallback(sub):
            # NUT would refuse the device ("Manufacturer or model not supported!")
            log.warning("[%s] no subdriver for %04x:%04x, using the generic Power Device "
                        "mapping", self.section.name, backend.vendor_id, backend.product_id)
        else:
            log.info("[%s] Using subdriver: %s", self.section.name, sub.name)

    def disconnect(self) -> None:
        """Close the device (its thread stays for the next connect)."""
        backend, self.backend = self.backend, None
        if backend is not None:
            self.runner.run(backend.close)

    def poll(self, tier: str) -> Deferred[Update]:
        """Read one tier; fire with every current value (replace_all).

        After a write the next poll, whatever its tier, is a full one with
        the semi-static rows (usbhid-ups' ``data_has_changed``).
        """
        if tier == "interrupt" and not self.dirty:
            return self._interrupts()
        if tier == "quick" and not self.dirty:
            return self._poll([QUICK], quick_only=True)
        tiers = [FULL, QUICK] + ([SEMI] if self.dirty else [])
        if self.pollonly:
            # without the interrupt pipe usbhid-ups reads static and
            # semi-static rows at every full update too (stale data shows)
            tiers = [STATIC, SEMI, FULL, QUICK]
        return self._poll(tiers, quick_only=False)

    # -- reading ---------------------------------------------------------------------

    def _open(self) -> tuple[HidBackend, bytes]:
        backend = self.opener()
        backend.open()
        try:
            return backend, backend.get_report_descriptor()
        except Exception:
            backend.close()
            raise

    @inlineCallbacks
    def _poll(self, tiers: list[str], quick_only: bool) -> Any:
        dmap, backend = self.map, self.backend
        if dmap is None or backend is None:
            raise DeviceError("device not connected")
        wanted = {} if self.interrupt_only else {
            rid: dmap.desc.report_length(rid) for rid in dmap.report_ids(tiers, quick_only)}
        layout = dmap.layout   # the subdriver's hook for what the descriptor lacks
        if layout is not None:
            wanted.update(layout.lengths)
        replies = yield self.runner.run(fetch_reports, backend, wanted)
        for rid, data in replies.items():
            self.reports[rid] = merge_report(data, self.reports.get(rid), wanted[rid])
        if layout is not None:
            self.values.update(layout.values(replies, set(dmap.unbound)))
            if not dmap.status:
                self.flags.update(layout.flags(replies))
        rows = dmap.rows(tiers)
        yield self._load_strings(backend, rows)
        ctx = Context(self.strings.get, dmap.sub.scale_for(backend.product_id), self.values,
                      self.state)
        self.values.update(dmap.read(rows, self.reports, ctx))
        dmap.read_flags(dmap.status_rows(quick_only), self.reports, self.flags, ctx)
        apply_status(self.values, self.flags, self.status_options, self.lbrb_clock,
                     float(self.reactor.seconds()))
        if SEMI in tiers:
            self.dirty = False
        return Update(dict(self.values), dmap.specs(ctx), dmap.command_names(), replace_all=True)

    @inlineCallbacks
    def _interrupts(self) -> Any:
        dmap, backend = self.map, self.backend
        if dmap is None or backend is None:
            raise DeviceError("device not connected")
        try:
            reports = yield self.runner.run(drain_input, backend, self.interrupt_size)
        except OSError as exc:
            raise DeviceError(f"interrupt read failed: {exc}") from None
        ctx = Context(self.strings.get, dmap.sub.scale_for(backend.product_id), self.values,
                      self.state)
        for data in reports:
            if self.interrupt_only and data:
                # the report buffer the polls read (libhid's file_report_buffer)
                self.reports[data[0]] = merge_report(
                    data, self.reports.get(data[0]), dmap.desc.report_length(data[0]))
            self.values.update(dmap.read_input(data, ctx, self.flags))
        apply_status(self.values, self.flags, self.status_options, self.lbrb_clock,
                     float(self.reactor.seconds()))
        return Update(dict(self.values), dmap.specs(ctx), dmap.command_names(), replace_all=True)

    def _load_strings(self, backend: HidBackend, rows: list[Any]) -> Deferred[None]:
        assert self.map is not None
        wanted = self.map.string_indexes(rows, self.reports) - set(self.strings)
        d: Deferred[dict[int, str | None]] = self.runner.run(
            fetch_strings, backend, sorted(wanted))
        return d.addCallback(self.strings.update)

    def read_raw(self, lengths: Mapping[int, int]) -> Deferred[dict[int, bytes]]:
        """GET_REPORT the given report IDs as they are (``pynutd read --tripplite-layout``)."""
        if self.backend is None:
            raise DeviceError("device not connected")
        return self.runner.run(fetch_reports, self.backend, lengths)

    def dump_text(self) -> Deferred[dict[str, str]]:
        """Read every feature report; fire with the ``.hex``, ``.reports.txt``
        and ``.strings.txt`` texts a virtual UPS (and a bug report) uses."""
        if self.backend is None or self.map is None:
            raise DeviceError("device not connected")
        desc, backend = self.map.desc, self.backend
        lengths = {rid: desc.report_length(rid) for rid in desc.report_ids()}
        d: Deferred[Any] = self.runner.run(fetch_all, backend, lengths)
        d.addCallback(lambda got: dump_texts(self.raw_descriptor, got[0], got[1], backend))
        return d

    # -- writing ---------------------------------------------------------------------

    @inlineCallbacks
    def _write(self, f: HidField, physical: float) -> Any:
        if self.backend is None or self.map is None:
            raise DeviceError("device not connected")
        if f.attribute == 0x01:   # Constant: NUT's HIDSetDataValue refuses it
            raise CommandRejected("field is read-only on this device")
        length = self.map.desc.report_length(f.report_id)
        data = encode_write(f, physical, self.reports.get(f.report_id), length)
        try:
            yield self.runner.run(self.backend.send_feature_report, data)
        except OSError as exc:
            raise DeviceError(f"SET_REPORT failed: {exc}") from None
        self.reports.pop(f.report_id, None)
        self.dirty = True

    def set_var(self, name: str, value: str) -> Deferred[None] | None:
        """Write an RW variable (upsrw); driver-side delays just change."""
        if self.map is None:
            raise DeviceError("device not connected")
        # Names compare case-insensitively, as usbhid-ups' find_nut_info:
        # upsd hands the driver the name as the client spelt it.
        absent = next((row for row in self.map.absent if row.var.lower() == name.lower()), None)
        if absent is not None:
            # The delays are numbers (strtol); other absent rows keep the text.
            delay = absent.var.startswith("ups.delay.")
            self.values[absent.var] = strtol(value) if delay else value
            return None
        found = self.map.writable(name)
        if found is None:
            raise CommandRejected(f"{name} is not writable")
        row, f = found
        try:
            physical = parse_setting(row, value)
        except ValueError as exc:
            raise CommandRejected(str(exc)) from None
        return self._write(f, physical)

    def instcmd(self, name: str, param: str | None) -> Deferred[None]:
        """Run an instant command, composite ones as usbhid-ups.c builds them."""
        if self.map is None:
            raise DeviceError("device not connected")
        name = {"beeper.on": "beeper.enable", "beeper.off": "beeper.disable"}.get(name, name)
        found = self.map.commands.get(name)
        if found is not None:
            cmd, f = found
            if cmd.encode is not None:
                return self._write(f, cmd.encode(param or cmd.value, self.values,
                                                 self.section.get))
            return self._write(f, float(strtol(param if param else cmd.value)))
        if name in ("load.off", "load.on"):
            return self.instcmd(f"{name}.delay", "0")
        if name in ("shutdown.return", "shutdown.stayoff"):
            return self._shutdown(name == "shutdown.return")
        raise CommandRejected(f"{name} is not supported by this UPS")

    @inlineCallbacks
    def _shutdown(self, restart: bool) -> Any:
        on_delay = self.values.get("ups.delay.start", "30") if restart else "-1"
        yield self.instcmd("load.on.delay", on_delay)
        yield deferLater(self.reactor, COMMAND_GAP, lambda: None)
        yield self.instcmd("load.off.delay", self.values.get("ups.delay.shutdown", "20"))


# -- construction ------------------------------------------------------------------

def lbrb_delay(section: UpsSection, backend: HidBackend) -> float:
    """usbhid-ups' lbrb_log_delay_sec: the option (3 when not a number >= 0), else 3 s
    for the APC Back-UPS BX...MI, BVK...M2 and BK...M2-CH models, else 0."""
    raw = section.get("lbrb_log_delay_sec")
    if raw is not None:
        value = int(strtol(raw))
        return 3.0 if value < 0 or (value == 0 and raw != "0") else float(value)
    product = backend.product or ""
    if backend.manufacturer not in ("APC", "American Power Conversion") or not product:
        return 0.0
    apc_quirk = (
        (len(product) > 6 and " BX" in f" {product}" and product.endswith("MI"))
        or (len(product) > 7 and " BVK" in f" {product}" and product.endswith("M2"))
        or (len(product) > 9 and " BK" in f" {product}" and product[-5:-3] == "M2"
            and product[-3] in "-_" and product.endswith("CH")))
    return 3.0 if apc_quirk else 0.0


def subdriver_options(section: UpsSection) -> tuple[str | None, bool]:
    """Return ups.conf ``subdriver`` and ``explore``; ConfigError where usbhid-ups exits.

    As usbhid-ups: a ``subdriver`` no table name matches is fatal, and for
    a real device ``subdriver`` needs ``vendorid`` and ``productid`` and
    ``explore`` needs ``vendorid`` (a ``virtual:`` port names its device).
    """
    name = section.get("subdriver")
    explore = section.get("explore") is not None
    kind, colon, _ = (section.port or "auto").partition(":")
    real = not (colon and kind.isalpha())
    if name is not None:
        if by_name(name) is None:
            raise section.error("subdriver", f"Configuration requested subdriver '{name}' "
                                             f"but none matched")
        if real and (section.get("vendorid") is None or section.get("productid") is None):
            raise section.error("subdriver", "When specifying a subdriver, 'vendorid' and "
                                             "'productid' are mandatory.")
    if explore and real and section.get("vendorid") is None:
        raise section.error("explore", 'must specify "vendorid" when using "explore"')
    return name, explore


def create(section: UpsSection, reactor: Any,
           openers: Mapping[str, OpenerFactory] | None = None) -> UsbHidDriver:
    """Build the driver for a ups.conf section (``driver = usbhid-ups``).

    ``openers`` maps a port kind (``virtual`` in ``port = virtual:FILE.hex``)
    to what opens such devices; see :func:`~pynutd.drivers.hid.match.opener_for`.
    """
    return UsbHidDriver(section, reactor, opener_for(section, reactor, openers or {}))
