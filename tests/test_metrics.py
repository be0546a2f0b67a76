"""/metrics: parsed by prometheus_client's parser, named as nut_exporter names them."""

from __future__ import annotations

import math

from prometheus_client.parser import text_string_to_metric_families

from pynutd.web.metrics import gauge_value, metric_name
from tests.webhelpers import GOLDEN, make_harness, request


def scrape(path: str = "/metrics") -> tuple[dict[str, object], str]:
    h = make_harness()
    response = request(h.site, "GET", path)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.body.decode()
    return {f.name: f for f in text_string_to_metric_families(text)}, text


def samples(families: dict[str, object], name: str) -> dict[tuple[tuple[str, str], ...], float]:
    family = families[name]
    return {tuple(sorted(s.labels.items())): s.value for s in family.samples}  # type: ignore[attr-defined]


# The metric names nut_exporter's published Grafana dashboard queries
# (DRuggeri/nut_exporter dashboard/dashboard.json), for the variables we have.
NUT_EXPORTER_NAMES = {
    "battery.charge": "network_ups_tools_battery_charge",
    "battery.runtime": "network_ups_tools_battery_runtime",
    "battery.voltage": "network_ups_tools_battery_voltage",
    "input.voltage": "network_ups_tools_input_voltage",
    "ups.load": "network_ups_tools_ups_load",
    "battery.voltage.high": "network_ups_tools_battery_voltage_high",
    "battery.voltage.low": "network_ups_tools_battery_voltage_low",
    "driver.version.internal": "network_ups_tools_driver_version_internal",
    "ambient.1.temperature-high": "network_ups_tools_ambient_1_temperature_high",
}


def test_names_equal_nut_exporters() -> None:
    """Dots and dashes become underscores under the network_ups_tools namespace."""
    for var, name in NUT_EXPORTER_NAMES.items():
        assert metric_name(var) == name


def test_values_as_go_nut_types_them() -> None:
    """Number-like values are gauges, on/off words 1/0, other strings skipped."""
    assert gauge_value("230.5") == 230.5
    assert gauge_value("-3") == -3.0
    assert gauge_value("enabled") == 1.0
    assert gauge_value("Disabled") == 0.0
    assert gauge_value("1.2.3") is None
    assert gauge_value("Smart 1500") is None


def test_scrape_parses_and_matches_dashboard_queries() -> None:
    """The exposition parses; every dashboard series exists with a ups label."""
    families, _ = scrape()
    charge = samples(families, "network_ups_tools_battery_charge")
    assert charge == {(("ups", "main"),): 92.0, (("ups", "spare"),): 15.0}
    assert samples(families, "network_ups_tools_ups_load")[(("ups", "main"),)] == 23.0
    assert samples(families, "network_ups_tools_battery_runtime")[(("ups", "main"),)] == 1800.0
    assert samples(families, "network_ups_tools_ups_beeper_status")[(("ups", "main"),)] == 1.0
    assert "network_ups_tools_device_model" not in families    # strings are labels only
    assert families["network_ups_tools_battery_charge"].documentation == \
        "Battery charge (percent of full) (battery.charge)"   # type: ignore[attr-defined]
    assert families["network_ups_tools_battery_runtime"].documentation == \
        "Description unavailable (battery.runtime)"            # type: ignore[attr-defined]


def test_status_flags() -> None:
    """Each ups.status token is 1; nut_exporter's other default flags are 0."""
    families, _ = scrape()
    status = samples(families, "network_ups_tools_ups_status")
    main = {dict(k)["flag"]: v for k, v in status.items() if dict(k)["ups"] == "main"}
    assert main["OL"] == 1.0 and main["CHRG"] == 1.0
    assert main["OB"] == 0.0 and main["LB"] == 0.0 and main["SD"] == 0.0
    assert len(main) == 15
    spare = {dict(k)["flag"]: v for k, v in status.items() if dict(k)["ups"] == "spare"}
    assert [f for f, v in spare.items() if v == 1.0] == ["OB", "DISCHRG", "LB"]


def test_device_info_labels() -> None:
    """device_info carries nut_exporter's device.* labels plus ups."""
    families, _ = scrape()
    info = samples(families, "network_ups_tools_device_info")
    main = dict(next(k for k in info if dict(k)["ups"] == "main"))
    assert main == {"model": "Smart 1500", "mfr": "Acme", "serial": "AC123", "type": "ups",
                    "description": "", "contact": "", "location": "", "part": "",
                    "macaddr": "", "ups": "main"}


def test_pynutd_health() -> None:
    """pynutd's own series: up, poll age, logins, connections, alerts."""
    families, _ = scrape()
    assert samples(families, "pynutd_up") == {(("ups", "main"),): 1.0, (("ups", "spare"),): 1.0}
    assert samples(families, "pynutd_seconds_since_last_poll")[(("ups", "main"),)] == 0.0
    assert samples(families, "pynutd_nut_connections") == {(): 0.0}
    assert samples(families, "pynutd_poll_errors")[(("ups", "main"),)] == 0.0
    alerts = samples(families, "pynutd_alerts_active")
    assert sorted(dict(k)["rule"] for k in alerts) == ["battery_low", "input_voltage_low",
                                                       "load_high"]


