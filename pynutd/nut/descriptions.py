"""Variable and command descriptions from NUT's own cmdvartab.

The texts are NUT's, so pynutd reads them where NUT installs them (Debian:
``/usr/share/nut/cmdvartab``; upsd.conf ``DATAPATH`` overrides the folder)
and never ships a copy.  Without the file every answer is None, and the
protocol layer says ``Description unavailable`` exactly as upsd does.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pynutd.parseconf import read_lines

log = logging.getLogger(__name__)

DEFAULT_DATAPATH = "/usr/share/nut"


class Descriptions:
    """Lookup of VARDESC and CMDDESC texts by name (any case)."""

    def __init__(self, variables: dict[str, str] | None = None,
                 commands: dict[str, str] | None = None) -> None:
        self._vars = {k.lower(): v for k, v in (variables or {}).items()}
        self._cmds = {k.lower(): v for k, v in (commands or {}).items()}

    @classmethod
    def load(cls, datapath: str | None = None) -> Descriptions:
        """Read ``<datapath>/cmdvartab``; an absent file gives no texts."""
        path = Path(datapath or DEFAULT_DATAPATH) / "cmdvartab"
        try:
            data = path.read_bytes()
        except OSError:
            log.warning("%s not found: descriptions will be unavailable "
                        "(install NUT's nut-server package or set DATAPATH)", path)
            return cls()
        variables: dict[str, str] = {}
        commands: dict[str, str] = {}
        for line in read_lines(data):
            # As upsd's desc_load: the keyword is case-sensitive, 3 words at least,
            # and a later entry replaces an earlier one.
            if line.error or len(line.words) < 3:
                continue
            if line.words[0] == "VARDESC":
                variables[line.words[1]] = line.words[2]
            elif line.words[0] == "CMDDESC":
                commands[line.words[1]] = line.words[2]
        return cls(variables, commands)

    def var_desc(self, name: str) -> str | None:
        """Return the description of variable ``name``, or None."""
        return self._vars.get(name.lower())

    def cmd_desc(self, name: str) -> str | None:
        """Return the description of instant command ``name``, or None."""
        return self._cmds.get(name.lower())
