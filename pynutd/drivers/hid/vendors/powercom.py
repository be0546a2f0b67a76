"""PowerCOM HID Power Devices (vendor 0d9f: Imperial, Smart King Pro, WOW, Vanguard, Black Knight).

Rows as NUT master's ``drivers/powercom-hid.c`` (PowerCOM HID 0.75) maps
them, with its quirks: the delays are device words, not seconds (read:
``ups.timer.start`` is minutes in swapped bytes, ``ups.timer.shutdown``
minutes and seconds in one word; written: the startup, shutdown.return and
shutdown.stayoff words, or with ``powercom_sdcmd_discrete_delay`` the index
into PowerCOM's delay table, with ``powercom_sdcmd_byte_order_fallback`` the
pre-2024 byte order); the beeper is 1 enabled / 2 disabled; the older
"PowercomUPS" dialect packs its status in two bit words; ``battery.voltage``
is not in the descriptor at all but in the text of feature report 0xa4
(" 26.6 3"), which NUT reads aside and pynutd as a fixed-layout hook.
No descriptor fix (NUT's default fix_report_desc).  Claim: the listed
products; 0d9f:0002 is the serial-protocol model usbhid-ups never takes.

test-case-name: tests.test_hid_vendor_powercom
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pynutd.drivers.hid.converters import (
    Context,
    lookup,
    packed_date,
    selftest_result,
    string_index,
)
from pynutd.drivers.hid.rows import (
    QUICK,
    STATIC,
    DeviceIdent,
    FixedLayout,
    HidAbsent,
    HidCommand,
    HidStatus,
    HidVar,
    Subdriver,
)

POWERCOM_VENDORID = 0x0D9F
# powercom_usb_device_table: IMP, SKP, WOW, VGD, BNT, then Vanguard/BNT-xxxAP and 0001.
PRODUCTS = (0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x0004, 0x0001)
SERIAL_ONLY = 0x0002   # NUT: "use the 'powercom' driver instead", even with productid

USAGES = {
    0x00020004: "PowercomUPS", 0x00020010: "PowercomBatterySystem",
    0x00020016: "PowercomPowerConverter", 0x0002001A: "PowercomInput",
    0x0002001C: "PowercomOutput", 0x00020030: "PowercomVoltage",
    0x00020032: "PowercomFrequency", 0x00020035: "PowercomPercentLoad",
    0x00020036: "PowercomTemperature", 0x00020056: "PowercomDelayBeforeStartup",
    0x00020057: "PowercomDelayBeforeShutdown", 0x00020058: "PowercomTest",
    0x00020068: "PowercomShutdownRequested", 0x00020081: "PowercomInternalChargeController",
    0x00020082: "PowercomPrimaryBatterySupport", 0x00020083: "PowercomDesignCapacity",
    0x00020084: "PowercomSpecificationInfo", 0x00020085: "PowercomManufacturerDate",
    0x00020086: "PowercomSerialNumber", 0x00020087: "PowercomManufacturerName",
    0x0084002F: "POWERCOM1", 0xFF860060: "POWERCOM2", 0xFF860080: "POWERCOM3",
    0x00FF0056: "PCMDelayBeforeStartup", 0x00FF0057: "PCMDelayBeforeShutdown",
}

DISCRETE = "powercom_sdcmd_discrete_delay"
FALLBACK = "powercom_sdcmd_byte_order_fallback"
# PowerCOM's "Table of possible delays for Shutdown commands": up to N seconds -> index.
DELAY_TABLE = (12, 18, 24, 30, 36, 42, 48, 54, 60, 120, 180, 240, 300, 360, 420, 480, 540)

beeper = lookup({1: "enabled", 2: "disabled"})
Options = Callable[[str], "str | None"]


def claim(ident: DeviceIdent) -> bool:
    """powercom_claim: listed products; others only with productid, never 0d9f:0002."""
    if ident.vendor_id != POWERCOM_VENDORID:
        return False
    if ident.product_id in PRODUCTS:
        return True
    return ident.forced and ident.product_id != SERIAL_ONLY


def _atoi(text: str | None) -> int:
    """C's atoi: leading blanks, a sign, digits; 0 when there are none."""
    text = (text or "").lstrip()
    sign = -1 if text[:1] == "-" else 1
    digits = text.lstrip("+-")
    n = 0
    for ch in digits:
        if not ch.isdigit():
            break
        n = n * 10 + int(ch)
    return sign * n


