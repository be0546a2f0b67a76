"""Every example in README.md and docs/*.md that targets the demo runs against a live demo.

The examples are taken from the markdown mechanically, so a new one is
tested by default:

* a command is a line of a ```sh (bash, shell, console) block, a line
  starting with ``$ `` in any block (then the block's other lines are its
  output), or a line of a plain or indented block whose first word is a
  program (on PATH or ``./path``); ``\\`` continues a line;
* a command that calls a NUT or web client (upsc, upscmd, upsrw, upslog,
  curl, wget) or names the demo's address is a demo example: it is run
  with the demo's ports put in, and must exit 0 and print what such a
  command prints;
* in YAML blocks (Home Assistant, Homepage, Prometheus) every URL of the
  demo's web port is fetched; a Home Assistant REST sensor's
  ``value_template`` and ``json_attributes`` must name fields the answer has;
* ```python blocks run (exit 0) with the demo's address put in.

Any other command must be in :data:`NOT_DEMO`, the short list of blocks
that are not demo examples (installation, systemd, hardware); a command in
neither fails :func:`test_every_command_is_classified`, so nobody adds an
example that silently goes untested.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.harness import ROOT, chat, free_port

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_LANGS = frozenset({"sh", "bash", "shell", "console"})
NUT_CLIENTS = frozenset({"upsc", "upscmd", "upsrw", "upslog"})
WEB_CLIENTS = frozenset({"curl", "wget"})
DEMO_UPS = ("ups", "ep20", "tripplite")
# How the docs write the demo's (or any pynutd's) address; the test's ports replace them.
HOSTS = r"(?:127\.0\.0\.1|localhost|pynutd-host|ups-host|HOST)"
WEB_ADDRESS = re.compile(HOSTS + r":(?:8080|18080)\b")
NUT_ADDRESS = re.compile(r"@" + HOSTS + r"(?::(?:3493|13493))?(?![\w.:])")
BARE_NUT_HOST = re.compile(r"(?<=\s)" + HOSTS + r"(?::(?:3493|13493))?(?=\s|$)")

# Blocks that are not demo examples: (file, text one of the block's commands
# contains) -> why.  Keep it short; everything else that looks like a
# command must run against the demo.
NOT_DEMO: dict[tuple[str, str], str] = {
    # Starting pynutd itself (this test starts the demo the same way).
    ("README.md", "./scripts/demo.sh"): "clones and starts the demo",
    ("docs/dashboard.md", "python -m pynutd --demo"): "starts the demo",
    ("README.md", "pynutd auto"): "hardware: the zero-configuration start on a real device",
    ("README.md", "$ pynutd /dev/ttyUSB0"): "hardware: the zero-configuration start's output",
    # Tests and benchmarks start their own servers.
    ("README.md", "./scripts/run-tests.sh"): "runs the test suite",
    ("docs/dashboard.md", "pytest tests/test_web_dashboard.py"): "runs tests",
    ("docs/web-api.md", "bench/web_slow_readers.py"): "a benchmark with its own servers",
    ("docs/web-api.md", "st run"): "schemathesis: tests/integration/test_web_schemathesis.py",
    # Installation and system set-up (root, /etc, systemd).
    ("README.md", "sudo apt-get install nut-client"): "installation",
    ("README.md", "sudo chown root:nut /etc/nut/*.conf"): "file permissions in /etc/nut",
    ("README.md", "sudo install -m 0644 conf/99-pynutd.rules"): "udev rules",
    ("README.md", "sudo systemctl daemon-reload"): "the systemd unit",
    ("README.md", "cat server.crt"): "a TLS certificate in /etc/nut",
    ("README.md", "sudo certutil -N"): "an NSS database in /etc/nut",
    ("README.md", "sudo openssl rehash"): "a CA directory in /etc/nut",
    # Hardware: these talk to a real device, not to a server.
    ("docs/must-ep20.md", "$ pynutd scan"): "hardware scan",
    ("docs/must-ep20.md", "$ pynutd simulate"): "starts a simulator; prints its pty",
    ("docs/usb-hid.md", "pynutd read --auto"): "hardware scan and read",
    ("docs/usb-hid.md", "pynutd read tripplite --tripplite-layout"): "reads a real device",
    ("docs/usb-hid.md", "pynutd read [-c CONFDIR]"): "a synopsis",
    ("docs/usb-hid.md", "pynutd read tripplite | jq"): "reads a real device",
    ("docs/usb-hid.md", "lsusb -v"): "a real device's dump for a bug report",
}


@dataclass(frozen=True)
class Block:
    """One code block of a markdown file."""

    doc: str            # path relative to the checkout
    line: int           # 1-based line of its first content line
    lang: str           # the fence's language; "" for plain and indented blocks
    text: list[str]


def _fenced(lines: list[str], i: int) -> tuple[str, list[str], int]:
    """The fence at ``lines[i]``: (lang, content, index after the closing fence)."""
    indent = len(lines[i]) - len(lines[i].lstrip())
    lang = lines[i].strip()[3:].strip()
    body = []
    j = i + 1
    while j < len(lines) and not lines[j].strip().startswith("```"):
        line = lines[j]
        body.append(line[indent:] if not line[:indent].strip() else line.lstrip())
        j += 1
    return lang, body, j + 1


def blocks(path: Path) -> list[Block]:
    """Every fenced and indented code block of ``path``."""
    doc = str(path.relative_to(ROOT))
    lines = path.read_text().splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip().startswith("```"):
            lang, body, after = _fenced(lines, i)
            found.append(Block(doc, i + 2, lang, body))
            i = after
            continue
        indented = lines[i].startswith("    ") and lines[i].strip()
        if indented and (i == 0 or not lines[i - 1].strip()):
            start, body = i, []
            indent = len(lines[i]) - len(lines[i].lstrip())
            while i < len(lines) and (lines[i].startswith(" " * indent) or not lines[i].strip()):
                body.append(lines[i][indent:])
                i += 1
            found.append(Block(doc, start + 1, "", body))
            continue
        i += 1
    return found


def _joined(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(offset, line) with backslash continuations joined."""
    pending, first = "", 0
    for offset, line in enumerate(lines):
        if not pending:
            first = offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield first, pending + line
        pending = ""


