// The cautery console: one ES module, no dependencies, no inline script
// (the server's CSP forbids it). Every page reads the JSON API under
// /api/v1/ with the token kept for this tab (sessionStorage) when the
// server asks for one; charts are SVG drawn here.

const main = document.getElementById("main");
const tokenForm = document.getElementById("token-form");
const tokenInput = document.getElementById("token");
const COLORS = ["#b3261e", "#0969da", "#1a7f37", "#8250df", "#bf8700", "#cf222e", "#116329", "#953800"];
const SVG = "http://www.w3.org/2000/svg";

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options = {}) {
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem("cautery-token");
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  if (!response.ok) {
    if (response.status === 401) tokenForm.hidden = false;
    throw new ApiError(response.status, body.error || `${response.status}`);
  }
  return body;
}

// Elements are built with textContent only: nothing from the API is parsed as HTML.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function table(headers, rows, numeric = []) {
  return el("div", { class: "table-wrap" },
    el("table", {},
      el("thead", {}, el("tr", {}, headers.map((h, i) => el("th", { scope: "col", class: numeric.includes(i) ? "num" : null }, h)))),
      el("tbody", {}, rows.length ? rows.map((row) => el("tr", {}, row.map((cell, i) => el("td", { class: numeric.includes(i) ? "num" : null }, cell))))
        : el("tr", {}, el("td", { colspan: headers.length, class: "muted" }, "nothing yet")))));
}

function card(label, value, cls) {
  return el("div", { class: "card" }, el("div", { class: `value ${cls || ""}` }, value), el("div", { class: "label" }, label));
}

const number = (n) => Number(n).toLocaleString("en-US");
const when = (t) => (t ? t.replace("T", " ").replace("Z", " UTC") : "–");

function show(title, ...content) {
  document.title = `${title} · cautery console`;
  main.replaceChildren(el("h1", {}, title), ...content.filter((c) => c !== null && c !== undefined));
}

function failure(error) {
  return el("p", { class: "error", role: "alert" }, error.message);
}

// Overview: today's rules, zone serials, events of the last hour.
async function overview() {
  const [zones, families, victims, monitor] = await Promise.all([
    api("/api/v1/zones"),
    api("/api/v1/families?limit=1"),
    api("/api/v1/victims?hours=1").catch((e) => e),
    api("/api/v1/monitor?limit=1").catch((e) => e),
  ]);
  const secondaries = zones.zones.flatMap((z) => z.secondaries.map((s) => ({ zone: z.name, ...s })));
  const unhealthy = monitor instanceof Error ? 0 : monitor.sources.filter((s) => !s.healthy).length;
  const rules = zones.zones.reduce((sum, z) => sum + z.rules, 0);
  const cards = el("div", { class: "cards" },
    card("rules served now", number(rules)),
    card("policy zones", number(zones.zones.length)),
    card("families known", number(families.total)),
    victims instanceof Error ? card("events, last hour", "off", "muted")
      : card("events, last hour", number(victims.events)),
    victims instanceof Error ? null : card("infected sources, last hour", number(victims.sources), victims.sources ? "bad" : "ok"),
    card("secondaries out of sync", number(secondaries.filter((s) => !s.in_sync).length), secondaries.some((s) => !s.in_sync) ? "bad" : "ok"),
    monitor instanceof Error ? card("monitor", "off", "muted") : card("monitor sources unhealthy", number(unhealthy), unhealthy ? "bad" : "ok"));
  show("Overview",
    el("p", { class: "muted" }, `As of ${when(zones.at)}`),
    cards,
    el("h2", {}, "Policy zones"),
    table(["zone", "campaign", "serial", "rules", "last change", "next change"],
      zones.zones.map((z) => [el("code", {}, z.name), z.campaign, String(z.serial), number(z.rules), when(z.last_change), when(z.next_change)]),
      [2, 3]),
    el("h2", {}, "Secondaries' last transfers"),
    table(["zone", "secondary", "kind", "serial", "at", "state"],
      secondaries.map((s) => [el("code", {}, s.zone), el("code", {}, s.address), s.kind, String(s.serial), when(s.at),
        el("span", { class: s.in_sync ? "ok" : "bad" }, s.in_sync ? "in sync" : "behind")]), [3]),
    el("h2", {}, "Secondaries notified"),
    zones.notify.length ? el("ul", {}, zones.notify.map((n) => el("li", {}, el("code", {}, n)))) : el("p", { class: "muted" }, "none configured"));
}

