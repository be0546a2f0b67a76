/* pynutd dashboard: history charts of the selected UPS, drawn with uPlot
   (static/vendor/uPlot.iife.min.js, see SOURCES.md there).
   Exported as window.PynutdCharts. */
"use strict";

(function (global) {
  // One chart per row; a chart is shown when the UPS has any of its variables.
  const CHARTS = [
    { id: "percent", title: "Battery charge and load", unit: "%", min: 0, max: 100, series: [
      { v: "battery.charge", label: "Battery", colour: "#1d8a4a" },
      { v: "ups.load", label: "Load", colour: "#2463d1" },
    ] },
    { id: "voltage", title: "Input and output voltage", unit: "V", series: [
      { v: "input.voltage", label: "Input", colour: "#c77700" },
      { v: "output.voltage", label: "Output", colour: "#8a3fd1" },
    ] },
    { id: "battery", title: "Battery voltage", unit: "V", series: [
      { v: "battery.voltage", label: "Battery", colour: "#0f8f8f" },
    ] },
    { id: "frequency", title: "Frequency", unit: "Hz", series: [
      { v: "input.frequency", label: "Input", colour: "#c77700" },
      { v: "output.frequency", label: "Output", colour: "#8a3fd1" },
    ] },
    { id: "temperature", title: "Temperature", unit: "°C", series: [
      { v: "ups.temperature", label: "UPS", colour: "#c62828" },
      { v: "battery.temperature", label: "Battery", colour: "#e07b00" },
    ] },
  ];

  /** Every variable any chart draws (what the dashboard asks history for). */
  function chartedVars() {
    return CHARTS.flatMap((c) => c.series.map((s) => s.v));
  }

  function cssVar(name, fallback) {
    const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  /** Align per-variable point lists on one time axis, as uPlot wants:
      [[t...], [v1...], [v2...]] with null where a variable has no point. */
  function align(lists) {
    const times = new Set();
    for (const pts of lists) for (const p of pts) times.add(p[0]);
    const xs = Array.from(times).sort((a, b) => a - b);
    const index = new Map(xs.map((t, i) => [t, i]));
    const data = [xs];
    for (const pts of lists) {
      const ys = new Array(xs.length).fill(null);
      for (const p of pts) ys[index.get(p[0])] = p[1];
      data.push(ys);
    }
    return data;
  }

  /** uPlot's date templates in 24-hour, year-first form (its defaults are
      US style: "10am", "11/23/26"). */
  function dateFormat(template) {
    const t = template
      .replaceAll("{M}/{D}/{YY}", "{YYYY}-{MM}-{DD}").replaceAll("{M}/{D}", "{MM}-{DD}")
      .replaceAll("{h}:{mm}{aa}", "{HH}:{mm}")
      .replaceAll("{h}{aa}", "{HH}:00").replaceAll("{aa}", "");
    return uPlot.fmtDate(t);
  }

  // Without the cursor on the chart, the legend shows the latest values.
  function lastIndex(u, si) {
    const ys = u.data[si] || [];
    for (let i = ys.length - 1; i >= 0; i--) if (ys[i] !== null && ys[i] !== undefined) return i;
    return null;
  }

  function timeLegend(u, idx) {
    const i = idx === null || idx === undefined ? u.data[0].length - 1 : idx;
    return i >= 0 && u.data[0].length ? global.PynutdFormat.timestamp(u.data[0][i]).slice(5, 16) : "–";
  }

  function valueLegend(u, si, idx, unit) {
    const i = idx === null || idx === undefined ? lastIndex(u, si) : idx;
    const v = i === null ? null : u.data[si][i];
    return v === null || v === undefined ? "–" : global.PynutdFormat.quantity(v, unit, 1);
  }

  /** One chart: a uPlot instance inside a panel, resized with its box. */
  class Chart {
    constructor(def, parent, availableVars) {
      // Only the series of variables this UPS has (no empty legend entries).
      def = Object.assign({}, def, { series: def.series.filter((s) => availableVars.has(s.v)) });
      this.def = def;
      this.points = def.series.map(() => []);
      this.window = null;
      this.panel = document.createElement("section");
      this.panel.className = "panel chart";
      this.panel.dataset.chart = def.id;
      const h = document.createElement("h3");
      h.textContent = def.title + " (" + def.unit + ")";
      this.box = document.createElement("div");
      this.box.className = "chart-box";
      this.panel.append(h, this.box);
      parent.append(this.panel);
      this.plot = null;
      this.resizer = new ResizeObserver(() => this.resize());
      this.resizer.observe(this.box);
    }

    options(width) {
      const axis = { stroke: cssVar("--muted", "#666"), grid: { stroke: cssVar("--line", "#ddd") },
                     ticks: { stroke: cssVar("--line", "#ddd") } };
      const unit = this.def.unit;
      return {
        width: Math.max(width, 200), height: 200,
        fmtDate: dateFormat,
        // The x axis spans the whole range picked (1 h ... 30 d), even
        // where there is no data yet, so "6 h" always looks like 6 hours.
        scales: { x: { time: true, range: (u, min, max) => this.xRange(min, max) },
                  y: this.def.min === undefined ? {} :
          { range: [this.def.min, this.def.max] } },
        axes: [axis, Object.assign({}, axis, { size: 48, values: (u, vals) => vals.map((v) => v + "") })],
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        series: [{ value: (u, v, si, idx) => timeLegend(u, idx) }].concat(this.def.series.map((s) => ({
          label: s.label, stroke: s.colour, width: 2, spanGaps: true,
          value: (u, v, si, idx) => valueLegend(u, si, idx, unit),
        }))),
      };
    }

    xRange(min, max) {
      if (!this.window) return [min, max];
      return [Math.min(this.window[0], min ?? Infinity), Math.max(this.window[1], max ?? -Infinity)];
    }

    /** Replace the data with point lists, one per series ([[t, v], ...]),
        drawn over the time window [since, until] (Unix seconds). */
    setPoints(points, since, until) {
      // Keep live points newer than the history (it is written a second late).
      this.points = points.map((pts, i) => {
        const last = pts.length ? pts[pts.length - 1][0] : since;
        return pts.concat((this.points[i] || []).filter((p) => p[0] > last));
      });
      this.window = [since, until];
      this.redraw();
    }

    /** Add the live values (one per series, null for none) at time t. */
    append(t, values, since) {
      this.window = [since, Math.max(t, this.window ? this.window[1] : t)];
      values.forEach((v, i) => {
        if (v === null) return;
        const pts = this.points[i];
        if (pts.length && pts[pts.length - 1][0] >= t) return;
        pts.push([t, v]);
        while (pts.length && pts[0][0] < since) pts.shift();
      });
      this.redraw();
    }

    redraw() {
      const data = align(this.points);
      // What is drawn, for people and tests inspecting the page.
      this.panel.dataset.points = String(data[0].length);
      this.panel.dataset.since = data[0].length ? String(Math.floor(data[0][0])) : "";
      if (this.plot === null) {
        this.plot = new uPlot(this.options(this.box.clientWidth), data, this.box);
      } else {
        this.plot.setData(data);
      }
    }

    resize() {
      if (this.plot) this.plot.setSize({ width: Math.max(this.box.clientWidth, 200), height: 200 });
    }

    destroy() {
      this.resizer.disconnect();
      if (this.plot) this.plot.destroy();
      this.panel.remove();
    }
  }

  /** The set of charts for one UPS; only charts whose variables it has. */
  class ChartSet {
    constructor(container, availableVars) {
      this.container = container;
      this.charts = CHARTS
        .filter((def) => def.series.some((s) => availableVars.has(s.v)))
        .map((def) => new Chart(def, container, availableVars));
    }

    /** Load history: `history` maps a variable name to [[t, v], ...]. */
    setHistory(history, since, until) {
      for (const chart of this.charts) {
        chart.setPoints(chart.def.series.map((s) => (history[s.v] || []).slice()), since, until);
      }
    }

    /** Append the live values of `vars` (a NUT variable map) at time t. */
    append(t, vars, since) {
      for (const chart of this.charts) {
        const values = chart.def.series.map((s) => global.PynutdFormat.num(vars[s.v]));
        chart.append(t, values, since);
      }
    }

    destroy() {
      for (const chart of this.charts) chart.destroy();
      this.charts = [];
    }
  }

  global.PynutdCharts = { CHARTS, chartedVars, align, ChartSet };
})(window);
