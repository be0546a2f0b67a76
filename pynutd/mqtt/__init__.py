"""MQTT for Home Assistant: retained state, discovery, availability and commands.

``topics`` names every topic, ``state`` and ``discovery`` build the
payloads from a snapshot (pure), ``outbox`` bounds what waits to be sent,
``client`` runs paho-mqtt's network loop in its own thread and hands all
it hears to the reactor, ``commands`` turns Home Assistant's buttons and
settings into requests of the write contract (:mod:`pynutd.control`), and
``service`` ties them to the state store.  Nothing here is imported by
``nut/``, ``web/`` or ``drivers/``; only :mod:`pynutd.service` wires it.
"""
