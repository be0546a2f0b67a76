"""The one exception configuration code raises: a mistake at ``path:line``."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """A configuration problem, reported as one line ``path:line: message``.

    The CLI prints it and exits with status 2 (STYLE.md §1.3: config errors
    are converted in exactly one place).
    """

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        # One line, whatever the message quotes (a value may hold a newline).
        self.message = " ".join(message.splitlines())
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
