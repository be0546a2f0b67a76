"""Prometheus ``/metrics``: a custom collector over the state store.

Names and labels are those of DRuggeri's nut_exporter
(``collectors/nut_collector.go``), so its Grafana dashboard works as is:
every number-like variable becomes the gauge ``network_ups_tools_<name>``
(dots and dashes as underscores) with help ``<description> (<name>)``;
``ups.status`` becomes one ``network_ups_tools_ups_status{flag=...}`` series
per token, plus 0 for each of nut_exporter's default flags not set; and
``network_ups_tools_device_info`` carries the ``device.*`` strings as
labels.  pynutd adds a ``ups`` label to every series (one scrape serves
every UPS) and its own health under ``pynutd_``.

A scrape takes nut_exporter's query parameters (``nut_exporter.go``,
``metricsHandler.ServeHTTP``): ``ups`` (one UPS), ``variables`` (a comma
list: only those variables, by exact name, as its ``sliceContains``;
``ups.status`` only when listed) and ``statuses`` (a comma list replacing
the flags forced to 0).  Without ``variables`` every number-like variable
is exported, as nut_exporter with an empty ``--nut.vars_enable``.

The collector reads snapshots and ``generate_latest`` runs inside
``render_GET``, on the reactor thread, so no state is read from another
thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from twisted.web.resource import Resource
from twisted.web.server import Request

from pynutd.ups import Availability, Snapshot
from pynutd.web.context import WebContext

NAMESPACE = "network_ups_tools"
# nut_exporter's defaults: --nut.statuses, --nut.on_regex, --nut.off_regex.
DEFAULT_STATUSES = ("OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "BYPASS", "CAL",
                    "OFF", "OVER", "TRIM", "BOOST", "FSD", "SD")
ON = re.compile(r"^(enable|enabled|on|true|active|activated)$", re.IGNORECASE)
OFF = re.compile(r"^(disable|disabled|off|false|inactive|deactivated)$", re.IGNORECASE)
NUMBER_LIKE = re.compile(r"^-?[0-9.]+$")   # go.nut's test for a number
DEVICE_LABELS = ("model", "mfr", "serial", "type", "description", "contact", "location",
                 "part", "macaddr")
DESC_UNAVAILABLE = "Description unavailable"


def metric_name(var: str) -> str:
    """Return nut_exporter's metric name for NUT variable ``var``."""
    name = var.replace(".", "_").replace("-", "_")
    return f"{NAMESPACE}_{re.sub(r'[^a-zA-Z0-9_:]', '_', name)}"


def gauge_value(text: str) -> float | None:
    """Return the gauge value nut_exporter gives a variable, or None to skip it."""
    text = text.strip()
    if NUMBER_LIKE.match(text):
        try:
            return float(text)
        except ValueError:
            return None   # "1.2.3": go.nut leaves it a string; no regex matches
    if ON.match(text):
        return 1.0
    if OFF.match(text):
        return 0.0
    return None


@dataclass(frozen=True)
class Scrape:
    """What one scrape asks for: nut_exporter's ``ups``, ``variables``, ``statuses``."""

    only: str | None = None
    variables: tuple[str, ...] | None = None   # None: every number-like variable
    statuses: tuple[str, ...] = DEFAULT_STATUSES

    def wants(self, var: str) -> bool:
        """Whether variable ``var`` is exported (exact names, as nut_exporter's)."""
        return self.variables is None or var in self.variables


