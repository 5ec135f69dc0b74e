// hl7gate dashboard: polls the admin API every two seconds and renders what it returns. Plain JavaScript,
// no libraries. Everything from the API is put into the page as text (textContent), never as markup:
// fields such as the sending application come from the monitors and are not trusted.
"use strict";

const POLL_MS = 2000;
const PAGE_SIZE = 50;
const RATE_WINDOW_MS = 30000; // message rate over the last 30 s of polls
const EPISODE_GAP_MS = 120000; // findings of one rule on one monitor this close form one episode
const KEEP_EVENTS = 2000; // per kind, in this tab
const EVENT_KINDS = ["vitals", "connection", "policy", "delivery", "throttle"];

const state = {
  token: sessionStorage.getItem("hl7gate-token") || "",
  skew: 0, // server clock minus browser clock, from the Date header
  monitors: [],
  history: new Map(), // monitor id -> [[time ms, messages], ...]
  stations: [],
  egress: [],
  events: Object.fromEntries(EVENT_KINDS.map((k) => [k, []])),
  since: Object.fromEntries(EVENT_KINDS.map((k) => [k, 0])),
  devices: null, // null: no inventory API; else array
  devicesCheckedAt: 0,
  page: 0,
  timer: 0,
};

class AuthError extends Error {}

const $ = (id) => document.getElementById(id);

// api fetches path from the admin API; 401 raises AuthError, other failures Error. It returns the
// Response so that callers can read JSON, text or the status.
async function api(path, okStatuses = [200]) {
  const headers = {};
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const resp = await fetch(path, { headers, cache: "no-store" });
  if (resp.status === 401) throw new AuthError(path);
  const date = resp.headers.get("Date");
  if (date) state.skew = Date.parse(date) - Date.now();
  if (!okStatuses.includes(resp.status)) throw new Error(path + ": HTTP " + resp.status);
  return resp;
}

async function json(path) {
  return (await (await api(path)).json()) || [];
}

function now() {
  return Date.now() + state.skew;
}

// ---- polling ----

async function poll() {
  clearTimeout(state.timer);
  try {
    await Promise.all([pollHealth(), pollMonitors(), pollStations(), pollEgress(), pollEvents(), pollDevices()]);
    $("updated").textContent = clock(Date.now());
    showProblem("");
    render();
  } catch (e) {
    if (e instanceof AuthError) {
      askToken(state.token ? "The token was not accepted." : "");
      return; // polling resumes when a token is entered
    }
    showProblem("Cannot reach the gateway's admin API (" + e.message + "). Showing the last data received.");
    $("health").textContent = "unreachable";
    $("health").className = "badge bad";
  }
  state.timer = setTimeout(poll, POLL_MS);
}

async function pollHealth() {
  const h = await api("/healthz");
  $("health").textContent = h.ok ? "alive" : "HTTP " + h.status;
  $("health").className = "badge " + (h.ok ? "ok" : "bad");
  const r = await api("/readyz", [200, 503]);
  const text = (await r.text()).trim();
  $("ready").textContent = r.ok ? "ready" : "not ready: " + text;
  $("ready").className = "badge " + (r.ok ? "ok" : "bad");
}

async function pollMonitors() {
  const ms = await json("/api/monitors");
  const t = Date.now(); // the browser's clock: the Date header's whole seconds are too coarse for a rate
  const seen = new Set();
  for (const m of ms) {
    seen.add(m.id);
    let h = state.history.get(m.id);
    if (!h) state.history.set(m.id, (h = []));
    h.push([t, m.messages]);
    while (h.length > 2 && t - h[0][0] > RATE_WINDOW_MS) h.shift();
  }
  for (const id of state.history.keys()) if (!seen.has(id)) state.history.delete(id);
  state.monitors = ms;
}

async function pollStations() {
  state.stations = await json("/api/stations");
}

async function pollEgress() {
  state.egress = await json("/api/egress");
}

// pollEvents fetches the events newer than the last one seen, per kind, catching up in pages.
async function pollEvents() {
  await Promise.all(EVENT_KINDS.map(async (kind) => {
    for (let pages = 0; pages < 10; pages++) {
      const evs = await json("/api/events?kind=" + kind + "&limit=1000&since=" + state.since[kind]);
      if (evs.length === 0) return;
      const list = state.events[kind];
      list.push(...evs);
      if (list.length > KEEP_EVENTS) list.splice(0, list.length - KEEP_EVENTS);
      state.since[kind] = evs[evs.length - 1].id;
      if (evs.length < 1000) return;
    }
  }));
}

