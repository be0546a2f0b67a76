"""pynutd: a NUT-compatible network UPS server on Twisted."""

__version__ = "0.1.0"

# The upsd release whose behaviour pynutd reproduces; clients read it from
# VER (WinNUT takes the fifth word) and server.version.  The NUT port and
# the web API (PeaNUT's /api/v1/version) both answer with these.
UPSD_VERSION = "2.8.0"
SERVER_INFO = f"Network UPS Tools upsd {UPSD_VERSION} - pynutd {__version__}"
PROTOCOL_VERSION = "1.3"
