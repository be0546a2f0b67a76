"""The usbhid-ups status flags as NUT words: ``ups.status``, ``ups.alarm``, transfer reason.

Pure code: the internal flags the status rows set (``online``, ``chrg``,
``lowbatt``, ...) in, the texts ``ups_status_set`` and ``ups_alarm_set``
in NUT master's usbhid-ups.c (6c63f7745ab5) build from them out, and
``process_boolean_info``'s rules for setting the flags.

test-case-name: tests.test_hid_tables
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# ups_alarm_set's texts, in its order.
ALARMS = (("replacebatt", "Replace battery!"), ("shutdownimm", "Shutdown imminent!"),
          ("fanfail", "Fan failure!"), ("nobattery", "No battery installed!"),
          ("battvoltlo", "Battery voltage too low!"), ("battvolthi", "Battery voltage too high!"),
          ("chargerfail", "Battery charger fail!"), ("overheat", "Temperature too high!"),
          ("commfault", "Internal UPS fault!"), ("awaitingpower", "Awaiting power!"),
          ("bypassauto", "Automatic bypass mode!"), ("bypassman", "Manual bypass mode!"))


# Flags whose 0 state is a flag of its own (online_info's "offline",
# fullycharged_info's "notfullycharged"), each clearing the other when set.
OPPOSITES = {"online": "offline", "offline": "online",
             "fullycharged": "notfullycharged", "notfullycharged": "fullycharged"}
_ZERO_STATE = {"online": "offline", "fullycharged": "notfullycharged"}


@dataclass(frozen=True, slots=True)
class StatusOptions:
    """The usbhid-ups options ups_status_set reads.

    ``onbattery``: ``onlinedischarge_onbattery`` (or its old name
    ``onlinedischarge``), OL+DISCHRG is reported OB; ``calibration``:
    ``onlinedischarge_calibration``, OL+DISCHRG is reported CAL;
    ``lbrb_delay``: ``lbrb_log_delay_sec``, LB and RB on mains wait that
    many seconds while calibrating (always, with ``lbrb_without_calibrating``:
    ``lbrb_log_delay_without_calibrating``).
    """

    onbattery: bool = False
    calibration: bool = False
    lbrb_delay: float = 0.0
    lbrb_without_calibrating: bool = False


@dataclass(slots=True)
class LbRbClock:
    """When LB and RB conditions began (0: not now), for ``lbrb_log_delay_sec``."""

    lb_since: float = 0.0
    rb_since: float = 0.0

    def due(self, kind: str, active: bool, immediate: bool, delay: float, now: float) -> bool:
        """Return whether the LB/RB word shows now; start or clear its clock."""
        if not active:
            setattr(self, kind, 0.0)
            return False
        if immediate:
            return True
        since = getattr(self, kind)
        if not since:
            setattr(self, kind, now)
            return False
        return now - since > delay


def bit_token(flag: str, state: bool) -> str:
    """Return the token a status lookup gives for one bit row (``online_info`` & co.).

    1 gives the flag; 0 gives ``!flag``, except ``online`` (0: ``offline``)
    and ``fullycharged`` (0: ``notfullycharged``).
    """
    if state:
        return flag
    return _ZERO_STATE.get(flag, "!" + flag)


def process_boolean(flags: dict[str, bool], token: str) -> None:
    """Apply one "flag" / "!flag" token to the flags, as usbhid-ups' process_boolean_info.

    Setting online clears offline and the other way round; the same for
    fullycharged and notfullycharged (only when the device says so).
    """
    clear = token.startswith("!")
    name = token[1:] if clear else token
    if not name.startswith("alarm:"):
        name = name.lower()
    if not clear and name in OPPOSITES:
        flags[OPPOSITES[name]] = False
    flags[name] = not clear


def _atoi(text: str | None) -> int:
    digits = ""
    for ch in (text or "").strip():
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else 0


def status_text(flags: Mapping[str, bool], charge: str | None = None,
                options: StatusOptions = StatusOptions(), clock: LbRbClock | None = None,
                now: float = 0.0) -> tuple[str, str | None, str | None]:
    """Return (ups.status, ups.alarm or None, input.transfer.reason or None).

    As NUT master's ups_status_set: CAL first; OB when offline, or when
    not online but discharging; nothing when the device says neither; OL
    when online (OL+DISCHRG stays OL unless an onlinedischarge option says
    otherwise); DISCHRG unless depleted; CHRG when charging and not fully
    charged, or, for a device that says neither fully nor not fully
    charged, when ``battery.charge`` (``charge``) is between 0 and 100; LB;
    OVER; RB for a battery to replace or none installed; TRIM, BOOST,
    BYPASS, OFF.  An active alarm prefixes ``ALARM``.  With a
    ``lbrb_delay`` option, ``clock`` (kept by the caller) and ``now``
    delay LB and RB while on mains and calibrating.
    """
    on = flags.get
    tokens: list[str] = []

    def add(token: str) -> None:   # dstate's status_set keeps each token once
        if token not in tokens:
            tokens.append(token)

    if on("cal"):
        add("CAL")
    if on("offline"):
        add("OB")
    if not on("online"):
        if on("dischrg"):
            add("OB")
    elif on("dischrg"):
        if options.calibration:
            add("CAL")
        if options.onbattery:
            add("OB")
        if not options.onbattery and not options.calibration:
            add("OL")
    else:
        add("OL")
    if on("dischrg") and not on("depleted"):
        add("DISCHRG")
    # a device saying neither fully nor not fully charged: battery.charge decides
    guessed = not on("fullycharged") and charge is not None and 0 < _atoi(charge) < 100
    if on("chrg") and (on("notfullycharged") or guessed):
        add("CHRG")
    clock = clock if clock is not None else LbRbClock()
    # lbrb_log_delay_sec: on mains while calibrating, LB and RB wait
    quick = (options.lbrb_delay < 1 or not on("online")
             or ("CAL" not in tokens and not options.lbrb_without_calibrating))
    lb = on("lowbatt") or on("timelimitexp") or on("shutdownimm")
    if clock.due("lb_since", bool(lb), quick, options.lbrb_delay, now):
        add("LB")
    if on("overload"):
        add("OVER")
    rb = on("replacebatt") or on("nobattery")
    if clock.due("rb_since", bool(rb), quick or not clock.lb_since, options.lbrb_delay, now):
        add("RB")
    for flag, token in (("trim", "TRIM"), ("boost", "BOOST")):
        if on(flag):
            add(token)
    if on("bypassauto") or on("bypassman"):
        add("BYPASS")
    if on("off"):
        add("OFF")
    # A subdriver's own alarm rows first: NUT sets them during the walk,
    # before ups_alarm_set adds the flag-based ones.
    alarms = [flag[6:] for flag, lit in flags.items() if lit and flag.startswith("alarm:")]
    alarms += [text for flag, text in ALARMS if on(flag)]
    alarm = " ".join(alarms) if alarms else None
    status = " ".join(tokens)
    reason = ("input voltage out of range" if on("vrange") else
              "input frequency out of range" if on("frange") else None)
    if alarm:
        status = f"ALARM {status}" if status else "ALARM"
    return status, alarm, reason


def buzzwords(flags: Mapping[str, bool]) -> str | None:
    """experimental.ups.mode.buzzwords from the eco_mode_info flags (NUT master), or None."""
    words = [word for flag, word in (("ecomode", "vendor:default:ECO"),
                                     ("essmode", "vendor:default:ESS")) if flags.get(flag)]
    return " ".join(words) or None


def apply_status(values: dict[str, str], flags: Mapping[str, bool],
                 options: StatusOptions = StatusOptions(), clock: LbRbClock | None = None,
                 now: float = 0.0) -> None:
    """Set ``ups.status`` in ``values`` from ``flags``; set or drop the alarm, reason and mode."""
    status, alarm, reason = status_text(flags, values.get("battery.charge"), options, clock, now)
    values["ups.status"] = status
    for var, value in (("ups.alarm", alarm), ("input.transfer.reason", reason),
                       ("experimental.ups.mode.buzzwords", buzzwords(flags))):
        if value is None:
            values.pop(var, None)
        else:
            values[var] = value
