"""MGE / Eaton HID conversions: lookup tables, model names and the rules with memory.

The data and rules of NUT master's ``drivers/mge-hid.c`` (MGE HID 1.59)
that are more than a path: its info_lkp_t tables, the model-name table
``mge_model_names`` that decides the model type (offline, Pegasus, Eaton
5P, 9E...), and its conversion functions, written here as converters.
NUT keeps the device's model type, country, advanced battery monitoring
(ABM) mode and ABM report path in globals; here they live in the
per-device ``Context.state`` the driver keeps between polls, under the
keys ``mge.*``.

test-case-name: tests.test_hid_vendor_mge
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from pynutd.drivers.hid.converters import Context, Converter, lookup, reads_string

# -- model types (mge-hid.c models_type_t) -------------------------------------------

DEFAULT_OFFLINE = 0x000
PEGASUS = 0x100
MGE_3S = 0x110
DEFAULT = 0x200          # line-interactive and online models
EVOLUTION = 0x300
EVOLUTION_650 = 0x301
PULSAR_M = 0x400
EATON_5P = 0x500
EATON_9E = 0x900

COUNTRY_EUROPE, COUNTRY_EUROPE_208 = 0, 2

# iProduct -> {iModel: (type, name or None for "<iProduct> <iModel>")}
# (mge-hid.c mge_model_names; the 0x30x Evolution and 0x40x Pulsar M codes
# keep NUT's enum values since only their high byte and EVOLUTION_650 matter.)
_N = None
MODEL_NAMES: Mapping[str, Mapping[str, tuple[int, str | None]]] = {
    "ELLIPSE": {"300": (0, "ellipse 300"), "500": (0, "ellipse 500"), "650": (0, "ellipse 650"),
                "800": (0, "ellipse 800"), "1200": (0, "ellipse 1200"),
                "600": (0, "Ellipse 600"), "750": (0, "Ellipse 750"),
                "1000": (0, "Ellipse 1000"), "1500": (0, "Ellipse 1500")},
    "ellipse": {"PR500": (0, "ellipse premium 500"), "PR650": (0, "ellipse premium 650"),
                "PR800": (0, "ellipse premium 800"), "PR1200": (0, "ellipse premium 1200")},
    "Ellipse MAX": {m: (0, _N) for m in ("600", "850", "1100", "1500")},
    "PROTECTIONCENTER": {m: (0, f"Protection Center {m}") for m in ("420", "500", "675")},
    "Protection Station": {m: (PEGASUS, _N) for m in ("500", "650", "800")},
    "Ellipse ECO": {m: (PEGASUS, _N) for m in ("650", "800", "1200", "1600")},
    "3S": {"450": (0, _N), "550": (0, _N), "700": (MGE_3S, _N), "750": (MGE_3S, _N)},
    "Evolution": {**{m: (DEFAULT, f"Pulsar Evolution {m}")
                     for m in ("500", "800", "1100", "1500", "2200", "3000")},
                  "3000XL": (DEFAULT, "Pulsar Evolution 3000 XL"),
                  "650": (EVOLUTION_650, _N), "850": (0x302, _N), "1150": (0x303, _N),
                  "S 1250": (0x304, _N), "1550": (0x305, _N), "S 1750": (0x306, _N),
                  "2000": (0x307, _N), "S 2500": (0x308, _N), "S 3000": (0x309, _N)},
    "Eaton 5P": {m: (EATON_5P, f"5P {m}") for m in ("650", "850", "1150", "1550")},
    "Eaton 5PX": {m: (EATON_5P, _N) for m in ("1500", "2200", "3000")},
    "Eaton 5SC": {m: (EATON_5P, _N) for m in ("500", "750", "1000", "1500", "2200", "3000")},
    "Ellipse PRO": {"1200 ": (EATON_5P, "Eaton 5S1200"), "1500 ": (EATON_5P, "Eaton 5S1500"),
                    "1600 ": (EATON_5P, "Eaton 5S1600")},
    "Eaton 9E": {m: (EATON_9E, f"9E{m}") for m in (
        "1000", "1000i", "1000iau", "1000ir", "2000", "2000i", "2000iau", "2000ir", "3000",
        "3000i", "3000iau", "3000ir", "3000ixl", "3000ixlau")},
    "unknown": {m: (EATON_9E, f"9E{m}i (presumed)") for m in ("1000", "2000", "3000")},
    "Eaton 9SX": {m: (EATON_9E, f"9SX{m}") for m in (
        "700i", "1000i", "1000im", "1500i", "2000i", "3000i", "3000im", "1000ir", "1500ir",
        "2000ir", "3000ir")},
    "Eaton 9PX": {m: (EATON_9E, f"9px{m}") for m in (
        "1000irt2u", "1500irt2u", "1500irtm", "2200irt2u", "2200irt3u", "3000irt2u",
        "3000irt3u", "3000irtm")},
    "PULSAR M": {"2200": (0x401, _N), "3000": (0x402, _N), "3000 XL": (0x403, _N)},
    "EX": {"2200": (0x401, _N), "3000": (0x402, _N), "3000 XL": (0x402, _N),
           **{f"{m}RT": (DEFAULT, f"Pulsar EX {m} RT") for m in ("700", "1000", "1500", "2200",
                                                                   "3200")},
           **{f"{m}RT31": (DEFAULT, f"EX {m} RT 3:1") for m in ("5", "7", "11")},
           **{f"{m}RT": (DEFAULT, f"EX {m} RT") for m in ("5", "7", "11")}},
    "PULSAR": {"MX4000": (DEFAULT, "Pulsar MX 4000 RT"), "MX5000": (DEFAULT, "Pulsar MX 5000 RT")},
    "NOVA AVR": {m: (DEFAULT, f"Nova {m} AVR") for m in ("500", "600", "625", "1100", "1250")},
    "EXtreme": {**{m: (DEFAULT, f"Pulsar EXtreme {m}") for m in (
        "700C", "1000C", "1500C", "2200C", "3200C")},
                "1500CCLA": (DEFAULT, "Pulsar EXtreme 1500C CLA")},
    "GALAXY": {f"3000_{k}": (DEFAULT, f"Galaxy 3000 {k} kVA") for k in ("10", "15", "20", "30")},
}


def model_name(product: str, model: str) -> tuple[int, str]:
    """Return (model type, ups.model) for iProduct and iModel (NUT's get_model_name).

    A pair NUT does not list keeps the line-interactive default type and
    is named "<iProduct> <iModel>".
    """
    kind, name = MODEL_NAMES.get(product, {}).get(model, (DEFAULT, None))
    return kind, name if name is not None else f"{product} {model}"


def _kind(ctx: Context) -> int:
    value = ctx.state.get("mge.type", DEFAULT)
    return int(value) & 0xFF00


def _product(ctx: Context) -> str:
    # The USB product string, as identity gave it before the model rows
    # rewrote ups.model (NUT: hd->Product, "unknown" without one).
    product = ctx.state.setdefault("mge.product", ctx.values.get("ups.model", "unknown"))
    return str(product)


def _set_model(ctx: Context, model: str) -> str | None:
    if not model:
        return None
    if ctx.values.get("ups.vendorid") == "047c":   # Dell: iProduct is the full name
        return _product(ctx)
    kind, name = model_name(_product(ctx), model)
    ctx.state["mge.type"] = kind
    return name


@reads_string
def model_from_imodel(value: float, ctx: Context) -> str | None:
    """ups.model from the iModel string and the product string (mge_format_model)."""
    return _set_model(ctx, ctx.strings(int(value)) or "")


def model_from_power(value: float, ctx: Context) -> str | None:
    """ups.model from ConfigApparentPower when there is no iModel (NUT's fallback)."""
    return _set_model(ctx, f"{int(value)}")


# -- plain lookup tables (info_lkp_t) ------------------------------------------------

yes_no = lookup({0: "no", 1: "yes"})
on_off = lookup({0: "off", 1: "on"})
enable_disable = lookup({0: "disabled", 1: "enabled"})
ups_type = lookup({1: "offline / line interactive", 2: "online", 3: "online - unitary/parallel",
                   4: "online - parallel with hot standy", 5: "online - hot standby redundancy"})
sensitivity = lookup({0: "normal", 1: "high", 2: "low"})
outlet_eco = lookup({0: "The outlet is not ECO controlled", 1: "The outlet is ECO controlled"})
outlet_protection = lookup({0: "not powered", 1: "not protected", 2: "protected"})
charger_type = lookup({0: "None", 1: "Extended (CLA)", 2: "Large extension",
                       3: "Extra large extension (XL)", 4: "ABM", 5: "Constant Charge (CC)"})
bypass_off = lookup({0: "disabled", 1: "off"})

# Vendor ups.alarm rows: the text set when the usage is 1.
ALARM_TEXTS = {
    "UPS.PowerSummary.PresentStatus.EmergencyStop": "Emergency stop!",
    "UPS.PowerConverter.Input.[1].PresentStatus.WiringFault": "Wiring fault!",
    "UPS.PowerSummary.PresentStatus.ConfigurationFailure": "Fatal EEPROM fault!",
    "UPS.PowerConverter.Inverter.PresentStatus.VoltageTooHigh": "Inverter AC voltage too high!",
    "UPS.PowerConverter.Inverter.PresentStatus.VoltageTooLow": "Inverter AC voltage too low!",
    "UPS.PowerConverter.Output.PresentStatus.ShortCircuit": "Output short circuit!",
}


# -- conversions that depend on the model type or country ---------------------------

def battery_voltage(value: float, ctx: Context) -> str | None:
    """PowerSummary.Voltage is the battery voltage on Evolution, Pulsar M, 5P and 9E only."""
    if _kind(ctx) not in (EVOLUTION, PULSAR_M, EATON_5P, EATON_9E):
        return None
    return f"{value:.1f}"


def battery_voltage_nominal(value: float, ctx: Context) -> str | None:
    """PowerSummary.ConfigVoltage as battery.voltage.nominal, for the same series (12 V Evolution 650)."""
    kind = _kind(ctx)
    if kind == EVOLUTION:
        if ctx.state.get("mge.type") == EVOLUTION_650:
            value = 12.0
    elif kind not in (PULSAR_M, EATON_5P, EATON_9E):
        return None
    return f"{value:.0f}"


def _eco_capable(ctx: Context) -> bool:
    # Protection Station and Ellipse ECO; the 3S only outside Europe.
    kind = _kind(ctx)
    return kind == PEGASUS or (kind == MGE_3S and ctx.state.get("mge.country") != COUNTRY_EUROPE)


def pegasus_threshold(value: float, ctx: Context) -> str | None:
    """outlet.power threshold (10/25/60 VA) of the ECO-capable models only."""
    return f"{value:.0f}" if _eco_capable(ctx) else None


pegasus_threshold.reverse = {"10": 10, "25": 25, "60": 60}  # type: ignore[attr-defined]


def pegasus_yes_no(value: float, ctx: Context) -> str | None:
    """outlet.2.switchable as yes/no on the ECO-capable models only."""
    if not _eco_capable(ctx):
        return None
    return "no" if value == 0 else "yes"


pegasus_yes_no.reverse = {"no": 0, "yes": 1}  # type: ignore[attr-defined]


def country(value: float, ctx: Context) -> str | None:
    """Remember UPS.PowerSummary.Country; publish nothing (eaton_check_country_fun)."""
    ctx.state["mge.country"] = int(value)
    return None


_LV, _V208, _V230 = (100, 110, 120, 127), (200, 208), (220, 230, 240)


def nominal_output_voltage(value: float, ctx: Context) -> str | None:
    """output.voltage.nominal limited to what the model's first nominal allows (HV or LV)."""
    first = int(ctx.state.setdefault("mge.nominal", int(value)))
    volts, online = int(value), _kind(ctx) >= DEFAULT
    if first in _LV:
        ok = volts in _LV
    elif first in _V208:
        ok = volts in _V208 or (volts in _V230 and online)
    elif first in _V230:
        ok = volts in _V230 or (volts in _V208 and online)
    else:
        ok = True   # NUT cannot tell the settable voltages, prints it anyway
    return f"{value:.0f}" if ok else None


nominal_output_voltage.reverse = {str(v): v for v in _V208 + _V230 + _LV}  # type: ignore[attr-defined]


def power_factor(value: float, ctx: Context) -> str:
    """PowerFactor in percent as a ratio, two decimals."""
    return f"{value / 100:.2f}"


def battery_capacity(value: float, ctx: Context) -> str:
    """DesignCapacity in ampere-seconds as ampere-hours."""
    return f"{value / 3600:.2f}"


def compute_realpower(value: float, ctx: Context) -> str | None:
    """ups.realpower estimated from load, nominal power and power factor (0.8 by default)."""
    load, nominal = ctx.values.get("ups.load"), ctx.values.get("ups.power.nominal")
    if load is None or nominal is None:
        return None
    factor = _number(ctx.values.get("output.powerfactor"), 0.8)
    # atoi() of both, then C's round(): halves away from zero.
    watts = int(_number(load, 0)) * 0.01 * int(_number(nominal, 0)) * factor
    return f"{int(watts + 0.5) if watts >= 0 else -int(-watts + 0.5)}"


def _number(text: str | None, default: float) -> float:
    try:
        return float(text) if text is not None else default
    except ValueError:
        return default


def ups_date(value: float, ctx: Context) -> str:
    """UPS.PowerSummary.Time (Unix seconds) as the local date."""
    return time.strftime("%Y/%m/%d", time.localtime(value))


def ups_time(value: float, ctx: Context) -> str:
    """UPS.PowerSummary.Time (Unix seconds) as the local time of day."""
    return time.strftime("%H:%M:%S", time.localtime(value))


def buzzword_mode(value: float, ctx: Context) -> str | None:
    """input.eco.switchable: normal, ECO (when the bypass is within limits) or ESS."""
    mode = int(value)
    if mode == 0:
        return "normal"
    if mode == 2:
        return "ESS"
    if mode != 1:
        return None
    return "ECO" if _bypass_in_limits(ctx, "eco", 0.95, 1.05, 5) else None


buzzword_mode.reverse = {"normal": 0, "ECO": 1, "ESS": 2}  # type: ignore[attr-defined]


def bypass_on(value: float, ctx: Context) -> str | None:
    """input.bypass.switch.on: disabled, or on when the bypass input is within limits."""
    if value == 0:
        return "disabled"
    if value != 1:
        return None
    return "on" if _bypass_in_limits(ctx, "bypass", 0.8, 1.15, 10) else None


bypass_on.reverse = {"disabled": 0, "on": 1}  # type: ignore[attr-defined]


def _bypass_in_limits(ctx: Context, kind: str, low: float, high: float, pct: float) -> bool:
    """Whether input.bypass.* lies within input.transfer.<kind>.* (defaults from nominal)."""
    get = ctx.values.get
    needed = ("input.bypass.voltage", "input.bypass.frequency", "output.voltage.nominal",
              "output.frequency.nominal")
    if any(get(name) is None for name in needed):
        return False
    volts, hertz = _number(get("input.bypass.voltage"), 0), _number(get("input.bypass.frequency"), 0)
    v_nom, f_nom = _number(get("output.voltage.nominal"), 0), _number(get("output.frequency.nominal"), 0)
    v_low = _number(get(f"input.transfer.{kind}.low"), 0)
    v_high = _number(get(f"input.transfer.{kind}.high"), 0)
    f_range = _number(get(f"input.transfer.frequency.{kind}.range"), 0)
    if not (v_low > 0 and v_high > 0):
        v_low, v_high = v_nom * low, v_nom * high
    span = f_nom / 100 * (f_range if f_range > 0 else pct)
    return v_low <= volts <= v_high and f_nom - span <= hertz <= f_nom + span


# -- the advanced battery monitoring (ABM) rules ----------------------------------------
#
# ABMEnable tells whether the charger runs ABM; the first of Charger.Mode or
# Charger.Status seen while it is on becomes the ABM path (the two number the
# charger states differently).  With ABM on, PresentStatus.Charging and
# .Discharging no longer count: CHRG/DISCHRG come from the ABM state.

_ABM_TEXT = {"mode": {1: "charging", 2: "discharging", 3: "floating", 4: "resting", 6: "off"},
             "status": {1: "charging", 2: "floating", 3: "resting", 4: "discharging", 6: "off"}}
_ABM_FLAG = {"mode": {1: "chrg", 3: "chrg", 2: "dischrg"},
             "status": {1: "chrg", 2: "chrg", 4: "dischrg"}}


def _abm_on(ctx: Context) -> bool:
    return ctx.state.get("mge.abm") is True


def abm_enabled(value: float, ctx: Context) -> str | None:
    """Remember whether ABM is on (1), off (0) or unknown; publish nothing."""
    ctx.state["mge.abm"] = {0: False, 1: True}.get(int(value))
    return None


def _abm_path(path: str) -> Converter:
    def remember(value: float, ctx: Context) -> str | None:
        if not _abm_on(ctx):
            ctx.state.pop("mge.abm_path", None)
        else:
            ctx.state.setdefault("mge.abm_path", path)
        return None
    return remember


abm_path_mode = _abm_path("mode")
abm_path_status = _abm_path("status")


def abm_status(value: float, ctx: Context) -> str | None:
    """battery.charger.status while ABM is on (charging, floating, resting...)."""
    if not _abm_on(ctx):
        return None
    table = _ABM_TEXT["status" if ctx.state.get("mge.abm_path") == "status" else "mode"]
    return table.get(int(value))


def abm_flag(value: float, ctx: Context, flags: Mapping[str, bool]) -> str | None:
    """CHRG/DISCHRG from the ABM state while ABM is on."""
    if not _abm_on(ctx):
        return None
    table = _ABM_FLAG["status" if ctx.state.get("mge.abm_path") == "status" else "mode"]
    return table.get(int(value))


def charging(value: float, ctx: Context, flags: Mapping[str, bool]) -> str | None:
    """PresentStatus.Charging, counted without ABM and below 100 % charge only.

    Constant-charge models (Eaton 5E) keep Charging at 1 when full; NUT
    clears CHRG at battery.charge 100.
    """
    if _abm_on(ctx) or value != 1:
        return "!chrg"
    charge = ctx.values.get("battery.charge")
    return "!chrg" if charge is not None and _number(charge, 0) >= 100 else "chrg"


def discharging(value: float, ctx: Context, flags: Mapping[str, bool]) -> str | None:
    """PresentStatus.Discharging, counted without ABM only."""
    return "dischrg" if not _abm_on(ctx) and value == 1 else "!dischrg"


def on_battery(value: float, ctx: Context, flags: Mapping[str, bool]) -> str | None:
    """A usage that is 1 on battery: !online when 1, online when 0 (mge_onbatt_info)."""
    return "!online" if value == 1 else "online"


def converter_online(value: float, ctx: Context, flags: Mapping[str, bool]) -> str | None:
    """Input.[1].PresentStatus.Used as online, unless the UPS is off."""
    if flags.get("off"):
        return None
    return "!online" if value == 0 else "online"
