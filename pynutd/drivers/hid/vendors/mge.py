"""MGE / Eaton HID Power Devices (vendors 0463, Dell 047c, Powerware 0592, HP 03f0, AEG, IBM, KSTAR).

Rows as NUT master's ``drivers/mge-hid.c`` (MGE HID 1.59) maps them, in
its order (the first row of a variable whose path exists wins): its usage
table for MGE's 0xffff vendor page, its claim (``mge_claim`` with its
USB ID table: vendor 06da only when a USB string names AEG, KSTAR's 09d6
only when the manufacturer says KSTAR, Dell and HP product IDs beyond the
table only with ``productid`` set) and its model naming.  Its conversions
and the advanced battery monitoring rules that decide whether
PresentStatus.Charging counts are in :mod:`.mge_lookups`.  MGE has no
descriptor fix (NUT's default ``fix_report_desc``).

Checked against a PowerWalker VI 1200 SHL (06da:ffff, NUT issue #1270)
and an Eaton 5SC 750 (0463:ffff, NUT issue #2380): tests/fixtures/hid.

test-case-name: tests.test_hid_vendor_mge
"""

from __future__ import annotations

from pynutd.drivers.hid.converters import (
    Converter,
    beeper,
    kelvin_celsius,
    selftest_result,
    string_index,
)
from pynutd.drivers.hid.rows import (
    FULL,
    QUICK,
    SEMI,
    STATIC,
    DeviceIdent,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
)
from pynutd.drivers.hid.vendors import mge_lookups as lk

MGE_VENDORID, DELL_VENDORID, POWERWARE_VENDORID = 0x0463, 0x047C, 0x0592
HP_VENDORID, AEG_VENDORID, PHOENIXTEC_VENDORID = 0x03F0, 0x2B2D, 0x06DA
IBM_VENDORID, KSTAR_VENDORID = 0x04B3, 0x09D6

# mge_usb_device_table
USB_IDS = frozenset({
    (MGE_VENDORID, 0x0001), (MGE_VENDORID, 0xFFFF), (DELL_VENDORID, 0xFFFF),
    (POWERWARE_VENDORID, 0x0004), (HP_VENDORID, 0x1FE5), (HP_VENDORID, 0x1FE6),
    (HP_VENDORID, 0x1FE7), (HP_VENDORID, 0x1FE8), (AEG_VENDORID, 0xFFFF),
    (PHOENIXTEC_VENDORID, 0xFFFF), (IBM_VENDORID, 0x0001), (KSTAR_VENDORID, 0x0001),
})
VENDOR_IDS = tuple(sorted({vendor for vendor, _ in USB_IDS}))


def _names(ident: DeviceIdent, word: str, product_too: bool = True) -> bool:
    texts = (ident.manufacturer, ident.product) if product_too else (ident.manufacturer,)
    return any(text and word in text for text in texts)


def mge_claim(ident: DeviceIdent) -> bool:
    """Return whether MGE HID serves the device (NUT's mge_claim).

    Listed IDs are claimed, but 06da (mostly Phoenixtec/Liebert's) only
    with "AEG" in the manufacturer or product string and 09d6 only with
    "KSTAR" in the manufacturer; another product ID of a listed vendor
    only with ``productid`` set (NUT's POSSIBLY_SUPPORTED), never for
    06da and 09d6 without their string.
    """
    if ident.vendor_id not in VENDOR_IDS:
        return False
    if ident.vendor_id == PHOENIXTEC_VENDORID:
        return _names(ident, "AEG")
    if ident.vendor_id == KSTAR_VENDORID:
        return _names(ident, "KSTAR", product_too=False)
    return (ident.vendor_id, ident.product_id) in USB_IDS or ident.forced


