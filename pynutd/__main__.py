"""Run pynutd with ``python -m pynutd``."""

from pynutd.cli import main

raise SystemExit(main())
