"""The write contract: how a SET VAR or INSTCMD from any front end reaches the device.

Every front end (the NUT port, the web API, MQTT) first decides *who* asks
and whether they may (their own rules, their own error forms).  What comes
after is the same for all of them and lives here, once: the value rules
NUT's ``set_var`` applies, the call into the UPS's :class:`Controller` (the
poller, which hands it to the driver), the log line with the value escaped,
and the event-log record that says what the device answered.

The errors a driver raises for a refused write are defined here too, so the
front ends convert them without importing ``drivers/``.  This module sits
beside the state store at the bottom of the import graph: it imports
:mod:`pynutd.ups` and nothing above it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from twisted.internet.defer import Deferred, fail
from twisted.internet.interfaces import IReactorTime

from pynutd.printable import control_character, escape
from pynutd.ups import EventKind, UpsState, VarSpec

log = logging.getLogger(__name__)


class DeviceError(Exception):
    """The device did not answer, answered wrongly, or went away."""


class CommandRejected(Exception):
    """The device or driver refused a SET VAR or INSTCMD argument."""


class CommandUnknown(Exception):
    """The driver does not handle this command or variable (NUT's STAT_*_UNKNOWN)."""


class ValueRefused(Exception):
    """A value or parameter breaks NUT's rules; ``code`` is upsd's ERR word."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NoController(Exception):
    """The UPS has no driver to hand the request to (NUT's SET-FAILED, INSTCMD-FAILED)."""


class Controller(Protocol):
    """What drives a UPS's device: the poller, as the state store sees it."""

    def set_var(self, name: str, value: str) -> Deferred[None]:
        """Ask the device to set ``name`` to ``value``."""

    def instcmd(self, name: str, param: str | None) -> Deferred[None]:
        """Ask the device to run instant command ``name``."""


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks: the account name (None before USERNAME) and where from."""

    user: str | None
    address: str


def check_value(spec: VarSpec, value: str) -> str | None:
    """Return why ``value`` may not be set on a variable of type ``spec``.

    Returns None when it may, else the NUT error code upsd's ``set_var``
    gives, checked in upsd's order: ``READONLY``, ``TOO-LONG``,
    ``INVALID-VALUE`` (not one of the enums, or ``atoi(value)`` outside
    every range).  A value holding a control character (see
    :func:`control_character`) is ``INVALID-VALUE`` right after
    ``READONLY``: upsd's parser cannot even receive most of them, and a CR
    or LF would forge reply or log lines.
    """
    if not spec.rw:
        return "READONLY"
    if control_character(value) is not None:
        return "INVALID-VALUE"
    if spec.string_len and len(value) > spec.string_len:
        return "TOO-LONG"
    if spec.enums and value not in spec.enums:
        return "INVALID-VALUE"
    if spec.ranges:
        number = _atoi(value)
        if not any(lo <= number <= hi for lo, hi in spec.ranges):
            return "INVALID-VALUE"
    return None


def _atoi(text: str) -> int:
    """C's atoi: leading space, optional sign, digits; 0 when none."""
    match = re.match(r"[ \t\n\v\f\r]*([+-]?[0-9]+)", text)
    return int(match.group(1)) if match else 0


def record_outcome(state: UpsState, kind: EventKind, clock: IReactorTime, detail: Mapping[str, Any],
                   user: str | None, d: Deferred[None]) -> Deferred[None]:
    """Record a SET VAR or INSTCMD once the device has answered it.

    The event's ``detail`` gains ``result``: ``ok``, or ``failed: <reason>``,
    so the history says what the device did, not only what was asked.
    ``d``'s result passes through unchanged.
    """
    def done(result: Any) -> Any:
        state.record(kind, clock.seconds(), {**detail, "result": "ok"}, user)
        return result

    def failed(failure: Any) -> Any:
        state.record(kind, clock.seconds(),
                     {**detail, "result": f"failed: {failure.getErrorMessage()}"}, user)
        return failure

    d.addCallbacks(done, failed)
    return d


def request_set(state: UpsState, var: str, spec: VarSpec, value: str, who: Requester,
                clock: IReactorTime) -> Deferred[None]:
    """Check ``value`` and hand SET VAR to the UPS's controller.

    Raises :class:`ValueRefused` (with upsd's code) or :class:`NoController`
    before anything is sent.  The Deferred fires when the device has
    answered; its failure is what the driver raised (:class:`CommandRejected`,
    :class:`CommandUnknown`, :class:`DeviceError`, ...).
    """
    problem = check_value(spec, value)
    if problem is not None:
        raise ValueRefused(problem)
    controller = state.controller
    if controller is None:
        raise NoController(state.name)
    log.info("Set variable: %s@%s set %s on %s to %s", escape(who.user or "-"),
             who.address, var, state.name, escape(value))
    return record_outcome(state, EventKind.SETVAR, clock,
                          {"var": var, "value": value, "address": who.address},
                          who.user, _call(controller.set_var, var, value))


def request_instcmd(state: UpsState, cmd: str, param: str | None, who: Requester,
                    clock: IReactorTime) -> Deferred[None]:
    """Check ``param`` and hand INSTCMD to the UPS's controller.

    Raises :class:`ValueRefused` (``INVALID-ARGUMENT``) for a parameter
    holding a control character, :class:`NoController` when no driver
    runs the UPS; otherwise as :func:`request_set`.
    """
    if param is not None and control_character(param) is not None:
        raise ValueRefused("INVALID-ARGUMENT")
    controller = state.controller
    if controller is None:
        raise NoController(state.name)
    log.info("Instant command: %s@%s did %s%s on %s", escape(who.user or "-"),
             who.address, cmd, f" {escape(param)}" if param is not None else "",
             state.name)
    return record_outcome(state, EventKind.INSTCMD, clock,
                          {"command": cmd, "param": param, "address": who.address},
                          who.user, _call(controller.instcmd, cmd, param))


def _call(method: Any, *args: Any) -> Deferred[None]:
    # A controller that raises instead of failing its Deferred still gets
    # its request recorded as failed.
    try:
        d: Deferred[None] = method(*args)
    except Exception as exc:  # noqa: BLE001 - the driver's error becomes the result
        return fail(exc)
    return d