USAGES = {
    0xFFFF0000: "Undefined", 0xFFFF0001: "STS", 0xFFFF0002: "Environment",
    0xFFFF0003: "Statistic", 0xFFFF0004: "StatisticSystem", 0xFFFF0005: "USB",
    0xFFFF0010: "Phase", 0xFFFF0011: "PhaseID", 0xFFFF0012: "Chopper", 0xFFFF0013: "ChopperID",
    0xFFFF0014: "Inverter", 0xFFFF0015: "InverterID", 0xFFFF0016: "Rectifier",
    0xFFFF0017: "RectifierID", 0xFFFF0018: "LCMSystem", 0xFFFF0019: "LCMSystemID",
    0xFFFF001A: "LCMAlarm", 0xFFFF001B: "LCMAlarmID", 0xFFFF001C: "HistorySystem",
    0xFFFF001D: "HistorySystemID", 0xFFFF001E: "Event", 0xFFFF001F: "EventID",
    0xFFFF0020: "CircuitBreaker", 0xFFFF0021: "TransferForbidden", 0xFFFF0022: "OverallAlarm",
    0xFFFF0023: "Dephasing", 0xFFFF0024: "BypassBreaker", 0xFFFF0025: "PowerModule",
    0xFFFF0026: "PowerRate", 0xFFFF0027: "PowerSource", 0xFFFF0028: "CurrentPowerSource",
    0xFFFF0029: "RedundancyLevel", 0xFFFF002A: "RedundancyLost",
    0xFFFF002B: "NotificationStatus", 0xFFFF002C: "ProtectionLost",
    0xFFFF002D: "ConfigurationFailure", 0xFFFF002E: "CompatibilityFailure",
    0xFFFF0040: "SwitchType", 0xFFFF0041: "ConverterType", 0xFFFF0042: "FrequencyConverterMode",
    0xFFFF0043: "AutomaticRestart", 0xFFFF0044: "ForcedReboot", 0xFFFF0045: "TestPeriod",
    0xFFFF0046: "EnergySaving", 0xFFFF0047: "StartOnBattery", 0xFFFF0048: "Schedule",
    0xFFFF0049: "DeepDischargeProtection", 0xFFFF004A: "ShortCircuit",
    0xFFFF004B: "ExtendedVoltageMode", 0xFFFF004C: "SensitivityMode",
    0xFFFF004D: "RemainingCapacityLimitSetting", 0xFFFF004E: "ExtendedFrequencyMode",
    0xFFFF004F: "FrequencyConverterModeSetting", 0xFFFF0050: "LowVoltageBoostTransfer",
    0xFFFF0051: "HighVoltageBoostTransfer", 0xFFFF0052: "LowVoltageBuckTransfer",
    0xFFFF0053: "HighVoltageBuckTransfer", 0xFFFF0054: "OverloadTransferEnable",
    0xFFFF0055: "OutOfToleranceTransferEnable", 0xFFFF0056: "ForcedTransferEnable",
    0xFFFF0057: "LowVoltageBypassTransfer", 0xFFFF0058: "HighVoltageBypassTransfer",
    0xFFFF0059: "FrequencyRangeBypassTransfer", 0xFFFF005A: "LowVoltageEcoTransfer",
    0xFFFF005B: "HighVoltageEcoTransfer", 0xFFFF005C: "FrequencyRangeEcoTransfer",
    0xFFFF005D: "ShutdownTimer", 0xFFFF005E: "StartupTimer", 0xFFFF005F: "RestartLevel",
    0xFFFF0060: "PhaseOutOfRange", 0xFFFF0061: "CurrentLimitation",
    0xFFFF0062: "ThermalOverload", 0xFFFF0063: "SynchroSource", 0xFFFF0064: "FuseFault",
    0xFFFF0065: "ExternalProtectedTransfert", 0xFFFF0066: "ExternalForcedTransfert",
    0xFFFF0067: "Compensation", 0xFFFF0068: "EmergencyStop", 0xFFFF0069: "PowerFactor",
    0xFFFF006A: "PeakFactor", 0xFFFF006B: "ChargerType", 0xFFFF006C: "HighPositiveDCBusVoltage",
    0xFFFF006D: "LowPositiveDCBusVoltage", 0xFFFF006E: "HighNegativeDCBusVoltage",
    0xFFFF006F: "LowNegativeDCBusVoltage", 0xFFFF0070: "FrequencyRangeTransfer",
    0xFFFF0071: "WiringFaultDetection", 0xFFFF0072: "ControlStandby",
    0xFFFF0073: "ShortCircuitTolerance", 0xFFFF0074: "VoltageTooHigh",
    0xFFFF0075: "VoltageTooLow", 0xFFFF0076: "DCBusUnbalanced", 0xFFFF0077: "FanFailure",
    0xFFFF0078: "WiringFault", 0xFFFF0079: "Floating", 0xFFFF007A: "OverCurrent",
    0xFFFF007B: "RemainingActivePower", 0xFFFF007C: "Energy", 0xFFFF007D: "Threshold",
    0xFFFF007E: "OverThreshold", 0xFFFF0080: "Sensor", 0xFFFF0081: "LowHumidity",
    0xFFFF0082: "HighHumidity", 0xFFFF0083: "LowTemperature", 0xFFFF0084: "HighTemperature",
    0xFFFF0085: "ECOControl", 0xFFFF0086: "Efficiency", 0xFFFF0087: "ABMEnable",
    0xFFFF0088: "NegativeCurrent", 0xFFFF0089: "AutomaticStart", 0xFFFF0090: "Count",
    0xFFFF0091: "Timer", 0xFFFF0092: "Interval", 0xFFFF0093: "TimerExpired", 0xFFFF0094: "Mode",
    0xFFFF0095: "Country", 0xFFFF0096: "State", 0xFFFF0097: "Time", 0xFFFF0098: "Code",
    0xFFFF0099: "DataValid", 0xFFFF009A: "ToggleTimer", 0xFFFF009B: "BypassTransferDelay",
    0xFFFF009C: "HysteresisVoltageTransfer", 0xFFFF009D: "SlewRate", 0xFFFF00A0: "PDU",
    0xFFFF00A1: "Breaker", 0xFFFF00A2: "BreakerID", 0xFFFF00A3: "OverVoltage",
    0xFFFF00A4: "Tripped", 0xFFFF00A5: "OverEnergy", 0xFFFF00A6: "OverHumidity",
    0xFFFF00A7: "ConfigurationReset", 0xFFFF00A8: "Level", 0xFFFF00A9: "PDUType",
    0xFFFF00AA: "ReactivePower", 0xFFFF00AB: "Pole", 0xFFFF00AC: "PoleID", 0xFFFF00AD: "Reset",
    0xFFFF00AE: "WatchdogReset", 0xFFFF00BA: "iDesignator", 0xFFFF00E0: "COPIBridge",
    0xFFFF00E1: "Gateway", 0xFFFF00E5: "System", 0xFFFF00E9: "Status", 0xFFFF00F0: "iModel",
    0xFFFF00F1: "iVersion", 0xFFFF00F2: "iTechnicalLevel", 0xFFFF00F3: "iPartNumber",
    0xFFFF00F4: "iReferenceNumber", 0xFFFF00F5: "iGang",
    0x0084006B: "SwitchOn/Off",   # NUT's own spelling (hid_usage_lkp)
}


