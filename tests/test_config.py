"""Configuration: NUT's three files and pynutd.conf, every bad input as path:line."""

from __future__ import annotations

import dataclasses
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pynutd import config
from pynutd.config import ConfigError
from tests.tlscerts import make_ca, make_server


def write(tmp_path: Path, **files: str | bytes) -> Path:
    for name, text in files.items():
        path = tmp_path / name.replace("_", ".", 1)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
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
                                       "CERTPATH /etc/nut/certs\n"))
    ups, other = conf.ups
    assert (ups.name, ups.driver, ups.port, ups.desc) == ("ups", "dummy-ups", "ups.dev", 'Main "rack" UPS')
    assert ups.options == {"sdorder": "1", "nolock": ""}
    assert other.name == "Other" and other.get_int("vendorid", 0, 16) == 0x09AE
    assert conf.globals == {"maxretry": "3", "pollinterval": "5"}
    assert conf.upsd.listen == (("127.0.0.1", 3493), ("::1", 3493))
    assert (conf.upsd.maxage, conf.upsd.maxconn) == (25, 100)
    assert conf.upsd.certfile is None
    assert conf.users["monuser"].actions == frozenset({"login"})
    assert conf.users["admin"].password == "pw with space"
    assert conf.users["admin"].actions == frozenset({"set", "fsd"})
    assert conf.users["admin"].instcmds == frozenset({"load.off", "beeper.enable", "all"})
    assert conf.users["old"].actions == frozenset({"login", "master", "fsd"})
    assert any("sdorder is not used" in w and ":7:" in w for w in conf.warnings)
    assert any("CERTPATH is not used" in w for w in conf.warnings)
    assert any("allowfrom" in w for w in conf.warnings)


def test_defaults(tmp_path):
    """Without upsd.conf and pynutd.conf: upsd's listeners and MAXAGE, pynutd's defaults."""
    conf = config.load(write(tmp_path, ups_conf=""))
    assert conf.upsd.listen == (("127.0.0.1", 3493), ("::1", 3493))
    assert conf.upsd.maxage == 15 and conf.ups == () and conf.users == {}
    assert conf.web == config.WebConfig(True, "127.0.0.1", 8080, ())
    assert conf.history.database is None and conf.history.raw_retention == 6 * 3600
    assert conf.log == config.LogConfig() and conf.alerts == config.AlertConfig()


def test_config_is_frozen_and_parsed(tmp_path):
    """The Config holds dataclasses only: no live ConfigParser, nothing left to parse later."""
    conf = config.load(write(tmp_path, ups_conf="", pynutd_conf="[web]\nport = 9\n"))
    assert not any(f.name in ("ini", "ini_lines", "ini_path") for f in dataclasses.fields(conf))
    with pytest.raises(dataclasses.FrozenInstanceError):
        conf.web.port = 10  # type: ignore[misc]


def test_listen_star(tmp_path):
    """LISTEN * binds both any-addresses, as upsd 2.8.1+."""
    conf = config.load(write(tmp_path, ups_conf="", upsd_conf="LISTEN * 3493\n"))
    assert conf.upsd.listen == (("::", 3493), ("0.0.0.0", 3493))


def test_listen_host_name_is_resolved(tmp_path):
    """LISTEN localhost binds the first address the resolver gives, as upsd's setuptcp()."""
    first = socket.getaddrinfo("localhost", None, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)[0]
    conf = config.load(write(tmp_path, ups_conf="", upsd_conf="LISTEN localhost 0\n",
                             pynutd_conf="[web]\nlisten = [::1]\n"))
    assert conf.upsd.listen == ((first[4][0], 0),)
    assert conf.web.listen == "::1"


