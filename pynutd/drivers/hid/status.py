"""The usbhid-ups status flags as NUT words: ``ups.status``, ``ups.alarm``, transfer reason.

Pure code: the internal flags the status rows set (``online``, ``chrg``,
``lowbatt``, ...) in, the texts ``ups_status_set`` and ``ups_alarm_set``
in NUT 2.8.0's usbhid-ups.c build from them out.

test-case-name: tests.test_hid_tables
"""

from __future__ import annotations

from collections.abc import Mapping

# ups_alarm_set's texts, in its order.
ALARMS = (("replacebatt", "Replace battery!"), ("shutdownimm", "Shutdown imminent!"),
          ("fanfail", "Fan failure!"), ("nobattery", "No battery installed!"),
          ("battvoltlo", "Battery voltage too low!"), ("battvolthi", "Battery voltage too high!"),
          ("chargerfail", "Battery charger fail!"), ("overheat", "Temperature too high!"),
          ("commfault", "Internal UPS fault!"), ("awaitingpower", "Awaiting power!"),
          ("bypassauto", "Automatic bypass mode!"), ("bypassman", "Manual bypass mode!"))


def status_text(flags: Mapping[str, bool]) -> tuple[str, str | None, str | None]:
    """Return (ups.status, ups.alarm or None, input.transfer.reason or None).

    NUT 2.8.0 semantics: OB unless online; OL+discharging stays OL; CHRG
    only while not fully charged; LB from low battery, time limit expired
    or shutdown imminent; an active alarm prefixes ``ALARM``.
    """
    on = flags.get
    tokens = ["OL" if on("online") else "OB"]
    if on("dischrg") and not on("depleted"):
        tokens.append("DISCHRG")
    if on("chrg") and not on("fullycharged"):
        tokens.append("CHRG")
    if on("lowbatt") or on("timelimitexp") or on("shutdownimm"):
        tokens.append("LB")
    for flag, token in (("overload", "OVER"), ("replacebatt", "RB"), ("trim", "TRIM"),
                        ("boost", "BOOST")):
        if on(flag):
            tokens.append(token)
    if on("bypassauto") or on("bypassman"):
        tokens.append("BYPASS")
    if on("off"):
        tokens.append("OFF")
    if on("cal"):
        tokens.append("CAL")
    # A subdriver's own alarm rows first: NUT sets them during the walk,
    # before ups_alarm_set adds the flag-based ones.
    alarms = [flag[6:] for flag, lit in flags.items() if lit and flag.startswith("alarm:")]
    alarms += [text for flag, text in ALARMS if on(flag)]
    alarm = " ".join(alarms) if alarms else None
    status = " ".join(tokens)
    reason = ("input voltage out of range" if on("vrange") else
              "input frequency out of range" if on("frange") else None)
    return ("ALARM " + status if alarm else status), alarm, reason


def apply_status(values: dict[str, str], flags: Mapping[str, bool]) -> None:
    """Set ``ups.status`` in ``values`` from ``flags``; set or drop the alarm and reason."""
    status, alarm, reason = status_text(flags)
    values["ups.status"] = status
    for var, value in (("ups.alarm", alarm), ("input.transfer.reason", reason)):
        if value is None:
            values.pop(var, None)
        else:
            values[var] = value
