"""HID usage names: the standard Power Device names and NUT's dotted usage paths.

Usage names: USB HID Usage Tables for Power Devices (page 0x84 Power Device,
0x85 Battery System), as spelled in NUT's ``drivers/libhid.c``.  A
subdriver's vendor names (:attr:`~pynutd.drivers.hid.rows.Subdriver.usages`)
are looked up before these, as NUT searches the subdriver's table first.

test-case-name: tests.test_hid_descriptor
"""

from __future__ import annotations

from collections.abc import Mapping

from pynutd.drivers.hid.descriptor import INDEX_NODE

USAGE_NAMES: dict[int, str] = {
    0x00840001: "iName", 0x00840002: "PresentStatus", 0x00840003: "ChangedStatus",
    0x00840004: "UPS", 0x00840005: "PowerSupply", 0x00840010: "BatterySystem",
    0x00840011: "BatterySystemID", 0x00840012: "Battery", 0x00840013: "BatteryID",
    0x00840014: "Charger", 0x00840015: "ChargerID", 0x00840016: "PowerConverter",
    0x00840017: "PowerConverterID", 0x00840018: "OutletSystem", 0x00840019: "OutletSystemID",
    0x0084001A: "Input", 0x0084001B: "InputID", 0x0084001C: "Output",
    0x0084001D: "OutputID", 0x0084001E: "Flow", 0x0084001F: "FlowID",
    0x00840020: "Outlet", 0x00840021: "OutletID", 0x00840022: "Gang",
    0x00840023: "GangID", 0x00840024: "PowerSummary", 0x00840025: "PowerSummaryID",
    0x00840030: "Voltage", 0x00840031: "Current", 0x00840032: "Frequency",
    0x00840033: "ApparentPower", 0x00840034: "ActivePower", 0x00840035: "PercentLoad",
    0x00840036: "Temperature", 0x00840037: "Humidity", 0x00840038: "BadCount",
    0x00840040: "ConfigVoltage", 0x00840041: "ConfigCurrent", 0x00840042: "ConfigFrequency",
    0x00840043: "ConfigApparentPower", 0x00840044: "ConfigActivePower", 0x00840045: "ConfigPercentLoad",
    0x00840046: "ConfigTemperature", 0x00840047: "ConfigHumidity", 0x00840050: "SwitchOnControl",
    0x00840051: "SwitchOffControl", 0x00840052: "ToggleControl", 0x00840053: "LowVoltageTransfer",
    0x00840054: "HighVoltageTransfer", 0x00840055: "DelayBeforeReboot", 0x00840056: "DelayBeforeStartup",
    0x00840057: "DelayBeforeShutdown", 0x00840058: "Test", 0x00840059: "ModuleReset",
    0x0084005A: "AudibleAlarmControl", 0x00840060: "Present", 0x00840061: "Good",
    0x00840062: "InternalFailure", 0x00840063: "VoltageOutOfRange", 0x00840064: "FrequencyOutOfRange",
    0x00840065: "Overload", 0x00840066: "OverCharged", 0x00840067: "OverTemperature",
    0x00840068: "ShutdownRequested", 0x00840069: "ShutdownImminent", 0x0084006B: "SwitchOnOff",
    0x0084006C: "Switchable", 0x0084006D: "Used", 0x0084006E: "Boost",
    0x0084006F: "Buck", 0x00840070: "Initialized", 0x00840071: "Tested",
    0x00840072: "AwaitingPower", 0x00840073: "CommunicationLost", 0x008400FD: "iManufacturer",
    0x008400FE: "iProduct", 0x008400FF: "iSerialNumber", 0x00850028: "ManufacturerAccess",
    0x00850029: "RemainingCapacityLimit", 0x0085002A: "RemainingTimeLimit", 0x0085002B: "AtRate",
    0x0085002C: "CapacityMode", 0x0085002D: "BroadcastToCharger", 0x0085002E: "PrimaryBattery",
    0x0085002F: "ChargeController", 0x00850040: "TerminateCharge", 0x00850041: "TerminateDischarge",
    0x00850042: "BelowRemainingCapacityLimit", 0x00850043: "RemainingTimeLimitExpired",
    0x00850044: "Charging",
    0x00850045: "Discharging", 0x00850046: "FullyCharged", 0x00850047: "FullyDischarged",
    0x00850048: "ConditioningFlag", 0x00850049: "AtRateOK", 0x0085004A: "SMBErrorCode",
    0x0085004B: "NeedReplacement", 0x00850060: "AtRateTimeToFull", 0x00850061: "AtRateTimeToEmpty",
    0x00850062: "AverageCurrent", 0x00850063: "Maxerror", 0x00850064: "RelativeStateOfCharge",
    0x00850065: "AbsoluteStateOfCharge", 0x00850066: "RemainingCapacity", 0x00850067: "FullChargeCapacity",
    0x00850068: "RunTimeToEmpty", 0x00850069: "AverageTimeToEmpty", 0x0085006A: "AverageTimeToFull",
    0x0085006B: "CycleCount", 0x00850080: "BattPackModelLevel", 0x00850081: "InternalChargeController",
    0x00850082: "PrimaryBatterySupport", 0x00850083: "DesignCapacity", 0x00850084: "SpecificationInfo",
    0x00850085: "ManufacturerDate", 0x00850086: "SerialNumber", 0x00850087: "iManufacturerName",
    0x00850088: "iDeviceName", 0x00850089: "iDeviceChemistry", 0x0085008A: "ManufacturerData",
    0x0085008B: "Rechargeable", 0x0085008C: "WarningCapacityLimit", 0x0085008D: "CapacityGranularity1",
    0x0085008E: "CapacityGranularity2", 0x0085008F: "iOEMInformation", 0x008500C0: "InhibitCharge",
    0x008500C1: "EnablePolling", 0x008500C2: "ResetToZero", 0x008500D0: "ACPresent",
    0x008500D1: "BatteryPresent", 0x008500D2: "PowerFail", 0x008500D3: "AlarmInhibited",
    0x008500D8: "VoltageOutOfRange", 0x008500D9: "CurrentOutOfRange", 0x008500DA: "CurrentNotRegulated",
    0x008500DB: "VoltageNotRegulated", 0x008500DC: "MasterMode",
}