BAD = [
    ({"ups_conf": "[ups]\n  driver = dummy-ups\n"}, "ups.conf:1: [ups] has no port"),
    ({"ups_conf": "[ups]\n port = x\n"}, "ups.conf:1: [ups] has no driver"),
    ({"ups_conf": "[a]\ndriver=d\nport=p\n[A]\ndriver=d\nport=p\n"}, "ups.conf:4: UPS [A] is defined twice"),
    ({"ups_conf": "[default]\ndriver=d\nport=p\n"}, "ups.conf:1: invalid UPS name [default]"),
    ({"ups_conf": '[ups]\n driver = x\n desc = "a#b"\n port = p\n'},
     "ups.conf:3: Unbalanced word due to unescaped # in quotes"),
    ({"ups_conf": "", "upsd_conf": "MAXAGE soon\n"},
     "upsd.conf:1: MAXAGE needs a positive integer, not 'soon'"),
    ({"ups_conf": "", "upsd_conf": "MAXAGE 5_0\n"}, "upsd.conf:1: MAXAGE needs a positive integer"),
    ({"ups_conf": "", "upsd_conf": "MAXAGE " + "9" * 40 + "\n"},
     "upsd.conf:1: MAXAGE needs a positive integer, not '9999"),
    ({"ups_conf": "", "upsd_conf": "MAXCONN 2147483648\n"},
     "upsd.conf:1: MAXCONN must be at most 2147483647"),
    ({"ups_conf": "", "upsd_conf": "\n\nLISTEN 1.2.3.4 99999\n"},
     "upsd.conf:3: LISTEN port 99999 is out of range"),
    ({"ups_conf": "", "upsd_conf": "LISTEN 1.2.3.4 -1\n"},
     "upsd.conf:1: LISTEN port must be a number from 0 to 65535, not '-1'"),
    ({"ups_conf": "", "upsd_conf": "LISTEN\n"}, "upsd.conf:1: LISTEN takes an address and an optional port"),
    ({"ups_conf": "", "upsd_conf": "LISTEN 999.1.1.1\n"},
     "upsd.conf:1: LISTEN '999.1.1.1' is not a valid IP address"),
    ({"ups_conf": "", "upsd_conf": "LISTEN 3.5\n"}, "upsd.conf:1: LISTEN '3.5' is not a valid IP address"),
    ({"ups_conf": "", "upsd_conf": "LISTEN no-such-host.invalid\n"},
     "upsd.conf:1: LISTEN cannot resolve host name 'no-such-host.invalid'"),
    ({"ups_conf": "", "upsd_conf": "LISTEN bad_host!\n"},
     "upsd.conf:1: LISTEN 'bad_host!' is neither an IP address nor a host name"),
    ({"ups_conf": "", "upsd_conf": "LISTEN 127.0.0.1 3493\n# again\nLISTEN 127.0.0.1\n"},
     "upsd.conf:3: LISTEN 127.0.0.1 3493 is already on line 1"),
    ({"ups_conf": "", "upsd_conf": "LISTEN * 3493\nLISTEN :: 3493\n"},
     "upsd.conf:2: LISTEN :: 3493 is already on line 1"),
    ({"ups_conf": "", "upsd_conf": "LISTEN 0.0.0.0 80\nLISTEN 127.0.0.1 80\n"},
     "upsd.conf:2: LISTEN 127.0.0.1 80 overlaps LISTEN 0.0.0.0 80 on line 1"),
    ({"ups_conf": "", "upsd_conf": "maxage 5\n"}, "upsd.conf:1: unknown upsd.conf keyword 'maxage'"),
    ({"ups_conf": "", "upsd_users": "password = x\n"}, "upsd.users:1: setting outside a [user] section"),
    ({"ups_conf": "", "upsd_users": "[u]\n upsmon boss\n"}, "upsd.users:2: bad upsd.users line: upsmon boss"),
    # pynutd.conf: syntax
    ({"ups_conf": "", "pynutd_conf": "[web]\nport = 1\nport = 2\n"},
     "pynutd.conf:3: [web] port is already set on line 2"),
    ({"ups_conf": "", "pynutd_conf": "no section\n"},
     "pynutd.conf:1: a setting before the first [section]"),
    ({"ups_conf": "", "pynutd_conf": "[web]\njunk\n"}, "pynutd.conf:2: [web] expected 'key = value'"),
    ({"ups_conf": "", "pynutd_conf": "[web]\n = 5\n"}, "pynutd.conf:2: [web] bad key ''"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nport = 8080]\n"}, "pynutd.conf:2: [web] port must be"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nport = 80\n[web\n"}, "pynutd.conf:3: bad section header '[web'"),
    ({"ups_conf": "", "pynutd_conf": "[Web]\n[web]\n"}, "pynutd.conf:2: section [web] is already on line 1"),
    ({"ups_conf": "", "pynutd_conf": "[web]\n[]\n"}, "pynutd.conf:2: bad section header '[]'"),
    ({"ups_conf": "", "pynutd_conf": "[snmp]\nhost = x\n"}, "pynutd.conf:1: unknown section [snmp]"),
    ({"ups_conf": "", "pynutd_conf": b"[web]\nport = 80\n# caf\xe9\n"},
     "pynutd.conf:3: not UTF-8 text (byte 0xe9)"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nport = 8\x0080\n"},
     "pynutd.conf:2: control character U+0000 in the line"),
    # pynutd.conf: values
    ({"ups_conf": "", "pynutd_conf": "[web]\nlisten = nan\n"},
     "pynutd.conf:2: [web] listen cannot resolve host name 'nan'"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nlisten = 999.1.1.1\n"},
     "pynutd.conf:2: [web] listen '999.1.1.1' is not a valid IP address"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nport = 1e3\n"},
     "pynutd.conf:2: [web] port must be an integer from 0 to 65535, not '1e3'"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nallowed_origins = https://ups.example.com, null\n"},
     "pynutd.conf:2: [web] allowed_origins 'null' is not an origin like https://ups.example.com"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nallowed_origins = https://ups.example.com/x\n"},
     "is not an origin like"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nallowed_origins = ftp://ups.example.com\n"},
     "the scheme must be http or https"),
    ({"ups_conf": "", "pynutd_conf": "[web]\nallowed_origins = http://h:99999\n"},
     "port 99999 is out of range"),
    ({"ups_conf": "", "pynutd_conf": "[history]\nretention = 99999999999999999999d\n"},
     "pynutd.conf:2: [history] retention must be from 60 to"),
    ({"ups_conf": "", "pynutd_conf": "[history]\ninterval = 0\n"},
     "pynutd.conf:2: [history] interval must be from 0.1 to 86400 seconds, not '0'"),
    ({"ups_conf": "", "pynutd_conf": "[history]\nvariables = ups.load, b@d\n"},
     "pynutd.conf:2: [history] variables 'b@d' is not a NUT variable name"),
    ({"ups_conf": "", "pynutd_conf": "[history]\ndatabase = a\x01b\n"},
     "pynutd.conf:2: control character U+0001"),
    ({"ups_conf": "", "pynutd_conf": "[alerts]\nload_high = nan\n"},
     "pynutd.conf:2: [alerts] load_high must be a number"),
    ({"ups_conf": "", "pynutd_conf": "[alerts]\nload_high = 1e999\n"},
     "pynutd.conf:2: [alerts] load_high must be a number from"),
    ({"ups_conf": "", "pynutd_conf": "[log]\nbackups = 100000\n"},
     "pynutd.conf:2: [log] backups must be an integer from 0 to 1000"),
    ({"ups_conf": "", "pynutd_conf": "[log]\nmax_bytes = 0\n"},
     "pynutd.conf:2: [log] max_bytes must be an integer from 1 to"),
]


