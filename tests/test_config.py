"""Configuration: NUT's three files and pynutd.conf, every bad input as path:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pynutd import config
from pynutd.config import ConfigError


def write(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name.replace("_", ".", 1)).write_text(text)
    return tmp_path


GOOD_UPS = """\
maxretry = 3
pollinterval = 5
[ups]
    driver = dummy-ups
    port = ups.dev
    desc = "Main \\"rack\\" UPS"
    sdorder = 1
    nolock
[Other]
    driver=usbhid-ups
    port=auto
    vendorid = 09ae
"""

GOOD_USERS = """\
[monuser]
    password = secret
    upsmon secondary
[admin]
    password = "pw with space"
    actions = SET
    actions = fsd
    instcmds = load.off beeper.enable
    instcmds = ALL
[old]
    password = x
    upsmon = master
    allowfrom = localhost
"""


def test_good_files(tmp_path):
    """A typical /etc/nut loads into the expected dataclasses, with warnings for ignored keys."""
    conf = config.load(write(tmp_path, ups_conf=GOOD_UPS, upsd_users=GOOD_USERS,
                             upsd_conf="LISTEN 127.0.0.1 3493\nLISTEN ::1\nMAXAGE 25\nMAXCONN 100\n"
                                       "CERTFILE /etc/nut/cert.pem\n"))
    ups, other = conf.ups
    assert (ups.name, ups.driver, ups.port, ups.desc) == ("ups", "dummy-ups", "ups.dev", 'Main "rack" UPS')
    assert ups.options == {"sdorder": "1", "nolock": ""}
    assert other.name == "Other" and other.get_int("vendorid", 0, 16) == 0x09AE
    assert conf.globals == {"maxretry": "3", "pollinterval": "5"}
    assert conf.upsd.listen == (("127.0.0.1", 3493), ("::1", 3493))
    assert (conf.upsd.maxage, conf.upsd.maxconn) == (25, 100)
    assert conf.users["monuser"].actions == frozenset({"login"})
    assert conf.users["admin"].password == "pw with space"
    assert conf.users["admin"].actions == frozenset({"set", "fsd"})
    assert conf.users["admin"].instcmds == frozenset({"load.off", "beeper.enable", "all"})
    assert conf.users["old"].actions == frozenset({"login", "master", "fsd"})
    assert any("sdorder is not used" in w and ":7:" in w for w in conf.warnings)
    assert any("CERTFILE" in w for w in conf.warnings)
    assert any("allowfrom" in w for w in conf.warnings)


def test_defaults(tmp_path):
    """Without upsd.conf: 127.0.0.1 and ::1 on 3493, MAXAGE 15."""
    conf = config.load(write(tmp_path, ups_conf=""))
    assert conf.upsd.listen == (("127.0.0.1", 3493), ("::1", 3493))
    assert conf.upsd.maxage == 15 and conf.ups == () and conf.users == {}


def test_listen_star(tmp_path):
    """LISTEN * binds both any-addresses, as upsd 2.8.1+."""
    conf = config.load(write(tmp_path, ups_conf="", upsd_conf="LISTEN * 3493\n"))
    assert conf.upsd.listen == (("::", 3493), ("0.0.0.0", 3493))


BAD = [
    ({"ups_conf": "[ups]\n  driver = dummy-ups\n"}, "ups.conf:1: [ups] has no port"),
    ({"ups_conf": "[ups]\n port = x\n"}, "ups.conf:1: [ups] has no driver"),
    ({"ups_conf": "[a]\ndriver=d\nport=p\n[A]\ndriver=d\nport=p\n"}, "ups.conf:4: UPS [A] is defined twice"),
    ({"ups_conf": "[default]\ndriver=d\nport=p\n"}, "ups.conf:1: invalid UPS name [default]"),
    ({"ups_conf": '[ups]\n driver = x\n desc = "a#b"\n port = p\n'},
     "ups.conf:3: Unbalanced word due to unescaped # in quotes"),
    ({"ups_conf": "", "upsd_conf": "MAXAGE soon\n"}, "upsd.conf:1: MAXAGE needs a positive integer, not 'soon'"),
    ({"ups_conf": "", "upsd_conf": "\n\nLISTEN 1.2.3.4 99999\n"}, "upsd.conf:3: LISTEN port 99999 is out of range"),
    ({"ups_conf": "", "upsd_conf": "LISTEN\n"}, "upsd.conf:1: LISTEN takes an address and an optional port"),
    ({"ups_conf": "", "upsd_conf": "maxage 5\n"}, "upsd.conf:1: unknown upsd.conf keyword 'maxage'"),
    ({"ups_conf": "", "upsd_users": "password = x\n"}, "upsd.users:1: setting outside a [user] section"),
    ({"ups_conf": "", "upsd_users": "[u]\n upsmon boss\n"}, "upsd.users:2: bad upsd.users line: upsmon boss"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nport = 1\nport = 2\n"}, "pynutd.conf:3: While reading"),
    ({"ups_conf": "", "pynutd_conf": "no section\n"}, "pynutd.conf:1: File contains no section headers."),
]


@pytest.mark.parametrize("files,message", BAD, ids=[b[1][:40] for b in BAD])
def test_bad_files(tmp_path, files, message):
    """Each bad input gives one line naming the file and the line."""
    write(tmp_path, **files)
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(str(tmp_path / message.split(":")[0]))
    assert message in text.replace(str(tmp_path) + "/", "")


def test_missing_ups_conf(tmp_path):
    """A directory without ups.conf is an error naming the file."""
    with pytest.raises(ConfigError, match="ups.conf: cannot read"):
        config.load(tmp_path)


def test_section_option_helpers(tmp_path):
    """Driver options report their own line on a bad value."""
    conf = config.load(write(tmp_path, ups_conf="[u]\n driver = d\n port = p\n pollinterval = fast\n"))
    with pytest.raises(ConfigError, match=r"ups.conf:4: \[u\] pollinterval must be a number"):
        conf.ups[0].get_float("pollinterval", 2.0)
    assert conf.ups[0].resolve("p") == tmp_path / "p"


def test_ini_lines(tmp_path):
    """pynutd.conf keys are located for error messages."""
    conf = config.load(write(tmp_path, ups_conf="", pynutd_conf="# c\n[web]\nport = 80a\n"))
    assert str(conf.ini_error("web", "port", "port must be a number")) == \
        f"{tmp_path}/pynutd.conf:3: [web] port must be a number"
