"""pynutd.conf's ``[mqtt]`` and ``[zeroconf]`` settings, and the checks of their values.

The dataclasses are what the MQTT publisher (:mod:`pynutd.mqtt`) and the
zeroconf advertiser (:mod:`pynutd.mdns`) receive; the value checks raise
ValueError naming what was expected, and the section readers in
:mod:`pynutd.config.pynutdconf` add the file and line.  A broker's host name
is checked for shape only, never resolved here: the broker may come up
after pynutd, and the client retries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pynutd.config.addresses import ip_or_host_name
from pynutd.config.values import shown

MQTT_PORT = 1883
MQTTS_PORT = 8883
MAX_TOPIC = 200            # bytes; HA and brokers take far more, no sane prefix needs it

# MQTT 3.1.1 §3.1.3.1 only promises 1-23 of these; every broker in use takes more.
_CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_TOPIC_CHAR = re.compile(r"[\x00-\x20\x7f+#]")
_ACCOUNT = re.compile(r"[^\x00-\x20\x7f\[\]]{1,64}")


@dataclass(frozen=True, slots=True)
class MqttConfig:
    """``[mqtt]``: the broker, its credentials, the topics and what is published.

    ``host`` None means MQTT is off (no ``[mqtt]`` section, or ``enabled =
    no``).  TLS is on when ``tls`` is set or a CA, certificate or key file
    is given; then the default port is 8883.  ``commands_user`` names the
    upsd.users account whose rights Home Assistant's buttons and settings
    use; None offers no commands.  ``legacy_topic`` is where the seed
    monitor's telemetry JSON goes (None: nowhere).
    """

    host: str | None = None
    port: int = MQTT_PORT
    username: str | None = None
    password: str | None = None
    tls: bool = False
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None
    client_id: str | None = None
    topic_prefix: str = "pynutd"
    discovery_prefix: str = "homeassistant"
    discovery: bool = True
    commands_user: str | None = None
    legacy_topic: str | None = None

    @property
    def enabled(self) -> bool:
        """Whether pynutd talks to a broker at all."""
        return self.host is not None


@dataclass(frozen=True, slots=True)
class ZeroconfConfig:
    """``[zeroconf]``: whether ``_nut._tcp`` is advertised on the NUT listeners' addresses."""

    enabled: bool = True


def broker_host(text: str) -> str:
    """Return a broker's IP address or host name (not resolved: the broker may be down)."""
    return ip_or_host_name(text, underscore=True)


def topic(text: str) -> str:
    """Return an MQTT topic name pynutd may publish under (``pynutd``, ``home/ups``).

    No wildcards (``+``, ``#``), spaces or control characters, no empty
    level (a leading, trailing or doubled ``/``), at most 200 bytes.
    """
    word = text.strip()
    bad = _TOPIC_CHAR.search(word)
    if bad:
        what = repr(bad.group()) if bad.group() in "+#" else f"U+{ord(bad.group()):04X}"
        raise ValueError(f"{shown(word)} is no topic: it holds {what} (no wildcards, "
                         "spaces or control characters)")
    if not word or "" in word.split("/"):
        raise ValueError(f"{shown(word)} is no topic: empty, or an empty level between '/'")
    if len(word.encode()) > MAX_TOPIC:
        raise ValueError(f"is longer than {MAX_TOPIC} bytes")
    return word


def client_id(text: str) -> str:
    """Return an MQTT client identifier: 1-64 of ``A-Z a-z 0-9 _ . : -``."""
    word = text.strip()
    if not _CLIENT_ID.fullmatch(word):
        raise ValueError(f"{shown(word)} is no client id (1-64 letters, digits, _ . : -)")
    return word


def account(text: str) -> str:
    """Return a user name (broker or upsd.users account): 1-64 printable, no spaces."""
    word = text.strip()
    if not _ACCOUNT.fullmatch(word):
        raise ValueError(f"{shown(word)} is no user name (1-64 characters, no spaces)")
    return word


def secret(text: str) -> str:
    """Return a password as written: not empty, no control characters."""
    if not text or re.search(r"[\x00-\x1f\x7f]", text):
        raise ValueError("must be non-empty text without control characters")
    return text
