// OpenNDC analyst workspace: the page draws and edits, the server does the seismology.
// No libraries, nothing fetched from elsewhere.
"use strict";

const $ = (sel) => document.querySelector(sel);
const CSRF = (document.querySelector('meta[name="csrf"]') || {}).content || "";
const SVGNS = "http://www.w3.org/2000/svg";
const KM_PER_DEG = 111.195;
if (CSRF) document.body.classList.add("can-write");

function fmt(v, d) { return v === null || v === undefined ? "" : Number(v).toFixed(d); }
// A count a bulletin may leave blank (Ndef, Nsta of an imported event): "-" when missing.
function cnt(v) { return v === null || v === undefined ? "-" : String(v); }
function esc(s) { return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])); }
// Exact times: microseconds since 1970 as a Number (exact below 2**53, i.e. to year 2255).
function parseUs(iso) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z?$/.exec(iso);
  if (!m) return null;
  const base = Date.parse(m[1] + "Z");
  return isNaN(base) ? null : base * 1000 + Number((m[2] || "").padEnd(6, "0").slice(0, 6));
}
function isoFromUs(us) {
  const s = Math.floor(us / 1e6), rem = us - s * 1e6;
  return new Date(s * 1000).toISOString().slice(0, 19) + "." + String(rem).padStart(6, "0") + "Z";
}
function isoShort(t) { return t.replace("T", " ").replace(/(\.\d)\d*Z?$/, "$1"); }

