"""The NUT network protocol (upsd's side): sans-IO session and Twisted adapter."""