// pollDevices reads the device inventory when the gateway has one; without it (404, or an answer that
// is not a list) the page checks again every 30 s and leaves the model columns out. Only a 401 is an
// error here: the rest of the page works without the inventory. A 401 is no answer about the inventory:
// the first poll after the token is entered asks again, so watchlisted devices are marked at once.
async function pollDevices() {
  if (state.devices === null && Date.now() - state.devicesCheckedAt < 30000) return;
  state.devicesCheckedAt = Date.now();
  try {
    const body = await (await api("/api/devices")).json();
    state.devices = Array.isArray(body) ? body : (body && Array.isArray(body.devices) ? body.devices : null);
  } catch (e) {
    if (e instanceof AuthError) {
      state.devicesCheckedAt = 0;
      throw e;
    }
    state.devices = null;
  }
}

// ---- token ----

function askToken(message) {
  $("main").hidden = true;
  $("token-form").hidden = false;
  $("token-error").textContent = message;
  $("token-error").hidden = !message;
  $("token").focus();
}

function tokenSubmitted(ev) {
  ev.preventDefault();
  state.token = $("token").value.trim();
  sessionStorage.setItem("hl7gate-token", state.token);
  $("token").value = "";
  $("token-form").hidden = true;
  $("main").hidden = false;
  poll();
}

function showProblem(text) {
  $("problem").textContent = text;
  $("problem").hidden = !text;
}

// ---- formatting ----

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null || text === "" ? "—" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function badge(tr, text, cls) {
  const td = document.createElement("td");
  const b = document.createElement("span");
  b.className = "badge " + cls;
  b.textContent = text;
  td.appendChild(b);
  tr.appendChild(td);
  return td;
}

function emptyRow(tbody, cols, text) {
  const tr = document.createElement("tr");
  const td = cell(tr, text, "empty");
  td.colSpan = cols;
  tbody.appendChild(tr);
}

function ago(iso) {
  const t = Date.parse(iso);
  if (!iso || isNaN(t) || t <= 0) return "—";
  const s = Math.max(0, Math.round((now() - t) / 1000));
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min ago";
  return new Date(t).toLocaleString();
}

