"""Every MQTT topic pynutd publishes or listens to, named in one place.

Under ``topic_prefix`` (default ``pynutd``)::

    pynutd/status                  online | offline (the broker's last will)
    pynutd/<ups>/state             the UPS's variables as one JSON object
    pynutd/<ups>/availability      online | offline (offline while data is stale)
    pynutd/<ups>/command/<cmd>     Home Assistant's buttons (instant commands)
    pynutd/<ups>/set/<var>         Home Assistant's number, select and text entities

and discovery configs under ``discovery_prefix`` (default
``homeassistant``), as Home Assistant's MQTT discovery reads them:
``<discovery_prefix>/<component>/<node>/<object>/config``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Home Assistant's node and object ids: [a-zA-Z0-9_-]+; a topic level must
# not hold the wildcards + and # or a /.  One spelling serves both.
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")

COMMAND = "command"
SET = "set"


def ident(text: str) -> str:
    """Return ``text`` as an id fit for a topic level and Home Assistant (``battery_charge``)."""
    return _NOT_ID.sub("_", text) or "_"


@dataclass(frozen=True, slots=True)
class Topics:
    """The topic names of one pynutd (``prefix``) for one Home Assistant (``discovery``)."""

    prefix: str = "pynutd"
    discovery: str = "homeassistant"

    @property
    def status(self) -> str:
        """pynutd's own availability: ``online``, or ``offline`` by the last will."""
        return f"{self.prefix}/status"

    @property
    def ha_status(self) -> str:
        """Home Assistant's birth and last-will topic (``online`` when it starts)."""
        return f"{self.discovery}/status"

    def node(self, ups_id: str) -> str:
        """Return the discovery node id of one UPS (also its device identifier)."""
        return f"{ident(self.prefix)}_{ups_id}"

    def state(self, ups_id: str) -> str:
        """Return the topic of a UPS's state JSON."""
        return f"{self.prefix}/{ups_id}/state"

    def availability(self, ups_id: str) -> str:
        """Return the topic saying whether a UPS's data may be used."""
        return f"{self.prefix}/{ups_id}/availability"

    def command(self, ups_id: str, cmd: str) -> str:
        """Return the topic a button presses to run instant command ``cmd``."""
        return f"{self.prefix}/{ups_id}/{COMMAND}/{cmd}"

    def setting(self, ups_id: str, var: str) -> str:
        """Return the topic a number, select or text entity writes ``var`` to."""
        return f"{self.prefix}/{ups_id}/{SET}/{var}"

    def requests(self) -> tuple[str, ...]:
        """Return the subscription filters for commands and settings."""
        return (f"{self.prefix}/+/{COMMAND}/+", f"{self.prefix}/+/{SET}/+")

    def config(self, component: str, ups_id: str, key: str) -> str:
        """Return the discovery config topic of one entity."""
        return f"{self.discovery}/{component}/{self.node(ups_id)}/{ident(key)}/config"

    def parse_request(self, topic: str) -> tuple[str, str, str] | None:
        """Return ``(ups_id, command|set, name)`` for a request topic, else None."""
        head = f"{self.prefix}/"
        if not topic.startswith(head):
            return None
        parts = topic[len(head):].split("/")
        if len(parts) != 3 or parts[1] not in (COMMAND, SET) or not parts[0] or not parts[2]:
            return None
        return parts[0], parts[1], parts[2]