class UpsCollector:
    """Collects every UPS (or only ``scrape.only``) at scrape time."""

    def __init__(self, ctx: WebContext, scrape: Scrape | None = None) -> None:
        self.ctx = ctx
        self.scrape = scrape or Scrape()
        self.only = self.scrape.only

    def _snapshots(self) -> list[Snapshot]:
        snaps = self.ctx.registry.snapshots()
        if self.only is not None:
            snaps = [s for s in snaps if s.name.lower() == self.only.lower()]
        return snaps

    def collect(self) -> Iterator[Metric]:
        """Yield the nut_exporter families, then pynutd's own."""
        now = self.ctx.now()
        families: dict[str, GaugeMetricFamily] = {}
        status = GaugeMetricFamily(f"{NAMESPACE}_ups_status", self._help("ups.status"),
                                   labels=["flag", "ups"])
        device = GaugeMetricFamily(f"{NAMESPACE}_device_info", "UPS Device information",
                                   labels=[*DEVICE_LABELS, "ups"])
        fresh = []
        for snap in self._snapshots():
            if snap.availability(now, self.ctx.maxage) is not Availability.OK:
                continue   # nut_exporter's scrape of a stale UPS fails: no series
            fresh.append(snap)
            self._variables(snap, families, status)
            labels = {key: "" for key in DEVICE_LABELS}
            for var in snap.variables:
                parts = var.name.split(".")
                if parts[0] == "device" and len(parts) > 1 and parts[1] in labels:
                    labels[parts[1]] = var.value
            device.add_metric([*(labels[k] for k in DEVICE_LABELS), snap.name], 1.0)
        yield from families.values()
        if status.samples:   # none when ?variables= leaves ups.status out
            yield status
        if fresh:
            yield device
        yield from self._health(now)

    def _help(self, var: str) -> str:
        return f"{self.ctx.descriptions.var_desc(var) or DESC_UNAVAILABLE} ({var})"

    def _variables(self, snap: Snapshot, families: dict[str, GaugeMetricFamily],
                   status: GaugeMetricFamily) -> None:
        for var in snap.variables:
            if not self.scrape.wants(var.name):
                continue
            if var.name.lower() == "ups.status":
                tokens = [t for t in " ".join(snap.status_tokens).split(" ") if t]
                for token in tokens:
                    status.add_metric([token, snap.name], 1.0)
                for token in self.scrape.statuses:
                    if token not in tokens:
                        status.add_metric([token, snap.name], 0.0)
                continue
            value = gauge_value(var.value)
            if value is None:
                continue
            name = metric_name(var.name)
            family = families.get(name)
            if family is None:
                family = families[name] = GaugeMetricFamily(name, self._help(var.name),
                                                            labels=["ups"])
            family.add_metric([snap.name], value)

    def _health(self, now: float) -> Iterator[Metric]:
        up = GaugeMetricFamily("pynutd_up", "1 when the UPS's data is fresh (NUT availability OK)",
                               labels=["ups"])
        age = GaugeMetricFamily("pynutd_seconds_since_last_poll",
                                "Seconds since the last good poll of the UPS", labels=["ups"])
        errors = CounterMetricFamily("pynutd_poll_errors", "Failed polls and connects of the UPS",
                                     labels=["ups"])
        logins = GaugeMetricFamily("pynutd_nut_logins", "NUT connections LOGINed to the UPS",
                                   labels=["ups"])
        alerts = GaugeMetricFamily("pynutd_alerts_active", "1 while a pynutd alert is raised",
                                   labels=["ups", "rule"])
        for snap in self._snapshots():
            state = self.ctx.registry.get(snap.name)
            ok = snap.availability(now, self.ctx.maxage) is Availability.OK
            up.add_metric([snap.name], 1.0 if ok else 0.0)
            age.add_metric([snap.name], now - snap.last_update
                           if snap.last_update is not None else float("nan"))
            errors.add_metric([snap.name], float(state.poll_errors if state else 0))
            logins.add_metric([snap.name], float(len(self.ctx.server.logins(snap.name))))
            for alert in self.ctx.alert_list(snap.name):
                alerts.add_metric([snap.name, alert["rule"]], 1.0)
        yield from (up, age, errors, logins, alerts)
        yield _gauge("pynutd_nut_connections", "Open NUT connections",
                     self.ctx.server.connection_count())
        stream = self.ctx.stream
        yield _gauge("pynutd_web_stream_clients", "Open /api/v1/stream connections",
                     len(stream.clients) if stream is not None else 0)
        history = self.ctx.history
        if history is not None:
            yield _gauge("pynutd_history_queue", "History rows waiting to be written",
                         history.queued())
            failed = CounterMetricFamily("pynutd_history_write_errors",
                                         "Failed history database writes")
            failed.add_metric([], float(history.write_errors))
            yield failed
        if self.ctx.parts:
            parts = GaugeMetricFamily("pynutd_part_up", "1 while an optional part (history, "
                                      "web, log-file) runs, 0 while it is off", labels=["part"])
            for name, running in sorted(self.ctx.parts.items()):
                parts.add_metric([name], 1.0 if running == "ok" else 0.0)
            yield parts
        info = GaugeMetricFamily("pynutd_info", "pynutd version", labels=["version"])
        info.add_metric([self.ctx.version], 1.0)
        yield info


def _gauge(name: str, text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, value=float(value))


def render_metrics(ctx: WebContext, scrape: Scrape | None = None) -> bytes:
    """Return the exposition text for what ``scrape`` asks (default: everything)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(UpsCollector(ctx, scrape))
    return bytes(generate_latest(registry))


def _comma_list(args: Any, key: bytes) -> tuple[str, ...] | None:
    """Return a comma-list parameter as nut_exporter splits it; None when absent or empty."""
    raw = args.get(key, [b""])[0]   # Go's URL.Query().Get: the first value
    if not raw:
        return None
    return tuple(raw.decode("utf-8", "replace").split(","))


class MetricsResource(Resource):
    """``GET /metrics`` and ``/ups_metrics``, with nut_exporter's query parameters."""

    isLeaf = True

    def __init__(self, ctx: WebContext) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.ctx = ctx

    def render(self, request: Request) -> bytes:
        if request.method not in (b"GET", b"HEAD"):
            request.setResponseCode(405)
            request.setHeader(b"allow", b"GET, HEAD")
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            return b"method not allowed\n"
        return self.render_GET(request)

    def render_GET(self, request: Request) -> bytes:
        args: Any = request.args or {}
        only = args.get(b"ups", [None])[-1]
        name = only.decode("utf-8", "replace") if only else None
        if name is not None and self.ctx.registry.get(name) is None:
            request.setResponseCode(404)
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            return f"unknown UPS {name!r}\n".encode()
        statuses = _comma_list(args, b"statuses")
        scrape = Scrape(name, _comma_list(args, b"variables"),
                        statuses if statuses is not None else DEFAULT_STATUSES)
        request.setHeader(b"content-type", CONTENT_TYPE_LATEST.encode())
        return render_metrics(self.ctx, scrape)