function clock(iso) {
  const t = typeof iso === "number" ? iso : Date.parse(iso);
  if (isNaN(t)) return "—";
  const d = new Date(t);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

// hd shows an HL7 hierarchic designator (MSH-3, OBX-18) by its first non-empty component; the whole
// value is in the cell's title.
function hd(tr, v) {
  const td = cell(tr, first(v));
  if (v) td.title = v;
  return td;
}

function num(v) {
  return typeof v === "number" && isFinite(v) ? String(Math.round(v * 100) / 100) : "";
}

// pick returns the first of obj's fields named in names that has a value; each name is also tried
// capitalised and in upper case (model, Model; eui64, EUI64): the inventory API may name its fields in
// JSON's snake_case or as Go's field names.
function pick(obj, names) {
  if (!obj || typeof obj !== "object") return undefined;
  for (const n of names) {
    for (const k of [n, n[0].toUpperCase() + n.slice(1), n.toUpperCase()]) {
      const v = obj[k];
      if (v !== undefined && v !== null && v !== "") return v;
    }
  }
  return undefined;
}

// first returns the first non-empty component of an HL7 value (MSH-3, OBX-18), or "".
function first(v) {
  return typeof v === "string" ? v.split("^").find((c) => c !== "") || "" : "";
}

function replaceBody(table, rows) {
  const tbody = table.tBodies[0];
  tbody.replaceChildren(...rows);
  return tbody;
}

// ---- derived data ----

function messageRate(id) { // messages per minute over the rate window, or undefined
  const h = state.history.get(id);
  if (!h || h.length < 2) return undefined;
  const [t0, n0] = h[0];
  const [t1, n1] = h[h.length - 1];
  if (t1 <= t0 || n1 < n0) return undefined;
  return ((n1 - n0) * 60000) / (t1 - t0);
}

function monitorOf(e) {
  return (e.listener || "") + "/" + (e.source || "");
}

// episodes groups the vital-sign findings by monitor and rule into runs with gaps under EPISODE_GAP_MS,
// newest first.
function episodes() {
  const open = new Map();
  const out = [];
  for (const e of state.events.vitals) {
    const key = monitorOf(e) + "\u0000" + e.rule;
    const t = Date.parse(e.time);
    let ep = open.get(key);
    if (!ep || t - ep.lastT > EPISODE_GAP_MS) {
      ep = { monitor: monitorOf(e), rule: e.rule, first: e.time, count: 0, severity: e.severity };
      open.set(key, ep);
      out.push(ep);
    }
    ep.count += e.count || 1; // an event may aggregate repeats (count)
    ep.last = e;
    ep.lastT = t;
    if (e.severity === "critical") ep.severity = "critical";
  }
  return out.sort((a, b) => b.lastT - a.lastT);
}

// device reads one entry of the inventory API, whose fields may sit at the top or under "identity".
function device(d) {
  const id = pick(d, ["identity"]) || {};
  const get = (names) => pick(d, names) ?? pick(id, names);
  const list = (names) => [].concat(get(names) ?? []);
  return {
    manufacturer: get(["manufacturer"]),
    model: get(["model"]),
    firmware: get(["firmware", "firmware_version"]) ?? get(["software", "software_version"]),
    keys: [get(["eui64"]), get(["equipment"])].filter((k) => k), // not MSH-3.1: one model's devices share it
    addrs: list(["addrs", "addresses", "address"]),
    listeners: list(["listeners", "listener"]),
    watch: get(["watchlist"]),
  };
}

// deviceIndex maps monitor ids (listener/address), addresses and device identifiers (EUI-64, OBX-18.1)
// to inventory entries, whichever of those the inventory API carries.
function deviceIndex() {
  const idx = new Map();
  if (!state.devices) return idx;
  const add = (k, d) => { if (!idx.has(k)) idx.set(k, d); };
  for (const raw of state.devices) {
    const d = device(raw);
    for (const a of d.addrs) {
      for (const l of d.listeners) add("m:" + l + "/" + a, d);
      add("a:" + a, d);
    }
    for (const k of d.keys) add("k:" + String(k).toUpperCase(), d);
  }
  return idx;
}

// deviceFor finds monitor m's inventory entry: by listener and address, else by its equipment (OBX-18.1)
// or EUI-64 (MSH-3.2), else by address alone.
function deviceFor(idx, m) {
  const ids = [first(m.equipment), (m.sending_application || "").split("^")[1]].filter((k) => k);
  return idx.get("m:" + m.id) || ids.map((k) => idx.get("k:" + k.toUpperCase())).find((d) => d) ||
    idx.get("a:" + m.source);
}

function onWatchlist(d) {
  const w = d && d.watch;
  if (!w) return "";
  if (w === true) return "yes";
  if (Array.isArray(w)) return w.length ? w.map((x) => (typeof x === "object" ? pick(x, ["advisory", "id", "name"]) : x)).join(", ") : "";
  if (typeof w === "object") return pick(w, ["advisory", "id", "name", "reason"]) || "yes";
  return String(w);
}

// ---- rendering ----

function render() {
  renderStations();
  renderMonitors();
  renderFindings();
  renderEgress();
  renderRefused();
}

function renderStations() {
  const rows = state.stations.map((s) => {
    const tr = document.createElement("tr");
    tr.className = s.up ? "up" : "down";
    tr.dataset.station = s.name;
    cell(tr, s.name);
    cell(tr, s.address);
    badge(tr, s.up ? "UP" : "DOWN", s.up ? "up" : "down");
    cell(tr, ago(s.last_change));
    const lat = pick(s, ["latency_ms", "latency"]);
    cell(tr, lat === undefined ? "" : typeof lat === "number" ? num(lat) + " ms" : lat);
    cell(tr, num(pick(s, ["queue", "queue_length", "queued"])));
    cell(tr, s.last_error);
    return tr;
  });
  const tbody = replaceBody($("stations"), rows);
  if (!rows.length) emptyRow(tbody, 7, "No stations configured.");
}

function monitorColumns(withDevices) {
  const cols = [["Monitor"], ["Listener"], ["Application (MSH-3)"], ["Equipment (OBX-18)"]];
  if (withDevices) cols.push(["Manufacturer"], ["Model"], ["Firmware"], ["Watchlist"]);
  cols.push(["Connections", "num"], ["Last seen"], ["Msg/min", "num"], ["Messages", "num"], ["Errors", "num"],
    ["Findings", "num"]);
  return cols;
}

function renderMonitors() {
  const withDevices = state.devices !== null;
  const cols = monitorColumns(withDevices);
  const head = $("monitors").tHead.rows[0];
  if (head.cells.length !== cols.length) {
    head.replaceChildren(...cols.map(([name, cls]) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      if (cls) th.className = cls;
      return th;
    }));
  }

  const findings = new Map(); // monitor id -> vital-sign findings in this tab's window
  for (const e of state.events.vitals) findings.set(monitorOf(e), (findings.get(monitorOf(e)) || 0) + (e.count || 1));
  const idx = deviceIndex();
  const filter = $("monitor-filter").value.trim().toLowerCase();
  const flaggedOnly = $("monitor-flagged").checked;

  let list = state.monitors.map((m) => {
    const d = withDevices ? deviceFor(idx, m) : undefined;
    return {
      m, d,
      findings: findings.get(m.id) || 0,
      rate: messageRate(m.id),
      watch: onWatchlist(d),
      model: d && d.model,
      manufacturer: d && d.manufacturer,
      firmware: d && d.firmware,
    };
  });
  if (flaggedOnly) list = list.filter((r) => r.findings > 0 || r.watch);
  if (filter) {
    list = list.filter((r) => [r.m.id, r.m.listener, r.m.source, r.m.sending_application, r.m.sending_facility,
      r.m.equipment, r.model, r.manufacturer, r.firmware, r.watch]
      .some((v) => v !== undefined && String(v).toLowerCase().includes(filter)));
  }
  const sort = $("monitor-sort").value;
  const byID = (a, b) => (a.m.id < b.m.id ? -1 : a.m.id > b.m.id ? 1 : 0);
  const cmp = {
    findings: (a, b) => (b.watch ? 1 : 0) - (a.watch ? 1 : 0) || b.findings - a.findings || byID(a, b),
    id: byID,
    silent: (a, b) => Date.parse(a.m.last_seen || 0) - Date.parse(b.m.last_seen || 0) || byID(a, b),
    rate: (a, b) => (b.rate || 0) - (a.rate || 0) || byID(a, b),
  }[sort] || byID;
  list.sort(cmp);

  const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
  state.page = Math.min(state.page, pages - 1);
  const start = state.page * PAGE_SIZE;
  const shown = list.slice(start, start + PAGE_SIZE);
  $("monitors-count").textContent = "(" + state.monitors.length + (list.length !== state.monitors.length ? ", " + list.length + " match" : "") + ")";
  $("page-info").textContent = list.length ? (start + 1) + "–" + (start + shown.length) + " of " + list.length + " · page " + (state.page + 1) + " of " + pages : "";
  $("page-prev").disabled = state.page === 0;
  $("page-next").disabled = state.page >= pages - 1;

  const rows = shown.map((r) => {
    const m = r.m;
    const tr = document.createElement("tr");
    tr.dataset.monitor = m.id;
    if (r.watch) tr.className = "watch";
    else if (r.findings) tr.className = "flagged";
    cell(tr, m.source || m.id);
    cell(tr, m.listener);
    hd(tr, m.sending_application);
    hd(tr, m.equipment);
    if (withDevices) {
      cell(tr, r.manufacturer);
      cell(tr, r.model);
      cell(tr, r.firmware);
      cell(tr, r.watch, r.watch ? "sev-critical" : "");
    }
    cell(tr, m.open_connections, "num");
    cell(tr, ago(m.last_seen));
    cell(tr, r.rate === undefined ? "" : Math.round(r.rate), "num rate");
    cell(tr, m.messages, "num");
    cell(tr, m.errors, "num");
    cell(tr, r.findings, "num findings" + (r.findings ? " sev-warning" : ""));
    return tr;
  });
  const tbody = replaceBody($("monitors"), rows);
  if (!rows.length) emptyRow(tbody, cols.length, state.monitors.length ? "No monitor matches the filter." : "No monitor seen yet.");
}

