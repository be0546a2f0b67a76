"""HID usage names: the standard Power Device names and NUT's dotted usage paths.

Usage names: NUT's common table (``hid_usage_lkp`` in ``drivers/libhid.c``:
the USB HID Usage Tables for Power Devices, page 0x84 Power Device and
0x85 Battery System, as NUT spells them).  A
subdriver's vendor names (:attr:`~pynutd.drivers.hid.rows.Subdriver.usages`)
are looked up before these, as NUT searches the subdriver's table first.

test-case-name: tests.test_hid_descriptor
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pynutd.drivers.hid.descriptor import INDEX_NODE

# NUT's hid_usage_lkp (drivers/libhid.c, NUT master 6c63f7745ab5) as data, in its
# order: the first entry of a code names it, the first of a name (compared
# case-insensitively) gives its code.
COMMON_USAGES: tuple[tuple[str, int], ...] = (
    ("Undefined", 0x00840000), ("iName", 0x00840001), ("PresentStatus", 0x00840002),
    ("ChangedStatus", 0x00840003), ("UPS", 0x00840004), ("PowerSupply", 0x00840005),
    ("BatterySystem", 0x00840010), ("BatterySystemID", 0x00840011), ("Battery", 0x00840012),
    ("BatteryID", 0x00840013), ("Charger", 0x00840014), ("ChargerID", 0x00840015),
    ("PowerConverter", 0x00840016), ("OutletSystem", 0x00840018),
    ("OutletSystemID", 0x00840019), ("Input", 0x0084001A), ("InputID", 0x0084001B),
    ("Output", 0x0084001C), ("OutputID", 0x0084001D), ("Flow", 0x0084001E),
    ("FlowID", 0x0084001F), ("Outlet", 0x00840020), ("OutletID", 0x00840021),
    ("Gang", 0x00840022), ("GangID", 0x00840023), ("PowerSummary", 0x00840024),
    ("PowerSummaryID", 0x00840025), ("Voltage", 0x00840030), ("Current", 0x00840031),
    ("Frequency", 0x00840032), ("ApparentPower", 0x00840033), ("ActivePower", 0x00840034),
    ("PercentLoad", 0x00840035), ("Temperature", 0x00840036), ("Humidity", 0x00840037),
    ("BadCount", 0x00840038), ("ConfigVoltage", 0x00840040), ("ConfigCurrent", 0x00840041),
    ("ConfigFrequency", 0x00840042), ("ConfigApparentPower", 0x00840043),
    ("ConfigActivePower", 0x00840044), ("ConfigPercentLoad", 0x00840045),
    ("ConfigTemperature", 0x00840046), ("ConfigHumidity", 0x00840047),
    ("SwitchOnControl", 0x00840050), ("SwitchOffControl", 0x00840051),
    ("ToggleControl", 0x00840052), ("LowVoltageTransfer", 0x00840053),
    ("HighVoltageTransfer", 0x00840054), ("DelayBeforeReboot", 0x00840055),
    ("DelayBeforeStartup", 0x00840056), ("DelayBeforeShutdown", 0x00840057),
    ("Test", 0x00840058), ("ModuleReset", 0x00840059), ("AudibleAlarmControl", 0x0084005A),
    ("Present", 0x00840060), ("Good", 0x00840061), ("InternalFailure", 0x00840062),
    ("VoltageOutOfRange", 0x00840063), ("FrequencyOutOfRange", 0x00840064),
    ("Overload", 0x00840065), ("OverCharged", 0x00840066), ("OverTemperature", 0x00840067),
    ("ShutdownRequested", 0x00840068), ("ShutdownImminent", 0x00840069),
    ("SwitchOn/Off", 0x0084006B), ("Switchable", 0x0084006C), ("Used", 0x0084006D),
    ("Boost", 0x0084006E), ("Buck", 0x0084006F), ("Initialized", 0x00840070),
    ("Tested", 0x00840071), ("AwaitingPower", 0x00840072), ("CommunicationLost", 0x00840073),
    ("iManufacturer", 0x008400FD), ("iProduct", 0x008400FE), ("iSerialNumber", 0x008400FF),
    ("Undefined", 0x00850000), ("SMBBatteryMode", 0x00850001), ("SMBBatteryStatus", 0x00850002),
    ("SMBAlarmWarning", 0x00850003), ("SMBChargerMode", 0x00850004),
    ("SMBChargerStatus", 0x00850005), ("SMBChargerSpecInfo", 0x00850006),
    ("SMBSelectorState", 0x00850007), ("SMBSelectorPresets", 0x00850008),
    ("SMBSelectorInfo", 0x00850009), ("OptionalMfgFunction1", 0x00850010),
    ("OptionalMfgFunction2", 0x00850011), ("OptionalMfgFunction3", 0x00850012),
    ("OptionalMfgFunction4", 0x00850013), ("OptionalMfgFunction5", 0x00850014),
    ("ConnectionToSMBus", 0x00850015), ("OutputConnection", 0x00850016),
    ("ChargerConnection", 0x00850017), ("BatteryInsertion", 0x00850018),
    ("Usenext", 0x00850019), ("OKToUse", 0x0085001A), ("BatterySupported", 0x0085001B),
    ("SelectorRevision", 0x0085001C), ("ChargingIndicator", 0x0085001D),
    ("ManufacturerAccess", 0x00850028), ("RemainingCapacityLimit", 0x00850029),
    ("RemainingTimeLimit", 0x0085002A), ("AtRate", 0x0085002B), ("CapacityMode", 0x0085002C),
    ("BroadcastToCharger", 0x0085002D), ("PrimaryBattery", 0x0085002E),
    ("ChargeController", 0x0085002F), ("TerminateCharge", 0x00850040),
    ("TerminateDischarge", 0x00850041), ("BelowRemainingCapacityLimit", 0x00850042),
    ("RemainingTimeLimitExpired", 0x00850043), ("Charging", 0x00850044),
    ("Discharging", 0x00850045), ("FullyCharged", 0x00850046), ("FullyDischarged", 0x00850047),
    ("ConditioningFlag", 0x00850048), ("AtRateOK", 0x00850049), ("SMBErrorCode", 0x0085004A),
    ("NeedReplacement", 0x0085004B), ("AtRateTimeToFull", 0x00850060),
    ("AtRateTimeToEmpty", 0x00850061), ("AverageCurrent", 0x00850062), ("Maxerror", 0x00850063),
    ("RelativeStateOfCharge", 0x00850064), ("AbsoluteStateOfCharge", 0x00850065),
    ("RemainingCapacity", 0x00850066), ("FullChargeCapacity", 0x00850067),
    ("RunTimeToEmpty", 0x00850068), ("AverageTimeToEmpty", 0x00850069),
    ("AverageTimeToFull", 0x0085006A), ("CycleCount", 0x0085006B),
    ("BattPackModelLevel", 0x00850080), ("InternalChargeController", 0x00850081),
    ("PrimaryBatterySupport", 0x00850082), ("DesignCapacity", 0x00850083),
    ("SpecificationInfo", 0x00850084), ("ManufacturerDate", 0x00850085),
    ("SerialNumber", 0x00850086), ("iManufacturerName", 0x00850087),
    ("iDevicename", 0x00850088), ("iDeviceChemistry", 0x00850089),
    ("ManufacturerData", 0x0085008A), ("Rechargeable", 0x0085008B),
    ("WarningCapacityLimit", 0x0085008C), ("CapacityGranularity1", 0x0085008D),
    ("CapacityGranularity2", 0x0085008E), ("iOEMInformation", 0x0085008F),
    ("InhibitCharge", 0x008500C0), ("EnablePolling", 0x008500C1), ("ResetToZero", 0x008500C2),
    ("ACPresent", 0x008500D0), ("BatteryPresent", 0x008500D1), ("PowerFail", 0x008500D2),
    ("AlarmInhibited", 0x008500D3), ("ThermistorUnderRange", 0x008500D4),
    ("ThermistorHot", 0x008500D5), ("ThermistorCold", 0x008500D6),
    ("ThermistorOverRange", 0x008500D7), ("VoltageOutOfRange", 0x008500D8),
    ("CurrentOutOfRange", 0x008500D9), ("CurrentNotRegulated", 0x008500DA),
    ("VoltageNotRegulated", 0x008500DB), ("MasterMode", 0x008500DC),
    ("ChargerSelectorSupport", 0x008500F0), ("ChargerSpec", 0x008500F1), ("Level2", 0x008500F2),
    ("Level3", 0x008500F3),
)

USAGE_NAMES: dict[int, str] = {}
_CODES: dict[str, int] = {}
for _name, _usage in COMMON_USAGES:
    USAGE_NAMES.setdefault(_usage, _name)
    _CODES.setdefault(_name.lower(), _usage)

_HEX = frozenset("0123456789abcdefABCDEF")
_INDEX = frozenset("[0123456789]")


def path_to_string(path: Iterable[int], names: Mapping[int, str]) -> str:
    """Return NUT's dotted form of a usage path (``UPS.PowerSummary.Voltage``).

    As libhid.c's ``path_to_string``: a name from the subdriver's table,
    else from NUT's common table, else ``[n]`` for a collection index node,
    else the node as 8 hex digits.
    """
    parts = []
    for node in path:
        name = names.get(node) or USAGE_NAMES.get(node)
        if name is not None:
            parts.append(name)
        elif node & 0xFFFF0000 == INDEX_NODE:
            parts.append(f"[{node & 0xFFFF}]")
        else:
            parts.append(f"{node:08x}")
    return ".".join(parts)


def _code(token: str, names: Mapping[int, str]) -> int | None:
    key = token.lower()
    for usage, name in names.items():
        if name.lower() == key:
            return usage
    return _CODES.get(key)


def _atoi(text: str) -> int:
    digits = ""
    for ch in text:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else 0


def string_to_path(text: str, names: Mapping[int, str]) -> tuple[int, ...] | None:
    """Return the usage path of a dotted name as libhid.c's ``string_to_path``; None if empty.

    Each part is a usage name (the subdriver's ``names`` first, then NUT's,
    compared case-insensitively), else a hex number (``ff860024``), else an
    index ``[n]``.  A part that is none of these is left out, as NUT does
    (it logs it and goes on with a shorter path).
    """
    path: list[int] = []
    for token in text.split("."):
        if not token:
            continue   # strtok_r skips empty tokens
        usage = _code(token, names)
        if usage is not None:
            path.append(usage)
        elif set(token) <= _HEX:
            if int(token, 16) <= 0xFFFFFFFF:
                path.append(int(token, 16))
        elif set(token) <= _INDEX:
            path.append((INDEX_NODE + _atoi(token[1:])) & 0xFFFFFFFF)
    return tuple(path) if path else None
