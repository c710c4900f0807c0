/* coopx archive report: network (vis-network), details panel, event timeline, top organisations.
   Reads the JSON in #coopx-data (see extractor/archive/report.py); in `coopx serve --store` mode
   (#coopx-config api set) it also searches all organisations through the archive API.
   Every text from the data goes through textContent, never innerHTML. */
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("coopx-data").textContent);
  const CONFIG = JSON.parse(document.getElementById("coopx-config").textContent);

  const TYPES = {
    patient_care: ["Patientenversorgung", "#1f77b4"], education: ["Aus- und Weiterbildung", "#ff7f0e"],
    research: ["Forschung", "#2ca02c"], telemedicine: ["Telemedizin", "#d62728"], network: ["Netzwerk", "#9467bd"],
    joint_center: ["Gemeinsames Zentrum", "#8c564b"], administration: ["Verwaltung", "#e377c2"],
    strategic: ["Strategisch", "#7f7f7f"], other: ["Sonstiges", "#bcbd22"],
  };
  const KINDS = {
    hospital: ["Klinik", "#4e79a7"], university: ["Hochschule", "#f28e2b"], research_institute: ["Forschung", "#59a14f"],
    company: ["Unternehmen", "#e15759"], public_authority: ["Behörde", "#76b7b2"], association: ["Verband/Verein", "#edc948"],
    network: ["Netzwerk", "#b07aa1"], other: ["Sonstige", "#9c9c9c"],
  };
  const STATUS = { planned: "geplant", started: "gestartet", extended: "erweitert", ongoing: "laufend", ended: "beendet" };
  const EVENTS = {
    announced: ["angekündigt", "#8da0cb"], planned: ["geplant", "#fc8d62"], signed: ["unterzeichnet", "#1b9e77"],
    started: ["gestartet", "#66a61e"], joined: ["beigetreten", "#7570b3"], extended: ["erweitert", "#e7298a"],
    ended: ["beendet", "#555555"], reported: ["berichtet", "#bbbbbb"],
  };
  const label = (table, key) => (table[key] ? table[key][0] : key || "–");
  const nodeById = new Map(DATA.nodes.map((n) => [n.id, n]));
  const coopById = new Map(DATA.coops.map((c) => [c.id, c]));
  const eventsByCoop = new Map();
  for (const ev of DATA.events) {
    if (!eventsByCoop.has(ev.coop)) eventsByCoop.set(ev.coop, []);
    eventsByCoop.get(ev.coop).push(ev);
  }
  for (const c of DATA.coops) {
    c.years = new Set((eventsByCoop.get(c.id) || []).filter((e) => e.date).map((e) => e.date.slice(0, 4)));
  }

  // -- small DOM helpers --
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "style") e.style.cssText = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  function link(url, text) {
    return /^https?:\/\//i.test(url || "") ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text) : el("span", {}, text);
  }
  function tag(text, colour) { return el("span", { class: "tag", style: `background:${colour}` }, text); }
  function option(select, value, text) { select.append(el("option", { value }, text)); }
  function partnerNames(ids) { return ids.map((p) => (nodeById.get(p) || { name: p }).name).join(" – "); }

  // -- filters --
  const f = { type: document.getElementById("f-type"), year: document.getElementById("f-year"),
              kind: document.getElementById("f-kind"), status: document.getElementById("f-status") };
  const present = (key) => new Set(DATA.coops.flatMap((c) => (key === "types" ? c.types : [c[key]])));
  for (const t of Object.keys(TYPES)) if (present("types").has(t)) option(f.type, t, TYPES[t][0]);
  for (const y of [...new Set(DATA.coops.flatMap((c) => [...c.years]))].sort().reverse()) option(f.year, y, y);
  for (const k of Object.keys(KINDS)) if (DATA.nodes.some((n) => n.kind === k)) option(f.kind, k, KINDS[k][0]);
  for (const s of Object.keys(STATUS)) if (present("status").has(s)) option(f.status, s, STATUS[s]);

  function passes(c) {
    return (!f.type.value || c.types.includes(f.type.value)) && (!f.status.value || c.status === f.status.value)
      && (!f.year.value || c.years.has(f.year.value))
      && (!f.kind.value || c.partners.some((p) => (nodeById.get(p) || {}).kind === f.kind.value));
  }

  // -- network --
  const nodes = new vis.DataSet();
  const edges = new vis.DataSet();
  const network = new vis.Network(document.getElementById("network"), { nodes, edges }, {
    nodes: { shape: "dot", scaling: { min: 6, max: 34, label: { enabled: true, min: 11, max: 18 } }, font: { size: 12 } },
    edges: { scaling: { min: 1, max: 14 }, smooth: false, color: { inherit: false } },
    physics: { solver: "forceAtlas2Based", stabilization: { iterations: 250 } },
    interaction: { hover: true, tooltipDelay: 150 },
  });
  network.on("stabilizationIterationsDone", () => {
    network.setOptions({ physics: false });
    network.fit();
    document.body.dataset.stable = "1";  // the layout stands still (tests click on nodes after this)
  });
  let pairs = new Map();

  function buildPairs(coops) {
    const out = new Map();
    for (const c of coops) {
      const ps = [...new Set(c.partners)].sort();
      for (let i = 0; i < ps.length; i++) for (let j = i + 1; j < ps.length; j++) {
        const id = ps[i] + "|" + ps[j];
        if (!out.has(id)) out.set(id, { id, from: ps[i], to: ps[j], coops: [], reports: 0, types: {} });
        const p = out.get(id);
        p.coops.push(c);
        p.reports += c.n_reports;
        for (const t of c.types) p.types[t] = (p.types[t] || 0) + c.n_reports;
      }
    }
    return out;
  }
  function dominant(types) { return Object.entries(types).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0]; }

  function redraw() {
    document.body.dataset.stable = "0";
    network.setOptions({ physics: { enabled: true } });
    const coops = DATA.coops.filter(passes);
    pairs = buildPairs(coops);
    const ids = new Set(coops.flatMap((c) => c.partners));
    nodes.clear();
    edges.clear();
    nodes.add(DATA.nodes.filter((n) => ids.has(n.id)).map((n) => ({
      id: n.id, label: n.name, value: n.n_articles, color: (KINDS[n.kind] || KINDS.other)[1],
      title: `${n.name}\n${label(KINDS, n.kind)}${n.location ? ", " + n.location : ""}\n${n.n_articles} Artikel, ${n.n_cooperations} Kooperationen`,
    })));
    edges.add([...pairs.values()].map((p) => {
      const t = dominant(p.types);
      return { id: p.id, from: p.from, to: p.to, value: p.reports, color: { color: TYPES[t][1], highlight: TYPES[t][1] },
               title: `${p.reports} Berichte · ${label(TYPES, t)}` };
    }));
    network.stabilize(250);
    document.getElementById("shown").textContent = `${ids.size} Organisationen, ${pairs.size} Verbindungen, ${coops.length} Kooperationen`;
    renderTimeline(coops);
    renderTop(ids);
  }

  network.on("click", (params) => {
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showPair(params.edges[0]);
  });

  // -- details panel --
  const details = document.getElementById("details");
  function panel(...children) { details.replaceChildren(...children); details.scrollTop = 0; }

  function eventItem(ev, withPartners) {
    const c = coopById.get(ev.coop);
    const bits = [el("strong", {}, ev.date || "ohne Datum"), " ", tag(label(EVENTS, ev.event), (EVENTS[ev.event] || EVENTS.reported)[1])];
    if (withPartners && c) bits.push(" ", partnerNames(c.partners));
    bits.push(" · ", link(ev.url, ev.outlet || ev.url || "Quelle"));
    return el("li", {}, ...bits);
  }

  function showNode(id) {
    const n = nodeById.get(id);
    if (!n) { if (CONFIG.api) fetchEntity(id); return; }
    const mine = DATA.coops.filter((c) => c.partners.includes(id));
    const partners = new Map();
    for (const c of mine) for (const p of c.partners) if (p !== id) {
      const e = partners.get(p) || { id: p, coops: 0, reports: 0 };
      e.coops += 1; e.reports += c.n_reports; partners.set(p, e);
    }
    const events = mine.flatMap((c) => eventsByCoop.get(c.id) || []).sort((a, b) => (a.date || "").localeCompare(b.date || ""));
    panel(
      el("h3", {}, n.name),
      el("p", { class: "meta" }, `${label(KINDS, n.kind)}${n.location ? " · " + n.location : ""} · ${n.n_articles} Artikel · gesehen ${n.first_seen || "?"} bis ${n.last_seen || "?"} · ${n.id}`),
      el("h4", {}, `Partner (${partners.size})`),
      el("ul", {}, ...[...partners.values()].sort((a, b) => b.reports - a.reports).map((p) =>
        el("li", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); focusNode(p.id); } }, (nodeById.get(p.id) || { name: p.id }).name),
           ` – ${p.coops} Kooperation(en), ${p.reports} Berichte`))),
      el("h4", {}, `Zeitleiste (${events.length})`),
      el("ul", { class: "node-timeline" }, ...events.map((ev) => eventItem(ev, true))),
    );
  }

  function showPair(pairId) {
    const p = pairs.get(pairId);
    if (!p) return;
    const items = p.coops.map((c) => {
      const evs = (eventsByCoop.get(c.id) || []);
      return el("div", { class: "coop" },
        el("h4", {}, c.name || "Kooperation", " ", ...c.types.map((t) => tag(label(TYPES, t), (TYPES[t] || TYPES.other)[1]))),
        el("p", { class: "meta" }, `${STATUS[c.status] || c.status} · ${c.first_date || "?"} bis ${c.last_date || "?"} · ${c.n_reports} Berichte in ${c.n_articles} Artikeln von ${c.n_outlets} Quellen`),
        ...evs.filter((e) => e.evidence).map((e) => el("div", { class: "evidence" },
          el("blockquote", {}, e.evidence),
          el("small", {}, `${e.date || ""} · ${label(EVENTS, e.event)} · `, link(e.url, e.title || e.outlet || e.url || "Quelle")))),
        el("ul", {}, ...evs.map((ev) => eventItem(ev, false))));
    });
    panel(el("h3", {}, partnerNames([p.from, p.to])), el("p", { class: "meta" }, `${p.reports} Berichte`), ...items);
  }

  function focusNode(id) {
    if (nodes.get(id)) { network.selectNodes([id]); network.focus(id, { scale: 1.2, animation: true }); }
    showNode(id);
  }

  // -- timeline (SVG) and event table --
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tagName, attrs) { const e = document.createElementNS(SVG, tagName); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; }
  function when(date) {
    const [y, m, d] = date.split("-").map(Number);
    return y + ((m || 6.5) - 1) / 12 + ((d || 15) - 1) / 365;
  }
  function renderTimeline(coops) {
    const ids = new Set(coops.map((c) => c.id));
    const events = DATA.events.filter((e) => ids.has(e.coop) && e.date && (!f.year.value || e.date.startsWith(f.year.value)));
    const box = document.getElementById("timeline");
    const width = Math.max(box.clientWidth || 900, 400), height = 230, left = 92, right = 16, top = 12, bottom = 28;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Zeitleiste" });
    const kinds = Object.keys(EVENTS);
    const rowH = (height - top - bottom) / kinds.length;
    if (events.length) {
      const xs = events.map((e) => when(e.date));
      const lo = Math.floor(Math.min(...xs)), hi = Math.floor(Math.max(...xs)) + 1;
      const x = (v) => left + (v - lo) / (hi - lo) * (width - left - right);
      const every = Math.max(1, Math.ceil(36 / ((width - left - right) / (hi - lo))));
      for (let y = lo; y <= hi; y++) {
        root.append(svg("line", { x1: x(y), x2: x(y), y1: top, y2: height - bottom, stroke: "#e3e6ec" }));
        if ((y - lo) % every) continue;
        const t = svg("text", { x: x(y) + 2, y: height - 10, "font-size": 11, fill: "#5b6575" }); t.textContent = y; root.append(t);
      }
      kinds.forEach((k, i) => { const t = svg("text", { x: 4, y: top + rowH * i + rowH / 2 + 4, "font-size": 11, fill: "#5b6575" }); t.textContent = EVENTS[k][0]; root.append(t); });
      for (const e of events) {
        const i = Math.max(0, kinds.indexOf(e.event));
        const c = svg("circle", { cx: x(when(e.date)), cy: top + rowH * i + rowH / 2, r: 4.5, fill: EVENTS[e.event] ? EVENTS[e.event][1] : "#999", class: "event" });
        const title = svg("title", {});
        const coop = coopById.get(e.coop);
        title.textContent = `${e.date} · ${label(EVENTS, e.event)} · ${coop ? partnerNames(coop.partners) : ""} · ${e.outlet || ""}`;
        c.append(title);
        c.addEventListener("click", () => { if (coop && coop.partners.length >= 2) { const ps = [...coop.partners].sort(); showPair(ps[0] + "|" + ps[1]); } });
        root.append(c);
      }
    } else {
      const t = svg("text", { x: left, y: height / 2, fill: "#5b6575" }); t.textContent = "Keine datierten Ereignisse für diese Auswahl."; root.append(t);
    }
    box.replaceChildren(root);
    const latest = [...events].sort((a, b) => b.date.localeCompare(a.date)).slice(0, 15);
    document.querySelector("#events tbody").replaceChildren(...latest.map((e) => {
      const coop = coopById.get(e.coop);
      return el("tr", {}, el("td", {}, e.date), el("td", {}, label(EVENTS, e.event)), el("td", {}, coop ? partnerNames(coop.partners) : ""),
                el("td", {}, link(e.url, e.outlet || "Quelle")));
    }));
  }

  function renderTop(ids) {
    const top = DATA.nodes.filter((n) => ids.has(n.id)).sort((a, b) => b.n_articles - a.n_articles || b.n_cooperations - a.n_cooperations).slice(0, 20);
    document.querySelector("#top tbody").replaceChildren(...top.map((n) => el("tr", {},
      el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); focusNode(n.id); } }, n.name)),
      el("td", {}, label(KINDS, n.kind)), el("td", {}, n.location || ""), el("td", {}, n.n_cooperations),
      el("td", {}, n.n_partners), el("td", {}, n.n_articles))));
  }

  // -- search over all organisations (serve mode) --
  async function fetchEntity(id) {
    const res = await fetch(`${CONFIG.api}/entities/${encodeURIComponent(id)}`);
    if (!res.ok) { panel(el("p", { class: "hint" }, `Organisation ${id} nicht gefunden.`)); return; }
    const d = await res.json();
    const e = d.entity;
    panel(
      el("h3", {}, e.name),
      el("p", { class: "meta" }, `${label(KINDS, e.kind)}${e.location ? " · " + e.location : ""} · ${e.n_articles} Artikel · gesehen ${e.first_seen || "?"} bis ${e.last_seen || "?"} · ${e.entity_id}`),
      el("p", { class: "meta" }, "Namensformen: " + d.variants.map((v) => `${v.variant} (${v.count})`).join(", ")),
      el("h4", {}, `Partner (${d.partners.length})`),
      el("ul", {}, ...d.partners.map((p) => el("li", {}, el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); focusNode(p.entity_id); } }, p.name), ` – ${p.cooperations} Kooperation(en), ${p.reports} Berichte`))),
      el("h4", {}, `Zeitleiste (${d.events.length})`),
      el("ul", {}, ...d.events.map((ev) => el("li", {}, el("strong", {}, ev.date || "ohne Datum"), " ", tag(label(EVENTS, ev.event), (EVENTS[ev.event] || EVENTS.reported)[1]),
        " ", ev.partners, " · ", link(ev.url, ev.outlet || "Quelle")))),
    );
  }
  if (CONFIG.api) {
    document.getElementById("search-box").hidden = false;
    const input = document.getElementById("search");
    const results = document.getElementById("search-results");
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (q.length < 2) { results.replaceChildren(); return; }
        const res = await fetch(`${CONFIG.api}/search?q=${encodeURIComponent(q)}`);
        const hits = res.ok ? await res.json() : [];
        results.replaceChildren(...hits.map((h) => el("li", { onclick: () => { results.replaceChildren(); focusNode(h.entity_id); } },
          el("strong", {}, h.name), ` · ${label(KINDS, h.kind)}${h.location ? ", " + h.location : ""} · ${h.n_articles} Artikel`)));
        if (!hits.length) results.replaceChildren(el("li", {}, "Keine Organisation gefunden."));
      }, 200);
    });
  }

  // -- header, legend, footer --
  const s = DATA.stats;
  document.getElementById("stats").textContent =
    `${s.articles} Artikel aus ${s.outlets} Quellen · ${s.entities} Organisationen · ${s.cooperations} Kooperationen · ${s.events} Ereignisse`;
  document.getElementById("legend").replaceChildren(
    el("strong", {}, "Kanten:"), ...Object.entries(TYPES).filter(([t]) => present("types").has(t)).map(([, [name, colour]]) =>
      el("span", {}, el("i", { style: `background:${colour}` }), name)),
    el("strong", {}, "Knoten:"), ...Object.entries(KINDS).filter(([k]) => DATA.nodes.some((n) => n.kind === k)).map(([, [name, colour]]) =>
      el("span", {}, el("b", { class: "dot", style: `background:${colour}` }), name)));
  document.getElementById("footer").textContent =
    `Erstellt ${DATA.generated} mit coopx ${DATA.coopx_version}. Netzwerk: die ${DATA.nodes.length} meistberichteten Organisationen (höchstens ${DATA.max_nodes}); Kantenbreite = Zahl der Berichte, Farbe = häufigster Kooperationstyp. Grafik: vis-network (MIT).`;
  for (const sel of Object.values(f)) sel.addEventListener("change", redraw);
  redraw();
  window.coopxReport = { network, nodes, edges, redraw, showNode, showPair, pairs: () => pairs };
})();