function renderFindings() {
  const eps = episodes();
  $("findings-count").textContent = "(" + eps.length + " episodes, " + state.events.vitals.length + " findings)";
  const rows = eps.slice(0, 100).map((ep) => {
    const e = ep.last;
    const tr = document.createElement("tr");
    tr.className = ep.severity;
    tr.dataset.monitor = ep.monitor;
    tr.dataset.rule = ep.rule;
    cell(tr, clock(e.time));
    cell(tr, ep.monitor);
    cell(tr, ep.severity, "sev-" + ep.severity);
    cell(tr, ep.rule);
    cell(tr, e.parameter);
    let v = num(e.value);
    if (e.threshold !== undefined && e.threshold !== 0) v += " (limit " + num(e.threshold) + ")";
    cell(tr, v);
    cell(tr, ep.count, "num");
    cell(tr, ago(ep.first));
    cell(tr, e.reason);
    return tr;
  });
  const tbody = replaceBody($("findings"), rows);
  if (!rows.length) emptyRow(tbody, 9, "No vital-sign findings.");
}

function renderEgress() {
  const list = state.egress.slice().sort((a, b) => (b.watchlist - a.watchlist) || (b.count - a.count));
  const total = list.reduce((n, a) => n + (a.count || 0), 0);
  const watch = list.filter((a) => a.watchlist).length;
  $("egress-count").textContent = "(" + total + " attempts" + (watch ? ", " + watch + " to watchlisted destinations" : "") + ")";
  const rows = list.slice(0, 200).map((a) => {
    const tr = document.createElement("tr");
    if (a.watchlist) tr.className = "watch";
    cell(tr, a.monitor);
    hd(tr, a.sending_application);
    // Inbound (toward the monitor): the sender and the monitor's port, not a destination of the monitor's.
    cell(tr, a.source ? "from " + a.source + (a.port ? " to port " + a.port : "") : a.destination + (a.port ? ":" + a.port : ""));
    cell(tr, a.protocol);
    cell(tr, a.looks_like_hl7 ? "HL7" : "not HL7");
    cell(tr, a.watchlist ? "WATCHLIST" : "no", a.watchlist ? "sev-critical" : "");
    cell(tr, a.count, "num");
    cell(tr, clock(a.first_seen));
    cell(tr, ago(a.last_seen));
    return tr;
  });
  const tbody = replaceBody($("egress"), rows);
  if (!rows.length) emptyRow(tbody, 9, "No egress attempts recorded (or egress containment is off).");
}

