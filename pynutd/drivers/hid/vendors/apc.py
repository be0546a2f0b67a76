"""APC HID Power Devices (vendor 051d: Back-UPS, Smart-UPS over USB).

Rows as NUT master's ``drivers/apc-hid.c`` (APC HID 0.101) maps them; APC's
vendor usages are on page 0xFF86.  Kept from NUT: the product table (other
051d products only with ``productid``), no interrupt pipe on the 5G models
(0003, 0004), APC's own hex-as-decimal date (``APCBattReplaceDate``: the
battery date of the Back-UPS 500 / ES class), the status words that are not
one bit (``APCStatusFlag`` -> OFF, ``APCLineFailCause`` -> the transfer
reason), the model string split at "FW:" into ``ups.firmware`` and
``ups.firmware.aux`` and the Back-UPS XS 1400U input-voltage range fix.

test-case-name: tests.test_hid_vendor_apc
"""

from __future__ import annotations

from collections.abc import Mapping

from pynutd.drivers.hid.converters import (
    Context,
    beeper,
    kelvin_celsius,
    lookup,
    packed_date,
    selftest_result,
    string_index,
)
from pynutd.drivers.hid.descriptor import ReportDescriptor
from pynutd.drivers.hid.rows import (
    QUICK,
    SEMI,
    DeviceIdent,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
    beeper_commands,
    delay_commands,
    status_rows,
)
from pynutd.drivers.hid.vendors.descfix import (
    CONFIG_VOLTAGE,
    HIGH_VOLTAGE_TRANSFER,
    VOLTAGE,
    find_by_id,
    with_range,
)

APC_VENDORID = 0x051D
# apc_usb_device_table: AP9584 serial kit, various, 5G (two IDs), the 2025 placeholder.
PRODUCTS = (0x0000, 0x0002, 0x0003, 0x0004, 0x0005)

USAGES = {
    0xFF860005: "APCGeneralCollection", 0xFF860006: "APCEnvironment",
    0xFF860007: "APCProbe1", 0xFF860008: "APCProbe2", 0xFF860016: "APCBattReplaceDate",
    0xFF860019: "APCBattCapBeforeStartup",
    0xFF860042: "APC_UPS_FirmwareRevision", 0xFF860052: "APCLineFailCause",
    0xFF860060: "APCStatusFlag", 0xFF860061: "APCSensitivity", 0xFF860072: "APCPanelTest",
    0xFF860076: "APCShutdownAfterDelay", 0xFF860079: "APC_USB_FirmwareRevision",
    0xFF86007C: "APCDelayBeforeReboot", 0xFF86007D: "APCDelayBeforeShutdown",
    0xFF86007E: "APCDelayBeforeStartup",
    0x00850058: "BUPHibernate", 0x00860012: "BUPBattCapBeforeStartup",
    0x00860076: "BUPDelayBeforeStartup", 0x00860010: "BUPSelfTest",
}

sensitivity = lookup({0: "low", 1: "medium", 2: "high"})


def _bcd(value: int, shift: int) -> int:
    """Two hex digits read as decimal (APC writes 0x102202 for 2002/10/22)."""
    return ((value >> shift) & 0xF) + 10 * ((value >> (shift + 4)) & 0xF)


def apc_date(value: float, ctx: Context) -> str:
    """APC's date word: 0xMMDDYY in hex digits read as decimal, years 70-99 in 1900s."""
    raw = int(value)
    if raw == 0:
        return "not set"
    year = _bcd(raw, 0)
    year += 1900 if year >= 70 else 2000
    return f"{year:04d}/{_bcd(raw, 16):02d}/{_bcd(raw, 8):02d}"


def status_flag(value: float, ctx: Context, flags: Mapping[str, bool]) -> str | None:
    """APCStatusFlag (Back-UPS LS 500): 8 or 16 is running, 0 is off, others say nothing."""
    return {8: "!off", 16: "!off", 0: "off"}.get(int(value))


def line_fail_vrange(value: float, ctx: Context, flags: Mapping[str, bool]) -> str | None:
    """APCLineFailCause (as apcupsd reads it): a voltage cause sets vrange, 0 clears it."""
    return "vrange" if int(value) in (1, 2, 4, 8, 9) else "!vrange" if value == 0 else None


def line_fail_frange(value: float, ctx: Context, flags: Mapping[str, bool]) -> str | None:
    """APCLineFailCause 7 (input frequency out of range) sets frange, 0 clears it."""
    return "frange" if int(value) == 7 else "!frange" if value == 0 else None


def identity(ident: DeviceIdent) -> dict[str, str]:
    """apc_format_model: "MODEL FW:x USB FW:y" is ups.model, ups.firmware and ups.firmware.aux.

    As NUT, the character before each "FW:" is cut (it is the space that
    separates them) and what follows is kept as it is.
    """
    model = ident.product if ident.product is not None else "unknown"
    out: dict[str, str] = {}
    at = model.find("FW:")
    if at < 0:
        return out
    firmware = model[at + len("FW:"):]
    model = model[:max(at - 1, 0)]
    aux_at = firmware.find("USB FW:")
    if aux_at >= 0:
        out["ups.firmware.aux"] = firmware[aux_at + len("USB FW:"):]
        firmware = firmware[:max(aux_at - 1, 0)]
    out["ups.firmware"] = firmware
    out["ups.model"] = model
    return out