def test_stale_ups_has_no_variable_series() -> None:
    """A stale UPS exports only pynutd_* series, as nut_exporter's failing scrape."""
    h = make_harness()
    h.clock.advance(16)
    h.spare.update({"ups.load": "10"}, h.clock.seconds())
    text = request(h.site, "GET", "/metrics").body.decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert samples(families, "network_ups_tools_battery_charge") == {(("ups", "spare"),): 15.0}
    up = samples(families, "pynutd_up")
    assert up[(("ups", "main"),)] == 0.0
    assert samples(families, "pynutd_seconds_since_last_poll")[(("ups", "main"),)] == 16.0


def test_ups_parameter_and_alias() -> None:
    """?ups= limits to one UPS; /ups_metrics is nut_exporter's path; unknown is 404."""
    families, _ = scrape("/ups_metrics?ups=SPARE")
    assert list(samples(families, "network_ups_tools_battery_charge")) == [(("ups", "spare"),)]
    h = make_harness()
    assert request(h.site, "GET", "/metrics?ups=nope").status == 404


def test_nan_before_first_poll() -> None:
    """A UPS never polled has NaN seconds since its last poll."""
    from pynutd.ups import UpsState
    h = make_harness()
    h.registry.add(UpsState("fresh"))
    families = {f.name: f for f in text_string_to_metric_families(
        request(h.site, "GET", "/metrics").body.decode())}
    assert math.isnan(samples(families, "pynutd_seconds_since_last_poll")[(("ups", "fresh"),)])


def test_golden_exposition() -> None:
    """The whole exposition text equals the golden file (prometheus_client style)."""
    import os
    _, text = scrape()
    path = GOLDEN / "metrics.txt"
    if os.environ.get("PYNUTD_REGOLD") == "1":
        path.write_text(text)
    assert text == path.read_text()


def test_poll_errors_count_failed_connects() -> None:
    """pynutd_poll_errors_total counts the poller's failed connects and polls."""
    from pathlib import Path

    from pynutd.config import UpsSection
    from pynutd.control import DeviceError
    from pynutd.drivers.poller import Poller

    class Broken:
        name, version = "broken", "0"

        def tiers(self) -> dict[str, float]:
            return {"quick": 2.0}

        def connect(self) -> None:
            raise DeviceError("unplugged")

        def parameters(self) -> dict[str, str]:
            return {}

        def disconnect(self) -> None:
            pass

    h = make_harness()
    section = UpsSection("main", "broken", "x", None, {}, "ups.conf", 1, confdir=Path("."))
    poller = Poller(h.main, Broken(), section, h.clock)  # type: ignore[arg-type]
    poller.start()
    h.clock.advance(1)
    h.clock.advance(2)
    poller.stop()
    families = {f.name: f for f in text_string_to_metric_families(
        request(h.site, "GET", "/metrics").body.decode())}
    assert samples(families, "pynutd_poll_errors")[(("ups", "main"),)] == 3.0


# nut_exporter's scrape parameters, read from DRuggeri/nut_exporter
# nut_exporter.go (metricsHandler.ServeHTTP: Query().Get, strings.Split on ",")
# and collectors/nut_collector.go (Collect: sliceContains on the exact name,
# ups.status only when listed, opts.Statuses forced to 0 when not set).
def test_variables_parameter_limits_series() -> None:
    """?variables= exports only the listed variables, by exact name; device_info stays."""
    families, _ = scrape("/ups_metrics?ups=main&variables=battery.charge,ups.load,BATTERY.RUNTIME")
    names = {n for n in families if n.startswith("network_ups_tools_")}
    assert names == {"network_ups_tools_battery_charge", "network_ups_tools_ups_load",
                     "network_ups_tools_device_info"}
    assert samples(families, "network_ups_tools_battery_charge") == {(("ups", "main"),): 92.0}


def test_variables_parameter_with_status() -> None:
    """ups.status in ?variables= brings the flag series; an empty list means every variable."""
    families, _ = scrape("/metrics?variables=ups.status")
    assert "network_ups_tools_ups_status" in families
    assert "network_ups_tools_battery_charge" not in families
    families, _ = scrape("/metrics?variables=")
    assert "network_ups_tools_battery_charge" in families


def test_statuses_parameter_replaces_forced_flags() -> None:
    """?statuses= lists the flags forced to 0 instead of nut_exporter's default fifteen."""
    families, _ = scrape("/metrics?ups=main&statuses=OB,LB,OL,ALARM")
    main = {dict(k)["flag"]: v for k, v in samples(families, "network_ups_tools_ups_status").items()}
    assert main == {"OL": 1.0, "CHRG": 1.0, "OB": 0.0, "LB": 0.0, "ALARM": 0.0}
