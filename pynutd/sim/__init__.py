"""Device simulators: the same wire as the real hardware, for the demo and tests."""
