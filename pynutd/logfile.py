"""The optional log file: ``[log] file``, a size-rotated copy of pynutd's log.

Process wiring, like the stderr set-up in :mod:`pynutd.cli`: it attaches a
handler to the root logger, so every module's lines (and Twisted's) go to
the file too.  :mod:`pynutd.service` runs it as an optional part
(:mod:`pynutd.parts`): a file that cannot be opened is logged, shown in
/api/health, and tried again every minute and on SIGHUP.
"""

from __future__ import annotations

import logging
import logging.handlers

from pynutd.config import LogConfig

# The line format of stderr and of the file.
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LogFile:
    """The rotating file handler of ``[log] file``, attached while open."""

    def __init__(self, cfg: LogConfig) -> None:
        self.cfg = cfg
        self.handler: logging.Handler | None = None

    def open(self) -> None:
        """Attach a rotating file handler to the root logger.

        Raises OSError when the file cannot be opened.
        """
        if not self.cfg.file or self.handler is not None:
            return
        handler = logging.handlers.RotatingFileHandler(
            self.cfg.file, maxBytes=self.cfg.max_bytes, backupCount=self.cfg.backups,
            encoding="utf-8")
        handler.setFormatter(logging.Formatter(FORMAT))
        logging.getLogger().addHandler(handler)
        self.handler = handler

    def close(self) -> None:
        """Detach and close the handler."""
        handler, self.handler = self.handler, None
        if handler is not None:
            logging.getLogger().removeHandler(handler)
            handler.close()