def path_to_string(path: tuple[int, ...], names: Mapping[int, str]) -> str:
    """Return NUT's dotted form of a usage path (``UPS.PowerSummary.Voltage``).

    Unknown usages print as 8 hex digits and vendor collection index nodes
    as ``[n]``, as NUT's ``path_to_string`` does.
    """
    parts = []
    for node in path:
        if node & 0xFFFF0000 == INDEX_NODE:
            parts.append(f"[{node & 0xFFFF}]")
        else:
            parts.append(names.get(node) or USAGE_NAMES.get(node) or f"{node:08x}")
    return ".".join(parts)


def string_to_path(text: str, names: Mapping[int, str]) -> tuple[int, ...] | None:
    """Return the usage path for a dotted name, or None if a part is unknown.

    Vendor names are looked up before the standard ones (NUT searches the
    subdriver's table first); ``0x…`` and bare 8-digit hex parts are taken
    as usages, ``[n]`` as an index node.
    """
    lookup: dict[str, int] = {}
    for table in (names, USAGE_NAMES):
        for usage, name in table.items():
            lookup.setdefault(name, usage)
    path = []
    for part in text.split("."):
        if part.startswith("[") and part.endswith("]"):
            path.append(INDEX_NODE | int(part[1:-1]))
        elif part in lookup:
            path.append(lookup[part])
        elif part.lower().startswith("0x") or len(part) == 8:
            try:
                path.append(int(part, 16))
            except ValueError:
                return None
        else:
            return None
    return tuple(path)
