"""Any HID Power Device no vendor table claims: the paths the PDC specification's examples use.

The registry (:mod:`pynutd.drivers.hid.vendors`) lists this table last and
it claims every device, as NUT's ``explore`` subdriver closes
``subdriver_list``.

test-case-name: tests.test_hid_golden
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import (
    beeper,
    kelvin_celsius,
    packed_date,
    selftest_result,
    string_index,
)
from pynutd.drivers.hid.rows import (
    SEMI,
    STATIC,
    DeviceIdent,
    HidStatus,
    HidVar,
    Subdriver,
    beeper_commands,
    delay_commands,
    delay_rows,
    selftest_commands,
    status_rows,
)


def any_device(ident: DeviceIdent) -> bool:
    """Claim every device: the generic table is the registry's last resort."""
    return True


GENERIC = Subdriver(
    name="Generic HID 0.1",
    vendor_ids=(),
    claim=any_device,
    variables=(
        HidVar("battery.charge", "UPS.PowerSummary.RemainingCapacity"),
        HidVar("battery.charge", "UPS.BatterySystem.Battery.RemainingCapacity"),
        HidVar("battery.charge", "UPS.Battery.RemainingCapacity"),
        HidVar("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit",
               tier=SEMI, rw=True, string_len=10),
        HidVar("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit"),
        HidVar("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty"),
        HidVar("battery.runtime", "UPS.Battery.RunTimeToEmpty"),
        HidVar("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit",
               tier=SEMI, rw=True, string_len=10),
        HidVar("battery.voltage", "UPS.BatterySystem.Battery.Voltage", "%.1f"),
        HidVar("battery.voltage", "UPS.Battery.Voltage", "%.1f"),
        HidVar("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f"),
        HidVar("battery.voltage.nominal", "UPS.BatterySystem.Battery.ConfigVoltage", "%.1f"),
        HidVar("battery.voltage.nominal", "UPS.Battery.ConfigVoltage", "%.1f"),
        HidVar("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.1f"),
        HidVar("battery.temperature", "UPS.BatterySystem.Temperature", convert=kelvin_celsius),
        HidVar("battery.temperature", "UPS.Battery.Temperature", convert=kelvin_celsius),
        HidVar("battery.type", "UPS.PowerSummary.iDeviceChemistry", convert=string_index,
               tier=STATIC),
        HidVar("battery.mfr.date", "UPS.Battery.ManufacturerDate", convert=packed_date),
        HidVar("ups.mfr.date", "UPS.ManufacturerDate", convert=packed_date),
        *delay_rows("UPS.PowerSummary"),
        *delay_rows("UPS.Output"),
        *delay_rows("UPS.OutletSystem.Outlet"),
        HidVar("ups.test.result", "UPS.BatterySystem.Test", convert=selftest_result),
        HidVar("ups.test.result", "UPS.Battery.Test", convert=selftest_result),
        HidVar("ups.test.result", "UPS.Output.Test", convert=selftest_result),
        HidVar("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", convert=beeper),
        HidVar("ups.load", "UPS.Output.PercentLoad"),
        HidVar("ups.load", "UPS.OutletSystem.Outlet.PercentLoad"),
        HidVar("ups.load", "UPS.PowerConverter.PercentLoad"),
        HidVar("ups.power.nominal", "UPS.Flow.ConfigApparentPower", tier=STATIC),
        HidVar("ups.realpower.nominal", "UPS.Output.ConfigActivePower"),
        HidVar("ups.realpower.nominal", "UPS.PowerConverter.ConfigActivePower"),
        HidVar("input.voltage", "UPS.Input.Voltage", "%.1f"),
        HidVar("input.voltage", "UPS.PowerConverter.Input.Voltage", "%.1f"),
        HidVar("input.voltage.nominal", "UPS.Input.ConfigVoltage"),
        HidVar("input.frequency", "UPS.Input.Frequency", "%.1f"),
        HidVar("input.frequency", "UPS.PowerConverter.Input.Frequency", "%.1f"),
        HidVar("input.transfer.low", "UPS.Input.LowVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.transfer.high", "UPS.Input.HighVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("output.voltage", "UPS.Output.Voltage", "%.1f"),
        HidVar("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", "UPS.Output.ConfigVoltage"),
        HidVar("output.voltage.nominal", "UPS.Flow.ConfigVoltage"),
        HidVar("output.frequency", "UPS.Output.Frequency", "%.1f"),
        HidVar("output.frequency", "UPS.PowerConverter.Output.Frequency", "%.1f"),
        HidVar("output.current", "UPS.Output.Current", "%.2f"),
    ),
    status=status_rows("UPS.PowerSummary.PresentStatus") + (
        HidStatus("UPS.Output.Boost", "boost"), HidStatus("UPS.Output.Overload", "overload"),
    ),
    commands=(
        *selftest_commands("UPS.BatterySystem.Test"), *selftest_commands("UPS.Battery.Test"),
        *selftest_commands("UPS.Output.Test"),
        *delay_commands("UPS.PowerSummary"), *delay_commands("UPS.Output"),
        *delay_commands("UPS.OutletSystem.Outlet"),
        *beeper_commands("UPS.PowerSummary.AudibleAlarmControl"),
    ),
)