def _is_program(word: str) -> bool:
    venv = str(Path(sys.executable).parent)
    path = venv + os.pathsep + os.environ.get("PATH", "")
    return word.startswith("./") or shutil.which(word, path=path) is not None


def commands(block: Block) -> list[tuple[int, str]]:
    """The commands a block shows: (line, command)."""
    if block.lang and block.lang not in SHELL_LANGS:
        return []
    text = block.text
    prompted = [line for line in text if line.startswith("$ ")]
    result = []
    for offset, line in _joined(text):
        stripped = line.strip()
        if prompted:
            if stripped.startswith("$ "):
                result.append((block.line + offset, stripped[2:]))
            continue
        if not stripped or stripped.startswith("#"):
            continue
        if block.lang or _is_program(stripped.split()[0]):
            result.append((block.line + offset, stripped))
    return result


def _program(command: str) -> str:
    words = command.split()
    while words and (words[0] == "sudo" or re.fullmatch(r"\w+=\S*", words[0])):
        words = words[1:]
    return words[0] if words else ""


def targets_demo(command: str) -> bool:
    """A NUT or web client, or anything naming the demo's address."""
    return (_program(command) in NUT_CLIENTS | WEB_CLIENTS
            or bool(WEB_ADDRESS.search(command) or NUT_ADDRESS.search(command)))


def not_demo(block: Block) -> str | None:
    """Why ``block`` is not a demo example, or None."""
    joined = "\n".join(block.text)
    for (doc, needle), why in NOT_DEMO.items():
        if doc == block.doc and needle in joined:
            return why
    return None


