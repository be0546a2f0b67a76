"""EVER UPSes (vendor 2e51, and ST Microelectronics' 0483:a113 as EVER sells it).

Rows as NUT master's ``drivers/ever-hid.c`` (Ever HID 0.10) maps them: the
standard paths plus EVER's vendor page 0xFF00, whose usages NUT names
EVER1..EVER104 (EVER1 is the unnamed usage 0 of EVER's collection).
Several of NUT's conversions do not read their own field but whole
reports at fixed IDs (work mode 74, messages 75, alarms 76, the network
card's MAC 210, addresses 211/230-232, packet counters 215-218); here they
are a :class:`FixedLayout` hook reading those reports with every poll.  NUT
walks the four address (and packet) rows with one rotating counter; each
row here reads its own report, which is what that counter gives when all
four rows exist.

test-case-name: tests.test_hid_vendor_ever
"""

from __future__ import annotations

from collections.abc import Mapping

from pynutd.drivers.hid.converters import Context, kelvin_celsius, lookup
from pynutd.drivers.hid.rows import (
    QUICK,
    DeviceIdent,
    FixedLayout,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
)

EVER_VENDORID = 0x2E51
STMICRO_VENDORID = 0x0483
PRODUCTS = frozenset({(STMICRO_VENDORID, 0xA113), (EVER_VENDORID, 0xFFFF),
                      (EVER_VENDORID, 0x0000)})


def _ever_names() -> dict[int, str]:
    # ever_usage_lkp numbers EVER's usages in order, skipping gaps in the IDs.
    ids = [0x00000000, 0xFF000000, *range(0xFF000001, 0xFF00000A),
           *range(0xFF000010, 0xFF000024), *range(0xFF000030, 0xFF00003A),
           *range(0xFF000040, 0xFF000047), *range(0xFF000050, 0xFF000055),
           *range(0xFF000060, 0xFF000065), *range(0xFF000066, 0xFF00008C),
           *range(0xFF000090, 0xFF000098)]
    return {usage: f"EVER{n}" for n, usage in enumerate(ids, start=1)}


# NUT's generic table spells 0x84006B "SwitchOn/Off", the name the outlet row uses.
USAGES = {**_ever_names(), 0x0084006B: "SwitchOn/Off"}
assert len(USAGES) == 105 and USAGES[0xFF000097] == "EVER104"


def ever_claim(ident: DeviceIdent) -> bool:
    """NUT's ever_claim: the listed IDs; another product of 2e51 or 0483 only when forced."""
    if (ident.vendor_id, ident.product_id) in PRODUCTS:
        return True
    return ident.vendor_id in (EVER_VENDORID, STMICRO_VENDORID) and ident.forced


# -- conversions of a row's own value ------------------------------------------------

def version(value: float, ctx: Context) -> str:
    """Firmware/protocol version word: major and minor nibbles, build byte (v1.2b03)."""
    raw = int(value)
    return f"v{(raw & 0xF000) >> 12:X}.{(raw & 0xF00) >> 8:X}b{raw & 0xFF:02d}"


_REVISIONS = "0ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def hardware(value: float, ctx: Context) -> str | None:
    """Hardware revision word: letter from the high byte, number from the low one."""
    raw = int(value)
    letter = (raw & 0xFF00) >> 8
    if letter >= len(_REVISIONS):
        return None     # past NUT's table (undefined there)
    return f"rev.{_REVISIONS[letter]}v{raw & 0xFF:02d}"[:9]


yes_no = lookup({0: "no", 1: "yes"})


def on_off(value: float, ctx: Context, flags: Mapping[str, bool]) -> str | None:
    """The "off" flag: any work mode but online (4) or on battery (8) is off."""
    mode = ctx.values.get("experimental.status.workmode")
    if mode is None:
        return None
    return "!off" if mode in ("ONLINE", "ONBATTERY") else "off"


# -- conversions that read whole reports (the layout hook) ------------------------

WORKMODES = {1: "UNKNOWN", 2: "STOP", 4: "ONLINE", 8: "ONBATTERY", 16: "WATCH",
             32: "WAITING", 64: "EMERGENCY"}
MESSAGES = ((0x04, "BOOST"), (0x08, "BUCK"), (0x10, "BOOST_BLOCKED"), (0x20, "BUCK_BLOCKED"),
            (0x40, "CHARGING"), (0x80, "FAN_ON"), (0x100, "EPO_BLOCKED"),
            (0x200, "NEED_REPLACMENT"), (0xC00, "OVERHEAT"), (0x1000, "WAITING_FOR_MIN_CHARGE"),
            (0x2000, "MAINS_OUT_OF_RANGE"))
