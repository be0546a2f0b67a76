"""pynutd: a NUT-compatible network UPS server on Twisted."""

__version__ = "0.1.0"
