"""The UPS state store: one :class:`UpsState` per UPS, kept in a :class:`UpsRegistry`.

This is the single source of truth every reader uses (the NUT port, the web
side, metrics, history).  Drivers write into it through the poller; readers
take :class:`Snapshot` objects, which are immutable and rebuilt at most once
per change, so a thousand ``LIST VAR`` requests between two polls cost one
sort.

The module imports nothing from ``nut/``, ``drivers/`` or ``web/``.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pynutd.printable import CONTROL

if TYPE_CHECKING:
    # control.py imports this module: the write contract sits on the store.
    from pynutd.control import Controller

log = logging.getLogger(__name__)

# upsmon and the nut-ddl dumps expect the tokens in this order (usbhid-ups'
# ups_status_set); drivers that build ups.status from bits use it to sort.
STATUS_ORDER = ("OL", "OB", "DISCHRG", "CHRG", "LB", "HB", "OVER", "RB",
                "TRIM", "BOOST", "BYPASS", "CAL", "OFF", "FSD")




# C's tolower in the C locale: only A-Z fold (strcasecmp).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def same_value(a: str, b: str) -> bool:
    """Return whether two values are equal as NUT compares them (``strcasecmp``).

    NUT's ``common/state.c:state_setinfo`` treats a value that differs only
    in the case of its ASCII letters as no change, in the driver and in
    upsd alike: ``SET VAR ups battery.type pbac`` on ``PbAc`` keeps ``PbAc``.
    """
    return a == b or (len(a) == len(b)
                      and a.translate(_ASCII_LOWER) == b.translate(_ASCII_LOWER))


def sort_key(name: str) -> str:
    """Return the key upsd sorts variable and command names by (strcasecmp)."""
    return name.lower()


@dataclass(frozen=True, slots=True)
class VarSpec:
    """Type information of one variable, as a NUT driver declares it.

    ``string_len`` > 0 makes the variable ``STRING:<n>``; 0 means ``NUMBER``
    (upsd reports NUMBER for every variable its driver did not flag STRING).
    ``ranges`` are inclusive integer pairs, as ``ADDRANGE`` takes them.
    """

    rw: bool = False
    string_len: int = 0
    enums: tuple[str, ...] = ()
    ranges: tuple[tuple[int, int], ...] = ()

    def type_words(self) -> str:
        """Return what upsd's ``TYPE`` reply says after the variable name.

        The order is fixed: ``RW``, ``ENUM``, ``RANGE``, then
        ``STRING:<n>`` or ``NUMBER`` (``server/netget.c:get_type``); the
        web API shows the same words.
        """
        words = []
        if self.rw:
            words.append("RW")
        if self.enums:
            words.append("ENUM")
        if self.ranges:
            words.append("RANGE")
        words.append(f"STRING:{self.string_len}" if self.string_len else "NUMBER")
        return " ".join(words)


NUMBER = VarSpec()


@dataclass(frozen=True, slots=True)
class Variable:
    """One variable: its canonical name, its value and its type."""

    name: str
    value: str
    spec: VarSpec = NUMBER


class Availability(enum.Enum):
    """Why a UPS's data may not be served (upsd's ``ups_available``)."""

    OK = "OK"
    DRIVER_NOT_CONNECTED = "DRIVER-NOT-CONNECTED"
    DATA_STALE = "DATA-STALE"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An immutable view of one UPS, taken on the reactor thread.

    ``variables`` and ``commands`` are sorted as upsd sorts them.  ``fsd``
    is the latch set by a primary upsmon; ``status`` is the driver's
    ``ups.status`` without the ``FSD`` prefix.
    """

    name: str
    desc: str | None
    driver: str
    variables: tuple[Variable, ...]
    commands: tuple[str, ...]
    fsd: bool
    connected: bool
    last_update: float | None
    stale: bool
    _index: Mapping[str, Variable] = field(default_factory=dict, repr=False, compare=False)

    def get(self, name: str) -> Variable | None:
        """Return the variable named ``name`` (any case), or None."""
        return self._index.get(name.lower())

    def value(self, name: str, default: str | None = None) -> str | None:
        """Return the value of ``name``, or ``default`` when absent."""
        var = self._index.get(name.lower())
        return var.value if var is not None else default

    def has_command(self, name: str) -> bool:
        """Return whether the UPS offers instant command ``name`` (any case)."""
        lname = name.lower()
        return any(c.lower() == lname for c in self.commands)

    def served_value(self, var: Variable) -> str:
        """Return ``var``'s value as clients are served it: with the FSD latch.

        Once FSD is set, ``ups.status`` reads ``FSD <status>`` (upsd adds the
        prefix in ``server/netget.c:get_var`` and, for LIST VAR only,
        ``server/netlist.c:tree_dump``).
        """
        if self.fsd and var.name.lower() == "ups.status":
            return f"FSD {var.value}"
        return var.value

    @property
    def status(self) -> str:
        """The driver's ups.status (no FSD prefix); empty when unknown."""
        return self.value("ups.status", "") or ""

    @property
    def status_tokens(self) -> tuple[str, ...]:
        """ups.status as served to clients, split into tokens (FSD first)."""
        tokens = tuple(self.status.split())
        return ("FSD",) + tokens if self.fsd else tokens

    def availability(self, now: float, maxage: float) -> Availability:
        """Return whether data may be served at ``now`` (upsd's gate).

        DRIVER-NOT-CONNECTED wins over DATA-STALE.  Data is stale when the
        driver flagged it so, or nothing was heard for more than ``maxage``
        seconds (upsd answers DATA-STALE from MAXAGE+1 s on).
        """
        if not self.connected:
            return Availability.DRIVER_NOT_CONNECTED
        if self.stale or self.last_update is None or now - self.last_update > maxage:
            return Availability.DATA_STALE
        return Availability.OK