def _rw(var: str, path: str, size: int, fmt: str = "%.0f", convert: Converter | None = None,
        tier: str = SEMI, enum: bool = False) -> HidVar:
    # A ST_FLAG_RW | ST_FLAG_STRING row (settable with upsrw, at most ``size`` characters).
    return HidVar(var, path, fmt, convert, tier, rw=True, string_len=size, enum=enum)


def _outlet(n: int, index: int, desc: str) -> tuple[HidVar | HidAbsent, ...]:
    # outlet.N.* of the PowerShare outlet groups Outlet.[2] and Outlet.[3]/[4]
    base = f"UPS.OutletSystem.Outlet.[{index}]"
    head: tuple[HidVar | HidAbsent, ...] = (
        HidVar(f"outlet.{n}.id", f"{base}.OutletID", tier=STATIC),
        HidAbsent(f"outlet.{n}.desc", f"{base}.OutletID", desc, string_len=20),
    )
    if n == 1:
        switch: tuple[HidVar | HidAbsent, ...] = (
            HidVar("outlet.1.switchable", f"{base}.PresentStatus.Switchable", "%s", lk.yes_no,
                   STATIC),
            HidVar("outlet.1.status", f"{base}.PresentStatus.SwitchOn/Off", "%s", lk.on_off),
            HidVar("outlet.1.protect.status", f"{base}.Status", "%s", lk.outlet_protection),
            HidVar("outlet.1.designator", f"{base}.iDesignator", "%s", string_index, STATIC),
            # Low-end models with one unprotected outlet.
            HidVar("outlet.1.status", f"{_PS}.PresentStatus.ACPresent", "%s", lk.on_off),
        )
    else:
        switch = (
            _rw(f"outlet.{n}.switchable", f"{base}.PresentStatus.Switchable", 3, "%s",
                lk.pegasus_yes_no),
            HidVar(f"outlet.{n}.switchable", f"{base}.PresentStatus.Switchable", "%s", lk.yes_no),
            HidVar(f"outlet.{n}.status", f"{base}.PresentStatus.SwitchOn/Off", "%s", lk.on_off),
            HidVar(f"outlet.{n}.protect.status", f"{base}.Status", "%s", lk.outlet_protection),
        )
    tail = (
        _rw(f"outlet.{n}.autoswitch.charge.low", f"{base}.RemainingCapacityLimit", 3),
        _rw(f"outlet.{n}.delay.shutdown", f"{base}.ShutdownTimer", 5),
        _rw(f"outlet.{n}.delay.start", f"{base}.StartupTimer", 5),
        HidVar(f"outlet.{n}.power", f"{base}.ApparentPower"),
        HidVar(f"outlet.{n}.realpower", f"{base}.ActivePower"),
        HidVar(f"outlet.{n}.current", f"{base}.Current", "%.2f"),
        HidVar(f"outlet.{n}.powerfactor", f"{base}.PowerFactor", "%.2f"),
        HidVar(f"outlet.{n}.ecocontrol", f"{base}.ECOControl", "%s", lk.outlet_eco, SEMI),
    )
    return head + switch + tail


