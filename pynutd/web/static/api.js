/* pynutd dashboard: the JSON API as the page uses it (docs/web-api.md),
   exported as window.PynutdApi.  Every path is relative, so the dashboard
   also works behind a reverse proxy that serves pynutd under a prefix.
   Login credentials live in sessionStorage only (gone with the tab) and
   are sent as HTTP Basic on writes, exactly as curl -u would. */
"use strict";

(function (global) {
  const AUTH_KEY = "pynutd.auth";

  class ApiError extends Error {
    constructor(status, message, nutError, reason) {
      super(message);
      this.status = status;
      this.nutError = nutError || null;
      this.reason = reason || null;
    }
  }

  function auth() {
    return sessionStorage.getItem(AUTH_KEY);
  }

  function basic(user, password) {
    // btoa takes Latin-1 only; encode UTF-8 first so any password works.
    const bytes = new TextEncoder().encode(user + ":" + password);
    return "Basic " + btoa(String.fromCharCode(...bytes));
  }

  async function request(method, path, options) {
    const opts = options || {};
    // X-Requested-With: pynutd then answers a 401 without a Basic challenge,
    // so no browser shows its own password dialog over the page's login.
    const headers = { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" };
    const credentials = opts.auth || (opts.withAuth ? auth() : null);
    if (credentials) headers.Authorization = credentials;
    if (opts.body !== undefined) headers["Content-Type"] = "text/plain; charset=utf-8";
    // credentials: "omit" keeps the browser's own Basic prompt and cache
    // out of it: the page alone decides what is sent.
    const response = await fetch(path, { method, headers, body: opts.body,
      cache: "no-store", credentials: "omit" });
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const text = data && data.error ? data.error : response.status + " " + response.statusText;
      throw new ApiError(response.status, text, data && data.nut_error, data && data.reason);
    }
    return data;
  }

  const enc = encodeURIComponent;

  /** A UPS summary (GET /api/v1/ups) in the form the page draws. */
  function device(summary) {
    const tokens = summary.status_tokens || String(summary.status || "").split(/\s+/);
    return {
      name: summary.name,
      description: summary.desc || "",
      vars: summary.vars || {},
      status: tokens.filter(Boolean).join(" "),
      stale: summary.availability !== "OK",
      reason: summary.availability === "OK" ? "" : summary.availability,
      updated: summary.last_update,
      alarms: summary.alarms || [],
      commands: summary.commands || [],
      rw: summary.rw || [],
    };
  }

  const SEVERITY = { alert: "warning", comm: "warning", fsd: "critical" };

  /** An event-log entry (GET .../events) in the form the page draws. */
  function event(e) {
    let severity = SEVERITY[e.kind] || "";
    if (e.kind === "status" && /\b(LB|FSD)\b/.test((e.detail && e.detail.new) || "")) severity = "critical";
    if (e.kind === "comm" && /restored|connected$/i.test(e.message || "")) severity = "";
    return { id: e.id, ups: e.ups, time: e.time, kind: e.kind, text: e.message || "",
             user: e.user, severity };
  }

  /** The optional parts that are off, from GET /api/health's `parts`
      ({name: "ok" | "off: reason"}): [{name, reason}], in the server's order. */
  function partsOff(health) {
    return Object.entries((health && health.parts) || {})
      .filter(([, state]) => state !== "ok")
      .map(([name, state]) => ({ name, reason: String(state).replace(/^off:\s*/, "") }));
  }

  const api = {
    ApiError,
    partsOff,

    /** pynutd's own health: status, uptime and, when there are any, its parts. */
    async health() {
      return request("GET", "api/health");
    },

    /** Every UPS, stale ones included. */
    async devices() {
      return (await request("GET", "api/v1/ups")).map(device);
    },

    /** History of `vars` since Unix time `since`: {var: [[t, v], ...]}. */
    async history(ups, vars, since, points) {
      const q = vars.map((v) => "var=" + enc(v)).join("&");
      const data = await request("GET", "api/v1/devices/" + enc(ups) + "/history?" + q +
        "&since=" + Math.floor(since) + "&points=" + (points || 500));
      return data.series || {};
    },

    /** The newest events of a UPS, newest first. */
    async events(ups, limit) {
      const data = await request("GET", "api/v1/devices/" + enc(ups) + "/events?since=-30d&limit=" +
        (limit || 100));
      return data.map(event);
    },

    /** Instant commands with their descriptions: [{name, description}]. */
    async commands(ups) {
      const list = await request("GET", "api/v1/devices/" + enc(ups) + "/commands?detail=true");
      return list.map((c) => (typeof c === "string" ? { name: c, description: "" } : c));
    },

    /** Writable variables with type, enum, range and description. */
    async rwvars(ups) {
      return request("GET", "api/v1/devices/" + enc(ups) + "/rwvars?detail=true");
    },

    async runCommand(ups, cmd) {
      return request("POST", "api/v1/devices/" + enc(ups) + "/command/" + enc(cmd),
        { withAuth: true });
    },

    async setVar(ups, name, value) {
      return request("POST", "api/v1/devices/" + enc(ups) + "/var/" + enc(name),
        { withAuth: true, body: String(value) });
    },

    /** Check credentials with the server (GET /api/v1/whoami), then keep them. */
    async login(user, password) {
      const credentials = basic(user, password);
      const who = await request("GET", "api/v1/whoami", { auth: credentials });
      sessionStorage.setItem(AUTH_KEY, credentials);
      sessionStorage.setItem(AUTH_KEY + ".user", who.user || user);
      return who;
    },

    logout() {
      sessionStorage.removeItem(AUTH_KEY);
      sessionStorage.removeItem(AUTH_KEY + ".user");
    },

    /** The logged-in user's name, or null. */
    user() {
      return auth() ? sessionStorage.getItem(AUTH_KEY + ".user") : null;
    },

    /** Follow GET /api/v1/stream: handlers.ups(device), handlers.event(event),
        handlers.open(), handlers.error().  Returns the EventSource. */
    stream(handlers) {
      const source = new EventSource("api/v1/stream");
      source.addEventListener("open", () => handlers.open());
      source.addEventListener("error", () => handlers.error());
      source.addEventListener("ups", (m) => handlers.ups(device(JSON.parse(m.data))));
      source.addEventListener("event", (m) => handlers.event(event(JSON.parse(m.data))));
      return source;
    },
  };

  global.PynutdApi = api;
})(window);
