"""A real MQTT broker for tests: Debian's mosquitto on a free loopback port, and a paho subscriber.

``with Mosquitto(tmp_path) as broker:`` writes a private configuration
(anonymous clients, no persistence: a restart forgets retained messages,
so a test sees whether pynutd publishes them again), starts mosquitto on
a free 127.0.0.1 port and always kills it afterwards.  ``broker.restart()``
stops it and starts it again on the same port.  :class:`Listener` is a
paho client that subscribes and records every message, retained ones too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from tests.integration.harness import free_port, wait_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Mosquitto:
    """mosquitto on 127.0.0.1:``port`` with its config and log under ``workdir``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.logpath = self.workdir / "mosquitto.log"

    def __enter__(self) -> Self:
        for _ in range(3):   # the free port may be taken before mosquitto binds it
            try:
                self.start()
                return self
            except (RuntimeError, TimeoutError):
                self.stop()
                self.port = free_port()
        raise RuntimeError("mosquitto did not start:\n" + self.log())

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start mosquitto on ``self.port`` and wait until it accepts connections."""
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                        f"persistence false\nlog_dest file {self.logpath}\n"
                        "log_type error\nlog_type warning\nlog_type notice\n")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.proc.returncode}")
            try:
                wait_port(self.port, 0.2)
                return
            except TimeoutError:
                continue
        raise TimeoutError("mosquitto did not listen")

    def stop(self) -> None:
        """Kill mosquitto (if running) and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        """Stop and start again on the same port (retained messages are gone)."""
        self.stop()
        self.start()

    def log(self) -> str:
        """Return mosquitto's log so far."""
        return self.logpath.read_text(errors="replace") if self.logpath.exists() else ""


class Listener:
    """A paho client on the broker that records every message of ``topics``."""

    def __init__(self, port: int, topics: tuple[str, ...] = ("#",),
                 client_id: str = "") -> None:
        self.port = port
        self.topics = topics
        self.lock = threading.Condition()
        self.messages: list[tuple[str, bytes, bool]] = []
        self.latest: dict[str, bytes] = {}
        self.subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.on_connect = self._connected
        self.client.on_message = self._message
        self.client.on_subscribe = lambda *a: self.subscribed.set()

    def __enter__(self) -> Self:
        self.client.connect("127.0.0.1", self.port, 30)
        self.client.loop_start()
        if not self.subscribed.wait(10):
            raise TimeoutError("the listener did not subscribe")
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _connected(self, client: paho.Client, *args: Any) -> None:
        client.subscribe([(t, 1) for t in self.topics])

    def _message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        with self.lock:
            self.messages.append((msg.topic, bytes(msg.payload), bool(msg.retain)))
            self.latest[msg.topic] = bytes(msg.payload)
            self.lock.notify_all()

    def publish(self, topic: str, payload: str | bytes, retain: bool = False) -> None:
        """Publish one message (QoS 1) and wait until the broker has it."""
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(10)

    def wait(self, predicate: Callable[[dict[str, bytes]], bool], timeout: float = 15.0,
             what: str = "a condition") -> dict[str, bytes]:
        """Wait until ``predicate(latest payload by topic)`` holds; return those payloads."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate(self.latest):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"MQTT: {what} not seen in {timeout} s; topics: "
                                       f"{sorted(self.latest)[:40]}")
                self.lock.wait(left)
            return dict(self.latest)

    def json(self, topic: str) -> Any:
        """Return the latest payload of ``topic`` parsed as JSON."""
        with self.lock:
            return json.loads(self.latest[topic])

    def clear(self) -> None:
        """Forget what was received so far."""
        with self.lock:
            self.messages.clear()
            self.latest.clear()