def _seconds(value: str, values: Mapping[str, str], options: Options, option: str,
             var: str, default: int) -> int:
    """The delay a command uses: its argument, else ups.conf's option, else the variable."""
    for text in (value, options(option), values.get(var)):
        if text:
            return _atoi(text)
    return default


def startup_time(value: float, ctx: Context) -> str:
    """ups.timer.start: minutes in a byte-swapped word, shown in seconds."""
    i = int(value) & 0xFFFF
    return str(60 * (((i & 0xFF) << 8) + (i >> 8)))


def shutdown_time(value: float, ctx: Context) -> str:
    """ups.timer.shutdown: minutes in the high byte, seconds in the low one."""
    i = int(value) & 0xFFFF
    return str(60 * (i >> 8) + (i & 0xFF))


def startup_word(value: str, values: Mapping[str, str], options: Options) -> float:
    """load.on.delay / load.on: whole minutes, byte-swapped (or as is with discrete delays)."""
    minutes = int(_seconds(value, values, options, "ondelay", "ups.delay.start", 120) / 60)
    if minutes < 0:
        return 0
    if options(DISCRETE) is not None:
        return minutes
    word = minutes & 0xFFFF
    return ((word << 8) & 0xFFFF) + (word >> 8)


def _return_word(value: str, values: Mapping[str, str], options: Options,
                 restart: bool) -> float:
    seconds = _seconds(value, values, options, "offdelay", "ups.delay.shutdown", 60)
    if seconds < 0 or seconds > 0xFFFF:
        return 0
    if restart and options(DISCRETE) is not None:
        return next((n for n, limit in enumerate(DELAY_TABLE, 1) if seconds <= limit),
                    len(DELAY_TABLE) + 1)
    seconds = seconds or 1          # 0 would be the longest delay
    if options(FALLBACK) is not None:
        word = ((seconds % 60) << 8) + seconds // 60
        return (word | (0x4000 if restart else 0x8000)) & 0xFFFF
    word = ((seconds // 60) << 8) + seconds % 60
    return (word | (0x0040 if restart else 0x0080)) & 0xFFFF


def shutdown_word(value: str, values: Mapping[str, str], options: Options) -> float:
    """shutdown.return: minutes and seconds with "restart when power returns"."""
    return _return_word(value, values, options, restart=True)


def stayoff_word(value: str, values: Mapping[str, str], options: Options) -> float:
    """shutdown.stayoff / load.off: minutes and seconds with "stay off"."""
    return _return_word(value, values, options, restart=False)


def times_four(value: float, ctx: Context) -> str:
    """The older dialect's voltages count 4 V steps."""
    return f"{value * 4:.0f}"


def trim(value: float, ctx: Context, flags: Mapping[str, bool]) -> str:
    """PrimaryBatterySupport: AVR on (bit 3) and bucking (bit 4 clear)."""
    return "trim" if int(value) & 0x18 == 0x08 else "!trim"


def boost(value: float, ctx: Context, flags: Mapping[str, bool]) -> str:
    """PrimaryBatterySupport: AVR on (bit 3) and boosting (bit 4 set)."""
    return "boost" if int(value) & 0x18 == 0x18 else "!boost"


def battery_voltage_text(reports: Mapping[int, bytes], unbound: set[str]) -> dict[str, str]:
    """battery.voltage from report 0xa4's text (" 26.6 3" -> "26.6"); "0.0" when none."""
    data = reports.get(0xA4, b"")[1:8].decode("latin-1")
    start = next((i for i, ch in enumerate(data) if ch.isdigit() or ch == "."), len(data))
    end = start
    while end < len(data) and (data[end].isdigit() or data[end] == "."):
        end += 1
    number = data[start:end]
    return {"battery.voltage": number if "." in number else "0.0"}


def _layout(product_id: int) -> FixedLayout:
    return FixedLayout(vendor_id=POWERCOM_VENDORID, product_id=product_id,
                       variables=frozenset({"battery.voltage"}), lengths={0xA4: 8},
                       values=battery_voltage_text, flags=lambda reports: {})


_PS = "UPS.PowerSummary"
_PC = "PowercomUPS.PowercomPowerConverter"


def _status(prefix: str, quick: bool = False, extra: tuple[HidStatus, ...] = ()
            ) -> tuple[HidStatus, ...]:
    """The PresentStatus flags powercom-hid.c maps, in its (alphabetical) order."""
    rows = [
        HidStatus(f"{prefix}.ACPresent", "online", quick),
        HidStatus(f"{prefix}.BatteryPresent", "nobattery", quick, inverted=True),
        HidStatus(f"{prefix}.BelowRemainingCapacityLimit", "lowbatt", quick),
        *extra,
        HidStatus(f"{prefix}.Charging", "chrg", quick),
        HidStatus(f"{prefix}.CommunicationLost", "commfault", quick),
        HidStatus(f"{prefix}.Discharging", "dischrg", quick),
        HidStatus(f"{prefix}.NeedReplacement", "replacebatt", quick),
        HidStatus(f"{prefix}.Overload", "overload", quick),
        HidStatus(f"{prefix}.RemainingTimeLimitExpired", "timelimitexp", quick),
        HidStatus(f"{prefix}.ShutdownImminent", "shutdownimm", quick),
    ]
    return tuple(rows)


_ICC = f"{_PC}.PowercomOutput.PowercomInternalChargeController"
_PBS = f"{_PC}.PowercomOutput.PowercomPrimaryBatterySupport"

POWERCOM = Subdriver(
    name="PowerCOM HID 0.75",
    vendor_ids=(POWERCOM_VENDORID,),
    products=PRODUCTS,
    claim=claim,
    usages=USAGES,
    mfr_default="PowerCOM",
    layouts=tuple(_layout(pid) for pid in PRODUCTS),
    variables=(
        # battery.voltage: the report 0xa4 hook (see the module docstring).
        HidVar("battery.charge", f"{_PS}.RemainingCapacity"),
        HidVar("battery.charge", "UPS.Battery.RemainingCapacity"),
        HidVar("battery.charge.low", f"{_PS}.RemainingCapacityLimit"),
        HidVar("battery.charge.warning", f"{_PS}.WarningCapacityLimit"),
        HidVar("battery.runtime", f"{_PS}.RunTimeToEmpty"),
        HidVar("battery.mfr.date", "UPS.Battery.ManufacturerDate", convert=packed_date,
               tier=STATIC),
        HidVar("battery.type", f"{_PS}.iDeviceChemistry", convert=string_index, tier=STATIC),
        HidVar("ups.beeper.status", f"{_PS}.AudibleAlarmControl", convert=beeper),
        HidVar("ups.beeper.status", "UPS.AudibleAlarmControl", convert=beeper),
        HidVar("ups.load", "UPS.Output.PercentLoad"),
        HidVar("ups.date", f"{_PS}.ManufacturerDate", convert=packed_date, tier=STATIC),
        HidVar("ups.test.result", "UPS.Battery.Test", convert=selftest_result),
        HidAbsent("ups.delay.start", f"{_PS}.DelayBeforeStartup", "60", string_len=8),
        HidVar("ups.timer.start", f"{_PS}.DelayBeforeStartup", convert=startup_time),
        HidAbsent("ups.delay.shutdown", f"{_PS}.DelayBeforeShutdown", "20", string_len=8),
        HidVar("ups.timer.shutdown", f"{_PS}.DelayBeforeShutdown", convert=shutdown_time,
               tier=QUICK),
        HidAbsent("ups.delay.shutdown", f"{_PS}.PCMDelayBeforeShutdown", "20", string_len=8),
        HidVar("ups.timer.shutdown", f"{_PS}.PCMDelayBeforeShutdown", convert=shutdown_time,
               tier=QUICK),
        HidVar("input.voltage", "UPS.Input.Voltage", "%.1f"),
        HidVar("input.voltage.nominal", "UPS.Input.ConfigVoltage", tier=STATIC),
        HidVar("input.frequency", "UPS.Input.Frequency", "%.1f"),
        HidVar("output.voltage", "UPS.Output.Voltage", "%.1f"),
        HidVar("output.voltage.nominal", "UPS.Output.ConfigVoltage", tier=STATIC),
        HidVar("output.frequency", "UPS.Output.Frequency", "%.1f"),
        HidVar("ups.serial", "PowercomUPS.PowercomSerialNumber", convert=string_index),
        HidVar("ups.mfr", "PowercomUPS.PowercomManufacturerName", convert=string_index),
        HidVar("ups.mfr.date", "PowercomUPS.PowercomManufacturerDate", convert=packed_date),
        HidVar("battery.temperature",
               "PowercomUPS.PowercomBatterySystem.PowercomTemperature"),
        HidVar("battery.temperature", "UPS.Battery.Temperature", "%.1f"),
        HidVar("battery.charge", "PowercomUPS.PowercomBatterySystem.PowercomVoltage"),
        HidVar("input.frequency", f"{_PC}.PowercomInput.PowercomFrequency"),
        HidVar("input.voltage", f"{_PC}.PowercomInput.PowercomVoltage",
               convert=times_four),
        HidVar("output.voltage", f"{_PC}.PowercomOutput.PowercomVoltage",
               convert=times_four),
        HidVar("ups.load", f"{_PC}.PowercomOutput.PowercomPercentLoad"),
        HidVar("output.frequency", f"{_PC}.PowercomOutput.PowercomFrequency"),
        HidVar("ups.test.result", f"{_PC}.PowercomTest", convert=selftest_result),
        HidVar("ups.delay.shutdown", f"{_PC}.PowercomDelayBeforeShutdown"),
        HidVar("ups.delay.start", f"{_PC}.PowercomDelayBeforeStartup"),
    ),
    status=(
        *_status(f"{_PS}.PresentStatus"),
        *_status("UPS.PresentStatus", extra=(
            HidStatus("UPS.PresentStatus.Boost", "boost"),
            HidStatus("UPS.PresentStatus.Buck", "trim"))),
        # The older dialect's two status words (bits documented in powercom-hid.c).
        HidStatus(_ICC, "fanfail", quick=True, mask=0x01),
        HidStatus(_ICC, "replacebatt", quick=True, mask=0x02),
        HidStatus(_ICC, "cal", quick=True, mask=0x04),
        HidStatus(_ICC, "shutdownimm", quick=True, mask=0x10),
        HidStatus(_PBS, "online", quick=True, mask=0x01, inverted=True),
        HidStatus(_PBS, "lowbatt", quick=True, mask=0x02),
        HidStatus(_PBS, "trim", quick=True, convert=trim),
        HidStatus(_PBS, "boost", quick=True, convert=boost),
        HidStatus(_PBS, "overload", quick=True, mask=0x20),
    ),
    commands=(
        HidCommand("beeper.toggle", f"{_PS}.AudibleAlarmControl", "1"),
        HidCommand("beeper.enable", f"{_PS}.AudibleAlarmControl", "1"),
        HidCommand("beeper.disable", f"{_PS}.AudibleAlarmControl", "0"),
        HidCommand("test.battery.start.quick", "UPS.Battery.Test", "1"),
        HidCommand("load.on.delay", f"{_PS}.DelayBeforeStartup", "", encode=startup_word),
        HidCommand("shutdown.return", f"{_PS}.DelayBeforeShutdown", "", encode=shutdown_word),
        HidCommand("shutdown.stayoff", f"{_PS}.DelayBeforeShutdown", "", encode=stayoff_word),
        HidCommand("load.on", f"{_PS}.PCMDelayBeforeStartup", "0", encode=startup_word),
        HidCommand("load.off", f"{_PS}.PCMDelayBeforeShutdown", "0", encode=stayoff_word),
        HidCommand("shutdown.return", f"{_PS}.PCMDelayBeforeShutdown", "",
                   encode=shutdown_word),
        HidCommand("shutdown.stayoff", f"{_PS}.PCMDelayBeforeShutdown", "",
                   encode=stayoff_word),
        HidCommand("load.off", f"{_PC}.PowercomDelayBeforeShutdown", "0"),
    ),
)
