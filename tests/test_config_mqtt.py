"""pynutd.conf's [mqtt] and [zeroconf]: defaults, good values, and every bad value as path:line."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from pynutd import config
from pynutd.config import ConfigError, MqttConfig, ZeroconfConfig

USERS = "[hass]\n    password = pw\n    actions = SET\n    instcmds = beeper.enable\n"


def load(tmp_path: Path, ini: str) -> config.Config:
    (tmp_path / "ups.conf").write_text("[ups]\n    driver = dummy-ups\n    port = ups.dev\n")
    (tmp_path / "upsd.users").write_text(USERS)
    (tmp_path / "upsd.users").chmod(0o600)
    (tmp_path / "pynutd.conf").write_text(ini)
    return config.load(tmp_path)


def test_absent_sections_mean_mqtt_off_and_zeroconf_on(tmp_path: Path) -> None:
    """Without [mqtt] nothing talks to a broker; without [zeroconf] the NUT port is advertised."""
    conf = load(tmp_path, "")
    assert conf.mqtt == MqttConfig() and not conf.mqtt.enabled
    assert conf.zeroconf == ZeroconfConfig(enabled=True)


def test_two_lines_are_enough(tmp_path: Path) -> None:
    """[mqtt] with a host: port 1883, prefixes pynutd and homeassistant, discovery on, no commands."""
    conf = load(tmp_path, "[mqtt]\nhost = homeassistant.local\n")
    assert conf.mqtt == MqttConfig(host="homeassistant.local")
    assert (conf.mqtt.port, conf.mqtt.topic_prefix, conf.mqtt.discovery_prefix,
            conf.mqtt.discovery, conf.mqtt.commands_user, conf.mqtt.tls) == \
        (1883, "pynutd", "homeassistant", True, None, False)


def test_every_key(tmp_path: Path) -> None:
    """Every key is read; files are relative to the configuration directory."""
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("x")
    conf = load(tmp_path, """\
[mqtt]
host = [fd00::10]
port = 8884
username = pynutd
password = s3cret pw
cafile = ca.pem
certfile = cert.pem
keyfile = key.pem
client_id = pynutd-rack1
topic_prefix = home/ups
discovery_prefix = ha
discovery = no
commands_user = hass
legacy_topic = ups/telemetry
[zeroconf]
enabled = no
""")
    assert conf.mqtt == MqttConfig(
        host="fd00::10", port=8884, username="pynutd", password="s3cret pw", tls=True,
        cafile=str(tmp_path / "ca.pem"), certfile=str(tmp_path / "cert.pem"),
        keyfile=str(tmp_path / "key.pem"), client_id="pynutd-rack1", topic_prefix="home/ups",
        discovery_prefix="ha", discovery=False, commands_user="hass",
        legacy_topic="ups/telemetry")
    assert conf.zeroconf == ZeroconfConfig(enabled=False)


def test_tls_defaults_to_port_8883(tmp_path: Path) -> None:
    """tls = yes (system CAs) or a CA file moves the default port to MQTT over TLS's 8883."""
    assert load(tmp_path, "[mqtt]\nhost = b\ntls = yes\n").mqtt.port == 8883
    (tmp_path / "ca.pem").write_text("x")
    assert load(tmp_path, "[mqtt]\nhost = b\ncafile = ca.pem\n").mqtt.port == 8883


def test_enabled_no_turns_it_off(tmp_path: Path) -> None:
    """enabled = no keeps the section but talks to no broker (no host needed)."""
    assert not load(tmp_path, "[mqtt]\nenabled = no\n").mqtt.enabled


def test_world_readable_password_is_a_warning() -> None:
    """A password in a file everyone can read is said once, as for upsd.users."""
    # pytest's tmp_path sits in a folder only root may enter: nobody else
    # could read the file there, so this test needs a folder under /tmp.
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        load(folder, "[mqtt]\nhost = b\nusername = u\npassword = p\n")
        os.chmod(folder / "pynutd.conf", 0o644)
        expected = (f"{folder / 'pynutd.conf'} is world readable; it holds the MQTT password "
                    "(chmod o-rwx)")
        assert [w for w in config.load(folder).warnings if "MQTT password" in w] == [expected]
        os.chmod(folder / "pynutd.conf", 0o600)
        assert not [w for w in config.load(folder).warnings if "MQTT" in w]
    finally:
        shutil.rmtree(folder)


