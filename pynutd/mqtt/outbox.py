"""What waits to be published: one message per topic, the newest, and never more than a limit.

MQTT state is retained, so only the latest payload of a topic matters:
putting a message for a topic already waiting replaces it where it
stands (a burst of updates costs one publish).  When ``limit`` different
topics wait, the oldest is dropped and counted, so memory stays bounded
even if the broker stops reading; everything is published again after a
reconnect anyway.  Pure: no I/O, no Twisted.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Message:
    """One publish: topic, payload bytes, retained or not, QoS."""

    topic: str
    payload: bytes
    retain: bool = True
    qos: int = 1


class Outbox:
    """Messages waiting for the broker, coalesced by topic, at most ``limit`` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.dropped = 0
        self._waiting: OrderedDict[str, Message] = OrderedDict()

    def put(self, message: Message) -> None:
        """Queue ``message``, replacing one waiting for the same topic."""
        if message.topic not in self._waiting and len(self._waiting) >= self.limit:
            self._waiting.popitem(last=False)
            self.dropped += 1
        self._waiting[message.topic] = message

    def take(self, count: int) -> list[Message]:
        """Remove and return up to ``count`` messages, oldest first."""
        out: list[Message] = []
        while self._waiting and len(out) < count:
            out.append(self._waiting.popitem(last=False)[1])
        return out

    def clear(self) -> None:
        """Forget everything waiting (the connection is gone; all is re-sent on reconnect)."""
        self._waiting.clear()

    def __len__(self) -> int:
        return len(self._waiting)