async function getJSON(url) {
  const r = await fetch(url, { credentials: "same-origin" });
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || r.statusText);
  return r.json();
}
async function postJSON(url, body) {
  const r = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
    body: JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

// ---- map (SVG, equirectangular scaled by cos(mid-latitude)) --------------------------
class MapView {
  constructor(svg) { this.svg = svg; this.layers = {}; }
  setExtent(lon0, lon1, lat0, lat1) {
    const w = this.svg.clientWidth || 600, h = this.svg.clientHeight || 400;
    const mid = (lat0 + lat1) / 2, k = Math.cos(mid * Math.PI / 180);
    // widen to the panel's aspect ratio
    let dx = (lon1 - lon0) * k, dy = lat1 - lat0;
    if (dx / dy < w / h) { const add = (dy * w / h - dx) / k / 2; lon0 -= add; lon1 += add; }
    else { const add = (dx * h / w - dy) / 2; lat0 = Math.max(-90, lat0 - add); lat1 = Math.min(90, lat1 + add); }
    this.e = { lon0, lon1, lat0, lat1, k };
    this.svg.setAttribute("viewBox", `${lon0 * k} ${-lat1} ${(lon1 - lon0) * k} ${lat1 - lat0}`);
    this.px = (lat1 - lat0) / h; // degrees per pixel
    this.svg.innerHTML = "";
    for (const name of ["land", "borders", "grid", "sites", "events", "ellipse"]) {
      const g = document.createElementNS(SVGNS, "g"); g.setAttribute("id", "layer-" + name);
      this.svg.appendChild(g); this.layers[name] = g;
    }
  }
  xy(lon, lat) { return [lon * this.e.k, -lat]; }
  path(pts, closed) {
    let d = "";
    for (let i = 0; i < pts.length; i++) { const [x, y] = this.xy(pts[i][0], pts[i][1]); d += (i ? "L" : "M") + x.toFixed(3) + " " + y.toFixed(3); }
    return closed ? d + "Z" : d;
  }
  el(layer, tag, attrs, title) {
    const n = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (title) { const t = document.createElementNS(SVGNS, "title"); t.textContent = title; n.appendChild(t); }
    this.layers[layer].appendChild(n); return n;
  }
  async drawBase() {
    const e = this.e;
    const data = await getJSON(`/api/map?extent=${e.lon0.toFixed(2)},${e.lon1.toFixed(2)},${Math.max(-90, e.lat0).toFixed(2)},${Math.min(90, e.lat1).toFixed(2)}`);
    const sw = "non-scaling-stroke";
    for (const c of data.coast.sort((a, b) => (a.kind === 2) - (b.kind === 2))) {
      this.el("land", "path", { d: this.path(c.xy, true), fill: c.kind === 2 ? "#dfeaf3" : "#f3f1e7", stroke: "#7d8a96", "stroke-width": 0.8, "vector-effect": sw });
    }
    for (const b of data.borders) this.el("borders", "path", { d: this.path(b, false), fill: "none", stroke: "#a08f8f", "stroke-width": 0.7, "stroke-dasharray": "3 2", "vector-effect": sw });
    // graticule every 5 or 10 or 30 deg
    const span = e.lon1 - e.lon0, step = span > 120 ? 30 : span > 40 ? 10 : span > 12 ? 5 : 1;
    for (let lon = Math.ceil(e.lon0 / step) * step; lon <= e.lon1; lon += step) {
      this.el("grid", "path", { d: this.path([[lon, e.lat0], [lon, e.lat1]]), stroke: "#b8c4ce", "stroke-width": 0.4, "vector-effect": sw, fill: "none" });
      const [x, y] = this.xy(lon, e.lat0); const t = this.el("grid", "text", { x: x + 2 * this.px, y: y - 3 * this.px, "font-size": 10 * this.px, fill: "#55606b" }); t.textContent = `${lon}°`;
    }
    for (let lat = Math.ceil(e.lat0 / step) * step; lat <= e.lat1; lat += step) {
      this.el("grid", "path", { d: this.path([[e.lon0, lat], [e.lon1, lat]]), stroke: "#b8c4ce", "stroke-width": 0.4, "vector-effect": sw, fill: "none" });
      const [x, y] = this.xy(e.lon0, lat); const t = this.el("grid", "text", { x: x + 2 * this.px, y: y - 2 * this.px, "font-size": 10 * this.px, fill: "#55606b" }); t.textContent = `${lat}°`;
    }
  }
  label(x, y, text, color) {
    // place right of the symbol, else left, else nowhere (no overlapping names)
    const h = 9 * this.px, w = text.length * 5.6 * this.px;
    this.placed = this.placed || [];
    for (const x0 of [x + 7 * this.px, x - 7 * this.px - w]) {
      const box = [x0, y - h, x0 + w, y + 2 * this.px];
      if (this.placed.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3])) continue;
      this.placed.push(box);
      const t = this.el("sites", "text", { x: x0, y, "font-size": h, fill: color }); t.textContent = text; return;
    }
  }
  sites(net, labels) {
    const s = 6 * this.px;
    this.placed = [];
    for (const a of net.arrays) {
      const [x, y] = this.xy(a.longitude, a.latitude), r = s * 1.2;
      this.el("sites", "path", { d: `M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z`, fill: "#7b2cbf", class: "array" }, `${a.network}.${a.code} (array, ${a.elements} elements)`);
      if (labels) this.label(x, y, a.code, "#4a1a80");
    }
    for (const st of net.stations) {
      const [x, y] = this.xy(st.longitude, st.latitude);
      this.el("sites", "path", { d: `M${x} ${y - s}L${x + s * 0.9} ${y + s * 0.6}L${x - s * 0.9} ${y + s * 0.6}Z`, fill: "#2b2d42", class: "station" }, `${st.network}.${st.code}`);
      if (labels) this.label(x, y, st.code, "#2b2d42");
    }
  }
  event(ev, selected, onclick) {
    if (ev.latitude === null) return null;
    const [x, y] = this.xy(ev.longitude, ev.latitude);
    const r = (2.5 + 1.6 * Math.max(0, (ev.magnitude || 2) - 1.5)) * this.px;
    const c = this.el("events", "circle", { cx: x, cy: y, r, fill: ev.review_status === "reviewed" ? "#1d6fb8" : "#e76f51", "fill-opacity": 0.8, stroke: selected ? "#000" : "#fff", "stroke-width": selected ? 2 : 0.8, "vector-effect": "non-scaling-stroke", class: "event", "data-id": ev.id },
      `${ev.id}  ${isoShort(ev.time)}  ${ev.magnitude_type || ""} ${fmt(ev.magnitude, 1)}`);
    if (onclick) c.addEventListener("click", () => onclick(ev));
    return c;
  }
  ellipse(ev) {
    this.layers.ellipse.innerHTML = "";
    const el = ev && ev.ellipse;
    if (!el || el.semi_major_km === null || ev.latitude === null) return;
    const a = el.semi_major_km, b = el.semi_minor_km, az = el.azimuth * Math.PI / 180, pts = [];
    for (let i = 0; i <= 72; i++) {
      const th = i * 2 * Math.PI / 72, u = a * Math.cos(th), v = b * Math.sin(th);
      const north = u * Math.cos(az) - v * Math.sin(az), east = u * Math.sin(az) + v * Math.cos(az);
      pts.push([ev.longitude + east / (KM_PER_DEG * Math.cos(ev.latitude * Math.PI / 180)), ev.latitude + north / KM_PER_DEG]);
    }
    this.el("ellipse", "path", { d: this.path(pts, true), fill: "#d62828", "fill-opacity": 0.12, stroke: "#d62828", "stroke-width": 1.6, "vector-effect": "non-scaling-stroke", id: "error-ellipse", "pointer-events": "none" },
      `90 % ellipse ${fmt(a, 1)} x ${fmt(b, 1)} km, azimuth ${fmt(el.azimuth, 0)}°`);
  }
}

function extentOf(points, pad) {
  let lon0 = 180, lon1 = -180, lat0 = 90, lat1 = -90;
  for (const [lon, lat] of points) { if (lon === null || lat === null) continue; lon0 = Math.min(lon0, lon); lon1 = Math.max(lon1, lon); lat0 = Math.min(lat0, lat); lat1 = Math.max(lat1, lat); }
  if (lon0 > lon1) return [-180, 180, -70, 80];
  const dl = Math.max(lon1 - lon0, 2) * pad + 1, dp = Math.max(lat1 - lat0, 2) * pad + 1;
  return [Math.max(-200, lon0 - dl), Math.min(200, lon1 + dl), Math.max(-89, lat0 - dp), Math.min(89, lat1 + dp)];
}