def _phases(var: str, path: str, fmt: str, phases: tuple[str, ...] = ("1", "2", "3"),
            names: tuple[str, ...] = ("L1", "L2", "L3")) -> tuple[HidVar, ...]:
    # Per-phase rows: var has "{}" for the phase name, path for the index.
    return tuple(HidVar(var.format(name), path.format(index), fmt)
                 for index, name in zip(phases, names, strict=True))


_PS = "UPS.PowerSummary"
_BAT = "UPS.BatterySystem.Battery"
_CHG = "UPS.BatterySystem.Charger"
_PC = "UPS.PowerConverter"
_IN1, _IN2, _IN3 = f"{_PC}.Input.[1]", f"{_PC}.Input.[2]", f"{_PC}.Input.[3]"
_OUT = f"{_PC}.Output"
_LN = ("1", "2", "3", "12", "23", "31")
_LN_NAMES = ("L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1")
_OUTLET1 = "UPS.OutletSystem.Outlet.[1]"

VARIABLES: tuple[HidVar | HidAbsent, ...] = (
    # Device collection; model name first, as NUT names the model (and so
    # its type, which later rows test) before reading the table.
    HidVar("ups.model", f"{_PS}.iModel", "%s", lk.model_from_imodel, STATIC),
    HidVar("ups.model", "UPS.Flow.[4].ConfigApparentPower", "%s", lk.model_from_power, STATIC),
    HidVar("device.country", f"{_PS}.Country", "%s", lk.country, STATIC),
    HidVar("device.usb.version", "UPS.System.USB.iVersion", "%s", string_index, STATIC),
    # Battery page
    HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
    _rw("battery.charge.low", f"{_PS}.RemainingCapacityLimitSetting", 5),
    HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit", tier=STATIC),
    _rw("battery.charge.restart", f"{_PS}.RestartLevel", 3),
    HidVar("battery.capacity", f"{_BAT}.DesignCapacity", "%s", lk.battery_capacity, STATIC),
    HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty"),
    _rw("battery.runtime.low", f"{_PS}.RemainingTimeLimit", 10, tier=FULL),
    HidVar("battery.runtime.elapsed", "UPS.StatisticSystem.Input.[1].Statistic.[1].Time",
           tier=QUICK),
    HidVar("battery.temperature", f"{_BAT}.Temperature", "%s", kelvin_celsius),
    HidVar("battery.type", f"{_PS}.iDeviceChemistry", "%s", string_index, STATIC),
    HidVar("battery.voltage", "UPS.BatterySystem.Voltage", "%.1f"),
    HidVar("battery.voltage", f"{_PS}.Voltage", "%s", lk.battery_voltage),
    HidVar("battery.voltage.nominal", "UPS.BatterySystem.ConfigVoltage", tier=STATIC),
    HidVar("battery.voltage.nominal", f"{_PS}.ConfigVoltage", "%s", lk.battery_voltage_nominal,
           STATIC),
    _rw("battery.protection", f"{_BAT}.DeepDischargeProtection", 5, "%s", lk.yes_no),
    _rw("battery.energysave", f"{_IN3}.EnergySaving", 5, "%s", lk.yes_no),
    _rw("battery.energysave.load", f"{_IN3}.ConfigPercentLoad", 5),
    _rw("battery.energysave.delay", f"{_IN3}.EnergySaving.ShutdownTimer", 5),
    _rw("battery.energysave.delay", f"{_IN3}.ShutdownTimer", 5),
    _rw("battery.energysave.realpower", f"{_IN3}.ConfigActivePower", 5),
    # ABM: remembered (not published) before the status rows use it.
    HidVar("battery.charger.abm.status", f"{_CHG}.ABMEnable", convert=lk.abm_enabled, tier=QUICK),
    HidVar("battery.charger.mode.status", f"{_CHG}.Mode", convert=lk.abm_path_mode, tier=QUICK),
    HidVar("battery.charger.type.status", f"{_CHG}.Status", convert=lk.abm_path_status,
           tier=QUICK),
    HidVar("battery.charger.status", f"{_CHG}.Mode", convert=lk.abm_status, tier=QUICK),
    HidVar("battery.charger.status", f"{_CHG}.Status", convert=lk.abm_status, tier=QUICK),
    HidVar("battery.charger.type", f"{_CHG}.ChargerType", convert=lk.charger_type, tier=QUICK),
    # UPS page
    HidVar("ups.efficiency", f"{_OUT}.Efficiency"),
    HidVar("ups.firmware", f"{_PS}.iVersion", "%s", string_index, STATIC),
    HidVar("ups.load", f"{_PS}.PercentLoad"),
    _rw("ups.load.high", "UPS.Flow.[4].ConfigPercentLoad", 5),
    HidAbsent("ups.delay.start", f"{_PS}.DelayBeforeStartup", "30"),
    HidAbsent("ups.delay.shutdown", f"{_PS}.DelayBeforeShutdown", "20"),
    HidVar("ups.timer.start", f"{_PS}.DelayBeforeStartup", tier=QUICK),
    HidVar("ups.timer.shutdown", f"{_PS}.DelayBeforeShutdown", tier=QUICK),
    HidVar("ups.timer.reboot", f"{_PS}.DelayBeforeReboot", tier=QUICK),
    HidVar("ups.test.result", f"{_BAT}.Test", "%s", selftest_result),
    _rw("ups.test.interval", f"{_BAT}.TestPeriod", 8),
    HidVar("ups.beeper.status", f"{_BAT}.AudibleAlarmControl", "%s", beeper, SEMI),
    HidVar("ups.beeper.status", f"{_PS}.AudibleAlarmControl", "%s", beeper, SEMI),
    HidVar("ups.beeper.status", "UPS.AudibleAlarmControl", "%s", beeper, SEMI),
    HidVar("ups.temperature", f"{_PS}.Temperature", "%s", kelvin_celsius),
    HidVar("ups.power", f"{_OUT}.ApparentPower"),
    *_phases("ups.{}.power", f"{_OUT}.Phase.[{{}}].ApparentPower", "%.0f"),
    HidVar("ups.power.nominal", "UPS.Flow.[4].ConfigApparentPower", tier=STATIC),
    HidVar("ups.realpower", f"{_OUT}.ActivePower"),
    # Without ActivePower, an estimate from load, nominal power and factor.
    HidVar("ups.realpower", "UPS.Flow.[4].ConfigApparentPower", convert=lk.compute_realpower),
    *_phases("ups.{}.realpower", f"{_OUT}.Phase.[{{}}].ActivePower", "%.0f"),
    HidVar("ups.realpower.nominal", "UPS.Flow.[4].ConfigActivePower", tier=STATIC),
    _rw("ups.start.auto", f"{_IN1}.AutomaticRestart", 5, "%s", lk.yes_no),
    _rw("ups.start.battery", f"{_IN3}.StartOnBattery", 5, "%s", lk.yes_no),
    _rw("ups.start.reboot", f"{_OUT}.ForcedReboot", 5, "%s", lk.yes_no),
    _rw("ups.shutdown", f"{_PS}.PresentStatus.Switchable", 10, "%s", lk.enable_disable,
        enum=True),
    HidVar("ups.date", f"{_PS}.Time", "%s", lk.ups_date),
    HidVar("ups.time", f"{_PS}.Time", "%s", lk.ups_time),
    HidVar("ups.type", f"{_PC}.ConverterType", "%s", lk.ups_type, STATIC),
    # Input page
    HidVar("input.voltage", f"{_IN1}.Voltage", "%.1f"),
    *_phases("input.{}.voltage", f"{_IN1}.Phase.[{{}}].Voltage", "%.1f", _LN, _LN_NAMES),
    HidVar("input.voltage.nominal", "UPS.Flow.[1].ConfigVoltage", tier=STATIC),
    HidVar("input.current", f"{_IN1}.Current", "%.2f"),
    *_phases("input.{}.current", f"{_IN1}.Phase.[{{}}].Current", "%.1f"),
    HidVar("input.current.nominal", "UPS.Flow.[1].ConfigCurrent", "%.2f", tier=STATIC),
    HidVar("input.frequency", f"{_IN1}.Frequency", "%.1f"),
    HidVar("input.frequency.nominal", "UPS.Flow.[1].ConfigFrequency", tier=STATIC),
    _rw("input.transfer.low", f"{_OUT}.LowVoltageTransfer", 5),
    _rw("input.transfer.eco.low", f"{_OUT}.LowVoltageEcoTransfer", 5),
    _rw("input.transfer.bypass.low", f"{_OUT}.LowVoltageBypassTransfer", 5),
    _rw("input.transfer.boost.low", f"{_OUT}.LowVoltageBoostTransfer", 5),
    _rw("input.transfer.boost.high", f"{_OUT}.HighVoltageBoostTransfer", 5),
    _rw("input.transfer.trim.low", f"{_OUT}.LowVoltageBuckTransfer", 5),
    _rw("input.transfer.high", f"{_OUT}.HighVoltageTransfer", 5),
    _rw("input.transfer.eco.high", f"{_OUT}.HighVoltageEcoTransfer", 5),
    _rw("input.transfer.bypass.high", f"{_OUT}.HighVoltageBypassTransfer", 5),
    _rw("input.transfer.frequency.bypass.range", f"{_OUT}.FrequencyRangeBypassTransfer", 5),
    _rw("input.transfer.frequency.eco.range", f"{_OUT}.FrequencyRangeEcoTransfer", 5),
    _rw("input.transfer.hysteresis", f"{_OUT}.HysteresisVoltageTransfer", 5),
    _rw("input.transfer.bypass.forced", f"{_IN2}.ForcedTransferEnable", 8, "%.0f",
        lk.enable_disable),
    _rw("input.transfer.bypass.overload", f"{_IN2}.OverloadTransferEnable", 8, "%.0f",
        lk.enable_disable),
    _rw("input.transfer.bypass.outlimits", f"{_IN2}.OutOfToleranceTransferEnable", 8, "%.0f",
        lk.enable_disable),
    _rw("input.transfer.trim.high", f"{_OUT}.HighVoltageBuckTransfer", 5),
    _rw("input.sensitivity", f"{_OUT}.SensitivityMode", 10, "%s", lk.sensitivity),
    _rw("input.voltage.extended", f"{_OUT}.ExtendedVoltageMode", 5, "%s", lk.yes_no),
    _rw("input.frequency.extended", f"{_OUT}.ExtendedFrequencyMode", 5, "%s", lk.yes_no),
    # Bypass page
    HidVar("input.bypass.voltage", f"{_IN2}.Voltage", "%.1f", tier=QUICK),
    *_phases("input.bypass.{}.voltage", f"{_IN2}.Phase.[{{}}].Voltage", "%.1f", _LN, _LN_NAMES),
    HidVar("input.bypass.voltage.nominal", "UPS.Flow.[2].ConfigVoltage", tier=STATIC),
    HidVar("input.bypass.current", f"{_IN2}.Current", "%.2f"),
    *_phases("input.bypass.{}.current", f"{_IN2}.Phase.[{{}}].Current", "%.1f"),
    HidVar("input.bypass.current.nominal", "UPS.Flow.[2].ConfigCurrent", "%.2f", tier=STATIC),
    HidVar("input.bypass.frequency", f"{_IN2}.Frequency", "%.1f", tier=QUICK),
    HidVar("input.bypass.frequency.nominal", "UPS.Flow.[2].ConfigFrequency", tier=STATIC),
    _rw("input.bypass.switch.on", f"{_IN2}.SwitchOnControl", 8, "%.0f", lk.bypass_on, QUICK),
    _rw("input.bypass.switch.off", f"{_IN2}.SwitchOffControl", 12, "%.0f", lk.bypass_off, QUICK),
    _rw("input.bypass.switchable", f"{_IN2}.Switchable", 8, "%.0f", lk.enable_disable),
    # Output page
    HidVar("output.voltage", f"{_OUT}.Voltage", "%.1f"),
    *_phases("output.{}.voltage", f"{_OUT}.Phase.[{{}}].Voltage", "%.1f", _LN, _LN_NAMES),
    _rw("output.voltage.nominal", "UPS.Flow.[4].ConfigVoltage", 3, "%.0f",
        lk.nominal_output_voltage, enum=True),
    HidVar("output.current", f"{_OUT}.Current", "%.2f"),
    *_phases("output.{}.current", f"{_OUT}.Phase.[{{}}].Current", "%.1f"),
    HidVar("output.current.nominal", "UPS.Flow.[4].ConfigCurrent", "%.2f"),
    HidVar("output.frequency", f"{_OUT}.Frequency", "%.1f"),
    HidVar("output.frequency.nominal", "UPS.Flow.[4].ConfigFrequency", tier=STATIC),
    HidVar("output.powerfactor", f"{_OUT}.PowerFactor", "%s", lk.power_factor),
    # Outlet page (PowerShare): the main outlet at Outlet.[1], groups after it
    HidVar("outlet.id", f"{_OUTLET1}.OutletID", tier=STATIC),
    HidAbsent("outlet.desc", f"{_OUTLET1}.OutletID", "Main Outlet", string_len=20),
    HidVar("outlet.switchable", f"{_OUTLET1}.PresentStatus.Switchable", "%s", lk.yes_no, STATIC),
    _rw("outlet.power", f"{_OUTLET1}.ConfigApparentPower", 6, "%s", lk.pegasus_threshold,
        enum=True),
    HidVar("outlet.power", f"{_OUTLET1}.ApparentPower"),
    HidVar("outlet.realpower", f"{_OUTLET1}.ActivePower"),
    HidVar("outlet.current", f"{_OUTLET1}.Current", "%.2f"),
    HidVar("outlet.powerfactor", f"{_OUTLET1}.PowerFactor", "%.2f"),
    *_outlet(1, 2, "PowerShare Outlet 1"),
    *_outlet(2, 3, "PowerShare Outlet 2"),
    # NUT names the third group "PowerShare Outlet 2" too.
    *_outlet(3, 4, "PowerShare Outlet 2"),
    # ECO(HE) / ESS mode switch; reads bypass values set above.
    _rw("input.eco.switchable", f"{_PC}.Input.[5].Switchable", 8, "%.0f", lk.buzzword_mode,
        QUICK),
)

