// The attnrec console: plain JavaScript over the HTTP API, no library.
// Pages are hash routes (#/, #/models, #/jobs, #/user/U, #/search, #/item/I,
// #/api). Every value from the server is put in the page as text, never as
// HTML. An API key typed in the header is kept in sessionStorage (this tab
// only) and sent as a Bearer token.
"use strict";
(function () {
  const view = document.getElementById("view");
  const statusLine = document.getElementById("status");

  // h("td", {class: "num"}, "1.5"): an element with attributes, listeners
  // (onclick: fn) and children (nodes or text).
  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  const svg = (tag, attrs) => {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  };

  const key = () => sessionStorage.getItem("attnrec-key") || "";

  async function api(method, path, body) {
    const headers = {};
    if (key()) headers["Authorization"] = "Bearer " + key();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let data = text;
    if ((res.headers.get("Content-Type") || "").includes("json")) {
      try { data = JSON.parse(text); } catch (e) { /* shown as text */ }
    }
    if (!res.ok) {
      const msg = data && data.error ? data.error.code + ": " + data.error.message : text;
      throw new Error(method + " " + path + ": " + res.status + " " + msg +
        (res.status === 401 || res.status === 403 ? " (type an API key with that role above)" : ""));
    }
    return data;
  }

  const fmt = (x, digits = 3) => (typeof x === "number" ? x.toFixed(digits) : x === undefined || x === null ? "" : String(x));
  const show = (...nodes) => view.replaceChildren(...nodes);
  const errorBox = (e) => h("p", { class: "error" }, String((e && e.message) || e));
  const table = (headers, rows, attrs) =>
    h("table", attrs || {}, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))), h("tbody", {}, rows));
  const num = (x, digits) => h("td", { class: "num" }, fmt(x, digits));
  const link = (href, text) => h("a", { href }, text);
  const itemLink = (id) => link("#/item/" + encodeURIComponent(id), id);

  // Item titles, fetched once each.
  const titles = new Map();
  async function title(id) {
    if (!titles.has(id)) {
      titles.set(id, api("GET", "/v1/items/" + encodeURIComponent(id)).then((it) => it.title || id, () => id));
    }
    return titles.get(id);
  }
  const titlesOf = (ids) => Promise.all(ids.map(title));

  // ---- Overview: the store, the model, and rates from /metrics.
  function parseMetrics(text) {
    const out = [];
    for (const line of text.split("\n")) {
      if (!line || line[0] === "#") continue;
      const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)$/);
      if (!m) continue;
      const labels = {};
      if (m[3]) for (const p of m[3].matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[p[1]] = p[2];
      out.push({ name: m[1], labels, value: Number(m[4]) });
    }
    return out;
  }
  const total = (ms, name, pred) => ms.filter((m) => m.name === name && (!pred || pred(m.labels))).reduce((a, m) => a + m.value, 0);
  let previous = null;  // {time, metrics}: the rates are deltas since the last refresh

  async function overview() {
    const [text, models] = await Promise.all([api("GET", "/metrics"), api("GET", "/v1/models")]);
    const ms = parseMetrics(text);
    const now = Date.now();
    const rate = (name, pred) => {
      if (!previous) return "...";
      const dt = (now - previous.time) / 1000;
      return fmt(Math.max(0, total(ms, name, pred) - total(previous.metrics, name, pred)) / dt, 1);
    };
    const info = ms.find((m) => m.name === "attnrec_model_info");
    const live = (models.models || []).find((m) => m.version === models.active);
    const hits = total(ms, "attnrec_encoder_cache_hits_total"), misses = total(ms, "attnrec_encoder_cache_misses_total");
    const card = (value, label) => h("div", { class: "card" }, h("div", { class: "value" }, value), h("div", { class: "label" }, label));
    const routes = new Map();
    for (const m of ms.filter((x) => x.name === "attnrec_http_requests_total")) {
      const k = m.labels.method + " " + m.labels.route;
      routes.set(k, (routes.get(k) || 0) + m.value);
    }
    show(
      h("h1", {}, "Overview"),
      h("div", { class: "cards" },
        card(total(ms, "attnrec_store_catalog_items"), "catalog items"),
        card(total(ms, "attnrec_store_users"), "users"),
        card(total(ms, "attnrec_store_events"), "events"),
        card(info && info.labels.kind === "sasrec" ? info.labels.version : "popularity", "serving model"),
        card(live ? fmt(live.valid_ndcg) : "-", "validation NDCG@10"),
        card(rate("attnrec_http_requests_total"), "requests/s"),
        card(rate("attnrec_events_ingested_total"), "events ingested/s"),
        card(hits + misses ? fmt((100 * hits) / (hits + misses), 1) + "%" : "-", "encoder cache hits"),
        card(fmt(total(ms, "process_resident_memory_bytes") / 1048576, 0) + " MB", "resident memory")),
      h("h2", {}, "Requests by route"),
      table(["route", "requests"], [...routes].sort((a, b) => b[1] - a[1]).map(([k, v]) => h("tr", {}, h("td", {}, k), num(v, 0)))));
    previous = { time: now, metrics: ms };
    return 5000;  // refresh
  }

  // ---- Models: the registry, activation (rollback).
  async function models() {
    const data = await api("GET", "/v1/models");
    const rows = (data.models || []).slice().reverse().map((m) =>
      h("tr", { class: m.version === data.active ? "selected" : "" },
        h("td", {}, m.version + (m.version === data.active ? " (active)" : "")),
        h("td", {}, m.created), h("td", {}, m.source),
        num(m.users, 0), num(m.items, 0), num(m.interactions, 0), num(m.valid_ndcg, 4),
        h("td", {}, m.version === data.active ? "" : h("button", {
          onclick: async () => {
            try { await api("POST", "/v1/models/" + encodeURIComponent(m.version) + "/activate"); route(); }
            catch (e) { view.prepend(errorBox(e)); }
          },
        }, "Activate"))));
    show(h("h1", {}, "Model versions"),
      table(["version", "created", "source", "users", "items", "interactions", "valid NDCG@10", ""], rows));
  }

  // ---- Training: start, follow (loss and validation curves), cancel.
  const knownJobs = () => JSON.parse(sessionStorage.getItem("attnrec-jobs") || "[]");
  async function jobs() {
    const epochs = h("input", { type: "number", min: 1, value: 10, size: 4 });
    const minutes = h("input", { type: "number", min: 0, step: "any", value: 5, size: 4 });
    const form = h("form", { class: "inline", onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const started = await api("POST", "/v1/admin/train", { epochs: Number(epochs.value), max_minutes: Number(minutes.value) });
        sessionStorage.setItem("attnrec-jobs", JSON.stringify([started.job, ...knownJobs().filter((j) => j !== started.job)]));
        location.hash = "#/jobs/" + started.job;
      } catch (e) { view.append(errorBox(e)); }
    } }, "Epochs", epochs, "Minutes at most", minutes, h("button", { type: "submit" }, "Start training"));
    show(h("h1", {}, "Training"), form, h("h2", {}, "Jobs started from this tab"),
      h("ul", {}, knownJobs().map((j) => h("li", {}, link("#/jobs/" + j, j)))));
  }

  function curves(epochs) {
    const W = 640, H = 240, pad = 36;
    const chart = svg("svg", { class: "chart", width: W, height: H, viewBox: "0 0 " + W + " " + H });
    chart.append(svg("line", { class: "axis", x1: pad, y1: H - pad, x2: W - pad, y2: H - pad }),
      svg("line", { class: "axis", x1: pad, y1: pad / 2, x2: pad, y2: H - pad }));
    const n = Math.max(epochs.length, 2);
    const x = (i) => pad + ((W - 2 * pad) * i) / (n - 1);
    const line = (values, cls) => {
      const lo = Math.min(...values), hi = Math.max(...values), span = hi - lo || 1;
      const y = (v) => H - pad - ((H - 1.5 * pad) * (v - lo)) / span;
      chart.append(svg("polyline", { class: cls, points: values.map((v, i) => x(i) + "," + y(v)).join(" ") }));
      return [lo, hi];
    };
    const loss = epochs.map((e) => e.loss), valid = epochs.map((e) => (e.valid ? e.valid["ndcg@10"] : 0));
    if (epochs.length) {
      const [llo, lhi] = line(loss, "loss");
      const [vlo, vhi] = line(valid, "valid");
      const label = (tx, ty, text) => { const t = svg("text", { x: tx, y: ty }); t.textContent = text; chart.append(t); };
      label(pad + 4, 14, "loss " + fmt(llo) + "-" + fmt(lhi) + " (blue); validation NDCG@10 " + fmt(vlo) + "-" + fmt(vhi) + " (orange)");
      label(W - pad - 40, H - 12, "epoch " + epochs.length);
    }
    return chart;
  }

  async function job(id) {
    const j = await api("GET", "/v1/admin/train/" + encodeURIComponent(id));
    const running = j.state === "queued" || j.state === "running";
    // A job from before a restart keeps no curves; its model's record does.
    if (!(j.epochs && j.epochs.length) && j.version) {
      const all = await api("GET", "/v1/models");
      const record = (all.models || []).find((m) => m.version === j.version);
      if (record && record.report && record.report.epochs) j.epochs = record.report.epochs;
    }
    const p = j.progress || {};
    show(h("h1", {}, "Training job " + j.job),
      h("p", {}, "State: ", h("strong", { id: "job-state" }, j.state),
        running && p.epochs ? " - epoch " + p.epoch + " of " + p.epochs + ", batch " + p.batch + " of " + p.batches +
          ", loss " + fmt(p.loss) + ", " + fmt(p.seqs_per_sec, 0) + " sequences/s" : "",
        j.version ? " - version " + j.version + (j.activated ? " (activated)" : " (not activated)") : "",
        running ? " " : "",
        running ? h("button", { onclick: async () => { try { await api("DELETE", "/v1/admin/train/" + encodeURIComponent(id)); route(); } catch (e) { view.append(errorBox(e)); } } }, "Cancel") : ""),
      j.error ? errorBox(new Error(j.error)) : "",
      j.decision ? h("p", { class: "muted" }, j.decision) : "",
      curves(j.epochs || []),
      table(["epoch", "loss", "valid NDCG@10", "valid HR@10", "seconds"], (j.epochs || []).map((e) =>
        h("tr", {}, num(e.epoch, 0), num(e.loss, 4), num(e.valid && e.valid["ndcg@10"], 4), num(e.valid && e.valid["hr@10"], 4), num(e.elapsed_seconds, 1)))));
    return running ? 2000 : 0;
  }

  // ---- Users: history, recommendations, and the attention behind one.
  function userForm(prefill) {
    const input = h("input", { value: prefill || "", placeholder: "user id" });
    return h("form", { class: "inline", onsubmit: (ev) => { ev.preventDefault(); location.hash = "#/user/" + encodeURIComponent(input.value.trim()); } },
      "User", input, h("button", { type: "submit" }, "Show"));
  }
  async function userPage(id, explainItem) {
    if (!id) return show(h("h1", {}, "Users"), userForm());
    const u = encodeURIComponent(id);
    const [history, recs] = await Promise.all([
      api("GET", "/v1/users/" + u + "/history?limit=50").catch((e) => ({ error: e })),
      api("GET", "/v1/users/" + u + "/recommendations?k=10"),
    ]);
    const events = history.events || [];
    const chosen = explainItem || (recs.strategy === "sasrec" && recs.items.length ? recs.items[0].id : null);
    const [historyTitles, recTitles] = await Promise.all([titlesOf(events.map((e) => e.item)), titlesOf(recs.items.map((r) => r.id))]);
    const parts = [h("h1", {}, "User " + id), userForm(id)];
    parts.push(h("h2", {}, "Recommendations"),
      h("p", { class: "muted" }, "strategy ", h("strong", { id: "strategy" }, recs.strategy), recs.model_version ? ", model " + recs.model_version : ""),
      table(["#", "item", "title", "score", ""], recs.items.map((r, i) =>
        h("tr", { class: "rec" + (r.id === chosen ? " selected" : ""), "data-item": r.id },
          num(i + 1, 0), h("td", {}, itemLink(r.id)), h("td", {}, recTitles[i]), num(r.score, 4),
          h("td", {}, recs.strategy === "sasrec" ? link("#/user/" + u + "/explain/" + encodeURIComponent(r.id), "why?") : ""))),
        { id: "recommendations" }));
    if (chosen) parts.push(await heatmap(id, chosen));
    parts.push(h("h2", {}, "History (newest last)"),
      history.error ? errorBox(history.error) : table(["item", "title", "type", "time"], events.map((e, i) =>
        h("tr", {}, h("td", {}, itemLink(e.item)), h("td", {}, historyTitles[i]), h("td", {}, e.type), h("td", {}, e.ts)))));
    show(...parts);
  }

  // The last position's attention over the history, one row per layer and
  // head, one cell per history item; darker is more weight.
  async function heatmap(user, item) {
    const ex = await api("GET", "/v1/users/" + encodeURIComponent(user) + "/explain?item=" + encodeURIComponent(item));
    const layers = ex.layers || [];
    const columns = layers.length && layers[0].heads.length ? layers[0].heads[0].weights : [];
    const names = await titlesOf(columns.map((w) => w.item));
    const rows = [];
    layers.forEach((layer, l) => layer.heads.forEach((head, hd) => {
      const max = Math.max(...head.weights.map((w) => w.weight), 1e-9);
      rows.push(h("tr", {}, h("th", { class: "row" }, "layer " + (l + 1) + ", head " + (hd + 1)),
        head.weights.map((w, j) => h("td", {
          class: "heat-cell", "data-weight": fmt(w.weight, 4), "data-item": w.item,
          title: names[j] + " (" + w.item + "): " + fmt(w.weight, 4),
          style: "background: rgba(192, 86, 33, " + fmt(w.weight / max, 3) + ")",
        }))));
    }));
    return h("section", { id: "explain" },
      h("h2", {}, "Why " + item + " (" + (await title(item)) + ")"),
      h("p", { class: "muted" }, "score " + fmt(ex.score, 4) + ", model " + ex.model_version +
        "; the attention of the last position over the history (hover a cell for the item and weight)"),
      h("table", { class: "heatmap" },
        h("thead", {}, h("tr", {}, h("th", {}, ""), columns.map((w, j) => h("th", { class: "col", title: w.item }, names[j])))),
        h("tbody", {}, rows)));
  }

  // ---- Search: text, personal and final scores.
  async function search(query) {
    const params = new URLSearchParams((query || "").replace(/^\?/, ""));
    const q = h("input", { value: params.get("q") || "", placeholder: "words" });
    const user = h("input", { value: params.get("user") || "", placeholder: "user (optional)" });
    const form = h("form", { class: "inline", onsubmit: (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams({ q: q.value });
      if (user.value) p.set("user", user.value);
      location.hash = "#/search?" + p.toString();
    } }, "Search", q, "for", user, h("button", { type: "submit" }, "Search"));
    const parts = [h("h1", {}, "Search"), form];
    if (params.get("q")) {
      const p = new URLSearchParams({ q: params.get("q"), k: "20" });
      if (params.get("user")) p.set("user", params.get("user"));
      const res = await api("GET", "/v1/search?" + p.toString());
      parts.push(h("p", { class: "muted" }, "strategy " + res.strategy + (res.model_version ? ", model " + res.model_version : "")),
        table(["item", "title", "text score", "personal score", "score"], res.items.map((r) =>
          h("tr", {}, h("td", {}, itemLink(r.id)), h("td", {}, r.title), num(r.text_score, 3), num(r.personal_score, 3), num(r.score, 3)))));
    }
    show(...parts);
  }

  // ---- Items: the entry and its neighbours.
  async function itemPage(id) {
    const input = h("input", { value: id || "", placeholder: "item id" });
    const form = h("form", { class: "inline", onsubmit: (ev) => { ev.preventDefault(); location.hash = "#/item/" + encodeURIComponent(input.value.trim()); } },
      "Item", input, h("button", { type: "submit" }, "Show"));
    if (!id) return show(h("h1", {}, "Items"), form);
    const it = await api("GET", "/v1/items/" + encodeURIComponent(id));
    const parts = [h("h1", {}, it.title || id), form,
      table(["field", "value"], Object.entries(it).map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, typeof v === "object" ? JSON.stringify(v) : String(v)))))];
    try {
      const sim = await api("GET", "/v1/items/" + encodeURIComponent(id) + "/similar?k=10");
      const names = await titlesOf(sim.items.map((s) => s.id));
      parts.push(h("h2", {}, "Similar items"), table(["item", "title", "cosine"], sim.items.map((s, i) =>
        h("tr", {}, h("td", {}, itemLink(s.id)), h("td", {}, names[i]), num(s.score, 3)))));
    } catch (e) {
      parts.push(h("h2", {}, "Similar items"), errorBox(e));
    }
    show(...parts);
  }

  // ---- API reference, from the served OpenAPI document.
  async function apiReference() {
    const doc = await api("GET", "/openapi.json");
    const parts = [h("h1", {}, doc.info.title + " API"), h("p", { class: "muted" }, doc.info.description)];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === "parameters") continue;
        const params = [...(item.parameters || []), ...(op.parameters || [])];
        const body = op.requestBody && op.requestBody.content["application/json"];
        parts.push(h("div", { class: "op" },
          h("div", {}, h("span", { class: "method" }, method.toUpperCase()), h("code", {}, path), " - ", op.summary || ""),
          params.length ? h("p", {}, "Parameters: ", params.map((p, i) => [i ? ", " : "", h("code", {}, p.name), " (" + p.in + (p.required ? ", required" : "") + ")"])) : "",
          body && body.example ? h("pre", {}, JSON.stringify(body.example, null, 2)) : "",
          h("p", { class: "muted" }, "Answers: " + Object.keys(op.responses).join(", "))));
      }
    }
    show(...parts);
  }

  // ---- Routing.
  const routes = [
    [/^#?\/?$/, overview],
    [/^#\/models$/, models],
    [/^#\/jobs$/, jobs],
    [/^#\/jobs\/([^/?]+)$/, job],
    [/^#\/user$/, () => userPage()],
    [/^#\/user\/([^/?]+)$/, (u) => userPage(u)],
    [/^#\/user\/([^/?]+)\/explain\/([^/?]+)$/, (u, i) => userPage(u, i)],
    [/^#\/search(\?.*)?$/, search],
    [/^#\/item$/, () => itemPage()],
    [/^#\/item\/([^/?]+)$/, itemPage],
    [/^#\/api$/, apiReference],
  ];
  let timer = null;
  async function route() {
    clearTimeout(timer);
    const hash = location.hash || "#/";
    for (const a of document.querySelectorAll("nav a")) {
      const target = a.getAttribute("href");
      a.classList.toggle("active", target === "#/" ? hash === "#/" || hash === "" : hash.startsWith(target));
    }
    for (const [re, fn] of routes) {
      const m = hash.match(re);
      if (!m) continue;
      try {
        const again = await fn(...m.slice(1).map((x) => (x === undefined ? x : decodeURIComponent(x))));
        statusLine.textContent = "updated " + new Date().toLocaleTimeString();
        if (again) timer = setTimeout(() => { if (location.hash === hash || (!location.hash && hash === "#/")) route(); }, again);
      } catch (e) {
        show(errorBox(e));
      }
      document.body.setAttribute("data-ready", "1");  // for the browser test: this page has rendered
      return;
    }
    show(errorBox(new Error("no such page: " + hash)));
    document.body.setAttribute("data-ready", "1");
  }

  const keyInput = document.getElementById("key");
  keyInput.value = key();
  document.getElementById("key-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem("attnrec-key", keyInput.value);
    route();
  });
  window.addEventListener("hashchange", route);
  route();
})();