// ---- live updates: poll for events stored after the last seen time ------------------
function startLive(since, onEvents) {
  let last = since;
  const badge = $("#live");
  const tick = async () => {
    try {
      const data = await getJSON(`/api/updates?since=${last}`);
      last = Math.max(last, data.now_ns);
      if (data.events.length) onEvents(data.events);
      badge.classList.remove("off");
    } catch (e) { badge.classList.add("off"); }
  };
  const period = Number(document.body.dataset.poll || 10000);
  return setInterval(tick, period);
}

// ---- index page --------------------------------------------------------------------
async function indexPage() {
  const map = new MapView($("#map"));
  const net = await getJSON("/api/network");
  let events = [], selected = null;
  const tbody = $("#events tbody");
  const query = () => new URLSearchParams([...new FormData($("#filters")).entries()].filter(([, v]) => v !== "")).toString();
  function select(ev) {
    selected = ev ? ev.id : null;
    for (const tr of tbody.children) tr.classList.toggle("sel", tr.dataset.id === selected);
    for (const c of document.querySelectorAll("circle.event")) { const s = c.dataset.id === selected; c.setAttribute("stroke", s ? "#000" : "#fff"); c.setAttribute("stroke-width", s ? 2 : 0.8); }
    map.ellipse(ev);
  }
  function row(ev) {
    const tr = document.createElement("tr"); tr.dataset.id = ev.id;
    tr.innerHTML = `<td><a href="/event/${encodeURIComponent(ev.id)}">${esc(isoShort(ev.time))}</a></td><td>${fmt(ev.latitude, 2)}</td><td>${fmt(ev.longitude, 2)}</td><td>${fmt(ev.depth_km, 0)}</td>` +
      `<td>${ev.magnitude === null ? "" : esc(ev.magnitude_type) + " " + fmt(ev.magnitude, 1)}</td><td>${cnt(ev.n_defining)}</td><td>${fmt(ev.rms, 2)}</td><td>${esc(ev.event_type)}</td>` +
      `<td><span class="badge ${esc(ev.review_status)}">${esc(ev.review_status)}</span></td>`;
    tr.addEventListener("click", (e) => { if (e.target.tagName !== "A") select(ev); });
    tr.addEventListener("dblclick", () => { location.href = "/event/" + encodeURIComponent(ev.id); });
    return tr;
  }
  async function load() {
    const data = await getJSON("/api/events?" + query());
    events = data.events;
    $("#count").textContent = `${data.count} events`;
    const pts = [...net.stations.map((s) => [s.longitude, s.latitude]), ...net.arrays.map((a) => [a.longitude, a.latitude]), ...events.map((e) => [e.longitude, e.latitude])];
    map.setExtent(...extentOf(pts, 0.08));
    await map.drawBase();
    map.sites(net, net.stations.length + net.arrays.length < 60);
    for (const ev of events) map.event(ev, ev.id === selected, select);
    tbody.innerHTML = "";
    for (const ev of [...events].reverse()) tbody.appendChild(row(ev));
    select(events.find((e) => e.id === selected) || null);
    return data.now_ns;
  }
  // review intervals: the hours of one day, marked reviewed or not
  async function intervals() {
    const from = new FormData($("#filters")).get("start");
    const ref = from ? parseUs(from.length === 10 ? from + "T00:00:00" : from.length === 16 ? from + ":00" : from) : (events.length ? parseUs(events[events.length - 1].time) : Date.now() * 1000);
    const day = Math.floor((ref || Date.now() * 1000) / 86400e6) * 86400e6, iso = (us) => isoFromUs(us).slice(0, 19) + "Z";
    let marked = [];
    try { marked = await getJSON(`/api/intervals?start=${iso(day)}&end=${iso(day + 86400e6)}`); }
    catch (err) { $("#interval-day").textContent = "review intervals: " + err.message; return; }
    $("#interval-day").textContent = `Review ${iso(day).slice(0, 10)}:`;
    const box = $("#intervals"); box.innerHTML = "";
    for (let h = 0; h < 24; h++) {
      const t0 = day + h * 3600e6, t1 = t0 + 3600e6;
      const n = events.filter((e) => { const t = parseUs(e.time); return t >= t0 && t < t1; }).length;
      const by = marked.find((m) => parseUs(m.start) <= t0 && parseUs(m.end) >= t1);
      const c = document.createElement("span");
      c.className = "hour" + (by ? " reviewed" : "") + (n ? " has" : ""); c.dataset.hour = String(h);
      c.title = by ? `reviewed by ${by.user} at ${isoShort(by.time)}` : "not reviewed";
      c.innerHTML = `${String(h).padStart(2, "0")}<small>${n ? n + " ev" : "&nbsp;"}</small>`;
      if (CSRF && !by) c.addEventListener("click", async () => {
        if (!confirm(`Mark ${iso(t0)} - ${iso(t1)} as reviewed?`)) return;
        try { await postJSON("/api/intervals/reviewed", { start: iso(t0), end: iso(t1) }); intervals(); }
        catch (err) { alert(err.message); }
      });
      box.appendChild(c);
    }
  }
  $("#filters").addEventListener("submit", (e) => { e.preventDefault(); load().then(intervals); });
  const since = await load();
  await intervals();
  startLive(since, () => load().then(intervals));
}

