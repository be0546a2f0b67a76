"""MUST EP20 / EP2000 Pro inverters over Modbus RTU: driver, register tables, decoding, scan."""