# NUT's texts, spelling included: clients match them.
ALARMS = ((0x01, "OVERLOAD"), (0x02, "SHORT-CIRCUIT"), (0x0C, "OVERHEAT"), (0x10, "EPO"),
          (0x20, "INERNAL_ERROR"), (0x40, "REVERSE_POWER_SUPPLY"), (0x80, "NO_INETERNAL_COMM"),
          (0x100, "CRITICAL_BATT_VOLTAGE"))


def _word(data: bytes) -> int:
    return int.from_bytes(data[1:3].ljust(2, b"\0"), "little")


def _words(bits: tuple[tuple[int, str], ...], data: bytes) -> str:
    word = _word(data)
    return " ".join(text for mask, text in bits if word & mask)


def _packets(data: bytes) -> str:
    if len(data) < 5:
        return ""
    return str(int.from_bytes(data[1:5], "little", signed=True))


REPORTS: dict[str, tuple[int, int]] = {   # variable -> (report ID, GET_REPORT length)
    "experimental.status.workmode": (74, 2),
    "experimental.status.messages": (75, 3),
    "experimental.status.alarms": (76, 3),
    "experimental.networkcard.mac_address": (210, 7),
    "experimental.networkcard.notification_destination_ip": (211, 5),
    "experimental.networkcard.ip_address": (230, 5),
    "experimental.networkcard.network_mask": (231, 5),
    "experimental.networkcard.default_gateway": (232, 5),
    "experimental.networkcard.send_packets": (215, 5),
    "experimental.networkcard.received_packets": (216, 5),
    "experimental.networkcard.send_packets_err": (217, 5),
    "experimental.networkcard.received_packets_err": (218, 5),
}


def _report_text(var: str, data: bytes) -> str:
    if var.endswith("workmode"):
        return WORKMODES.get(data[1] if len(data) > 1 else 0, "UNKNOWN")
    if var.endswith("messages"):
        return _words(MESSAGES, data)
    if var.endswith("alarms"):
        return _words(ALARMS, data)
    if var.endswith("mac_address"):
        return ":".join(f"{b:02x}" for b in data[1:])
    if var.endswith("packets") or var.endswith("_err"):
        return _packets(data)
    return ".".join(str(b) for b in data[1:])


def report_values(replies: Mapping[int, bytes], unbound: set[str]) -> dict[str, str]:
    """The layout hook: the variables NUT computes from whole reports, for those read."""
    values = {}
    for var, (rid, _) in REPORTS.items():
        data = replies.get(rid)
        if var in unbound and data is not None:
            values[var] = _report_text(var, data)
    return values


def _no_flags(replies: Mapping[int, bytes]) -> dict[str, bool]:
    return {}


LAYOUTS = tuple(FixedLayout(vid, pid, frozenset(REPORTS),
                            {rid: length for rid, length in REPORTS.values()},
                            report_values, _no_flags)
                for vid, pid in sorted(PRODUCTS))


# -- the table -----------------------------------------------------------------------

def _num(var: str, path: str, fmt: str = "%.0f") -> HidVar:
    """A ST_FLAG_RW | ST_FLAG_NUMBER row."""
    return HidVar(var, path, fmt, rw=True)


def _text(var: str, path: str, length: int) -> HidVar:
    """A ST_FLAG_RW | ST_FLAG_STRING row of ``length`` characters."""
    return HidVar(var, path, rw=True, string_len=length)


_E, _BS, _PC = "UPS.EVER1", "UPS.BatterySystem", "UPS.PowerConverter"
_OUT, _PS = "UPS.OutletSystem.Outlet", "UPS.PowerSummary"
_PST = f"{_PS}.PresentStatus"
_X = "experimental"