// ---- event page: record section, picks, edits, undo/redo ----------------------------
async function eventPage() {
  const id = document.querySelector('meta[name="event"]').content;
  const canvas = $("#section"), ctx = canvas.getContext("2d");
  const mini = new MapView($("#minimap"));
  const net = await getJSON("/api/network");
  let ev = null, wf = null, view = null, drag = null;
  let edits = { picks: {}, event_type: null, added: {} };
  let cands = [];
  const undo = [], redo = [];
  const status = (msg, err) => { const s = $("#status"); s.textContent = msg; s.classList.toggle("err", !!err); };

  function pickTime(a) { const e = edits.picks[a.detection_id]; return e && e.t !== undefined ? e.t : a.t; }
  function pickPhase(a) { const e = edits.picks[a.detection_id]; return e && e.phase ? e.phase : a.phase; }
  function removed(a) { const e = edits.picks[a.detection_id]; return !!(e && e.removed); }
  function originUs() { return parseUs(ev.time); }
  function isoAt(t) { return isoFromUs(originUs() + Math.round(t * 1e6)); }
  function remember() { undo.push(JSON.stringify(edits)); redo.length = 0; buttons(); }
  function buttons() { $("#undo").disabled = !undo.length; $("#redo").disabled = !redo.length; }
  function applyEdits(next) { edits = JSON.parse(next); $("#event-type").value = edits.event_type || ev.event_type; table(); candTable(); draw(); buttons(); }
  $("#undo").onclick = () => { redo.push(JSON.stringify(edits)); applyEdits(undo.pop()); };
  $("#redo").onclick = () => { undo.push(JSON.stringify(edits)); applyEdits(redo.pop()); };
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT") return;
    if ((e.ctrlKey || e.metaKey) && e.key === "z" && undo.length) $("#undo").click();
    if ((e.ctrlKey || e.metaKey) && e.key === "y" && redo.length) $("#redo").click();
  });
  function setPick(det, fields) { remember(); edits.picks[det] = Object.assign({}, edits.picks[det] || {}, fields); table(); draw(); }

  function summary(newOrigin) {
    const o = ev, el = o.ellipse || {};
    const mags = o.magnitudes.map((m) => `${m.type} ${fmt(m.value, 2)} (${cnt(m.n_stations)})`).join(", ");
    $("#summary").innerHTML =
      (newOrigin ? '<span class="new"><b>Relocated, not published</b></span>' : "") +
      `<span><b>${esc(o.id)}</b></span><span>${esc(isoShort(o.time))} UTC ± ${fmt(o.origin.time_uncertainty, 2)} s</span>` +
      `<span>${fmt(o.latitude, 3)}°, ${fmt(o.longitude, 3)}°</span><span>depth ${fmt(o.depth_km, 1)} km${o.origin.depth_fixed ? " (fixed)" : ""}</span>` +
      `<span>ellipse ${fmt(el.semi_major_km, 1)} × ${fmt(el.semi_minor_km, 1)} km, az ${fmt(el.azimuth, 0)}°</span>` +
      `<span>ndef ${cnt(o.n_defining)}, nsta ${cnt(o.n_stations)}, gap ${fmt(o.gap, 0)}°, rms ${fmt(o.rms, 2)} s</span>` +
      `<span>${esc(mags)}</span><span>${esc(o.event_type)}</span><span class="badge ${esc(o.review_status)}">${esc(o.review_status)}${o.author && o.author !== "automatic" ? " by " + esc(o.author) : ""}</span>`;
  }
  function table() {
    const tb = $("#arrivals tbody"); tb.innerHTML = "";
    for (const a of ev.arrivals) {
      const e = edits.picks[a.detection_id] || {};
      const tr = document.createElement("tr"); tr.dataset.det = a.detection_id;
      if (e.t !== undefined || e.phase) tr.classList.add("edited");
      if (e.removed) tr.classList.add("removed");
      const t = pickTime(a);
      const w = !!CSRF;
      tr.innerHTML = `<td>${esc(a.network)}.${esc(a.station)}</td>` +
        `<td>${w ? `<input class="ph" value="${esc(pickPhase(a))}">` : esc(a.phase)}</td>` +
        `<td>${w ? `<input class="t" value="${esc(e.t !== undefined ? isoAt(t) : a.time)}">` : esc(a.time)}</td>` +
        `<td>${fmt(t, 2)}</td><td>${fmt(a.time_residual, 2)}</td><td>${fmt(a.distance, 2)}</td><td>${fmt(a.azimuth, 1)}</td>` +
        `<td>${fmt(a.backazimuth, 1)}</td><td>${fmt(a.backazimuth_residual, 1)}</td><td>${fmt(a.slowness, 2)}</td><td>${fmt(a.slowness_residual, 2)}</td>` +
        `<td>${a.time_defining ? "T" : ""}</td><td>${fmt(a.snr, 1)}</td><td>${w ? `<input type="checkbox" class="rm"${e.removed ? " checked" : ""}>` : ""}</td>`;
      if (w) {
        tr.querySelector("input.ph").addEventListener("change", (x) => setPick(a.detection_id, { phase: x.target.value.trim() }));
        tr.querySelector("input.t").addEventListener("change", (x) => {
          const us = parseUs(x.target.value.trim());
          if (us === null) { status("bad time: use ISO 8601 UTC, e.g. 2024-03-01T00:05:53.845Z", true); return; }
          setPick(a.detection_id, { t: (us - originUs()) / 1e6 });
        });
        tr.querySelector("input.rm").addEventListener("change", (x) => setPick(a.detection_id, { removed: x.target.checked }));
      }
      tb.appendChild(tr);
    }
  }
  function candTable() {
    const tb = $("#unassoc tbody"); tb.innerHTML = "";
    for (const d of cands) {
      const on = edits.added[d.detection_id] !== undefined;
      const tr = document.createElement("tr"); tr.dataset.det = d.detection_id;
      if (on) tr.classList.add("edited");
      tr.innerHTML = `<td>${esc(d.network)}.${esc(d.station)}</td><td>${CSRF ? `<input class="ph" value="${esc(on ? edits.added[d.detection_id] : d.phase)}">` : esc(d.phase)}</td>` +
        `<td>${esc(d.time)}</td><td>${fmt(d.t, 2)}</td><td>${fmt(d.backazimuth, 1)}</td><td>${fmt(d.slowness, 2)}</td><td>${fmt(d.snr, 1)}</td>` +
        `<td>${CSRF ? `<input type="checkbox" class="add"${on ? " checked" : ""}>` : ""}</td>`;
      if (CSRF) {
        tr.querySelector("input.add").addEventListener("change", (x) => {
          remember();
          if (x.target.checked) edits.added[d.detection_id] = tr.querySelector("input.ph").value.trim() || "P";
          else delete edits.added[d.detection_id];
          candTable(); draw();
        });
        tr.querySelector("input.ph").addEventListener("change", (x) => { if (on) { remember(); edits.added[d.detection_id] = x.target.value.trim(); } });
      }
      tb.appendChild(tr);
    }
  }
  function sideTables() {
    $("#magnitudes").innerHTML = ev.magnitudes.length ? ev.magnitudes.map((m) =>
      `<table class="grid"><thead><tr><th>${esc(m.type)} ${fmt(m.value, 2)} ± ${fmt(m.uncertainty, 2)}</th><th>${esc(m.type)}</th><th>ampl</th><th>per</th><th>dist</th></tr></thead><tbody>` +
      m.stations.map((s) => `<tr${s.used ? "" : ' class="removed"'}><td>${esc(s.station)}</td><td>${fmt(s.value, 2)}</td><td>${fmt(s.amplitude, 1)} ${esc(s.unit)}</td><td>${fmt(s.period, 2)}</td><td>${fmt(s.distance, 1)}</td></tr>`).join("") +
      "</tbody></table>").join("") : "<p class=hint>no magnitude</p>";
    if (ev.versions && ev.versions.length) $("#versions").innerHTML = '<table class="grid"><thead><tr><th>stored (UTC)</th><th>review</th><th>by</th></tr></thead><tbody>' +
      ev.versions.map((v) => `<tr${v.preferred ? ' class="sel"' : ""} title="${esc(v.event_type)}, ${esc(v.time)}"><td>${esc(isoShort(v.stored)).slice(0, 19)}</td><td>${esc(v.review_status)}</td><td>${esc(v.author)}</td></tr>`).join("") + "</tbody></table>";
  }
  async function auditList() {
    const rows = await getJSON(`/api/event/${encodeURIComponent(id)}/audit`);
    $("#audit").innerHTML = rows.length ? '<table class="grid"><tbody>' + rows.map((r) => `<tr><td>${esc(isoShort(r.time)).slice(0, 19)}</td><td>${esc(r.user)}</td><td>${esc(r.action)}</td></tr>`).join("") + "</tbody></table>" : '<p class="hint">no review actions yet</p>';
  }
  async function miniMap() {
    // The epicentre and its 90 % ellipse (the index page's map shows the network).
    const r = Math.max(1.5, 2.5 * ((ev.ellipse && ev.ellipse.semi_major_km) || 50) / KM_PER_DEG);
    const k = Math.max(Math.cos(ev.latitude * Math.PI / 180), 0.2);
    mini.setExtent(ev.longitude - r / k, ev.longitude + r / k, Math.max(-89, ev.latitude - r), Math.min(89, ev.latitude + r));
    await mini.drawBase();
    mini.sites(net, true);
    mini.ellipse(ev);
    mini.event(ev, true, null);
  }

  // record section --------------------------------------------------------------------
  const LEFT = 92;
  function shiftOf(tr) {
    if ($("#align").value !== "P") return 0;
    const a = ev.arrivals.find((x) => x.station === tr.station && x.first && x.first.P);
    return a && a.first.P.t !== null ? a.first.P.t : 0;
  }
  function geometry() {
    const r = canvas.getBoundingClientRect();
    if (canvas.width !== Math.round(r.width) || canvas.height !== Math.round(r.height)) { canvas.width = Math.round(r.width); canvas.height = Math.round(r.height); }
    const n = Math.max(wf.traces.length, 1), top = 22, rowh = (canvas.height - top - 6) / n;
    return { W: canvas.width, H: canvas.height, top, rowh, xs: (t) => LEFT + (t - view.t0) / (view.t1 - view.t0) * (canvas.width - LEFT - 8), ts: (x) => view.t0 + (x - LEFT) / (canvas.width - LEFT - 8) * (view.t1 - view.t0) };
  }
  function draw() {
    if (!wf || !ev) return;
    const g = geometry();
    ctx.clearRect(0, 0, g.W, g.H); ctx.font = "11px system-ui, sans-serif";
    // time axis
    const span = view.t1 - view.t0, steps = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
    const step = steps.find((s) => span / s < 14) || 1200;
    ctx.strokeStyle = "#e6e9ed"; ctx.fillStyle = "#555"; ctx.lineWidth = 1;
    for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      const x = g.xs(t); ctx.beginPath(); ctx.moveTo(x, g.top - 4); ctx.lineTo(x, g.H); ctx.stroke(); ctx.fillText(`${t} s`, x + 2, 12);
    }
    ctx.fillText($("#align").value === "P" ? "time after predicted first P" : "time after origin", 4, 12);
    wf.traces.forEach((tr, i) => {
      const y0 = g.top + i * g.rowh, mid = y0 + g.rowh / 2, amp = g.rowh * 0.46, sh = shiftOf(tr);
      ctx.fillStyle = "#1b1f24"; ctx.fillText(`${tr.network}.${tr.station}`, 4, mid - 2);
      ctx.fillStyle = "#777"; ctx.fillText(tr.distance === null ? "" : `${tr.distance.toFixed(1)}°`, 4, mid + 11);
      ctx.save(); ctx.beginPath(); ctx.rect(LEFT, y0, g.W - LEFT, g.rowh); ctx.clip();
      if (tr.min.length) {
        ctx.strokeStyle = "#222"; ctx.lineWidth = 1; ctx.beginPath();
        const n = tr.min.length, i0 = Math.max(0, Math.floor((view.t0 + sh - tr.t0) / tr.dt) - 1), i1 = Math.min(n, Math.ceil((view.t1 + sh - tr.t0) / tr.dt) + 1);
        const stride = Math.max(1, Math.floor((i1 - i0) / (g.W - LEFT)));
        for (let k = i0; k < i1; k += stride) {
          let lo = tr.min[k], hi = tr.max[k];
          for (let j = 1; j < stride && k + j < i1; j++) { lo = Math.min(lo, tr.min[k + j]); hi = Math.max(hi, tr.max[k + j]); }
          const x = g.xs(tr.t0 + k * tr.dt - sh);
          if (k === i0) ctx.moveTo(x, mid - hi * amp); else ctx.lineTo(x, mid - hi * amp);
          if (lo !== hi) ctx.lineTo(x, mid - lo * amp);
        }
        ctx.stroke();
      } else { ctx.fillStyle = "#b00020"; ctx.fillText("no data in the archive", LEFT + 10, mid); }
      // unassociated detections of this station (green dotted; solid when to be added)
      for (const d of cands.filter((x) => x.station === tr.station && x.network === tr.network && !ev.arrivals.some((a) => a.detection_id === x.detection_id))) {
        const x = g.xs(d.t - sh), add = edits.added[d.detection_id] !== undefined;
        ctx.strokeStyle = "#2a9d8f"; ctx.lineWidth = add ? 2 : 1;
        ctx.beginPath(); ctx.moveTo(x, y0 + 2); ctx.lineTo(x, y0 + (add ? g.rowh - 3 : g.rowh * 0.3)); ctx.stroke();
        if (add) { ctx.fillStyle = "#2a9d8f"; ctx.fillText(edits.added[d.detection_id], x + 2, y0 + 22); }
      }
      // predictions and picks of this station
      for (const a of ev.arrivals.filter((x) => x.station === tr.station && x.network === tr.network)) {
        ctx.setLineDash([3, 3]); ctx.lineWidth = 1;
        for (const [kind, p] of Object.entries(a.first || {})) {
          if (p.t === null) continue; const x = g.xs(p.t - sh); ctx.strokeStyle = "#9aa1a9";
          ctx.beginPath(); ctx.moveTo(x, y0 + 2); ctx.lineTo(x, y0 + g.rowh - 2); ctx.stroke(); ctx.fillStyle = "#8a9199"; ctx.fillText(p.phase, x + 2, y0 + g.rowh - 4);
        }
        if (a.predicted_t !== null) { const x = g.xs(a.predicted_t - sh); ctx.strokeStyle = "#1d6fb8"; ctx.beginPath(); ctx.moveTo(x, y0 + 2); ctx.lineTo(x, y0 + g.rowh - 2); ctx.stroke(); }
        ctx.setLineDash([]);
        const x = g.xs(pickTime(a) - sh), edited = edits.picks[a.detection_id] && edits.picks[a.detection_id].t !== undefined;
        ctx.strokeStyle = removed(a) ? "#bbb" : edited ? "#ff006e" : "#d62828"; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.moveTo(x, y0 + 1); ctx.lineTo(x, y0 + g.rowh - 1); ctx.stroke();
        ctx.fillStyle = ctx.strokeStyle; ctx.fillText(pickPhase(a), x + 3, y0 + 11);
      }
      ctx.restore();
      ctx.strokeStyle = "#edf0f3"; ctx.beginPath(); ctx.moveTo(0, y0 + g.rowh); ctx.lineTo(g.W, y0 + g.rowh); ctx.stroke();
    });
  }
  function hit(px, py) {
    const g = geometry(), i = Math.floor((py - g.top) / g.rowh), tr = wf.traces[i];
    if (!tr) return null;
    const sh = shiftOf(tr);
    let best = null;
    for (const a of ev.arrivals.filter((x) => x.station === tr.station && x.network === tr.network)) {
      const d = Math.abs(g.xs(pickTime(a) - sh) - px); if (d < 7 && (!best || d < best.d)) best = { a, d, sh };
    }
    return best;
  }
  const pos = (e) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
  canvas.addEventListener("mousedown", (e) => {
    const [x, y] = pos(e), h = CSRF ? hit(x, y) : null;
    drag = h ? { kind: "pick", a: h.a, sh: h.sh, before: JSON.stringify(edits) } : { kind: "pan", x, t0: view.t0, t1: view.t1 };
  });
  canvas.addEventListener("mousemove", (e) => {
    const [x, y] = pos(e);
    if (!drag) { canvas.style.cursor = CSRF && hit(x, y) ? "ew-resize" : "crosshair"; return; }
    const g = geometry();
    if (drag.kind === "pick") { edits.picks[drag.a.detection_id] = Object.assign({}, edits.picks[drag.a.detection_id] || {}, { t: g.ts(x) + drag.sh }); draw(); }
    else { const dt = (x - drag.x) / (g.W - LEFT - 8) * (drag.t1 - drag.t0); view.t0 = drag.t0 - dt; view.t1 = drag.t1 - dt; draw(); }
  });
  window.addEventListener("mouseup", () => {
    if (drag && drag.kind === "pick" && drag.before !== JSON.stringify(edits)) { undo.push(drag.before); redo.length = 0; buttons(); table(); }
    drag = null;
  });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault(); const [x] = pos(e), g = geometry(), t = g.ts(x), f = e.deltaY < 0 ? 0.8 : 1.25;
    view.t0 = t - (t - view.t0) * f; view.t1 = t + (view.t1 - t) * f; draw();
  }, { passive: false });
  const zoom = (f) => { const c = (view.t0 + view.t1) / 2, h = (view.t1 - view.t0) / 2 * f; view.t0 = c - h; view.t1 = c + h; draw(); };
  $("#zoom-in").onclick = () => zoom(0.6); $("#zoom-out").onclick = () => zoom(1.6);
  $("#zoom-all").onclick = () => { view = { t0: wf.start, t1: wf.end }; draw(); };
  $("#align").onchange = draw;
  window.addEventListener("resize", draw);

  async function loadWaveforms() {
    status("reading waveforms…");
    wf = await getJSON(`/api/event/${encodeURIComponent(id)}/waveforms?filter=${encodeURIComponent($("#filter").value)}`);
    if (!view) view = { t0: wf.start, t1: wf.end };
    status(""); draw();
  }
  $("#filter").onchange = loadWaveforms;

  function payload() {
    const picks = {};
    for (const [det, e] of Object.entries(edits.picks)) {
      const p = {};
      if (e.t !== undefined) p.time = isoAt(e.t);
      if (e.phase) p.phase = e.phase;
      if (e.removed) p.removed = true;
      if (Object.keys(p).length) picks[det] = p;
    }
    return { picks, event_type: edits.event_type, added: edits.added };
  }
  $("#event-type").onchange = (e) => { remember(); edits.event_type = e.target.value; };
  $("#relocate").onclick = async () => {
    status("relocating…");
    try {
      const out = await postJSON(`/api/event/${encodeURIComponent(id)}/relocate`, pendingPayload());
      out.versions = ev.versions; ev = out;
      // the relocated arrivals carry the edited times and phases: show them as they are
      for (const e of Object.values(edits.picks)) { delete e.t; delete e.phase; }
      summary(true); table(); sideTables(); miniMap(); draw(); auditList();
      status(`relocated: rms ${fmt(ev.rms, 2)} s — publish to store it`);
      document.body.dataset.relocated = "1";
    } catch (err) { status(err.message, true); }
  };
  $("#publish").onclick = async () => {
    status("publishing…");
    try {
      await postJSON(`/api/event/${encodeURIComponent(id)}/publish`, pendingPayload());
      edits = { picks: {}, event_type: null, added: {} }; undo.length = 0; redo.length = 0; buttons();
      await loadEvent(); status("published: reviewed version stored");
      document.body.dataset.published = "1";
    } catch (err) { status(err.message, true); }
  };
  $("#reject").onclick = async () => {
    const reason = prompt("Reason for rejecting this event:", "not a real event");
    if (reason === null) return;
    try { await postJSON(`/api/event/${encodeURIComponent(id)}/reject`, { reason }); await loadEvent(); status("rejected"); }
    catch (err) { status(err.message, true); }
  };
  // Publishing sends every edit made since the page loaded (also those shown relocated).
  let loaded = null;
  function pendingPayload() {
    const p = payload();
    if (loaded) for (const a of ev.arrivals) {
      const o = loaded.arrivals.find((x) => x.detection_id === a.detection_id) || cands.find((x) => x.detection_id === a.detection_id);
      if (!o) continue; const e = p.picks[a.detection_id] || {};
      if (a.time !== o.time && !e.time) e.time = a.time;
      if (a.phase !== o.phase && !e.phase) e.phase = a.phase;
      if (Object.keys(e).length) p.picks[a.detection_id] = e;
    }
    if (loaded) for (const o of loaded.arrivals) if (!ev.arrivals.find((x) => x.detection_id === o.detection_id)) p.picks[o.detection_id] = { removed: true };
    return p;
  }
  async function loadEvent() {
    ev = await getJSON(`/api/event/${encodeURIComponent(id)}`);
    loaded = JSON.parse(JSON.stringify(ev));
    cands = ev.unassociated || [];
    $("#event-type").value = ev.event_type;
    summary(false); table(); candTable(); sideTables(); auditList(); miniMap(); draw();
    return ev;
  }
  await loadEvent();
  await loadWaveforms();
  startLive(Date.now() * 1e6, (evs) => { if (evs.some((e) => e.id === id) && !undo.length) loadEvent(); });
  document.body.dataset.ready = "1";
}