// Families: search, then a family's names for a day.
async function families(params) {
  const q = params.get("q") || "";
  const list = await api(`/api/v1/families?limit=10000&q=${encodeURIComponent(q)}`);
  const search = el("form", { class: "row", role: "search", onsubmit: (event) => {
    event.preventDefault();
    location.hash = `#/families?q=${encodeURIComponent(search.elements.q.value.trim())}`;
  } },
  el("label", {}, "Name or alias", el("input", { name: "q", type: "search", value: q })),
  el("button", { type: "submit" }, "Search"));
  const rows = list.items.map((f) => [
    el("a", { href: `#/family?name=${encodeURIComponent(f.name)}` }, f.name),
    f.scheme, f.seeding, String(f.seeds.length), f.window, f.tlds.slice(0, 6).join(" ")]);
  show("Families", search, el("p", { class: "muted" }, `${list.total} families`),
    table(["family", "scheme", "seeding", "seeds", "window", "TLDs"], rows, [3]));
}

async function family(params) {
  const name = params.get("name") || "";
  const info = await api(`/api/v1/families/${encodeURIComponent(name)}`);
  const day = params.get("day") || new Date().toISOString().slice(0, 10);
  const seed = params.get("seed") || (info.seeds[0] ? info.seeds[0].name : "");
  const form = el("form", { class: "row", onsubmit: (event) => {
    event.preventDefault();
    const f = form.elements;
    location.hash = `#/family?name=${encodeURIComponent(name)}&seed=${encodeURIComponent(f.seed.value)}&day=${f.day.value}`;
  } },
  el("label", {}, "Seed", el("select", { name: "seed" }, info.seeds.map((s) => el("option", { value: s.name, selected: s.name === seed }, s.name)))),
  el("label", {}, "Day", el("input", { name: "day", type: "date", value: day })),
  el("button", { type: "submit" }, "Show names"));
  let names;
  try {
    const query = `from=${day}&to=${day}&limit=10000${seed ? `&seed=${encodeURIComponent(seed)}` : ""}`;
    const page = await api(`/api/v1/families/${encodeURIComponent(name)}/predictions?${query}`);
    names = [el("p", { class: "muted" }, `${page.total} names`),
      table(["name", "valid from", "valid to"], page.items.map((p) => [el("code", {}, p.name), when(p.valid_from), when(p.valid_to)]))];
  } catch (error) {
    names = [failure(error)];
  }
  show(info.name, el("p", {}, info.summary), el("p", { class: "muted" }, `${info.scheme}, ${info.seeding}; window ${info.window}`), form, ...names);
}

// Lookup: paste names, one a line or in any text.
function lookup() {
  const output = el("div", { "aria-live": "polite" });
  const form = el("form", { onsubmit: async (event) => {
    event.preventDefault();
    const names = form.elements.names.value.split(/[\s,;]+/).map((n) => n.trim()).filter(Boolean).slice(0, 1000);
    if (!names.length) return;
    try {
      const answer = await api("/api/v1/lookup", { method: "POST", body: { names } });
      const rows = answer.results.map((r) => [el("code", {}, r.name),
        r.found ? el("span", { class: "bad" }, "predicted") : el("span", { class: "muted" }, "not served"),
        r.matches.map((m) => `${m.family} (${m.seed})`).join(", "),
        r.matches.map((m) => m.zone).join(", "),
        r.matches.map((m) => `${when(m.valid_from)} – ${when(m.valid_to)}`).join(", ")]);
      const found = answer.results.filter((r) => r.found).length;
      output.replaceChildren(el("p", { id: "lookup-summary" }, `${found} of ${answer.results.length} names are predicted by a served zone`),
        table(["name", "status", "family (seed)", "zone", "window"], rows));
    } catch (error) {
      output.replaceChildren(failure(error));
    }
  } },
  el("label", { for: "names" }, "Names, one a line (up to 1000)"),
  el("textarea", { id: "names", name: "names", spellcheck: "false", autocapitalize: "off" }),
  el("p", {}, el("button", { type: "submit" }, "Look up")));
  show("Lookup", form, output);
}