VARIABLES: tuple[HidVar | HidAbsent, ...] = (
    HidVar(f"{_X}.battery.batteryid", f"{_BS}.Battery.BatteryID"),
    HidVar(f"{_X}.battery.systemid", f"{_BS}.BatterySystemID"),
    HidVar(f"{_X}.battery.chargerid", f"{_BS}.Charger.ChargerID"),
    HidVar(f"{_X}.battery.input_flowid", f"{_BS}.Input.FlowID"),
    HidVar(f"{_X}.battery.input_id", f"{_BS}.Input.InputID"),
    HidVar(f"{_X}.battery.output_flowid", f"{_BS}.Output.FlowID"),
    HidVar(f"{_X}.battery.output_id", f"{_BS}.Output.OutputID"),
    HidVar(f"{_X}.id.firmware_version_inverter", f"{_E}.EVER13", convert=version),
    HidVar(f"{_X}.id.firmware_version_interfaces", f"{_E}.EVER14", convert=version),
    HidVar(f"{_X}.id.hardware_version", f"{_E}.EVER15", convert=hardware),
    HidVar(f"{_X}.id.protocol_version_inverter", f"{_E}.EVER16", convert=version),
    HidVar(f"{_X}.id.protocol_version_interfaces", f"{_E}.EVER17", convert=version),
    HidVar("ups.temperature", f"{_E}.EVER42", convert=kelvin_celsius),
    HidVar("battery.temperature", f"{_E}.EVER43", convert=kelvin_celsius),
    HidVar("output.powerfactor", f"{_E}.EVER44"),
    _num(f"{_X}.control.ups_on", f"{_E}.EVER45.EVER46"),
    _num(f"{_X}.control.clear_fault", f"{_E}.EVER45.EVER47"),
    _num(f"{_X}.control.clear_battery_fault", f"{_E}.EVER45.EVER48"),
    _num(f"{_X}.control.epo_blocked", f"{_E}.EVER49.EVER50"),
    _num(f"{_X}.control.green_mode", f"{_E}.EVER49.EVER51"),
    _num(f"{_X}.control.button_sound", f"{_E}.EVER49.EVER52"),
    _num(f"{_X}.control.audible_alarm", f"{_E}.EVER49.EVER53"),
    _text("output.voltage", f"{_E}.EVER54", 3),
    _text(f"{_X}.config.min_output_voltage", f"{_E}.EVER55", 3),
    _text(f"{_X}.config.max_output_voltage", f"{_E}.EVER56", 3),
    _num(f"{_X}.config.min_output_frequency", f"{_E}.EVER57", "%.1f"),
    _num(f"{_X}.config.max_output_frequency", f"{_E}.EVER58", "%.1f"),
    _text(f"{_X}.config.overload_clearance_threshold", f"{_E}.EVER59", 2),
    _text(f"{_X}.config.stb_charge", f"{_E}.EVER60", 2),
    _text("battery.packs.external", f"{_E}.EVER61", 1),
    HidVar(f"{_X}.statistics.mains_loss_counter", f"{_E}.EVER62"),
    HidVar(f"{_X}.statistics.lowering_AVR_trigger_counter", f"{_E}.EVER63"),
    HidVar(f"{_X}.statistics.rising_AVR_trigger_counter", f"{_E}.EVER64"),
    HidVar(f"{_X}.statistics.overload_counter", f"{_E}.EVER65"),
    HidVar(f"{_X}.statistics.short_circuit_counter", f"{_E}.EVER66"),
    HidVar(f"{_X}.statistics.discharge_counter", f"{_E}.EVER67"),
    HidVar(f"{_X}.statistics.overheat_counter", f"{_E}.EVER68"),
    HidVar(f"{_X}.statistics.mains_operation_time", f"{_E}.EVER69"),
    HidVar(f"{_X}.statistics.autonomous_operation_time", f"{_E}.EVER70"),
    HidVar(f"{_X}.statistics.overload_operation_time", f"{_E}.EVER71"),
    # (the network card's MAC, addresses and packet counters: the layout hook)
    HidVar(f"{_X}.networkcard.config_dhcp_enabled", f"{_E}.EVER85.EVER86"),
    HidVar(f"{_X}.networkcard.config_ethernet_enabled", f"{_E}.EVER85.EVER87"),
    HidVar(f"{_X}.networkcard.config_http_enabled", f"{_E}.EVER85.EVER88"),
    HidVar(f"{_X}.networkcard.config_snmp_enabled", f"{_E}.EVER85.EVER89"),
    HidVar(f"{_X}.networkcard.config_snmp_trap_enabled", f"{_E}.EVER85.EVER90"),
    HidVar(f"{_X}.networkcard.config_readonly", f"{_E}.EVER85.EVER91"),
    HidVar(f"{_X}.networkcard.config_restart_eth", f"{_E}.EVER85.EVER96"),
    HidVar("ups.realpower.nominal", "UPS.Flow.ConfigActivePower"),
    HidVar("ups.power.nominal", "UPS.Flow.ConfigApparentPower"),
    HidVar("output.frequency.nominal", "UPS.Flow.ConfigFrequency"),
    HidVar("output.voltage.nominal", "UPS.Flow.ConfigVoltage"),
    HidVar(f"{_X}.ups.flow_id", "UPS.Flow.FlowID"),
    HidVar("outlet.1.id", f"{_OUT}.OutletID"),
    HidVar(f"{_X}.outlet.1.present", f"{_OUT}.PresentStatus.Present", convert=yes_no),
    HidVar("outlet.1.switchable", f"{_OUT}.PresentStatus.Switchable", convert=yes_no),
    HidVar("outlet.1.status", f"{_OUT}.PresentStatus.SwitchOn/Off"),
    HidVar(f"{_X}.outlet.1.undefined", f"{_OUT}.PresentStatus.Undefined"),
    HidVar(f"{_X}.outlet.1.system_id", "UPS.OutletSystem.OutletSystemID"),
    _num(f"{_X}.outlet.1.switch_off_control", f"{_OUT}.SwitchOffControl"),
    _num(f"{_X}.outlet.1.switch_on_control", f"{_OUT}.SwitchOnControl"),
    HidVar(f"{_X}.powerconverter.input_flow_id", f"{_PC}.Input.FlowID"),
    HidVar("input.frequency", f"{_PC}.Input.Frequency"),
    HidVar(f"{_X}.powerconverter.input_id", f"{_PC}.Input.InputID"),
    HidVar("input.voltage", f"{_PC}.Input.Voltage"),
    HidVar("ups.realpower", f"{_PC}.Output.ActivePower"),
    HidVar("ups.power", f"{_PC}.Output.ApparentPower"),
    HidVar("output.current", f"{_PC}.Output.Current"),
    HidVar(f"{_X}.powerconverter.output_flowid", f"{_PC}.Output.FlowID"),
    HidVar("output.frequency", f"{_PC}.Output.Frequency"),
    HidVar(f"{_X}.powerconverter.output_id", f"{_PC}.Output.OutputID"),
    HidVar("ups.load", f"{_PC}.Output.PercentLoad"),
    HidVar("output.voltage", f"{_PC}.Output.Voltage"),
    HidVar(f"{_X}.powerconverter.powerconverterid", f"{_PC}.PowerConverterID"),
    HidVar(f"{_X}.powersummary.capacity_granularity_1", f"{_PS}.CapacityGranularity1"),
    HidVar(f"{_X}.powersummary.capacity_granularity_2", f"{_PS}.CapacityGranularity2"),
    HidVar(f"{_X}.powersummary.capacity_mode", f"{_PS}.CapacityMode"),
    HidAbsent("ups.delay.shutdown", f"{_PS}.DelayBeforeShutdown", "20"),
    HidVar("battery.capacity", f"{_PS}.DesignCapacity"),
    HidVar(f"{_X}.powersummary.flow_id", f"{_PS}.FlowID"),
    HidVar("battery.capacity", f"{_PS}.FullChargeCapacity"),
    HidVar("battery.type", f"{_PS}.iDeviceChemistry"),   # the index itself, as NUT prints it
    HidVar("ups.load", f"{_PS}.PercentLoad"),
    HidVar(f"{_X}.powersummary.rechargeable", f"{_PS}.Rechargeable"),
    HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
    _num("battery.runtime.low", f"{_PS}.RemainingTimeLimit"),
    HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty"),
    HidVar("battery.voltage", f"{_PS}.Voltage"),
    HidVar("ups.timer.shutdown", f"{_PS}.DelayBeforeShutdown", tier=QUICK),
)

