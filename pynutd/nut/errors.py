"""The closed set of ERR codes upsd 2.8 sends, and the one exception handlers raise.

Codes defined in NUT's ``server/neterr.h`` but never sent by upsd 2.8
(``INVALID-PASSWORD``, ``VAR-UNKNOWN``, ...) are deliberately absent: WinNUT
throws on codes it does not know, so pynutd must never invent one.
"""

from __future__ import annotations

import enum


class ErrCode(enum.StrEnum):
    """An ERR code, valued as it appears on the wire."""

    UNKNOWN_COMMAND = "UNKNOWN-COMMAND"
    INVALID_ARGUMENT = "INVALID-ARGUMENT"
    USERNAME_REQUIRED = "USERNAME-REQUIRED"
    PASSWORD_REQUIRED = "PASSWORD-REQUIRED"
    ACCESS_DENIED = "ACCESS-DENIED"
    ALREADY_SET_USERNAME = "ALREADY-SET-USERNAME"
    ALREADY_SET_PASSWORD = "ALREADY-SET-PASSWORD"
    ALREADY_LOGGED_IN = "ALREADY-LOGGED-IN"
    UNKNOWN_UPS = "UNKNOWN-UPS"
    DRIVER_NOT_CONNECTED = "DRIVER-NOT-CONNECTED"
    DATA_STALE = "DATA-STALE"
    VAR_NOT_SUPPORTED = "VAR-NOT-SUPPORTED"
    CMD_NOT_SUPPORTED = "CMD-NOT-SUPPORTED"
    READONLY = "READONLY"
    TOO_LONG = "TOO-LONG"
    INVALID_VALUE = "INVALID-VALUE"
    SET_FAILED = "SET-FAILED"
    INSTCMD_FAILED = "INSTCMD-FAILED"
    FEATURE_NOT_SUPPORTED = "FEATURE-NOT-SUPPORTED"
    FEATURE_NOT_CONFIGURED = "FEATURE-NOT-CONFIGURED"
    ALREADY_SSL_MODE = "ALREADY-SSL-MODE"
    # Only as GET TRACKING results.
    UNKNOWN = "UNKNOWN"
    FAILED = "FAILED"


class NutError(Exception):
    """Raised by a command handler; the session sends ``ERR <code>``."""

    def __init__(self, code: ErrCode) -> None:
        super().__init__(code.value)
        self.code = code

    @property
    def line(self) -> str:
        """The reply line, without its newline."""
        return f"ERR {self.code.value}"
