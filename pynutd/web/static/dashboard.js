/* pynutd dashboard: the page's behaviour.  Polls the JSON API every two
   seconds and updates the UPS cards and the selected UPS's detail in
   place; history, events and controls come from the v1 API (api.js). */
"use strict";

(function () {
  const F = window.PynutdFormat;
  const api = window.PynutdApi;
  const POLL_MS = 2000;
  const SAFETY_POLL_MS = 10000; // polling interval while the stream is up
  const EVENTS_EVERY = 3;       // polls between event-log refreshes (no stream)
  const HISTORY_REFRESH_S = 300; // reload the charts' history this often
  const SVG = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);
  const ui = {
    conn: $("conn"), overview: $("overview"), noUps: $("no-ups"), detail: $("detail"),
    title: $("detail-title"), charts: $("charts"), commands: $("commands"),
    controlHint: $("control-hint"), settings: $("settings"), settingsNone: $("settings-none"),
    settingsTitle: $("settings-title"),
    events: $("events").tBodies[0], eventsNone: $("events-none"), vars: $("vars").tBodies[0],
    who: $("who"), loginBtn: $("login-btn"), logoutBtn: $("logout-btn"),
    loginDialog: $("login-dialog"), loginForm: $("login-form"), loginError: $("login-error"),
    confirmDialog: $("confirm-dialog"), toast: $("toast"), result: $("control-result"),
    partsNotice: $("parts-notice"), partsOff: $("parts-off"),
  };

  const state = {
    cards: new Map(),       // ups name -> card elements
    devices: new Map(),     // ups name -> latest data from api.device()
    selected: null,         // name of the UPS shown in detail
    charts: null,           // PynutdCharts.ChartSet of the selected UPS
    historyLoaded: 0,       // when the selected UPS's history was fetched (s)
    range: Number(localStorage.getItem("pynutd.range")) || 21600,
    polls: 0,
    streaming: false,       // whether /api/v1/stream is connected
    controlsFor: null,      // UPS whose commands/settings are on screen
    lastOk: null,
  };

  // -- small DOM helpers ------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "dataset") Object.assign(node.dataset, v);
      else if (k in node) node[k] = v;
      else node.setAttribute(k, v);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  let toastTimer = null;
  function toast(text, kind) {
    ui.toast.textContent = text;
    ui.toast.dataset.kind = kind || "info";
    ui.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { ui.toast.hidden = true; }, kind === "error" ? 8000 : 4000);
  }

  // -- the overview cards -----------------------------------------------------

  const GAUGE_R = 44;
  const GAUGE_C = 2 * Math.PI * GAUGE_R;

  function makeGauge() {
    const g = svg("svg", { viewBox: "0 0 110 110", class: "gauge", role: "img" });
    g.append(svg("circle", { cx: 55, cy: 55, r: GAUGE_R, class: "track" }));
    const level = svg("circle", { cx: 55, cy: 55, r: GAUGE_R, class: "level",
      transform: "rotate(-90 55 55)", "stroke-dasharray": GAUGE_C, "stroke-dashoffset": GAUGE_C });
    const pct = svg("text", { x: 55, y: 60, class: "pct" });
    const lbl = svg("text", { x: 55, y: 78, class: "lbl" });
    lbl.textContent = "battery";
    g.append(level, pct, lbl);
    return { root: g, level, pct };
  }

  // The readings of a card: [label, key, render(vars)].
  const READINGS = [
    ["Runtime", "runtime", (v) => runtimeText(v)],
    ["Load", "load", (v) => loadText(v)],
    ["Input", "input", (v) => pair(v["input.voltage"], "V", v["input.frequency"], "Hz")],
    ["Output", "output", (v) => pair(v["output.voltage"], "V", v["output.frequency"], "Hz")],
    ["Battery", "battery", (v) => F.quantity(v["battery.voltage"], "V", 1)],
    ["Temperature", "temperature", (v) =>
      F.quantity(v["ups.temperature"] ?? v["battery.temperature"], "°C", 1)],
  ];

  // A runtime pynutd estimated (the UPS reports none) is shown as "≈ 38 min"
  // with the method in a tooltip: driver.parameter.runtime_estimate names it.
  const ESTIMATES = {
    runtimecal: "from ups.conf runtimecal (NUT's formula), the charge and the load",
    battery_ah: "from ups.conf battery_ah, the charge and the load",
    "battery_ah+history": "from battery_ah, refined by the discharges seen",
    history: "from the discharges seen (energy per % of charge), the charge and the load",
  };

  function runtimeText(v) {
    const text = F.runtime(v["battery.runtime"]);
    const method = v["driver.parameter.runtime_estimate"];
    return method && text !== "–" ? "≈ " + text : text;
  }

  function runtimeTitle(v) {
    const method = v["driver.parameter.runtime_estimate"];
    if (!method) return "";
    return "Estimated by pynutd: the UPS reports no runtime. Method: " +
      (ESTIMATES[method] || method);
  }

  function loadText(v) {
    const load = F.quantity(v["ups.load"], "%", 0);
    const power = F.num(v["ups.realpower"]) ?? F.num(v["ups.power"]);
    return power === null ? load : load + " · " + F.quantity(power, v["ups.realpower"] ? "W" : "VA", 0);
  }

  function pair(a, ua, b, ub) {
    const left = F.quantity(a, ua, 1);
    return F.num(b) === null ? left : left + " · " + F.quantity(b, ub, 1);
  }

  function makeCard(name) {
    const gauge = makeGauge();
    const badge = el("span", { className: "badge" });
    const readings = el("dl", { className: "readings" });
    const values = {};
    for (const [label, key] of READINGS) {
      values[key] = el("span", { className: "value" });
      readings.append(el("dt", {}, label), el("dd", { dataset: { reading: key } }, values[key]));
    }
    const loadbar = el("span");
    values.load.after(el("span", { className: "loadbar" }, loadbar));
    const card = el("article", { className: "card", tabIndex: 0, dataset: { ups: name } },
      el("div", { className: "card-head" }, el("h2", {}, name), badge),
      el("p", { className: "model" }),
      el("div", { className: "chips" }),
      el("div", { className: "card-body" }, gauge.root, readings),
      el("ul", { className: "alarms", "aria-label": "Alarms" }),
      el("p", { className: "updated" }));
    const open = () => {
      select(name);
      // On a phone the detail is far below the cards: bring it into view.
      if (ui.detail.getBoundingClientRect().top > window.innerHeight) ui.detail.scrollIntoView();
    };
    card.addEventListener("click", open);
    card.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
    ui.overview.append(card);
    const parts = { card, badge, gauge, values, loadbar,
      model: card.querySelector(".model"), chips: card.querySelector(".chips"),
      alarms: card.querySelector(".alarms"), updated: card.querySelector(".updated") };
    state.cards.set(name, parts);
    return parts;
  }

  function renderCard(name, dev) {
    const parts = state.cards.get(name) || makeCard(name);
    const v = dev.vars;
    const cls = F.classify(dev.status, dev.stale);
    parts.card.dataset.state = cls.state;
    parts.card.dataset.status = dev.status || "";
    parts.badge.textContent = cls.label;
    const model = [v["device.mfr"] || v["ups.mfr"], v["device.model"] || v["ups.model"]]
      .filter(Boolean).join(" ");
    parts.model.textContent = [model, dev.description].filter(Boolean).join(" — ");
    parts.chips.replaceChildren(...cls.chips.map((c) => el("span", { className: "chip" }, c)));
    const charge = F.num(v["battery.charge"]);
    const frac = charge === null ? 0 : Math.max(0, Math.min(100, charge)) / 100;
    parts.gauge.level.setAttribute("stroke-dashoffset", String(GAUGE_C * (1 - frac)));
    parts.gauge.root.style.setProperty("--gauge", F.gaugeColour(charge, cls.state));
    parts.gauge.pct.textContent = charge === null ? "–" : Math.round(charge) + "%";
    parts.gauge.root.setAttribute("aria-label", "battery " + parts.gauge.pct.textContent);
    for (const [, key, render] of READINGS) parts.values[key].textContent = render(v);
    parts.values.runtime.title = runtimeTitle(v);
    parts.values.runtime.classList.toggle("estimate", Boolean(v["driver.parameter.runtime_estimate"]));
    const load = F.num(v["ups.load"]);
    parts.loadbar.style.width = (load === null ? 0 : Math.min(100, load)) + "%";
    parts.alarms.replaceChildren(...dev.alarms.map((a) => el("li", {}, a)));
    const last = dev.updated ? F.timestamp(dev.updated) : null;
    parts.updated.textContent = dev.stale
      ? "no data from the UPS" + (last ? " since " + last : "") + (dev.reason ? " (" + dev.reason + ")" : "")
      : "updated " + (last || "–");
  }

  // -- the detail of the selected UPS ----------------------------------------

  function select(name) {
    if (!state.devices.has(name)) return;
    if (state.selected !== name) {
      state.selected = name;
      history.replaceState(null, "", "#ups=" + encodeURIComponent(name));
      if (state.charts) state.charts.destroy();
      state.charts = null;
      state.historyLoaded = 0;
      state.controlsFor = null;
      ui.events.replaceChildren();
      ui.vars.replaceChildren();
    }
    for (const [n, parts] of state.cards) parts.card.setAttribute("aria-current", String(n === name));
    ui.detail.hidden = false;
    ui.title.textContent = name;
    refreshDetail(true);
  }

  async function refreshDetail(full) {
    const name = state.selected;
    const dev = state.devices.get(name);
    if (!dev) return;
    renderVars(dev.vars);
    const now = Date.now() / 1000;
    if (!state.charts) {
      state.charts = new PynutdCharts.ChartSet(ui.charts, new Set(Object.keys(dev.vars)));
      full = true;
    }
    if (full || now - state.historyLoaded > HISTORY_REFRESH_S) {
      state.historyLoaded = now;
      loadHistory(name);
    } else if (!dev.stale) {
      state.charts.append(dev.updated ?? now, dev.vars, now - state.range);
    }
    if (full) loadEvents(name);
    if (state.controlsFor !== controlsKey(name)) loadControls(name);
    else updateSettingValues(dev.vars);
  }

  async function loadHistory(name) {
    const since = Date.now() / 1000 - state.range;
    const wanted = PynutdCharts.chartedVars().filter((v) => v in state.devices.get(name).vars);
    let series = {};
    try {
      series = await api.history(name, wanted, since, Math.min(1000, Math.max(200, ui.charts.clientWidth)));
    } catch (err) {
      series = {};
    }
    if (state.selected !== name || !state.charts) return;
    state.charts.setHistory(series, since, Date.now() / 1000);
  }

  function renderVars(vars) {
    const rows = Object.keys(vars).sort().map((k) =>
      el("tr", {}, el("td", {}, k), el("td", { className: "num" }, vars[k])));
    ui.vars.replaceChildren(...rows);
  }

  async function loadEvents(name) {
    let events;
    try {
      events = await api.events(name);
    } catch (err) {
      return;
    }
    if (state.selected !== name) return;
    ui.events.replaceChildren(...events.map(eventRow));
    ui.eventsNone.hidden = events.length > 0;
  }

  function eventRow(e) {
    return el("tr", { dataset: { kind: e.kind, severity: e.severity, id: e.id ?? "" } },
      el("td", { className: "time" }, F.timestamp(e.time)),
      el("td", {}, e.kind.replace("_", " ")),
      el("td", {}, e.text),
      el("td", {}, e.user || ""));
  }

  /** A new log entry from the stream: shown at once for the selected UPS. */
  function addEvent(e) {
    if (e.ups !== state.selected && String(e.ups).toLowerCase() !== String(state.selected).toLowerCase()) return;
    if (e.id !== undefined && ui.events.querySelector('tr[data-id="' + CSS.escape(String(e.id)) + '"]')) return;
    ui.events.prepend(eventRow(e));
    while (ui.events.rows.length > 100) ui.events.deleteRow(-1);
    ui.eventsNone.hidden = true;
  }

  // -- commands and settings (after login) ------------------------------------

  /** What the controls on screen depend on: redrawn when any of it changes
      (another UPS, a login, a driver that now offers other commands). */
  function controlsKey(name) {
    const dev = state.devices.get(name) || { commands: [], rw: [] };
    return [name, api.user() || "", dev.commands.join(","), dev.rw.join(",")].join("|");
  }

  async function loadControls(name) {
    state.controlsFor = controlsKey(name);
    const loggedIn = Boolean(api.user());
    ui.controlHint.hidden = loggedIn;
    ui.result.hidden = true;
    ui.commands.replaceChildren();
    ui.settings.replaceChildren();
    ui.settingsTitle.hidden = !loggedIn;
    ui.settingsNone.hidden = true;
    if (!loggedIn) return;
    const [commands, rwvars] = await Promise.all([
      api.commands(name).catch(() => []), api.rwvars(name).catch(() => [])]);
    if (state.selected !== name) return;
    ui.commands.replaceChildren(...commands.map((c) => el("button", {
      type: "button", className: /off|shutdown|kill/i.test(c.name) ? "danger" : "",
      title: c.description || "", dataset: { cmd: c.name },
      onclick: () => confirmCommand(name, c),
    }, c.name)));
    if (!commands.length) ui.commands.append(el("p", { className: "hint" }, "No instant commands."));
    ui.settingsNone.hidden = rwvars.length > 0;
    for (const info of rwvars) addSetting(name, info);
  }

  /** One writable variable: a select for an enum, a number field bounded
      by its ranges, else a text field as long as NUT allows. */
  function addSetting(name, info) {
    let input;
    const enums = info.enum || [];
    const ranges = info.range || [];
    if (enums.length) {
      const options = enums.includes(String(info.value)) ? enums : [String(info.value)].concat(enums);
      input = el("select", {}, ...options.map((o) => el("option", { value: o }, o)));
    } else if (ranges.length) {
      input = el("input", { type: "number", step: "1", inputMode: "numeric",
        min: Math.min(...ranges.map((r) => r[0])), max: Math.max(...ranges.map((r) => r[1])) });
    } else if (info.string_len > 0) {
      input = el("input", { type: "text", maxLength: info.string_len });
    } else {
      input = el("input", { type: "text", inputMode: "decimal" });
    }
    input.value = info.value ?? "";
    input.dataset.var = info.name;
    input.id = "set-" + info.name;
    const description = info.description && info.description !== "Description unavailable"
      ? info.description : "";
    const label = el("label", { htmlFor: input.id }, info.name,
      description ? el("small", {}, description) : null);
    const button = el("button", { type: "button", dataset: { setVar: info.name } }, "Set");
    button.addEventListener("click", () => setVar(name, info.name, input, button));
    ui.settings.append(label, input, button);
  }

  function updateSettingValues(vars) {
    for (const input of ui.settings.querySelectorAll("[data-var]")) {
      if (document.activeElement === input || input.dataset.dirty) continue;
      const value = vars[input.dataset.var];
      if (value !== undefined) input.value = value;
    }
  }

  function confirmCommand(name, command) {
    $("confirm-title").textContent = "Run " + command.name + "?";
    $("confirm-text").textContent = (command.description ? command.description + ". " : "") +
      "This is sent to " + name + " now.";
    $("confirm-ok").textContent = "Run " + command.name;
    ui.confirmDialog.returnValue = "";
    ui.confirmDialog.onclose = () => {
      if (ui.confirmDialog.returnValue === "ok") runCommand(name, command.name);
    };
    ui.confirmDialog.showModal();
  }

  /** Show the outcome of a write beside the controls, and as a toast. */
  function report(text, kind) {
    ui.result.textContent = text;
    ui.result.dataset.kind = kind;
    ui.result.hidden = false;
    toast(text, kind);
  }

  async function runCommand(name, cmd) {
    report("Running " + cmd + " on " + name + "…", "info");
    try {
      report(await api.runCommand(name, cmd), "ok");
    } catch (err) {
      failed(err, cmd + " failed");
    }
    loadEvents(name);
  }

  async function setVar(name, variable, input, button) {
    const value = input.value;
    button.disabled = true;
    try {
      report(await api.setVar(name, variable, value), "ok");
      delete input.dataset.dirty;
    } catch (err) {
      failed(err, "Setting " + variable + " failed");
    } finally {
      button.disabled = false;
    }
    loadEvents(name);
  }

  function failed(err, what) {
    if (err.status === 401) {
      api.logout();
      showLogin();
      ui.loginError.textContent = "Log in again: the server refused these credentials.";
      loginChanged();
    }
    const reason = err.reason ? " (" + err.reason + ")" : "";
    report(what + ": " + err.message + reason, "error");
  }

  // -- login -------------------------------------------------------------------

  function showLogin() {
    ui.loginError.textContent = "";
    ui.loginDialog.showModal();
    $("login-user").focus();
  }

  function loginChanged() {
    const user = api.user();
    ui.who.hidden = !user;
    ui.who.textContent = user ? "Logged in as " + user : "";
    ui.loginBtn.hidden = Boolean(user);
    ui.logoutBtn.hidden = !user;
    if (state.selected) loadControls(state.selected);
  }

  async function submitLogin(event) {
    event.preventDefault();
    const user = $("login-user").value;
    const password = $("login-password").value;
    ui.loginError.textContent = "";
    try {
      await api.login(user, password, state.selected);
    } catch (err) {
      ui.loginError.textContent = err.status === 401 ? "Wrong user name or password." : err.message;
      return;
    }
    $("login-password").value = "";
    ui.loginDialog.close();
    loginChanged();
    toast("Logged in as " + user, "ok");
  }

  // -- optional parts that are off ------------------------------------------

  // The names GET /api/health gives the parts (pynutd.service), in words.
  const PART_NAMES = { history: "History database", web: "Web port", "log-file": "Log file",
                       mqtt: "MQTT", zeroconf: "Zeroconf" };

  /** Show each part that is off, with why, above the cards; hide the notice when none is. */
  function renderParts(off) {
    ui.partsOff.replaceChildren(...off.map((p) => el("li", { dataset: { part: p.name } },
      el("strong", {}, PART_NAMES[p.name] || p.name), ": " + p.reason)));
    ui.partsNotice.hidden = off.length === 0;
  }

  async function checkParts() {
    try {
      renderParts(api.partsOff(await api.health()));
    } catch (err) {
      // pynutd unreachable: the top bar already says so.
    }
  }

  // -- live data: the stream, and polling as its safety net -----------------

  function applyDevice(dev) {
    const known = state.devices.has(dev.name);
    state.devices.set(dev.name, dev);
    renderCard(dev.name, dev);
    ui.noUps.hidden = true;
    if (!known && !state.selected) selectFromHash(false);
    else if (state.selected === dev.name) refreshDetail(false);
  }

  function applyList(devices) {
    const names = devices.map((d) => d.name);
    for (const [name, parts] of state.cards) {
      if (!names.includes(name)) {
        parts.card.remove();
        state.cards.delete(name);
        state.devices.delete(name);
      }
    }
    for (const dev of devices) {
      state.devices.set(dev.name, dev);
      renderCard(dev.name, dev);
    }
    // Keep the cards in ups.conf order, whatever order they arrived in.
    const order = Array.from(ui.overview.querySelectorAll(".card")).map((c) => c.dataset.ups);
    if (order.join("\n") !== names.join("\n")) {
      for (const name of names) ui.overview.append(state.cards.get(name).card);
    }
    ui.noUps.hidden = devices.length > 0;
    if (state.selected && !state.devices.has(state.selected)) {
      state.selected = null;
      ui.detail.hidden = true;
    }
    if (!state.selected) selectFromHash(true);
    else refreshDetail(false);
  }

  /** Select the UPS named in the address (#ups=NAME), else the first one.
      The stream announces UPSes one by one: until the whole list is known
      (`complete`), wait for the named one rather than pick another. */
  function selectFromHash(complete) {
    const wanted = decodeURIComponent((location.hash.match(/ups=([^&]+)/) || [])[1] || "");
    const names = Array.from(state.devices.keys());
    if (names.includes(wanted)) select(wanted);
    else if (names.length && (complete || !wanted)) select(names[0]);
  }

  function showConnection(ok) {
    if (ok) state.lastOk = Date.now();
    ui.conn.dataset.state = ok ? "live" : "error";
    ui.conn.textContent = ok
      ? "live · " + F.timestamp(Date.now() / 1000).slice(11)
      : "pynutd unreachable" + (state.lastOk ? " since " + F.timestamp(state.lastOk / 1000).slice(11) : "");
  }

  async function poll() {
    state.polls += 1;
    try {
      applyList(await api.devices());
      showConnection(true);
      checkParts();
      // Without the stream, the event log is refreshed by polling too.
      if (!state.streaming && state.selected && state.polls % EVENTS_EVERY === 0) loadEvents(state.selected);
    } catch (err) {
      showConnection(false);
    } finally {
      // The stream pushes every change; polling then only catches removed
      // UPSes and keeps the clock in the top bar honest.
      setTimeout(poll, state.streaming ? SAFETY_POLL_MS : POLL_MS);
    }
  }

  function startStream() {
    if (typeof EventSource === "undefined") return;
    api.stream({
      open: () => { state.streaming = true; showConnection(true); },
      error: () => { state.streaming = false; },
      ups: (dev) => { applyDevice(dev); showConnection(true); },
      event: addEvent,
    });
  }

  function init() {
    for (const b of document.querySelectorAll("[data-range]")) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.range) === state.range));
      b.addEventListener("click", () => {
        state.range = Number(b.dataset.range);
        localStorage.setItem("pynutd.range", String(state.range));
        for (const o of document.querySelectorAll("[data-range]")) {
          o.setAttribute("aria-pressed", String(o === b));
        }
        if (state.selected) { state.historyLoaded = 0; loadHistory(state.selected); }
      });
    }
    ui.loginBtn.addEventListener("click", showLogin);
    ui.logoutBtn.addEventListener("click", () => { api.logout(); loginChanged(); });
    ui.loginForm.addEventListener("submit", submitLogin);
    $("login-cancel").addEventListener("click", () => ui.loginDialog.close());
    ui.settings.addEventListener("input", (e) => { e.target.dataset.dirty = "1"; });
    loginChanged();
    poll();
    startStream();
  }

  init();
})();