// A line chart of each family's events per bucket.
function lineChart(series) {
  const width = 900, height = 260, left = 48, right = 12, top = 12, bottom = 28;
  const points = series[0] ? series[0].points : [];
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.events)));
  const x = (i) => left + (points.length <= 1 ? 0 : (i * (width - left - right)) / (points.length - 1));
  const y = (v) => height - bottom - (v * (height - top - bottom)) / max;
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "events per family over time" });
  chart.append(svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }));
  for (const tick of [0, max / 2, max]) {
    chart.append(svg("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end" }, number(Math.round(tick))));
    chart.append(svg("line", { class: "axis", x1: left, y1: y(tick), x2: width - right, y2: y(tick) }));
  }
  const every = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % every === 0) chart.append(svg("text", { x: x(i), y: height - 8, "text-anchor": "middle" }, p.at.slice(5, 16).replace("T", " ")));
  });
  series.forEach((s, n) => {
    const color = COLORS[n % COLORS.length];
    chart.append(svg("polyline", { fill: "none", stroke: color, "stroke-width": 2, points: s.points.map((p, i) => `${x(i)},${y(p.events)}`).join(" ") },
      svg("title", {}, s.family)));
    s.points.forEach((p, i) => {
      if (p.events) chart.append(svg("circle", { cx: x(i), cy: y(p.events), r: 3, fill: color }, svg("title", {}, `${s.family} ${when(p.at)}: ${p.events} events, ${p.sources} sources`)));
    });
  });
  const legend = el("div", { class: "legend" }, series.map((s, n) => {
    const item = el("span", {}, `${s.family} (${number(s.events)})`);
    item.style.setProperty("--swatch", COLORS[n % COLORS.length]);
    return item;
  }));
  return [chart, legend];
}

// A horizontal bar per country.
function barChart(rows) {
  const shown = rows.slice(0, 12);
  const width = 600, bar = 22, left = 60;
  const max = Math.max(1, ...shown.map((r) => r.sources));
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${Math.max(1, shown.length) * bar + 8}`, role: "img", "aria-label": "infected sources per country" });
  shown.forEach((r, i) => {
    const w = ((width - left - 60) * r.sources) / max;
    chart.append(svg("text", { x: left - 6, y: i * bar + 19, "text-anchor": "end" }, r.country || "??"));
    chart.append(svg("rect", { x: left, y: i * bar + 6, width: Math.max(2, w), height: bar - 8, fill: COLORS[1] }, svg("title", {}, `${r.country || "unknown"}: ${r.sources} sources`)));
    chart.append(svg("text", { x: left + w + 6, y: i * bar + 19 }, number(r.sources)));
  });
  return chart;
}

async function victims(params) {
  const hours = Number(params.get("hours") || 24);
  const data = await api(`/api/v1/victims?hours=${hours}`);
  const form = el("form", { class: "row", onsubmit: (event) => {
    event.preventDefault();
    location.hash = `#/victims?hours=${form.elements.hours.value}`;
  } },
  el("label", {}, "Period", el("select", { name: "hours" }, [[1, "last hour"], [24, "last 24 hours"], [72, "last 3 days"], [168, "last 7 days"], [744, "last 31 days"]]
    .map(([v, label]) => el("option", { value: v, selected: v === hours }, label)))),
  el("button", { type: "submit" }, "Show"));
  show("Victims", form,
    el("p", { class: "muted" }, `${when(data.from)} to ${when(data.to)}${data.truncated ? " (truncated)" : ""}`),
    el("div", { class: "cards" }, card("events", number(data.events)), card("distinct sources", number(data.sources), data.sources ? "bad" : "ok")),
    el("h2", {}, `Events per family and ${data.bucket_seconds === 3600 ? "hour" : "day"}`),
    ...(data.families.length ? lineChart(data.families) : [el("p", { class: "muted" }, "no events in this period")]),
    el("div", { class: "grid2" },
      el("section", {}, el("h2", {}, "Countries"), barChart(data.countries),
        table(["country", "sources", "events"], data.countries.map((c) => [c.country || "unknown", number(c.sources), number(c.events)]), [1, 2])),
      el("section", {}, el("h2", {}, "Networks (AS)"),
        table(["AS", "name", "sources", "events"], data.asns.map((a) => [a.asn === null ? "unknown" : `AS${a.asn}`, a.as_name || "", number(a.sources), number(a.events)]), [2, 3]))));
}