STATUS: tuple[HidStatus, ...] = (
    HidStatus(f"{_PST}.ACPresent", "online", quick=True),
    HidStatus(f"{_PST}.AwaitingPower", "awaitingpower", quick=True),
    HidStatus(f"{_PST}.BatteryPresent", "nobattery", inverted=True),
    HidStatus(f"{_PST}.CommunicationLost", "commfault"),
    HidStatus(f"{_PST}.Discharging", "dischrg", quick=True),
    HidStatus(f"{_PST}.NeedReplacement", "replacebatt"),
    HidStatus(f"{_PST}.Overload", "overload", quick=True),
    HidStatus(f"{_PST}.OverTemperature", "overheat"),
    HidStatus(f"{_PST}.ShutdownImminent", "shutdownimm"),
    HidStatus(f"{_E}.EVER18.EVER19", "overload"),
    HidStatus(f"{_E}.EVER18.EVER20", "lowbatt"),
    HidStatus(f"{_E}.EVER18.EVER21", "boost"),
    HidStatus(f"{_E}.EVER18.EVER22", "trim"),
    HidStatus(f"{_E}.EVER18.EVER25", "chrg"),
    HidStatus(f"{_E}.EVER18.EVER28", "replacebatt"),
    HidStatus(f"{_E}.EVER32.EVER33", "overload"),
    HidStatus(f"{_E}.EVER32.EVER40", "commfault"),
    HidStatus(f"{_E}.EVER97.EVER102", "off", convert=on_off),
)

EVER = Subdriver(
    name="Ever HID 0.10",
    vendor_ids=(EVER_VENDORID, STMICRO_VENDORID),
    claim=ever_claim,
    usages=USAGES,
    mfr_default="Ever",
    variables=VARIABLES,
    status=STATUS,
    commands=(
        HidCommand("load.off.delay", f"{_PS}.DelayBeforeShutdown", "20"),
        HidCommand("shutdown.return", f"{_PS}.DelayBeforeShutdown", "20"),
    ),
    layouts=LAYOUTS,
)