ALL_BLOCKS = [b for path in DOCS for b in blocks(path)]
SHELL_EXAMPLES = [(b, line, cmd) for b in ALL_BLOCKS if not not_demo(b)
                  for line, cmd in commands(b) if targets_demo(cmd)]
# A Python snippet runs whole, as the shell would run it from a here-document.
SHELL_EXAMPLES += [(b, b.line, "python3 - <<'PYTHON'\n" + "\n".join(b.text) + "\nPYTHON")
                   for b in ALL_BLOCKS if b.lang in ("python", "py") and not not_demo(b)]
YAML_BLOCKS = [b for b in ALL_BLOCKS if b.lang in ("yaml", "yml") and not not_demo(b)]


# -- the demo ------------------------------------------------------------------------------

@dataclass
class Demo:
    """A running ``pynutd --demo`` on free ports."""

    port: int
    web_port: int
    proc: subprocess.Popen[str]

    def substitute(self, text: str) -> str:
        """Put the demo's ports where the docs write pynutd's address."""
        text = WEB_ADDRESS.sub(f"127.0.0.1:{self.web_port}", text)
        text = NUT_ADDRESS.sub(f"@127.0.0.1:{self.port}", text)
        if _program(text) in NUT_CLIENTS:   # upsc -l HOST
            text = BARE_NUT_HOST.sub(f"127.0.0.1:{self.port}", text)
        return text


def _start_demo(port: int, web_port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pynutd", "--demo", "--port", str(port), "--web-port",
         str(web_port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)))


def _ready(demo: Demo) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if demo.proc.poll() is not None:
            return False
        try:
            if all(chat(demo.port, [f"GET VAR {u} ups.status"]).startswith("VAR")
                   for u in DEMO_UPS):
                urllib.request.urlopen(f"http://127.0.0.1:{demo.web_port}/api/health",
                                       timeout=2).close()
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    """The demo, as a reader would start it, on free ports (retried if one was taken)."""
    for _ in range(3):
        port, web_port = free_port(), free_port()
        running = Demo(port, web_port, _start_demo(port, web_port))
        try:
            if _ready(running):
                break
        except BaseException:
            _stop(running.proc)
            raise
        _stop(running.proc)
    else:
        raise RuntimeError("the demo did not start on free ports in 3 tries")
    try:
        yield running
    finally:
        _stop(running.proc)


# -- the checks ----------------------------------------------------------------------------

def _run(command: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, check=False,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))


def _check_nut_client(command: str, out: subprocess.CompletedProcess[str]) -> None:
    program = _program(command)
    # upscmd and upsrw say OK on stderr.
    assert (out.stdout + out.stderr).strip(), f"{program} printed nothing"
    words = shlex.split(command.split("|")[0])[1:]
    positional = [w for w in words if not w.startswith("-")]
    if program == "upsc" and "-l" not in words and "-L" not in words and len(positional) == 1:
        assert "ups.status: " in out.stdout     # a whole UPS's listing
    if program in ("upscmd", "upsrw") and "-l" not in words and (
            program == "upscmd" or "-s" in words):
        assert (out.stdout + out.stderr).strip().endswith("OK"), out
    if program == "upslog":
        assert len(out.stdout.splitlines()) >= 2, out   # lines written while it ran


def _run_example(demo: Demo, command: str) -> subprocess.CompletedProcess[str]:
    program = _program(command)
    if program == "curl":   # an HTTP error is an error, and say which
        command = re.sub(r"\bcurl\b", "curl --fail-with-body -sS", command, count=1)
    if program == "upslog":   # it logs until stopped: stop it after a few intervals
        try:
            _run(f"exec {command}", timeout=4)   # exec: the timeout kills upslog itself
        except subprocess.TimeoutExpired as exc:
            text = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            return subprocess.CompletedProcess(command, 0, text, "")
        raise AssertionError(f"{command} stopped by itself")
    return _run(command)