// Allow-list entries made here; adding one needs the admin scope.
async function allowList() {
  const list = await api("/api/v1/allow-list");
  const message = el("p", { "aria-live": "polite" });
  const form = el("form", { class: "row", onsubmit: async (event) => {
    event.preventDefault();
    const f = form.elements;
    try {
      await api("/api/v1/allow-list", { method: "POST", body: { name: f.name.value.trim(), reason: f.reason.value.trim() } });
      route();
    } catch (error) {
      message.replaceChildren(failure(error));
    }
  } },
  el("label", {}, "Name or *.suffix", el("input", { name: "name", required: true })),
  el("label", {}, "Reason (audit log)", el("input", { name: "reason", required: true, size: 40 })),
  el("button", { type: "submit" }, "Allow"));
  show("Allow-list", el("p", { class: "muted" }, "Allowed names leave the policy zones at the next serial."), form, message,
    table(["name", "reason", "by", "at"], list.entries.map((e) => [el("code", {}, e.name), e.reason, e.by, when(e.at)])));
}

// A "more" link for a cursor-paged list: the page again from `cursor`.
function more(page, params, cursor) {
  if (!cursor) return null;
  const next = new URLSearchParams(params);
  next.set("cursor", cursor);
  return el("p", {}, el("a", { href: `#/${page}?${next}` }, "Next page"));
}

// Detection findings: infected clients per family from the resolvers'
// queries (the dnstap collector), most names first.
async function findings(params) {
  const hours = Number(params.get("hours") || 24);
  const query = new URLSearchParams({ hours, limit: 200 });
  if (params.get("cursor")) query.set("cursor", params.get("cursor"));
  const data = await api(`/api/v1/findings?${query}`);
  const form = el("form", { class: "row", onsubmit: (event) => {
    event.preventDefault();
    location.hash = `#/findings?hours=${form.elements.hours.value}`;
  } },
  el("label", {}, "Period", el("select", { name: "hours" }, [[1, "last hour"], [24, "last 24 hours"], [168, "last 7 days"], [744, "last 31 days"]]
    .map(([v, label]) => el("option", { value: v, selected: v === hours }, label)))),
  el("button", { type: "submit" }, "Show"));
  const clients = new Set(data.items.map((f) => f.client)).size;
  show("Detection findings", form,
    el("p", { class: "muted" }, `${when(data.from)} to ${when(data.to)}${data.truncated ? " (truncated)" : ""}`),
    el("div", { class: "cards" }, card("findings", number(data.total), data.total ? "bad" : "ok"), card("clients on this page", number(clients))),
    table(["client", "family", "names", "queries", "first", "last", "network", "names asked"],
      data.items.map((f) => [el("code", {}, f.client), f.family, number(f.names), number(f.queries), when(f.first), when(f.last),
        [f.asn === null ? "" : `AS${f.asn}`, f.country || ""].filter(Boolean).join(" ") || "–",
        el("code", {}, f.examples.join(" "))]),
      [2, 3]),
    more("findings", { hours }, data.next_cursor));
}