BAD = [
    ("[mqtt]\nport = 1883\n", "pynutd.conf:1: [mqtt] host is required"),
    ("[mqtt]\nhost =\n", "pynutd.conf:2: [mqtt] host '' is not a valid IP address"),
    ("[mqtt]\nhost = 999.1.1.1\n", "pynutd.conf:2: [mqtt] host '999.1.1.1' is not a valid IP"),
    ("[mqtt]\nhost = a b\n", "pynutd.conf:2: [mqtt] host 'a b' is neither an IP address"),
    ("[mqtt]\nhost = b\nport = 0\n", "pynutd.conf:3: [mqtt] port must be an integer from 1"),
    ("[mqtt]\nhost = b\nport = 65536\n", "pynutd.conf:3: [mqtt] port must be an integer"),
    ("[mqtt]\nhost = b\nport = nan\n", "pynutd.conf:3: [mqtt] port must be an integer"),
    ("[mqtt]\nhost = b\ndiscovery = maybe\n", "pynutd.conf:3: [mqtt] discovery must be yes"),
    ("[mqtt]\nhost = b\nbogus = 1\n", "pynutd.conf:3: [mqtt] unknown key 'bogus'"),
    ("[mqtt]\nhost = b\ntopic_prefix = ups/+\n",
     "pynutd.conf:3: [mqtt] topic_prefix 'ups/+' is no topic: it holds '+'"),
    ("[mqtt]\nhost = b\ntopic_prefix = ups/#\n", "is no topic: it holds '#'"),
    ("[mqtt]\nhost = b\ntopic_prefix = /ups\n",
     "pynutd.conf:3: [mqtt] topic_prefix '/ups' is no topic: empty, or an empty level"),
    ("[mqtt]\nhost = b\ndiscovery_prefix = ha//x\n", "pynutd.conf:3: [mqtt] discovery_prefix"),
    ("[mqtt]\nhost = b\nlegacy_topic = ups telemetry\n",
     "[mqtt] legacy_topic 'ups telemetry' is no topic: it holds U+0020"),
    ("[mqtt]\nhost = b\nlegacy_topic = " + "t" * 201 + "\n",
     "pynutd.conf:3: [mqtt] legacy_topic is longer than 200 bytes"),
    ("[mqtt]\nhost = b\nclient_id = a b\n", "pynutd.conf:3: [mqtt] client_id 'a b' is no client"),
    ("[mqtt]\nhost = b\npassword = p\n", "pynutd.conf:3: [mqtt] password needs username"),
    ("[mqtt]\nhost = b\nusername = a b\n", "pynutd.conf:3: [mqtt] username 'a b' is no user"),
    ("[mqtt]\nhost = b\ncafile = missing.pem\n", "pynutd.conf:3: [mqtt] cafile cannot read"),
    ("[mqtt]\nhost = b\ncafile =\n", "pynutd.conf:3: [mqtt] cafile needs a file name"),
    ("[mqtt]\nhost = b\ncommands_user = nobody\n",
     "pynutd.conf:3: [mqtt] commands_user 'nobody' is no account in upsd.users"),
    ("[mqtt]\nhost = b\ncommands_user = HASS\n", "'HASS' is no account in upsd.users"),
    ("[zeroconf]\nenabled = perhaps\n", "pynutd.conf:2: [zeroconf] enabled must be yes or no"),
    ("[zeroconf]\nname = x\n", "pynutd.conf:2: [zeroconf] unknown key 'name' (known: enabled)"),
    ("[mqtt]\nhost = b\n[MQTT]\n", "pynutd.conf:3: section [MQTT] is already on line 1"),
]


@pytest.mark.parametrize(("ini", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_values_stop_at_their_line(tmp_path: Path, ini: str, message: str) -> None:
    """Each mistake is one ConfigError at its file and line."""
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, ini)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "pynutd.conf") + ":")


def test_keyfile_needs_certfile(tmp_path: Path) -> None:
    """A key without its certificate is a mistake at the key's line."""
    (tmp_path / "key.pem").write_text("x")
    with pytest.raises(ConfigError, match=r"pynutd.conf:3: \[mqtt\] keyfile needs certfile"):
        load(tmp_path, "[mqtt]\nhost = b\nkeyfile = key.pem\n")


def test_bad_mqtt_value_exits_2(tmp_path: Path) -> None:
    """The real command prints the one line and exits with status 2."""
    import subprocess
    import sys
    load(tmp_path, "")
    (tmp_path / "pynutd.conf").write_text("[mqtt]\nhost = b\nport = 99999\n")
    out = subprocess.run([sys.executable, "-m", "pynutd", "-c", str(tmp_path)],
                         capture_output=True, text=True, timeout=60, check=False,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 2, out
    assert f"{tmp_path / 'pynutd.conf'}:3: [mqtt] port must be an integer" in out.stderr
    assert "Traceback" not in out.stderr
