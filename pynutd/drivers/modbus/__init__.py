"""Modbus RTU: the sans-IO frame codec (:mod:`.rtu`) and the serial transport (:mod:`.bus`)."""
