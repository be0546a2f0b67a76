"""What pynutd remembers and says about each UPS: history, event log, alerts, telemetry log.

:mod:`.history` samples the state store and writes through :mod:`.queue`
and :mod:`.dbthread` into :mod:`.db` (SQLite); :mod:`.events` turns state
events into log entries; :mod:`.alerts` applies the threshold rules;
:mod:`.telemetry` logs each UPS's readings line.  These modules read the
state store and their configuration only: they import none of ``nut/``,
``web/``, ``drivers/`` or ``sim/``; :mod:`pynutd.service` wires them in.
"""
