"""APC HID Power Devices (vendor 051d: Back-UPS, Smart-UPS over USB).

Rows as NUT's ``drivers/apc-hid.c`` (APC HID 0.98, NUT 2.8.0) maps them;
APC's vendor usages are on page 0xFF86.  Checked against the Back-UPS
BK650M2-CH: its saved reports give the variables NUT 2.8.0 printed for it
(tests/fixtures/hid).

test-case-name: tests.test_hid_golden
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import (
    beeper,
    kelvin_celsius,
    lookup,
    packed_date,
    selftest_result,
    string_index,
)
from pynutd.drivers.hid.rows import (
    QUICK,
    SEMI,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
    beeper_commands,
    delay_commands,
    status_rows,
)

APC_VENDORID = 0x051D

USAGES = {
    0xFF860005: "APCGeneralCollection", 0xFF860006: "APCEnvironment",
    0xFF860007: "APCProbe1", 0xFF860008: "APCProbe2", 0xFF860016: "APCBattReplaceDate",
    0xFF860042: "APC_UPS_FirmwareRevision", 0xFF860052: "APCLineFailCause",
    0xFF860060: "APCStatusFlag", 0xFF860061: "APCSensitivity", 0xFF860072: "APCPanelTest",
    0xFF86007C: "APCDelayBeforeReboot", 0xFF86007D: "APCDelayBeforeShutdown",
    0xFF86007E: "APCDelayBeforeStartup",
}

sensitivity = lookup({0: "low", 1: "medium", 2: "high"})


def _delays(prefix: str, reboot: str = "DelayBeforeReboot",
            startup: str = "DelayBeforeStartup",
            shutdown: str = "DelayBeforeShutdown") -> tuple[HidVar | HidAbsent, ...]:
    return (
        HidAbsent("ups.delay.start", f"{prefix}.{startup}", "30"),
        HidAbsent("ups.delay.shutdown", f"{prefix}.{shutdown}", "20"),
        HidVar("ups.timer.start", f"{prefix}.{startup}", tier=QUICK),
        HidVar("ups.timer.shutdown", f"{prefix}.{shutdown}", tier=QUICK),
        HidVar("ups.timer.reboot", f"{prefix}.{reboot}", tier=QUICK),
    )


_GC = "UPS.APCGeneralCollection"

APC = Subdriver(
    name="APC HID 0.98",
    vendor_ids=(APC_VENDORID,),
    usages=USAGES,
    pollonly_products=(0x0003,),   # apc-hid.c disable_interrupt_pipe
    variables=(
        HidVar("battery.charge", "UPS.PowerSummary.RemainingCapacity"),
        HidVar("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit"),
        HidVar("battery.runtime", "UPS.Battery.RunTimeToEmpty"),
        HidVar("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty"),
        HidVar("battery.runtime.low", "UPS.Battery.RemainingTimeLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.voltage", "UPS.Battery.Voltage", "%.1f"),
        HidVar("battery.voltage", "UPS.PowerSummary.Voltage", "%.1f"),
        HidVar("battery.voltage.nominal", "UPS.Battery.ConfigVoltage", "%.1f"),
        HidVar("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.1f"),
        HidVar("battery.temperature", "UPS.Battery.Temperature", convert=kelvin_celsius),
        HidVar("battery.type", "UPS.PowerSummary.iDeviceChemistry", convert=string_index),
        HidVar("battery.mfr.date", "UPS.Battery.ManufacturerDate", convert=packed_date,
               tier=SEMI, rw=True, string_len=10),
        HidVar("ups.load", "UPS.Output.PercentLoad", "%.1f"),
        HidVar("ups.load", "UPS.PowerConverter.PercentLoad"),
        *_delays("UPS.PowerSummary"),
        *_delays("UPS.Output"),
        *_delays(_GC, "APCDelayBeforeReboot", "APCDelayBeforeStartup", "APCDelayBeforeShutdown"),
        HidVar("ups.test.result", "UPS.Battery.Test", convert=selftest_result),
        HidVar("ups.beeper.status", "UPS.PowerSummary.AudibleAlarmControl", convert=beeper),
        HidVar("ups.mfr.date", "UPS.ManufacturerDate", convert=packed_date),
        HidVar("ups.mfr.date", "UPS.PowerSummary.ManufacturerDate", convert=packed_date),
        HidVar("ups.realpower.nominal", "UPS.PowerConverter.ConfigActivePower"),
        HidVar("ups.realpower.nominal", "UPS.Output.ConfigActivePower"),
        HidVar("input.voltage", "UPS.Input.Voltage", "%.1f"),
        HidVar("input.voltage.nominal", "UPS.Input.ConfigVoltage"),
        HidVar("input.transfer.low", "UPS.Output.LowVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.transfer.high", "UPS.Output.HighVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.transfer.low", "UPS.Input.LowVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.transfer.high", "UPS.Input.HighVoltageTransfer", tier=SEMI,
               rw=True, string_len=10),
        HidVar("input.sensitivity", "UPS.Input.APCSensitivity", convert=sensitivity,
               tier=SEMI, rw=True, string_len=10),
        HidVar("output.voltage", "UPS.Output.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", "UPS.Output.ConfigVoltage", "%.1f"),
        HidVar("output.current", "UPS.Output.Current", "%.2f"),
        HidVar("output.frequency", "UPS.Output.Frequency", "%.1f"),
        HidVar("ambient.temperature", "UPS.APCEnvironment.APCProbe1.Temperature",
               convert=kelvin_celsius),
        HidVar("ambient.humidity", "UPS.APCEnvironment.APCProbe1.Humidity", "%.1f"),
    ),
    status=status_rows("UPS.PowerSummary.PresentStatus")[:9] + (
        # Back-UPS 500: the flags sit directly under PowerSummary.
        HidStatus("UPS.PowerSummary.Charging", "chrg", quick=True),
        HidStatus("UPS.PowerSummary.Discharging", "dischrg", quick=True),
        HidStatus("UPS.PowerSummary.ACPresent", "online", quick=True),
        HidStatus("UPS.PowerSummary.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus("UPS.PowerSummary.ShutdownImminent", "shutdownimm"),
    ),
    commands=(
        HidCommand("test.battery.start.quick", "UPS.BatterySystem.Battery.Test", "1"),
        HidCommand("test.battery.start.quick", "UPS.Battery.Test", "1"),
        HidCommand("test.battery.start.deep", "UPS.BatterySystem.Battery.Test", "2"),
        HidCommand("test.battery.start.deep", "UPS.Battery.Test", "2"),
        HidCommand("test.battery.stop", "UPS.BatterySystem.Battery.Test", "3"),
        HidCommand("test.battery.stop", "UPS.Battery.Test", "3"),
        HidCommand("test.panel.start", "UPS.APCPanelTest", "1"),
        HidCommand("test.panel.stop", "UPS.APCPanelTest", "0"),
        HidCommand("test.panel.start", "UPS.PowerSummary.APCPanelTest", "1"),
        HidCommand("test.panel.stop", "UPS.PowerSummary.APCPanelTest", "0"),
        *delay_commands("UPS.PowerSummary"),
        *delay_commands("UPS.Output"),
        HidCommand("load.off.delay", f"{_GC}.APCDelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{_GC}.APCDelayBeforeStartup", "30"),
        HidCommand("shutdown.stop", f"{_GC}.APCDelayBeforeShutdown", "-1"),
        HidCommand("shutdown.reboot", f"{_GC}.APCDelayBeforeReboot", "10"),
        HidCommand("shutdown.return", "UPS.Output.APCDelayBeforeReboot", "1"),
        *beeper_commands("UPS.PowerSummary.AudibleAlarmControl"),
    ),
)