@pytest.mark.parametrize(("block", "line", "command"), SHELL_EXAMPLES,
                         ids=[f"{b.doc}:{line}" for b, line, _ in SHELL_EXAMPLES])
def test_shell_example(demo: Demo, block: Block, line: int, command: str) -> None:
    """The command exits 0 against the demo and prints what such a command prints."""
    real = demo.substitute(command)
    out = _run_example(demo, real)
    assert out.returncode == 0, f"{block.doc}:{line}: {real}\n{out.stdout}\n{out.stderr}"
    if _program(command) in NUT_CLIENTS:
        _check_nut_client(real, out)
    elif _program(command) in WEB_CLIENTS:
        assert out.stdout.strip(), f"{real}: empty answer"
        if "/api/" in real and "|" not in real:
            json.loads(out.stdout)   # the API answers JSON


def _urls(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(url, the mapping holding it) for every demo URL in a YAML document."""
    if isinstance(node, dict):
        for value in node.values():
            if isinstance(value, str) and WEB_ADDRESS.search(value):
                yield value, node
            yield from _urls(value)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, str) and WEB_ADDRESS.search(value):
                yield value, {}
            yield from _urls(value)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _fetch(demo: Demo, url: str, holder: dict[str, Any]) -> tuple[str, str]:
    """What a consumer of this snippet fetches: (url, answer)."""
    url = demo.substitute(url)
    if not url.startswith("http"):   # Prometheus: a target host:port
        url = f"http://{url}{holder.get('metrics_path', '/metrics')}"
    if holder.get("type") == "peanut":   # Homepage's widget: {url}/api/v1/devices/{key}
        url = f"{url.rstrip('/')}/api/v1/devices/{holder['key']}"
    status, body = _get(url)
    assert status == 200, f"{url}: {status} {body}"
    return url, body


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=[f"{b.doc}:{b.line}" for b in YAML_BLOCKS])
def test_yaml_snippet_urls(demo: Demo, block: Block) -> None:
    """Every URL of the demo in the snippet answers 200, with the fields the snippet reads."""
    document = yaml.safe_load("\n".join(block.text))
    urls = list(_urls(document))
    if not urls:
        pytest.skip("no URL of pynutd's web port in this snippet")
    for url, holder in urls:
        real, body = _fetch(demo, url, holder)
        if holder.get("type") == "peanut":
            assert "ups.status" in json.loads(body), body
        elif holder.get("metrics_path") or "/api/" not in real:
            assert "network_ups_tools_" in body or "<html" in body.lower(), real
        else:
            answer = json.loads(body)
            wanted = re.findall(r"value_json\.(\w+)", str(holder.get("value_template", "")))
            wanted += list(holder.get("json_attributes", []))
            missing = [k for k in wanted if k not in answer]
            assert not missing, f"{real} lacks {missing}: {answer}"


def test_every_command_is_classified() -> None:
    """Each command in the docs is a demo example or in NOT_DEMO: none goes untested unseen."""
    loose = [f"{b.doc}:{line}: {cmd}" for b in ALL_BLOCKS if not not_demo(b)
             for line, cmd in commands(b) if not targets_demo(cmd)]
    assert not loose, "neither a demo example nor in NOT_DEMO:\n" + "\n".join(loose)


def test_not_demo_entries_still_exist() -> None:
    """Every NOT_DEMO entry still names a block, so the list stays short and true."""
    stale = [key for key in NOT_DEMO
             if not any(b.doc == key[0] and key[1] in "\n".join(b.text) for b in ALL_BLOCKS)]
    assert not stale, stale


def test_the_docs_have_examples() -> None:
    """The extraction finds the examples it should (a parser that finds nothing passes all)."""
    programs = {_program(cmd) for _, _, cmd in SHELL_EXAMPLES}
    assert {"upsc", "curl"} <= programs, programs
    assert any(b.doc == "docs/web-api.md" for b in YAML_BLOCKS)