def fix_descriptor(desc: ReportDescriptor, product_id: int) -> ReportDescriptor:
    """apc_fix_report_desc (Back-UPS XS 1400U on 230 V): input voltages wider than 120 V.

    On 051d:0002, when the high transfer point (report 0x33) can exceed the
    declared input voltage (0x31) or its nominal (0x30), the voltage is read
    as 0..2x that point and the nominal's maximum becomes 255.
    """
    hvt = find_by_id(desc, 0x33, HIGH_VOLTAGE_TRANSFER) if product_id == 0x0002 else None
    if hvt is None:
        return desc
    voltage = find_by_id(desc, 0x31, VOLTAGE)
    if voltage and hvt.log_max > voltage.log_max:
        desc = with_range(desc, voltage, 0, 2 * hvt.log_max)
    nominal = find_by_id(desc, 0x30, CONFIG_VOLTAGE)
    if nominal and hvt.log_max > nominal.log_max:
        desc = with_range(desc, nominal, nominal.log_min, 255)
    return desc


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
_PS = "UPS.PowerSummary"

APC = Subdriver(
    name="APC HID 0.101",
    vendor_ids=(APC_VENDORID,),
    products=PRODUCTS,
    usages=USAGES,
    mfr_default="APC",
    identity=identity,
    fix_descriptor=fix_descriptor,
    pollonly_products=(0x0003, 0x0004),   # apc-hid.c disable_interrupt_pipe (5G models)
    variables=(
        HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.charge.warning", f"{_PS}.WarningCapacityLimit"),
        HidVar("battery.runtime", "UPS.Battery.RunTimeToEmpty"),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty"),
        HidVar("battery.runtime.low", "UPS.Battery.RemainingTimeLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.runtime.low", f"{_PS}.RemainingTimeLimit", tier=SEMI,
               rw=True, string_len=10),
        HidVar("battery.voltage", "UPS.Battery.Voltage", "%.1f"),
        HidVar("battery.voltage", f"{_PS}.Voltage", "%.1f"),
        HidVar("battery.voltage.nominal", "UPS.Battery.ConfigVoltage", "%.1f"),
        HidVar("battery.voltage.nominal", f"{_PS}.ConfigVoltage", "%.1f"),
        HidVar("battery.temperature", "UPS.Battery.Temperature", convert=kelvin_celsius),
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index),
        HidVar("battery.mfr.date", "UPS.Battery.ManufacturerDate", convert=packed_date,
               tier=SEMI, rw=True, string_len=10),
        # Back-UPS 500, Back-UPS ES/CyberFort 500: APC's own date format.
        HidVar("battery.mfr.date", f"{_PS}.APCBattReplaceDate", convert=apc_date),
        HidVar("battery.date", "UPS.Battery.APCBattReplaceDate", convert=apc_date),
        HidVar("ups.load", "UPS.Output.PercentLoad", "%.1f"),
        HidVar("ups.load", "UPS.PowerConverter.PercentLoad"),
        *_delays(_PS),
        *_delays("UPS.Output"),
        *_delays(_GC, "APCDelayBeforeReboot", "APCDelayBeforeStartup", "APCDelayBeforeShutdown"),
        HidVar("ups.test.result", "UPS.Battery.Test", convert=selftest_result),
        HidVar("ups.beeper.status", f"{_PS}.AudibleAlarmControl", convert=beeper),
        HidVar("ups.mfr.date", "UPS.ManufacturerDate", convert=packed_date),
        HidVar("ups.mfr.date", f"{_PS}.ManufacturerDate", convert=packed_date),
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
    status=status_rows(f"{_PS}.PresentStatus")[:9] + (
        # Back-UPS 500: the flags sit directly under PowerSummary.
        HidStatus(f"{_PS}.Charging", "chrg", quick=True),
        HidStatus(f"{_PS}.Discharging", "dischrg", quick=True),
        HidStatus(f"{_PS}.ACPresent", "online", quick=True),
        HidStatus(f"{_PS}.BelowRemainingCapacityLimit", "lowbatt", quick=True),
        HidStatus(f"{_PS}.ShutdownImminent", "shutdownimm"),
        HidStatus(f"{_PS}.APCStatusFlag", "off", quick=True, convert=status_flag),
        HidStatus("UPS.Input.APCLineFailCause", "vrange", convert=line_fail_vrange),
        HidStatus("UPS.Input.APCLineFailCause", "frange", convert=line_fail_frange),
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
        HidCommand("test.panel.start", f"{_PS}.APCPanelTest", "1"),
        HidCommand("test.panel.stop", f"{_PS}.APCPanelTest", "0"),
        *delay_commands(_PS),
        *delay_commands("UPS.Output"),
        HidCommand("load.off.delay", f"{_GC}.APCDelayBeforeShutdown", "20"),
        HidCommand("load.on.delay", f"{_GC}.APCDelayBeforeStartup", "30"),
        HidCommand("shutdown.stop", f"{_GC}.APCDelayBeforeShutdown", "-1"),
        HidCommand("shutdown.reboot", f"{_GC}.APCDelayBeforeReboot", "10"),
        HidCommand("shutdown.return", "UPS.Output.APCDelayBeforeReboot", "1"),
        # beeper.on/off are listed by NUT's table, but usbhid-ups turns them
        # into beeper.enable/disable before looking at it (instcmd).
        HidCommand("beeper.on", f"{_PS}.AudibleAlarmControl", "2"),
        HidCommand("beeper.off", f"{_PS}.AudibleAlarmControl", "3"),
        *beeper_commands(f"{_PS}.AudibleAlarmControl"),
    ),
)