// The registration monitor: sources' health, open alerts, names found.
async function alerts(params) {
  const query = new URLSearchParams({ limit: 200 });
  if (params.get("cursor")) query.set("cursor", params.get("cursor"));
  const [state, list] = await Promise.all([api("/api/v1/monitor?limit=200"), api(`/api/v1/monitor/alerts?${query}`)]);
  const unhealthy = state.sources.filter((s) => !s.healthy).length;
  show("Monitor alerts",
    el("p", { class: "muted" }, `As of ${when(state.at)}; a cycle every ${number(state.interval_seconds)} s`),
    el("div", { class: "cards" },
      card("sources unhealthy", number(unhealthy), unhealthy ? "bad" : "ok"),
      card("names found registered (this page)", number(state.items.length), state.items.length ? "bad" : "ok")),
    el("h2", {}, "Alerts, newest first"),
    table(["at", "kind", "name or source", "detail"],
      list.items.map((a) => [when(a.at), el("span", { class: a.kind === "health" ? "muted" : "bad" }, a.kind), el("code", {}, a.domain),
        a.detail && typeof a.detail === "object" ? (a.detail.detail || (a.detail.ns || []).join(" ") || "") : String(a.detail || "")])),
    more("alerts", {}, list.next_cursor),
    el("h2", {}, "Sources"),
    table(["source", "state", "last good", "failures", "last error"],
      state.sources.map((s) => [el("code", {}, s.source), el("span", { class: s.healthy ? "ok" : "bad" }, s.healthy ? "healthy" : "unhealthy"),
        when(s.last_ok), number(s.failures), s.last_error || "–"]), [3]),
    el("h2", {}, "Predicted names found registered"),
    table(["name", "name servers", "registrar", "first seen", "last seen", "expires"],
      state.items.map((n) => [el("code", {}, n.domain), n.ns.join(" "), n.registrar || "–", when(n.first_seen), when(n.last_seen), when(n.expires)])));
}

// Seed inputs: each public-data fetch the seed archive holds.
async function seeds(params) {
  const query = new URLSearchParams({ limit: 500 });
  for (const key of ["source", "cursor"]) if (params.get(key)) query.set(key, params.get(key));
  const data = await api(`/api/v1/seeds?${query}`);
  const sources = [...new Set(data.items.map((r) => r.source))];
  show("Seed inputs",
    el("p", { class: "muted" }, `${number(data.total)} fetches in `, el("code", {}, data.archive)),
    el("div", { class: "cards" }, sources.map((s) => {
      const newest = data.items.find((r) => r.source === s);
      return card(`newest ${s}`, newest.day);
    })),
    table(["source", "day", "fetched", "status", "size", "SHA-256"],
      data.items.map((r) => [r.source, r.day, when(r.fetched_at), String(r.status), number(r.size), el("code", { title: r.url }, r.sha256.slice(0, 16) + "…")]),
      [3, 4]),
    more("seeds", params.get("source") ? { source: params.get("source") } : {}, data.next_cursor));
}

const PAGES = { overview, families, family, lookup, victims, findings, alerts, seeds, "allow-list": allowList };

async function route() {
  const [path, query] = (location.hash.slice(2) || "overview").split("?");
  const page = PAGES[path] || overview;
  for (const link of document.querySelectorAll("nav a")) {
    const target = link.getAttribute("href").slice(2);
    if (target === path || (path === "family" && target === "families")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    await page(new URLSearchParams(query || ""));
  } catch (error) {
    show("Error", failure(error));
  }
  main.dataset.page = path;
  main.dataset.ready = "true";
}

tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("cautery-token", tokenInput.value);
  tokenInput.value = "";
  tokenForm.hidden = true;
  route();
});
window.addEventListener("hashchange", () => {
  main.dataset.ready = "false";
  route().then(() => main.focus());
});
route();