@pytest.mark.parametrize("files,message", BAD, ids=[b[1][:50] for b in BAD])
def test_bad_files(tmp_path, files, message):
    """Each bad input gives one line naming the file and the line."""
    write(tmp_path, **files)
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path)
    text = str(info.value)
    assert "\n" not in text
    if ":" in message.split(" ")[0]:
        assert text.startswith(str(tmp_path / message.split(":")[0]) + ":")
    assert message in text.replace(str(tmp_path) + "/", "")


def test_missing_ups_conf(tmp_path):
    """A directory without ups.conf is an error naming the file."""
    with pytest.raises(ConfigError, match=r"ups\.conf: cannot read"):
        config.load(tmp_path)


def test_section_option_helpers(tmp_path):
    """Driver options report their own line on a bad value; nan, inf and 1e999 are bad."""
    conf = config.load(write(tmp_path, ups_conf="[u]\n driver = d\n port = p\n pollinterval = fast\n"
                                                " timeout = nan\n retries = 1e999\n delay = 1e999\n"
                                                " count = " + "9" * 100 + "\n"))
    section = conf.ups[0]
    with pytest.raises(ConfigError, match=r"ups.conf:4: \[u\] pollinterval must be a number"):
        section.get_float("pollinterval", 2.0)
    with pytest.raises(ConfigError, match=r"ups.conf:5: \[u\] timeout must be a number, not 'nan'"):
        section.get_float("timeout", 2.0)
    with pytest.raises(ConfigError, match=r"ups.conf:7: \[u\] delay must be at most 1e\+09"):
        section.get_float("delay", 2.0)
    with pytest.raises(ConfigError, match=r"ups.conf:8: \[u\] count must be an integer"):
        section.get_int("count", 2)
    assert section.resolve("p") == tmp_path / "p"


