/* pynutd dashboard: pure helpers (no DOM, no network), exported as
   window.PynutdFormat so the browser test can check them directly. */
"use strict";

(function (global) {
  // ups.status tokens that decide a card's colour, most severe first
  // (NUT's status words, docs/new-drivers.txt "ups.status").
  const STATES = [
    { token: "FSD", state: "fsd", label: "Forced shutdown" },
    { token: "LB", state: "lb", label: "Low battery" },
    { token: "OB", state: "ob", label: "On battery" },
    { token: "OL", state: "ol", label: "Online" },
  ];

  // The other tokens are shown as small chips beside the badge.
  const CHIPS = {
    CHRG: "charging", DISCHRG: "discharging", HB: "high battery",
    RB: "replace battery", OVER: "overload", TRIM: "trimming",
    BOOST: "boosting", BYPASS: "bypass", CAL: "calibrating",
    OFF: "output off", ALARM: "alarm", TEST: "self-test",
  };

  /** Classify a UPS: {state, label, chips} from its ups.status text.
      `stale` is true when pynutd has no fresh data (DATA-STALE or the
      driver is not connected); the card then turns grey whatever the last
      status said. */
  function classify(status, stale) {
    const tokens = String(status || "").trim().split(/\s+/).filter(Boolean);
    const chips = [];
    for (const t of tokens) {
      if (CHIPS[t]) chips.push(CHIPS[t]);
      else if (!STATES.some((s) => s.token === t)) chips.push(t.toLowerCase());
    }
    if (stale) return { state: "stale", label: "No data", chips: [] };
    for (const s of STATES) {
      if (tokens.includes(s.token)) return { state: s.state, label: s.label, chips };
    }
    return { state: "unknown", label: tokens.length ? tokens.join(" ") : "Unknown", chips };
  }

  /** Parse a NUT value as a number; null when absent or not numeric. */
  function num(value) {
    if (value === undefined || value === null || value === "") return null;
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }

  /** Format a number with at most `digits` decimals and a unit; "–" when null. */
  function quantity(value, unit, digits) {
    const n = num(value);
    if (n === null) return "–";
    const d = digits === undefined ? 1 : digits;
    const text = Number.isInteger(n) ? String(n) : n.toFixed(d).replace(/\.?0+$/, "");
    return unit ? text + " " + unit : text;
  }

  /** Format a runtime in seconds as "1 h 05 min", "12 min" or "45 s". */
  function runtime(seconds) {
    const s = num(seconds);
    if (s === null || s < 0) return "–";
    if (s < 60) return Math.round(s) + " s";
    const minutes = Math.floor(s / 60);
    if (minutes < 60) return minutes + " min";
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return h + " h " + String(m).padStart(2, "0") + " min";
  }

  /** Format "how long ago" for a number of seconds. */
  function ago(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "never";
    const s = Math.max(0, Math.round(seconds));
    if (s < 2) return "just now";
    if (s < 120) return s + " s ago";
    if (s < 7200) return Math.round(s / 60) + " min ago";
    if (s < 172800) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " days ago";
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  /** Format a Unix time (seconds) in local time as "YYYY-MM-DD HH:MM:SS". */
  function timestamp(epoch) {
    const t = num(epoch);
    if (t === null) return "–";
    const d = new Date(t * 1000);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  /** Turn a time as the API may give it (Unix seconds, or an ISO / "YYYY-MM-DD
      HH:MM:SS" string in local time) into Unix seconds; null if unreadable. */
  function toEpoch(value) {
    if (typeof value === "number") return value;
    const n = num(value);
    if (n !== null) return n;
    if (typeof value !== "string") return null;
    const ms = Date.parse(value.includes("T") ? value : value.replace(" ", "T"));
    return Number.isNaN(ms) ? null : ms / 1000;
  }

  /** The colour of the battery gauge for a charge in percent. */
  function gaugeColour(charge, state) {
    if (state === "stale") return "var(--stale)";
    if (state === "lb" || (charge !== null && charge < 20)) return "var(--bad)";
    if (state === "ob" || (charge !== null && charge < 50)) return "var(--warn)";
    return "var(--ok)";
  }

  global.PynutdFormat = { classify, num, quantity, runtime, ago, timestamp, toEpoch, gaugeColour };
})(window);