STATUS: tuple[HidStatus, ...] = (
    HidStatus(f"{_PS}.PresentStatus.ACPresent", "online", quick=True),
    HidStatus(f"{_IN3}.PresentStatus.Used", "online", convert=lk.on_battery),
    # Charging/Discharging count without ABM; with ABM the charger state does.
    HidStatus(f"{_PS}.PresentStatus.Discharging", "dischrg", quick=True,
              convert=lk.discharging),
    HidStatus(f"{_PS}.PresentStatus.Charging", "chrg", quick=True, convert=lk.charging),
    HidStatus(f"{_CHG}.Mode", "chrg", quick=True, convert=lk.abm_flag),
    HidStatus(f"{_CHG}.Status", "chrg", quick=True, convert=lk.abm_flag),
    HidStatus(f"{_PS}.PresentStatus.BelowRemainingCapacityLimit", "lowbatt", quick=True),
    HidStatus(f"{_OUT}.Overload.[1].PresentStatus.OverThreshold", "overload"),
    HidStatus(f"{_OUT}.Overload.[2].PresentStatus.OverThreshold", "overload"),
    HidStatus(f"{_PS}.PresentStatus.Overload", "overload"),
    HidStatus(f"{_PS}.PresentStatus.NeedReplacement", "replacebatt"),
    HidStatus("UPS.LCMSystem.LCMAlarm.[2].PresentStatus.TimerExpired", "replacebatt"),
    HidStatus(f"{_IN1}.PresentStatus.Buck", "trim"),
    HidStatus(f"{_IN1}.PresentStatus.Boost", "boost"),
    HidStatus(f"{_IN1}.PresentStatus.VoltageOutOfRange", "vrange"),
    HidStatus(f"{_IN1}.PresentStatus.FrequencyOutOfRange", "frange"),
    HidStatus(f"{_PS}.PresentStatus.Good", "off", inverted=True),
    # After Good: Input.[1] Used means online only while not off.
    HidStatus(f"{_IN1}.PresentStatus.Used", "online", convert=lk.converter_online),
    HidStatus(f"{_IN2}.PresentStatus.Used", "bypassauto"),
    HidStatus(f"{_PC}.Input.[4].PresentStatus.Used", "bypassman"),
    HidStatus(f"{_PC}.Input.[5].PresentStatus.Used", "eco"),
    HidStatus(f"{_PS}.PresentStatus.FanFailure", "fanfail"),
    HidStatus(f"{_BAT}.PresentStatus.Present", "nobattery", inverted=True),
    HidStatus(f"{_CHG}.PresentStatus.InternalFailure", "chargerfail"),
    HidStatus(f"{_CHG}.PresentStatus.VoltageTooHigh", "battvolthi"),
    HidStatus(f"{_IN1}.PresentStatus.VoltageTooHigh", "battvolthi"),
    HidStatus(f"{_BAT}.PresentStatus.VoltageTooHigh", "battvolthi"),
    HidStatus(f"{_CHG}.PresentStatus.VoltageTooLow", "battvoltlo"),
    HidStatus(f"{_IN1}.PresentStatus.VoltageTooLow", "online", convert=lk.on_battery),
    HidStatus(f"{_PS}.PresentStatus.InternalFailure", "commfault"),
    HidStatus(f"{_PS}.PresentStatus.OverTemperature", "overheat"),
    HidStatus(f"{_PS}.PresentStatus.ShutdownImminent", "shutdownimm"),
    # Vendor ups.alarm rows
    *(HidStatus(path, f"alarm:{text}") for path, text in lk.ALARM_TEXTS.items()),
)

