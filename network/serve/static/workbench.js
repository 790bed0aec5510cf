// The workbench page: talks only to the server it came from, with this launch's token.
(() => {
  "use strict";
  const token = new URLSearchParams(location.search).get("token") || "";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  let meta = null, tab = null, shown = -1, seq = 0, numbers = null, compare = null, layersDoc = null;
  let routeClicks = null;
  const view = { mode: "best", centre: "changsha" };

  async function api(method, path, body) {
    const r = await fetch(path, {
      method,
      headers: { "X-Workbench-Token": token, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let doc;
    try { doc = await r.json(); } catch (e) { doc = { error: `HTTP ${r.status}` }; }
    if (!r.ok) {
      const detail = doc.detail ? doc.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("\n") : "";
      throw new Error(doc.error || detail || `HTTP ${r.status}`);
    }
    return doc;
  }

  // ---------------------------------------------------------------- map
  const map = L.map("map", { zoomControl: true }).setView([27.95, 113.0], 10);
  window.WORKBENCH.map = map; // for scripted use (the browser test draws through it)
  if (window.WORKBENCH.basemap === "osm") {
    L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", { maxZoom: 18 }).addTo(map);
  }
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(esc(window.WORKBENCH.attribution));
  const bandColour = (m) => (m <= 15 ? "#1a9850" : m <= 30 ? "#91cf60" : m <= 45 ? "#fee08b" : m <= 60 ? "#fc8d59" : "#d73027");
  const isoLayer = L.geoJSON(null, {
    style: (f) => ({ color: bandColour(f.properties.minutes), weight: 1, fillOpacity: 0.18 }),
    onEachFeature: (f, l) => l.bindTooltip(`${f.properties.minutes} min: ${f.properties.area_km2} km², ${f.properties.population.toLocaleString()} people`),
  }).addTo(map);
  const diffLayer = L.geoJSON(null, {
    style: (f) => ({ color: f.properties.change === "gained" ? "#1a7f37" : "#b42318", weight: 2, fillOpacity: 0.45 }),
    onEachFeature: (f, l) => l.bindTooltip(`${f.properties.change} within 30 min: ${f.properties.area_km2} km²`),
  }).addTo(map);
  const railLayer = L.geoJSON(null, {
    style: (f) => ({ color: f.properties.colour && f.properties.colour.startsWith("#") ? f.properties.colour : "#444", weight: 3, opacity: 0.8 }),
    onEachFeature: (f, l) => l.bindTooltip(`${esc(f.properties.line_id)} ${esc(f.properties.name_zh)}`),
  }).addTo(map);
  const projectLayer = L.geoJSON(null, {
    style: (f) => ({ color: "#6a3d9a", weight: f.properties.active ? 3 : 1.5, dashArray: f.properties.active ? null : "4 4", opacity: 0.8 }),
    onEachFeature: (f, l) => l.bindTooltip(`${esc(f.properties.id)} ${esc(f.properties.name_zh)} (${f.properties.active ? "in" : "not in"} the scenario)`),
  }).addTo(map);
  const editLayer = L.geoJSON(null, { style: () => ({ color: "#e7298a", weight: 5 }), onEachFeature: (f, l) => l.bindTooltip(`${esc(f.properties.type)} ${esc(f.properties.name)}`) }).addTo(map);
  const routeLayer = L.layerGroup().addTo(map);
  const centreLayer = L.layerGroup().addTo(map);
  L.control.layers(null, { isochrones: isoLayer, "gained / lost": diffLayer, rail: railLayer, projects: projectLayer, edits: editLayer, route: routeLayer }).addTo(map);
  map.pm.setGlobalOptions({ finishOn: "dblclick", snappable: false });

  // ---------------------------------------------------------------- status
  function status(text, busy) { const s = $("status"); s.textContent = text; s.classList.toggle("busy", !!busy); }
  function error(text) { const e = $("error"); e.hidden = !text; e.textContent = text || ""; }

  // ---------------------------------------------------------------- rendering
  function renderNumbers() {
    const rows = numbers.centre_minutes;
    const pairs = {};
    for (const r of rows) (pairs[`${r.from}|${r.to}`] ||= {})[r.mode] = r;
    const saved = {};
    if (compare) for (const p of compare.pairs) saved[`${p.from}|${p.to}|${p.mode}`] = p;
    let h = "<tr><th>from → to</th><th>car</th><th>transit</th><th>best</th>" + (compare ? `<th>saved vs ${esc(compare.base)} (${view.mode})</th>` : "") + "</tr>";
    for (const [k, m] of Object.entries(pairs)) {
      const [a, b] = k.split("|");
      h += `<tr><td>${a} → ${b}</td>`;
      for (const mode of ["car", "transit", "best"]) {
        const v = m[mode].minutes;
        h += `<td data-pair="${a}-${b}" data-mode="${mode}" class="${m[mode].within_30 ? "within" : ""}">${v === null ? "—" : v.toFixed(1)}</td>`;
      }
      if (compare) {
        const p = saved[`${a}|${b}|${view.mode}`];
        const s = p ? p.minutes_saved : null;
        h += `<td data-saved="${a}-${b}" class="${s > 0 ? "saved" : s < 0 ? "lost" : ""}">${s === null ? "—" : (s > 0 ? "+" : "") + s.toFixed(1)}</td>`;
      }
      h += "</tr>";
    }
    $("centre-table").innerHTML = h;
    const idx = numbers.half_hour_index;
    $("index").textContent = `half-hour-circle index: car ${idx.car.toFixed(4)}, transit ${idx.transit.toFixed(4)}, best ${idx.best.toFixed(4)}`;
    $("pop-centre").textContent = `${view.centre} (${view.mode})`;
    let p = "<tr><th>city</th><th>population</th><th>share</th>" + (compare ? "<th>newly within</th><th>no longer</th>" : "") + "</tr>";
    const cmpPop = {};
    if (compare) for (const r of compare.population) cmpPop[`${r.centre}|${r.city}|${r.mode}`] = r;
    for (const r of numbers.population_within_30) {
      if (r.centre !== view.centre || r.mode !== view.mode) continue;
      p += `<tr><td>${r.city}</td><td data-pop="${r.city}">${r.population.toLocaleString()}</td><td>${(100 * r.share).toFixed(1)} %</td>`;
      if (compare) {
        const c = cmpPop[`${r.centre}|${r.city}|${r.mode}`] || {};
        p += `<td>${(c.newly_within ?? 0).toLocaleString()}</td><td>${(c.no_longer_within ?? 0).toLocaleString()}</td>`;
      }
      p += "</tr>";
    }
    $("population").innerHTML = p;
    let c = "";
    if (compare) {
      const d = compare.difference_within_30.filter((r) => r.centre === view.centre && r.mode === view.mode);
      const gained = d.filter((r) => r.change === "gained").reduce((s, r) => s + r.area_km2, 0);
      const lost = d.filter((r) => r.change === "lost").reduce((s, r) => s + r.area_km2, 0);
      c = `<p>Against <b>${esc(compare.base)}</b>, within 30 min of ${view.centre} by ${view.mode}: gained <b id="gained-km2">${gained.toFixed(1)}</b> km², lost <b id="lost-km2">${lost.toFixed(1)}</b> km².</p>`;
    }
    $("compare").innerHTML = c;
    const net = numbers.network;
    $("provenance").innerHTML = `scenario ${esc(numbers.scenario)}, ${numbers.year ?? "as surveyed"}, ${esc(numbers.period)} · network tier ${esc(net.tier)} · ${esc(net.snapshot)}<br>` +
      `definition: ${esc(numbers.definitions.centre_minutes)}<br>${esc(numbers.attribution)}` +
      (numbers.warnings.length ? `<br>warnings: ${numbers.warnings.map(esc).join("; ")}` : "");
    $("year").value = numbers.year ?? "";
    $("period").value = numbers.period;
  }

  function renderLog(log) {
    $("log").innerHTML = log.map((e) => {
      const item = e.op.item;
      const name = e.op.op === "append" ? (typeof item === "string" ? item : item && item.name) : null;
      return `<li>${esc(e.label)}${name ? ` <button type="button" data-remove="${esc(name)}" title="take this edit out">×</button>` : ""}</li>`;
    }).join("");
  }

  function renderProjects() {
    const active = new Set(numbers.projects_active);
    $("projects").innerHTML = meta.projects.map((p) =>
      `<label><input type="checkbox" data-project="${esc(p.id)}" ${active.has(p.id) ? "checked" : ""}> ${esc(p.id)} ${esc(p.name_zh)} <small>(${esc(p.status)})</small></label>`).join("");
  }

  async function refreshMap(generation) {
    const [iso, layers] = await Promise.all([
      api("GET", `/api/tabs/${tab}/isochrones?mode=${view.mode}&centre=${view.centre}`),
      layersDoc && layersDoc.generation === generation ? Promise.resolve(layersDoc) : api("GET", `/api/tabs/${tab}/layers`),
    ]);
    if (iso.generation !== shown) return; // a newer result is on its way
    layers.generation = generation;
    layersDoc = layers;
    isoLayer.clearLayers().addData(iso.isochrones);
    diffLayer.clearLayers();
    if (iso.difference) diffLayer.addData(iso.difference);
    railLayer.clearLayers().addData(layers.rail);
    projectLayer.clearLayers().addData(layers.projects);
    editLayer.clearLayers().addData(layers.edits);
    fillLines();
    $("map").dataset.generation = String(generation);
  }

  async function show(doc) {
    if (doc.superseded || doc.generation < shown) return;
    shown = doc.generation;
    numbers = doc.numbers;
    compare = doc.compare;
    renderNumbers();
    renderLog(doc.log);
    renderProjects();
    await refreshMap(doc.generation);
    const rc = Object.entries(numbers.recomputed_origins).map(([m, r]) => `${m} ${r.recomputed}/${r.of}`).join(", ");
    status(`generation ${doc.generation} · origins recomputed: ${rc}${doc.autosaved ? " · autosaved" : ""}`, false);
    $("status").dataset.generation = String(doc.generation);
    $("status").dataset.tab = doc.tab;
  }

  async function act(method, path, body) {
    const my = ++seq;
    status("computing…", true);
    try {
      const doc = await api(method, path, body);
      error("");
      if (my === seq) await show(doc);
    } catch (e) {
      error(e.message);
      try { await show(await api("GET", `/api/tabs/${tab}`)); } catch (e2) { /* the tab is gone: the error says so */ }
    }
  }
  const edit = (op) => act("POST", `/api/tabs/${tab}/edits`, { op });

  // ---------------------------------------------------------------- edit forms from the scenario language's schema
  let pending = null;
  const LINE_KEYS = ["line", "line_id"];
  function kindOf(prop) {
    if (prop.enum) return "enum";
    const alts = [prop, ...(prop.anyOf || [])];
    if (alts.some((a) => a.type === "number" || a.type === "integer")) return "number";
    if (alts.some((a) => a.type === "array")) return "list";
    return "text";
  }
  // the property a drawn polyline fills: a road's path, or a transit edit's stops when they may be [lon, lat] points
  function drawKey(schema) {
    const props = schema.properties || {};
    if ("path" in props) return "path";
    const items = props.stops && props.stops.items;
    const alts = items ? [items, ...(items.anyOf || [])] : [];
    return alts.some((a) => a.type === "array" && a.prefixItems) ? "stops" : null;
  }
  function fieldInput(list, type, key, prop) {
    const id = `f-${list}-${type}-${key}`;
    const choices = meta.choices[key] || prop.enum;
    if (choices) return `<label>${key} <select id="${id}">${choices.map((c) => `<option ${c === prop.default ? "selected" : ""}>${esc(c)}</option>`).join("")}</select></label>`;
    if (LINE_KEYS.includes(key)) return `<label>${key} <select id="${id}" class="line-select"></select></label>`;
    const kind = kindOf(prop);
    const dflt = prop.default ?? (key === "speed_kph" && type === "new_road" ? 80 : "");
    const hint = kind === "list" ? ' placeholder="a, b, …"' : "";
    return `<label>${key} <input id="${id}" data-kind="${kind}" ${kind === "number" ? 'type="number" step="any"' : ""} value="${esc(dflt)}" size="8"${hint}></label>`;
  }
  function readFields(list, type, props) {
    const out = {};
    for (const key of props) {
      const el = $(`f-${list}-${type}-${key}`);
      if (!el || el.value === "") continue;
      const kind = el.dataset.kind;
      out[key] = kind === "number" ? Number(el.value) : kind === "list" ? el.value.split(/[,，]/).map((x) => x.trim()).filter(Boolean) : el.value;
    }
    return out;
  }
  function buildForms() {
    let h = "", n = 0;
    for (const [list, variants] of Object.entries(meta.edit_lists)) {
      if (variants.type === "string") { // a list of ids, e.g. remove_lines
        h += `<div class="edit-form"><b>${esc(list)}</b> <select id="f-${list}-id" class="line-select"></select> <button type="button" data-list="${esc(list)}" data-id-edit="1">apply</button></div>`;
        continue;
      }
      for (const [type, schema] of Object.entries(variants)) {
        const draw = drawKey(schema);
        const props = Object.keys(schema.properties || {}).filter((k) => !["type", "name", draw].includes(k));
        h += `<div class="edit-form"><b>${esc(type)}</b> <label>name <input id="f-${list}-${type}-name" value="${esc(type)}-${++n}" size="14"></label> ` +
          props.map((k) => fieldInput(list, type, k, schema.properties[k])).join(" ") +
          ` <button type="button" data-list="${esc(list)}" data-type="${esc(type)}" data-draw="${draw || ""}" data-props="${esc(props.join(","))}">${draw ? "draw" : "add"}</button></div>`;
      }
    }
    $("edit-forms").innerHTML = h;
  }
  function fillLines() {
    const lines = (layersDoc ? layersDoc.rail.features : []).map((f) => f.properties);
    for (const sel of document.querySelectorAll(".line-select")) {
      const keep = sel.value;
      sel.innerHTML = lines.map((l) => `<option value="${esc(l.line_id)}">${esc(l.line_id)} ${esc(l.name_zh)}</option>`).join("");
      if (keep) sel.value = keep;
    }
  }
  $("edit-forms").addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (!b) return;
    const list = b.dataset.list;
    if (b.dataset.idEdit) { edit({ op: "append", field: list, item: $(`f-${list}-id`).value }); return; }
    const type = b.dataset.type;
    const props = b.dataset.props ? b.dataset.props.split(",") : [];
    const item = { type, name: $(`f-${list}-${type}-name`).value, ...readFields(list, type, props) };
    if (b.dataset.draw) {
      pending = { list, item, key: b.dataset.draw };
      status(`draw the ${type} on the map: click its ${b.dataset.draw === "stops" ? "stops" : "points"}, double-click to finish`, true);
      map.pm.enableDraw("Line", { finishOn: "dblclick" });
    } else {
      edit({ op: "append", field: list, item });
    }
  });
  map.on("pm:create", (e) => {
    const pts = e.layer.getLatLngs().map((p) => [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]);
    map.removeLayer(e.layer);
    map.pm.disableDraw();
    const path = pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1][0] || p[1] !== pts[i - 1][1]);
    if (!pending) return;
    const { list, item, key } = pending;
    pending = null;
    edit({ op: "append", field: list, item: { ...item, [key]: path } });
  });

  // ---------------------------------------------------------------- other controls
  $("log").addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-remove]");
    if (b) edit({ op: "remove", name: b.dataset.remove });
  });
  $("projects").addEventListener("change", (ev) => {
    const c = ev.target.closest("input[data-project]");
    if (c) edit({ op: "project", project_id: c.dataset.project, include: c.checked });
  });
  $("apply-when").addEventListener("click", () => {
    const y = $("year").value;
    edit({ op: "when", year: y === "" ? null : Number(y), period: $("period").value });
  });
  $("undo").addEventListener("click", () => act("POST", `/api/tabs/${tab}/undo`));
  $("save").addEventListener("click", async () => {
    try {
      const doc = await api("POST", `/api/tabs/${tab}/save`, { name: $("save-name").value.trim(), overwrite: false });
      error("");
      $("saved").textContent = `saved as ${doc.saved} in the workspace`;
      $("saved").dataset.file = doc.saved;
      const listed = await api("GET", "/api/scenarios");
      fillFiles(listed.files, listed.shipped);
    } catch (e) { error(e.message); }
  });
  $("export").addEventListener("click", async () => {
    const name = $("save-name").value.trim();
    $("exported").textContent = "running…";
    try {
      const doc = await api("POST", `/api/tabs/${tab}/export`, { name, overwrite: true });
      error("");
      $("exported").innerHTML = doc.files.map((f) => `<a href="${esc(f)}?token=${encodeURIComponent(token)}" target="_blank" rel="noopener">${esc(f.split("/").pop())}</a>`).join(" ");
    } catch (e) { $("exported").textContent = ""; error(e.message); }
  });
  $("mode").addEventListener("change", () => { view.mode = $("mode").value; renderNumbers(); refreshMap(shown); });
  $("centre").addEventListener("change", () => { view.centre = $("centre").value; renderNumbers(); refreshMap(shown); });
  $("base").addEventListener("change", () => act("POST", `/api/tabs/${tab}/base`, { file: $("base").value || null }));
  $("scenario").addEventListener("change", () => openTab($("scenario").value));
  $("show-definition").addEventListener("click", async () => {
    const name = $("definition").value;
    $("definition-out").textContent = `computing ${name}…`;
    try {
      const doc = await api("GET", `/api/tabs/${tab}/definition/${name}`);
      const rows = doc.rows.filter((r) => r.headline);
      $("definition-out").innerHTML = `<table><tr><th>measure</th><th>mode</th><th>from → to</th><th>value</th></tr>` +
        rows.map((r) => `<tr><td>${esc(r.measure)}</td><td>${esc(r.mode)}</td><td>${esc(r.origin)} → ${esc(r.destination)}</td><td>${r.value === null ? "—" : Number(r.value).toFixed(2)} ${esc(r.unit)}</td></tr>`).join("") +
        `</table><small>${esc(rows.length ? rows[0].basis : "")}; generation ${doc.generation}</small>`;
    } catch (e) { $("definition-out").textContent = ""; error(e.message); }
  });
  $("route").addEventListener("click", () => { routeClicks = []; routeLayer.clearLayers(); status("route: click the start, then the end", true); });
  map.on("click", async (e) => {
    if (routeClicks === null || map.pm.globalDrawModeEnabled()) return;
    routeClicks.push([Number(e.latlng.lng.toFixed(5)), Number(e.latlng.lat.toFixed(5))]);
    L.circleMarker(e.latlng, { radius: 5, color: "#000" }).addTo(routeLayer);
    if (routeClicks.length < 2) return;
    const [from, to] = routeClicks;
    routeClicks = null;
    try {
      const r = await api("POST", `/api/tabs/${tab}/route`, { from, to, mode: view.mode });
      error("");
      L.polyline([[from[1], from[0]], [to[1], to[0]]], { color: "#000", dashArray: "2 6" }).addTo(routeLayer);
      $("route-out").innerHTML = `<p id="route-minutes" data-minutes="${r.minutes}">${esc(r.mode)}: <b>${r.minutes.toFixed(1)}</b> min, ${r.km.toFixed(1)} km</p><ol>` +
        r.legs.map((l) => `<li>${esc(l.kind)} ${l.minutes.toFixed(1)} min ${l.km.toFixed(1)} km ${esc(l.label)}</li>`).join("") + "</ol>" +
        (r.lines.length ? `<p>lines: ${r.lines.map(esc).join(" → ")}; waits ${r.waits_minutes.toFixed(1)} min; transfers ${r.transfers}</p>` : "");
      status(`generation ${shown}`, false);
    } catch (err) { error(err.message); }
  });

  // workspace files first, then the scenarios shipped with the package (read only: saving writes into the workspace)
  function fillFiles(files, shipped) {
    const cur = $("scenario").value, base = $("base").value;
    const opts = (names, label) => names.length ? `<optgroup label="${esc(label)}">` + names.map((f) => `<option value="${esc(f)}">${esc(f)}</option>`).join("") + "</optgroup>" : "";
    const all = opts(files, `workspace (${meta.workspace})`) + opts(shipped || [], "shipped with the planner (read only)");
    $("scenario").innerHTML = all;
    $("base").innerHTML = `<option value="">(no base)</option>` + all;
    if (cur) $("scenario").value = cur;
    $("base").value = base;
  }

  async function openTab(file) {
    const old = tab;
    tab = null; shown = -1; layersDoc = null;
    status(`opening ${file}…`, true);
    try {
      const doc = await api("POST", "/api/tabs", { file });
      tab = doc.tab;
      error("");
      await show(doc);
      if ($("base").value) await act("POST", `/api/tabs/${tab}/base`, { file: $("base").value });
    } catch (e) { error(e.message); status("", false); }
    if (old) api("DELETE", `/api/tabs/${old}`).catch(() => {});
  }

  async function start() {
    meta = await api("GET", "/api/meta");
    fillFiles(meta.files, meta.shipped);
    $("mode").innerHTML = meta.modes.map((m) => `<option ${m === view.mode ? "selected" : ""}>${m}</option>`).join("");
    $("centre").innerHTML = meta.centres.map((c) => `<option value="${c.city}">${c.city} ${esc(c.name_zh)}</option>`).join("");
    $("definition").innerHTML = meta.definitions.map((d) => `<option>${d}</option>`).join("");
    for (const c of meta.centres) L.circleMarker([c.lat, c.lon], { radius: 6, color: "#000", fillColor: "#fff", fillOpacity: 1 }).bindTooltip(`${c.name_zh} ${c.city}`).addTo(centreLayer);
    buildForms();
    const first = new URLSearchParams(location.search).get("scenario");
    const offered = [...meta.files, ...meta.shipped];
    if (first && offered.includes(first)) $("scenario").value = first;
    else if (!meta.files.length && meta.shipped.includes("shipped/surveyed.yaml")) $("scenario").value = "shipped/surveyed.yaml";
    if (offered.length) await openTab($("scenario").value);
    else status(`no scenario YAML in the workspace ${meta.workspace}`, false);
  }
  start().catch((e) => error(e.message));
})();