def test_ini_syntax(tmp_path):
    """configparser's syntax as pynutd.conf uses it: ':' or '=', comments, continuations."""
    text = ("\ufeff# comment\r\n[web]\r\nlisten: 127.0.0.1   ; inline comment\r\n"
            "port=8081\n\n[history]\nvariables =\n    ups.load\n    # a comment line\n"
            "    battery.charge\ninterval = 5   # seconds\n\n[alerts]\nLOAD_HIGH = off\n")
    conf = config.load(write(tmp_path, ups_conf="", pynutd_conf=text))
    assert (conf.web.listen, conf.web.port) == ("127.0.0.1", 8081)
    assert conf.history.variables == ("ups.load", "battery.charge")
    assert conf.history.interval == 5.0
    assert "load_high" not in {r.name for r in conf.alerts.rules}


def test_web_section(tmp_path):
    """[web] values: a host name is resolved; origins are kept in the form browsers send."""
    conf = config.load(write(tmp_path, ups_conf="", pynutd_conf=(
        "[web]\nlisten = *\nport = 0\nenabled = no\nallowed_origins = https://UPS.example.com:443,"
        "\n  http://10.0.0.2:8080 https://[::1]:8443 http://proxy:80\n")))
    assert conf.web == config.WebConfig(False, "0.0.0.0", 0, (
        "https://ups.example.com", "http://10.0.0.2:8080", "https://[::1]:8443", "http://proxy"))


def test_history_and_log_sections(tmp_path):
    """[history] and [log] values; relative paths are under the configuration directory."""
    conf = config.load(write(tmp_path, ups_conf="", pynutd_conf=(
        "[history]\ndatabase = h.sqlite\nretention = 7d\nraw_retention = 2h\n"
        "interval = 5\nvariables = ups.load, battery.charge\n"
        "[log]\nfile = pynutd.log\nmax_bytes = 200\nbackups = 2\ntelemetry_interval = 1m\n")))
    assert conf.history == config.HistoryConfig(str(tmp_path / "h.sqlite"), 7 * 86400, 7200, 5.0,
                                                ("ups.load", "battery.charge"))
    assert conf.log == config.LogConfig(str(tmp_path / "pynutd.log"), 200, 2, 60.0)
    memory = config.load(write(tmp_path, ups_conf="", pynutd_conf="[history]\nretention = 1d\n"))
    assert memory.history.database is None and memory.history.raw_retention == 6 * 3600


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory others may enter (tmp_path's parents are private: 0700)."""
    path = Path(tempfile.mkdtemp(prefix="pynutd-perms-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def test_world_readable_secrets_warn(open_dir):
    """A world-readable upsd.users (or CERTFILE) gets upsd's warning, once per load."""
    pem = make_server(open_dir / "pki", make_ca(open_dir / "pki"))
    write(open_dir, ups_conf="", upsd_users="[u]\n password = x\n",
          upsd_conf="CERTFILE cert.pem\n", cert_pem=pem.read_bytes())
    (open_dir / "upsd.users").chmod(0o644)
    (open_dir / "cert.pem").chmod(0o604)
    warnings = config.load(open_dir).warnings
    assert [w for w in warnings if "world readable" in w] == [
        f"{open_dir}/upsd.users is world readable; it holds passwords (chmod o-rwx)",
        f"{open_dir}/cert.pem is world readable; it holds the private key (chmod o-rwx)"]
    (open_dir / "upsd.users").chmod(0o640)
    (open_dir / "cert.pem").chmod(0o600)
    assert not [w for w in config.load(open_dir).warnings if "world readable" in w]


def test_world_readable_file_in_private_folder(open_dir):
    """A 0644 upsd.users in a folder others cannot enter is not readable by them: no warning."""
    private = open_dir / "nut"
    private.mkdir(mode=0o750)
    write(private, ups_conf="", upsd_users="[u]\n password = x\n")
    (private / "upsd.users").chmod(0o644)
    private.chmod(0o750)
    assert not [w for w in config.load(private).warnings if "world readable" in w]