_ECO = f"{_PC}.Input.[5].Switchable"

COMMANDS: tuple[HidCommand, ...] = (
    HidCommand("test.battery.start.quick", f"{_BAT}.Test", "1"),
    HidCommand("test.battery.start.deep", f"{_BAT}.Test", "2"),
    HidCommand("test.battery.stop", f"{_BAT}.Test", "3"),
    HidCommand("load.off.delay", f"{_PS}.DelayBeforeShutdown", "20"),
    HidCommand("load.on.delay", f"{_PS}.DelayBeforeStartup", "30"),
    HidCommand("shutdown.stop", f"{_PS}.DelayBeforeShutdown", "-1"),
    HidCommand("shutdown.reboot", f"{_PS}.DelayBeforeReboot", "10"),
    HidCommand("beeper.off", f"{_PS}.AudibleAlarmControl", "1"),
    HidCommand("beeper.on", f"{_PS}.AudibleAlarmControl", "2"),
    HidCommand("beeper.mute", f"{_BAT}.AudibleAlarmControl", "3"),
    HidCommand("beeper.mute", f"{_PS}.AudibleAlarmControl", "3"),
    HidCommand("beeper.disable", f"{_BAT}.AudibleAlarmControl", "1"),
    HidCommand("beeper.disable", f"{_PS}.AudibleAlarmControl", "1"),
    HidCommand("beeper.enable", f"{_BAT}.AudibleAlarmControl", "2"),
    HidCommand("beeper.enable", f"{_PS}.AudibleAlarmControl", "2"),
    HidCommand("beeper.disable", "UPS.AudibleAlarmControl", "1"),
    HidCommand("beeper.enable", "UPS.AudibleAlarmControl", "2"),
    *(HidCommand(f"outlet.{n}.load.{verb}",
                 f"UPS.OutletSystem.Outlet.[{n + 1}].DelayBefore{usage}", "0")
      for n in (1, 2, 3) for verb, usage in (("off", "Shutdown"), ("on", "Startup"))),
    HidCommand("experimental.ecomode.stop", _ECO, "0"),
    HidCommand("experimental.ecomode.start", _ECO, "1"),
    HidCommand("experimental.essmode.start", _ECO, "2"),
    HidCommand("experimental.essmode.stop", _ECO, "0"),
    HidCommand("experimental.bypass.ecomode.start", _ECO, "1"),
    HidCommand("experimental.bypass.ecomode.stop", _ECO, "0"),
    HidCommand("bypass.start", f"{_IN2}.SwitchOnControl", "1"),
    HidCommand("bypass.stop", f"{_IN2}.SwitchOffControl", "1"),
)

MGE = Subdriver(
    name="MGE HID 1.59",
    vendor_ids=VENDOR_IDS,
    usages=USAGES,
    variables=VARIABLES,
    status=STATUS,
    commands=COMMANDS,
    claim=mge_claim,
    mfr_default="Eaton",
)
