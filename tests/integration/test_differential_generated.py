"""Generated differential test: thousands of seeded conversations, upsd 2.8.0 vs pynutd.

tests/integration/convgen.py writes the conversations (every command with
right, wrong, missing and extra arguments, any case, tokenizer tricks,
lines around 512 bytes, auth orders, SETs read back, pipelines);
tests/integration/diffrun.py runs each on Debian's upsd with NUT's
dummy-ups and on pynutd with its dummy-ups, and compares the bytes after
masking only README's intended differences.  Any difference fails the test
with a minimal conversation and both servers' replies.

Other seeds and sizes, for exploring by hand::

    PYNUTD_DIFF_SEED=7 PYNUTD_DIFF_COUNT=20000 .venv/bin/python -m pytest -s \\
        tests/integration/test_differential_generated.py

``PYNUTD_DIFF_REPORT=<file>`` also writes the summary to that file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.integration.convgen import plan
from tests.integration.diffrun import PairRunner, server_pair, summary

SEED = int(os.environ.get("PYNUTD_DIFF_SEED", "1203"))
COUNT = int(os.environ.get("PYNUTD_DIFF_COUNT", "4000"))


def test_generated_conversations_match_upsd(tmp_path: Path) -> None:
    """Every generated conversation gets the same bytes from pynutd as from upsd."""
    started = time.monotonic()
    rounds = plan(SEED, COUNT)
    (tmp_path / "ref").mkdir()
    (tmp_path / "ours").mkdir()
    with server_pair(tmp_path / "ref", tmp_path / "ours") as (ref, ours):
        runner = PairRunner(ref.port, ours.port)
        try:
            for rnd in rounds:
                runner.run_parallel([(c.label, c.lines) for c in rnd.parallel])
                for conv in rnd.sequential:
                    if conv.barrier:
                        runner.barrier()
                    if conv.track:
                        runner.run_tracked(conv.label, conv.lines)
                        continue
                    runner.run_one(conv.label, conv.lines, hold=conv.hold, context=conv.context,
                                   read_only=conv.label not in ("set", "fsd", "denied set"),
                                   source=conv.source)
                runner.release_held()
                runner.barrier()   # the next round's readers see every SET applied
        finally:
            runner.close()
    report = summary(runner.stats, SEED, time.monotonic() - started)
    print(report)
    if os.environ.get("PYNUTD_DIFF_REPORT"):
        Path(os.environ["PYNUTD_DIFF_REPORT"]).write_text(report + "\n")
    assert runner.stats.conversations >= COUNT
    assert not runner.stats.differences, report
