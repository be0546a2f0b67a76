"""HID table rows: the frozen dataclasses vendor tables are made of, and shared row groups.

A :class:`Subdriver` bundles what NUT's ``subdriver_t`` holds: the usage
names its paths use, its variable rows (:class:`HidVar`, first existing
path wins for a repeated variable, as in ``hid_ups_walk``), status rows
(:class:`HidStatus` feeding the internal flags ``ups_status_set`` reads),
instant commands (:class:`HidCommand`), per-product-ID scale factors and
optional hooks.  The tables themselves, and the registry that picks one for
a device, are in :mod:`pynutd.drivers.hid.vendors`; the row groups at the
end of this module are the paths every Power Device table repeats.

test-case-name: tests.test_hid_tables
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pynutd.drivers.hid.converters import Context, Converter
from pynutd.drivers.hid.descriptor import ReportDescriptor

# (physical value, context, current flags) -> "flag", "!flag" or None
StatusConverter = Callable[[float, Context, Mapping[str, bool]], "str | None"]

# (argument or default text, current variables, ups.conf option lookup) -> value written
CommandEncoder = Callable[[str, Mapping[str, str], Callable[[str], "str | None"]], float]

STATIC, SEMI, FULL, QUICK = "static", "semi", "full", "quick"


@dataclass(frozen=True, slots=True)
class HidVar:
    """A usage path read into a NUT variable.

    ``tier``: ``static`` read at connect only, ``semi`` at connect and after
    a write, ``full`` every pollfreq, ``quick`` every pollinterval.
    ``string_len`` > 0 with ``rw`` makes the variable STRING:n and writable.
    ``enum`` (NUT's HU_FLAG_ENUM on an RW row) lists the texts of the
    converter's table that it accepts for this device as the ENUM values.
    """

    var: str
    path: str
    fmt: str = "%.0f"
    convert: Converter | None = None
    tier: str = FULL
    rw: bool = False
    string_len: int = 0
    enum: bool = False


@dataclass(frozen=True, slots=True)
class HidAbsent:
    """A driver-side setting that exists when ``path`` does (HU_FLAG_ABSENT).

    ups.delay.start / ups.delay.shutdown: kept by the driver, used by the
    shutdown commands, writable with upsrw.
    """

    var: str
    path: str
    default: str
    string_len: int = 10


@dataclass(frozen=True, slots=True)
class HidStatus:
    """A one-bit status usage setting an internal flag when 1.

    ``inverted`` flags are set when the bit is 0 (NUT's ``off`` and
    ``nobattery``).  Flags are read by
    :func:`pynutd.drivers.hid.status.status_text`.  ``convert``, when
    given, replaces the bit test: it returns the flag to set, ``!flag`` to
    clear one, or None to leave the flags alone (NUT's "BOOL" rows whose
    lookup is a function, e.g. MGE's battery-monitoring rules).  A flag
    named ``alarm:TEXT`` puts TEXT in ``ups.alarm`` (NUT's "ups.alarm" rows).
    """

    path: str
    flag: str
    quick: bool = False
    inverted: bool = False
    # Nonzero: the field is a bit set and the flag is bit ``mask`` of its
    # value (Belkin's PowerStatus/BatteryStatus words), not the whole value.
    mask: int = 0
    convert: StatusConverter | None = None

    def active(self, value: int) -> bool:
        """Return the flag's state for a field's logical ``value``."""
        return bool(value & self.mask if self.mask else value) != self.inverted


@dataclass(frozen=True, slots=True)
class HidCommand:
    """An instant command writing ``value`` (or the client's argument) to a path.

    ``encode``, when given, is NUT's ``nuf()`` of the row's lookup: it turns
    the client's argument or ``value`` ("" for NUT's NULL default) into the
    number written, and may consult the current variables and the ups.conf
    options (PowerCOM's shutdown and startup words).
    """

    name: str
    path: str
    value: str
    encode: CommandEncoder | None = None


@dataclass(frozen=True, slots=True)
class FieldFix:
    """A correction for a field some firmware declares wrongly (NUT's fix_report_desc).

    Applies to ``products`` (empty: all of the vendor's).  ``unit_exp``
    replaces the unit exponent when it equals ``when_unit_exp``;
    ``log_range`` replaces the logical range when the field's range equals
    that of the field at ``when_same_range_as``.
    """

    path: str
    products: tuple[int, ...] = ()
    unit_exp: int | None = None
    when_unit_exp: int | None = None
    log_range: tuple[int, int] | None = None
    when_same_range_as: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceIdent:
    """What a claim function may look at: the identity NUT's ``HIDDevice_t`` carries.

    ``manufacturer`` and ``product`` are the USB strings (``hd->Vendor``,
    ``hd->Product``), which several NUT claim functions test (vendor 06da is
    claimed by more than one subdriver).  ``forced`` is set when ups.conf
    gives ``productid``, accepting product IDs a table does not list;
    ``explore`` when it gives ``explore`` (NUT's explore subdriver claims
    only then).
    """

    vendor_id: int
    product_id: int
    manufacturer: str | None = None
    product: str | None = None
    serial: str | None = None
    forced: bool = False
    explore: bool = False


Claim = Callable[[DeviceIdent], bool]


@dataclass(frozen=True, slots=True)
class FixedLayout:
    """Feature reports a firmware has at fixed IDs beside its descriptor (a subdriver hook).

    For ``vendor_id:product_id`` only.  While any of ``variables`` is left
    unbound by the descriptor route, the driver also reads ``lengths``
    (report ID -> GET_REPORT length) with every poll, takes the unbound
    variables from ``values(replies, unbound)`` and, when the descriptor
    gives no status rows at all, the status flags from ``flags(replies)``.
    """

    vendor_id: int
    product_id: int
    variables: frozenset[str]
    lengths: Mapping[int, int]
    values: Callable[[Mapping[int, bytes], set[str]], dict[str, str]]
    flags: Callable[[Mapping[int, bytes]], dict[str, bool]]


@dataclass(frozen=True, slots=True)
class Subdriver:
    """One vendor's tables, as NUT's ``subdriver_t``: rows as data, quirks as hooks.

    ``claim`` replaces the vendor/product test of :meth:`claims` (NUT's
    ``claim`` function, for tables that claim by strings or by anything);
    ``layouts`` are :class:`FixedLayout` hooks for firmware whose
    descriptor does not tell the whole story.
    """

    name: str                                  # driver.version.data
    vendor_ids: tuple[int, ...]
    variables: tuple[HidVar | HidAbsent, ...]
    status: tuple[HidStatus, ...]
    commands: tuple[HidCommand, ...]
    usages: Mapping[int, str] = field(default_factory=dict)
    scales: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    products: tuple[int, ...] = ()             # claimed without productid=
    pollfreq: int = 30
    fixes: tuple[FieldFix, ...] = ()
    # product ID -> report IDs never read (firmware hangs on them)
    skip_reports: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    pollonly_products: tuple[int, ...] = ()    # interrupt pipe known broken
    claim: Claim | None = None
    layouts: tuple[FixedLayout, ...] = ()
    # ups.mfr when the device has no manufacturer string (NUT's format_mfr default)
    mfr_default: str | None = None
    # NUT's format_model/format_serial when they do more than copy the USB
    # string: ups.* values to set over the strings' (APC: the model without
    # its "FW:" part, which becomes ups.firmware and ups.firmware.aux).
    identity: Callable[[DeviceIdent], Mapping[str, str]] | None = None
    # NUT's fix_report_desc when FieldFix cannot say it (fields compared by
    # report ID, ranges computed): (descriptor, product ID) -> fixed copy.
    fix_descriptor: Callable[[ReportDescriptor, int], ReportDescriptor] | None = None

    def claims(self, ident: DeviceIdent) -> bool:
        """Return whether this table serves the device (NUT's claim).

        ``ident.forced`` (ups.conf ``productid`` given) accepts product IDs
        the table does not list.
        """
        if self.claim is not None:
            return self.claim(ident)
        if ident.vendor_id not in self.vendor_ids:
            return False
        return ident.forced or not self.products or ident.product_id in self.products

    def scale_for(self, product_id: int) -> Mapping[str, float]:
        """Return the scale factors for one product ID."""
        return self.scales.get(product_id, {})

    def layout_for(self, vendor_id: int, product_id: int) -> FixedLayout | None:
        """Return the fixed report layout hook for one device, if the table has one."""
        return next((lay for lay in self.layouts
                     if (lay.vendor_id, lay.product_id) == (vendor_id, product_id)), None)


# -- row groups shared by the tables ---------------------------------------------

def status_rows(prefix: str) -> tuple[HidStatus, ...]:
    """The PresentStatus flags every Power Device table maps under ``prefix``."""
    return (
        HidStatus(f"{prefix}.ACPresent", "online", quick=True),
        HidStatus(f"{prefix}.Discharging", "dischrg", quick=True),
        HidStatus(f"{prefix}.Charging", "chrg", quick=True),
        HidStatus(f"{prefix}.ShutdownImminent", "shutdownimm"),
        HidStatus(f"{prefix}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{prefix}.Overload", "overload"),
        HidStatus(f"{prefix}.NeedReplacement", "replacebatt"),
        HidStatus(f"{prefix}.RemainingTimeLimitExpired", "timelimitexp"),
        HidStatus(f"{prefix}.BatteryPresent", "nobattery", inverted=True),
        HidStatus(f"{prefix}.FullyCharged", "fullycharged", quick=True),
        HidStatus(f"{prefix}.FullyDischarged", "depleted", quick=True),
        HidStatus(f"{prefix}.InternalFailure", "commfault"),
        HidStatus(f"{prefix}.OverTemperature", "overheat"),
        HidStatus(f"{prefix}.Buck", "trim"),
        HidStatus(f"{prefix}.Boost", "boost"),
        HidStatus(f"{prefix}.AwaitingPower", "awaitingpower"),
        HidStatus(f"{prefix}.VoltageOutOfRange", "vrange"),
        HidStatus(f"{prefix}.FrequencyOutOfRange", "frange"),
    )


def beeper_commands(path: str) -> tuple[HidCommand, ...]:
    """beeper.* commands on an AudibleAlarmControl path (1 off, 2 on, 3 mute)."""
    return (HidCommand("beeper.enable", path, "2"), HidCommand("beeper.disable", path, "1"),
            HidCommand("beeper.mute", path, "3"))


def selftest_commands(path: str) -> tuple[HidCommand, ...]:
    """Battery test commands on a Test path (1 quick, 2 deep, 3 abort)."""
    return (HidCommand("test.battery.start.quick", path, "1"),
            HidCommand("test.battery.start.deep", path, "2"),
            HidCommand("test.battery.stop", path, "3"))


def delay_rows(prefix: str) -> tuple[HidVar | HidAbsent, ...]:
    """Delay settings and countdown timers under ``prefix`` (NUT defaults 30/20 s)."""
    return (
        HidAbsent("ups.delay.start", f"{prefix}.DelayBeforeStartup", "30"),
        HidAbsent("ups.delay.shutdown", f"{prefix}.DelayBeforeShutdown", "20"),
        HidVar("ups.timer.start", f"{prefix}.DelayBeforeStartup", tier=QUICK),
        HidVar("ups.timer.shutdown", f"{prefix}.DelayBeforeShutdown", tier=QUICK),
        HidVar("ups.timer.reboot", f"{prefix}.DelayBeforeReboot", tier=QUICK),
    )


def delay_commands(prefix: str) -> tuple[HidCommand, ...]:
    """load.off.delay / load.on.delay / shutdown.stop / shutdown.reboot under ``prefix``."""
    return (
        HidCommand("load.off.delay", f"{prefix}.DelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{prefix}.DelayBeforeStartup", "30"),
        HidCommand("shutdown.stop", f"{prefix}.DelayBeforeShutdown", "-1"),
        HidCommand("shutdown.reboot", f"{prefix}.DelayBeforeReboot", "10"),
    )