// ---- stations page: newest state of health of every channel ---------------------------
async function stationsPage() {
  const load = async () => {
    const data = await getJSON("/api/stations");
    $("#soh-note").textContent = data.n_soh ? `${data.n_soh} channels with state of health (written by openndc run / acquire); refreshed every ${Number(document.body.dataset.poll) / 1000} s`
      : "No state of health in the database: the live runner (openndc run / acquire --db) writes it.";
    const tb = $("#stations tbody"); tb.innerHTML = "";
    const rank = { bad: 0, marginal: 1, good: 2 };
    const rows = data.stations.flatMap((st) => st.channels.map((c) => [st, c]));
    rows.sort((x, y) => (rank[x[1].status] ?? 3) - (rank[y[1].status] ?? 3)); // worst first, stable
    for (const [st, c] of rows) {
      const tr = document.createElement("tr");
      if (c.status) tr.className = "soh-" + c.status;
      tr.innerHTML = `<td>${esc(c.stream)}</td><td>${esc(st.array)}</td><td>${esc(c.status || "")}</td><td>${c.time ? esc(isoShort(c.time)) : ""}</td>` +
        `<td>${fmt(c.latency_s, 1)}</td><td>${c.availability === null ? "" : fmt(100 * c.availability, 1) + " %"}</td><td>${c.gaps === null ? "" : c.gaps}</td>` +
        `<td>${fmt(c.gap_s, 1)}</td><td>${c.timing_quality === null ? "" : c.timing_quality}</td><td>${esc(c.flags.join(", "))}</td>`;
      tb.appendChild(tr);
    }
  };
  await load();
  setInterval(() => load().catch(() => $("#live").classList.add("off")), Number(document.body.dataset.poll || 10000));
}

if (document.body.dataset.page === "stations") stationsPage();
if (document.body.dataset.page === "index") indexPage();
if (document.body.dataset.page === "event") eventPage();