// renderRefused shows refused connections, rejected messages and sources whose messages were delayed
// (over their byte rate: max_source_rate or their source_rates entry) grouped by kind, listener, source, station and reason, most recent first.
function renderRefused() {
  const groups = new Map();
  for (const e of [...state.events.connection, ...state.events.policy, ...state.events.delivery, ...state.events.throttle]) {
    const key = [e.kind, e.listener, e.source, e.station, e.reason].join("\u0000");
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { e, count: 0, first: e.time, lastID: 0 }));
    g.count += e.count || 1; // an event may aggregate repeats (count)
    if (e.id > g.lastID) { g.lastID = e.id; g.e = e; }
  }
  const list = [...groups.values()].sort((a, b) => b.lastID - a.lastID);
  $("refused-count").textContent = "(" + state.events.connection.length + " refused connections, " +
    (state.events.policy.length + state.events.delivery.length) + " rejected messages, " +
    state.events.throttle.length + " delay events)";
  const labels = { connection: "refused connection", policy: "rejected message", delivery: "not delivered",
    throttle: "delayed (byte rate)" };
  const rows = list.slice(0, 100).map((g) => {
    const e = g.e;
    const tr = document.createElement("tr");
    tr.dataset.kind = e.kind;
    cell(tr, clock(e.time));
    cell(tr, labels[e.kind] || e.kind);
    cell(tr, e.listener);
    cell(tr, e.source);
    cell(tr, e.station);
    cell(tr, g.count, "num");
    cell(tr, clock(g.first));
    cell(tr, e.reason);
    return tr;
  });
  const tbody = replaceBody($("refused"), rows);
  if (!rows.length) emptyRow(tbody, 8, "Nothing refused or rejected.");
}

// ---- start ----

document.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", tokenSubmitted);
  const rerender = () => { state.page = 0; renderMonitors(); };
  $("monitor-filter").addEventListener("input", rerender);
  $("monitor-flagged").addEventListener("change", rerender);
  $("monitor-sort").addEventListener("change", rerender);
  $("page-prev").addEventListener("click", () => { state.page--; renderMonitors(); });
  $("page-next").addEventListener("click", () => { state.page++; renderMonitors(); });
  poll();
});