class EventKind(enum.StrEnum):
    """What an :class:`Event` says happened.

    The values are the names the event log stores (pynutd.records): keep them.
    """

    UPDATE = "update"              # new values: detail["changed"] holds the old ones
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    STALE = "stale"
    FSD = "fsd"
    SETVAR = "setvar"              # detail: var, value, address, result
    INSTCMD = "instcmd"            # detail: command, param, address, result
    ALERT = "alert"                # an alert rule raised (detail: Alert.to_json())
    ALERT_CLEAR = "alert_clear"    # ... and cleared


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a UPS, for the web side, history and logs.

    ``user`` is the NUT or web user who caused it, when one did.
    """

    ups: str
    kind: EventKind
    time: float
    detail: Mapping[str, Any] = field(default_factory=dict)
    user: str | None = None


Observer = Callable[[Event], None]


class UpsState:
    """The mutable state of one UPS; written by its poller only.

    Readers never look inside: they call :meth:`snapshot`.
    """

    def __init__(self, name: str, desc: str | None = None, driver: str = "") -> None:
        self.name = name
        self.desc = desc
        self.driver = driver
        self.controller: Controller | None = None
        self.poll_errors = 0   # failed polls and connects since start (/metrics)
        self._vars: dict[str, Variable] = {}
        self._commands: dict[str, str] = {}
        self._fsd = False
        self._connected = False
        self._stale = False
        self._last_update: float | None = None
        self._snapshot: Snapshot | None = None
        self._observers: list[Observer] = []

    # -- writing (poller and drivers) ------------------------------------

    def count_poll_error(self) -> None:
        """Count one failed poll or connect of the device (pynutd_poll_errors)."""
        self.poll_errors += 1

    def update(self, values: Mapping[str, str], now: float,
               specs: Mapping[str, VarSpec] | None = None,
               commands: Iterable[str] | None = None,
               replace_all: bool = False) -> None:
        """Record a good poll at ``now``: new values, types and commands.

        ``specs`` sets the type of the named variables (others keep theirs,
        new ones default to NUMBER).  ``commands``, when given, replaces the
        command list.  ``replace_all`` drops every variable not in
        ``values``.  A good poll clears the stale flag.

        Control characters in a value are dropped here, once for every
        reader, as upsd's parser drops them from what a driver reports: a
        CR or LF must never reach a NUT reply, a log line or a page.  A
        value equal to the current one but for letter case is no change and
        the current one stays (:func:`same_value`), as in NUT.
        """
        specs = specs or {}
        changed: dict[str, str | None] = {}
        dirty = self._stale
        if replace_all:
            keep = {n.lower() for n in values}
            for key in [k for k in self._vars if k not in keep]:
                gone = self._vars.pop(key)
                changed[gone.name] = gone.value
        for name, given in values.items():
            value = CONTROL.sub("", given) if CONTROL.search(given) else given
            key = name.lower()
            old = self._vars.get(key)
            if old is not None and same_value(old.value, value):
                value = old.value
            spec = specs.get(name) or (old.spec if old is not None else NUMBER)
            if old is None or old.value != value:
                changed[name] = old.value if old is not None else None
            if old is None or old.value != value or old.spec != spec:
                self._vars[key] = Variable(old.name if old else name, value, spec)
                dirty = True
        for name, spec in specs.items():
            old = self._vars.get(name.lower())
            if old is not None and old.spec != spec:
                self._vars[name.lower()] = replace(old, spec=spec)
                dirty = True
        if commands is not None:
            new_cmds = {c.lower(): c for c in commands}
            if new_cmds != self._commands:
                self._commands = new_cmds
                dirty = True
        self._stale = False
        self._last_update = now
        if dirty or changed:
            self._snapshot = None
        elif self._snapshot is not None:
            # Only the time moved: refresh that field, keep the sorted lists.
            self._snapshot = replace(self._snapshot, last_update=now)
        if changed:
            self._emit(EventKind.UPDATE, now, {"changed": changed})

    def delete(self, name: str) -> None:
        """Remove variable ``name`` (a dummy-ups SET of an empty value)."""
        if self._vars.pop(name.lower(), None) is not None:
            self._snapshot = None

    def set_connected(self, connected: bool, now: float, reason: str = "") -> None:
        """Record that the driver reached (True) or lost (False) its device."""
        if connected == self._connected:
            return
        self._connected = connected
        self._snapshot = None
        self._emit(EventKind.CONNECTED if connected else EventKind.DISCONNECTED, now,
                   {"reason": reason} if reason else {})

    def mark_stale(self, now: float, reason: str = "") -> None:
        """Flag the data stale at once (the driver's DATASTALE)."""
        if not self._stale:
            self._stale = True
            self._snapshot = None
            self._emit(EventKind.STALE, now, {"reason": reason} if reason else {})

    def set_fsd(self, now: float, user: str | None = None) -> None:
        """Latch forced shutdown; only a restart clears it, as in upsd."""
        if not self._fsd:
            self._fsd = True
            if self._snapshot is not None:
                # Only the latch moved: keep the sorted lists, as update
                # does when only the time moved.
                self._snapshot = replace(self._snapshot, fsd=True)
        self._emit(EventKind.FSD, now, {}, user)

    def record(self, kind: EventKind, now: float, detail: Mapping[str, Any],
               user: str | None = None) -> None:
        """Tell observers about an action on this UPS (SET VAR, INSTCMD)."""
        self._emit(kind, now, detail, user)

    # -- reading -----------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Return the current immutable view, building it only after a change."""
        if self._snapshot is None:
            ordered = tuple(sorted(self._vars.values(), key=lambda v: sort_key(v.name)))
            self._snapshot = Snapshot(
                name=self.name, desc=self.desc, driver=self.driver,
                variables=ordered,
                commands=tuple(sorted(self._commands.values(), key=sort_key)),
                fsd=self._fsd, connected=self._connected,
                last_update=self._last_update, stale=self._stale,
                _index=dict(self._vars))
        return self._snapshot

    # -- observers ---------------------------------------------------------

    def subscribe(self, observer: Observer) -> None:
        """Call ``observer(event)`` after every change or action."""
        self._observers.append(observer)

    def unsubscribe(self, observer: Observer) -> None:
        """Stop calling ``observer``."""
        if observer in self._observers:
            self._observers.remove(observer)

    def _emit(self, kind: EventKind, now: float, detail: Mapping[str, Any],
              user: str | None = None) -> None:
        event = Event(self.name, kind, now, detail, user)
        # A copy: an observer may unsubscribe itself (or another) meanwhile.
        for observer in list(self._observers):
            try:
                observer(event)
            except Exception:
                # One broken reader must not stop the others, nor the
                # poller that wrote the change.
                log.exception("observer of UPS %s failed on %s", self.name, kind)


class UpsRegistry:
    """Every configured UPS, in the order upsd would list them.

    Lookups are case-insensitive, like upsd's ``get_ups_ptr``.
    """

    def __init__(self, states: Iterable[UpsState] = ()) -> None:
        self._states: dict[str, UpsState] = {}
        self._observers: list[Observer] = []
        for state in states:
            self.add(state)

    def add(self, state: UpsState, prepend: bool = False) -> None:
        """Add a UPS; a reload prepends new UPSes, as upsd does."""
        for observer in self._observers:
            state.subscribe(observer)
        key = state.name.lower()
        if prepend:
            self._states = {key: state, **self._states}
        else:
            self._states[key] = state

    def remove(self, name: str) -> UpsState | None:
        """Remove and return the UPS called ``name``."""
        return self._states.pop(name.lower(), None)

    def get(self, name: str) -> UpsState | None:
        """Return the UPS called ``name`` (any case), or None."""
        return self._states.get(name.lower())

    def subscribe(self, observer: Observer) -> None:
        """Observe every UPS, present and future."""
        self._observers.append(observer)
        for state in self._states.values():
            state.subscribe(observer)

    def __iter__(self) -> Iterator[UpsState]:
        return iter(list(self._states.values()))

    def __len__(self) -> int:
        return len(self._states)

    def names(self) -> list[str]:
        """Return the canonical UPS names in listing order."""
        return [s.name for s in self._states.values()]

    def snapshots(self) -> list[Snapshot]:
        """Return a snapshot of every UPS in listing order."""
        return [s.snapshot() for s in self._states.values()]
