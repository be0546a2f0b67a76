"""The walls of STYLE.md §2 hold: imports run one way, and there is no circle.

The contracts are in setup.cfg (``[importlinter:*]``); import-linter reads
the real import graph of the installed sources, so a new import across a
wall fails here, with the offending line named in the output.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    """Every import-linter contract in setup.cfg is kept."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", "setup.cfg", "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    kept = re.search(r"Contracts: (\d+) kept, 0 broken", result.stdout)
    assert kept is not None and int(kept.group(1)) >= 7, result.stdout[-2000:]
