"""USB HID Power Devices (NUT's usbhid-ups): descriptor parser, tables, device access, driver."""
