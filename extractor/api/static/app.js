// coopx web page: sends the form to POST /v1/analyze, then shows the cleaned text with the
// record's facts highlighted (offsets from the record), tables of the facts with links to their
// evidence, and a JSON download. Plain JS, no external assets; all data goes in via textContent.
"use strict";

const $ = (sel) => document.querySelector(sel);

const TYPES = {
  patient_care: "Patientenversorgung", education: "Aus- und Weiterbildung", research: "Forschung",
  telemedicine: "Telemedizin", network: "Netzwerk", joint_center: "Gemeinsames Zentrum",
  administration: "Verwaltung", strategic: "Strategisch", other: "Sonstiges",
};
const STATUS = { planned: "geplant", started: "begonnen", extended: "erweitert", ongoing: "laufend", ended: "beendet" };
const DATE_KINDS = {
  start: "Beginn", signed: "unterzeichnet", joined: "beigetreten", announced: "angekündigt",
  planned: "geplant", ended: "beendet",
};
const KINDS = {
  hospital: "Klinik", university: "Hochschule", research_institute: "Forschungsinstitut", company: "Unternehmen",
  public_authority: "Behörde", association: "Verband / Verein", network: "Netzwerk", other: "Sonstige",
};
const PIPELINE_KINDS = { external: "externes Modell", shipped: "mitgeliefertes Modell", rules_only: "nur Regeln" };

let mode = "text";
let current = null; // {record, text}

// ---- form ------------------------------------------------------------------------------
function setMode(next) {
  mode = next;
  for (const tab of document.querySelectorAll(".tab")) {
    const on = tab.dataset.mode === next;
    tab.classList.toggle("active", on);
    tab.setAttribute("aria-selected", on ? "true" : "false");
  }
  $("#pane-text").hidden = next !== "text";
  $("#pane-url").hidden = next !== "url";
}

function setStatus(message, isError) {
  const el = $("#status");
  el.textContent = message || "";
  el.classList.toggle("error", Boolean(isError));
}

// The API answers in English; the page says the same in German (the English detail stays in
// the status line's tooltip).
const STAGE_TEXT = {
  request: "Die Anfrage ist ungültig.", fetch: "Die Seite konnte nicht geladen werden.",
  read: "Die Eingabe ist nicht lesbar.", clean: "Im Text ist nichts zu analysieren.",
  language: "Der Text ist nicht auf Deutsch; coopx analysiert nur deutsche Texte.", input: "Die Eingabe ist ungültig.",
  extract: "Dieser Text lässt sich nicht analysieren.", busy: "Der Server lädt gerade viele Seiten; bitte gleich noch einmal versuchen.",
  setup: "Der Server ist noch nicht bereit; bitte gleich noch einmal versuchen.", server: "Interner Fehler des Servers.",
};
const DETAIL_TEXT = [
  [/^empty text/, () => "Kein Text gefunden: im Text ist nichts zu analysieren."],
  [/text too short \((\d+) character/, (m) => `Der Text ist zu kurz (${m[1]} Zeichen).`],
  [/not German \(detected: unknown\)/, () => "Die Sprache des Textes ist nicht erkennbar; coopx analysiert nur deutsche Texte."],
  [/not German \(detected: (\w+)\)/, (m) => `Der Text ist nicht auf Deutsch (erkannt: ${m[1]}); coopx analysiert nur deutsche Texte.`],
  [/publication date/, () => "Ungültiges Veröffentlichungsdatum: bitte als TT.MM.JJJJ angeben, z. B. 11.03.2025."],
  [/refusing to fetch/, () => "Adressen im lokalen oder privaten Netz ruft der Server nicht ab (nur mit --allow-private-urls)."],
  [/timed out/, () => "Die Seite hat nicht rechtzeitig geantwortet."],
  [/larger than the limit/, () => "Die Seite ist zu groß."],
  [/not an HTML or text page \(content type ([^)]+)\)/, (m) => `Das ist keine HTML- oder Textseite (${m[1]}).`],
  [/HTTP (\d{3})/, (m) => `Die Seite konnte nicht geladen werden (HTTP ${m[1]}).`],
  [/cannot resolve host|not a valid URL|only http and https|URL has no host/, () => "Die Adresse ist ungültig oder unbekannt."],
  [/request body too large/, () => "Der Text ist zu lang."],
  [/give exactly one of/, () => "Bitte einen Text oder eine URL angeben."],
];

function errorText(data, response) {
  const detail = data && typeof data.detail === "string" ? data.detail : "";
  for (const [pattern, say] of DETAIL_TEXT) {
    const m = detail.match(pattern);
    if (m) return say(m);
  }
  if (data && STAGE_TEXT[data.stage]) return STAGE_TEXT[data.stage];
  return `Fehler ${response.status}: die Anfrage ist fehlgeschlagen.`;
}

// ISO dates as Germans read them: 2025-03-11 -> 11.03.2025, 2025-03 -> März 2025
const MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
  "November", "Dezember"];
function germanDate(iso) {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(iso || "");
  if (!m) return iso || "";
  if (m[3]) return `${m[3]}.${m[2]}.${m[1]}`;
  if (m[2]) return `${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
  return m[1];
}

function counted(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

async function analyze(event) {
  event.preventDefault();
  const body = {};
  if (mode === "url") {
    let url = $("#url").value.trim();
    if (!url) return setStatus("Bitte eine URL angeben.", true);
    if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) url = `https://${url}`; // "www.klinikum.de/presse/…"
    body.url = url;
  } else {
    const text = $("#text").value;
    if (!text.trim()) return setStatus("Bitte einen Text einfügen.", true);
    body.text = text;
  }
  const published = $("#published").value;
  if (published) body.published = published;

  const button = $("#submit");
  button.disabled = true;
  setStatus(mode === "url" ? "Seite wird geladen und analysiert …" : "Analysiere …");
  try {
    const response = await fetch("/v1/analyze", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) {
      $("#result").hidden = true;
      setStatus(errorText(data, response), true);
      $("#status").title = data && typeof data.detail === "string" ? data.detail : "";
      return;
    }
    current = data;
    show(data.record, data.text);
    setStatus("");
  } catch (err) {
    setStatus(`Server nicht erreichbar: ${err.message}`, true);
  } finally {
    button.disabled = false;
  }
}

// ---- marks: which stretches of the text to colour --------------------------------------
function occurrences(text, needle) {
  const out = [];
  if (!needle) return out;
  let i = text.indexOf(needle);
  while (i !== -1) { out.push(i); i = text.indexOf(needle, i + 1); }
  return out;
}

function nearest(positions, anchors, maxDistance) {
  let best = null, bestD = Infinity;
  for (const p of positions) {
    for (const a of anchors) {
      const d = Math.abs(p - a);
      if (d < bestD) { best = p; bestD = d; }
    }
  }
  return bestD <= maxDistance ? best : null;
}

function collectMarks(record, text) {
  const marks = []; // {start, end, cls, ref, title}
  const names = Object.fromEntries(record.institutions.map((i) => [i.id, i.name]));
  for (const inst of record.institutions) {
    const title = `Einrichtung: ${inst.name}` + (inst.kind ? ` (${KINDS[inst.kind] || inst.kind})` : "");
    for (const s of inst.spans) marks.push({ start: s.start, end: s.end, cls: "m-inst", ref: inst.id, title, prio: 1 });
  }
  for (const p of record.people) {
    const full = [p.title, p.name].filter(Boolean).join(" ");
    const title = `Person: ${full}` + (p.role ? `, ${p.role}` : "") + (p.affiliation ? ` (${names[p.affiliation] || p.affiliation})` : "");
    for (const s of p.spans) marks.push({ start: s.start, end: s.end, cls: "m-person", ref: p.id, title, prio: 3 });
    if (p.role && p.spans.length) {
      const at = nearest(occurrences(text, p.role), p.spans.flatMap((s) => [s.start, s.end]), 300);
      if (at !== null) marks.push({ start: at, end: at + p.role.length, cls: "m-role", ref: `role-${p.id}`, title: `Funktion von ${p.name}: ${p.role}`, prio: 2 });
    }
  }
  for (const c of record.cooperations) {
    if (!c.date || !c.date.text) continue;
    const anchors = c.evidence.flatMap((e) => [e.start, e.end]);
    const inside = occurrences(text, c.date.text).filter((p) => c.evidence.some((e) => p >= e.start && p < e.end));
    const at = inside.length ? inside[0] : nearest(occurrences(text, c.date.text), anchors, 2000);
    if (at !== null) {
      const kind = DATE_KINDS[c.date.kind] || c.date.kind;
      marks.push({ start: at, end: at + c.date.text.length, cls: "m-date", ref: `date-${c.id}`, title: `Datum: ${germanDate(c.date.value)} (${kind})`, prio: 2 });
    }
  }
  // no overlaps: higher priority first, then longer, then earlier
  marks.sort((a, b) => b.prio - a.prio || (b.end - b.start) - (a.end - a.start) || a.start - b.start);
  const kept = [];
  for (const m of marks) {
    if (m.start < 0 || m.end > text.length || m.end <= m.start) continue;
    if (!kept.some((k) => m.start < k.end && k.start < m.end)) kept.push(m);
  }
  kept.sort((a, b) => a.start - b.start);
  return kept;
}

function evidenceRanges(record, text) {
  const ranges = [];
  for (const c of record.cooperations) {
    c.evidence.forEach((e, n) => {
      if (e.start >= 0 && e.end <= text.length && e.end > e.start) ranges.push({ start: e.start, end: e.end, key: `ev-${c.id}-${n}` });
    });
  }
  return ranges;
}

// ---- rendering the text ----------------------------------------------------------------
function appendMarked(container, text, a, b, marks) {
  let pos = a;
  for (const m of marks) {
    if (m.end <= a || m.start >= b) continue;
    const s = Math.max(m.start, a), e = Math.min(m.end, b);
    if (s > pos) container.appendChild(document.createTextNode(text.slice(pos, s)));
    const el = document.createElement("mark");
    el.className = `m ${m.cls}`;
    el.dataset.ref = m.ref;
    el.title = m.title;
    el.textContent = text.slice(s, e);
    container.appendChild(el);
    pos = e;
  }
  if (pos < b) container.appendChild(document.createTextNode(text.slice(pos, b)));
}

function renderText(record, text) {
  const doc = $("#doc");
  doc.replaceChildren();
  const marks = collectMarks(record, text);
  const ranges = evidenceRanges(record, text);
  const cuts = new Set([0, text.length]);
  for (const r of ranges) { cuts.add(r.start); cuts.add(r.end); }
  const points = [...cuts].sort((x, y) => x - y);
  const anchored = new Set();
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i], b = points[i + 1];
    const evs = ranges.filter((r) => r.start <= a && r.end >= b);
    let container = doc;
    for (const r of evs) {
      if (r.start === a && !anchored.has(r.key)) {
        const anchor = document.createElement("span");
        anchor.id = r.key;
        anchor.className = "anchor";
        doc.appendChild(anchor);
        anchored.add(r.key);
      }
    }
    if (evs.length) {
      const span = document.createElement("span");
      span.className = "ev";
      span.dataset.ev = evs.map((r) => r.key).join(" ");
      span.title = "Beleg für eine Kooperation";
      doc.appendChild(span);
      container = span;
    }
    appendMarked(container, text, a, b, marks);
  }
}

// ---- links from facts to the text ------------------------------------------------------
function clearActive() {
  for (const el of document.querySelectorAll(".doc .active")) el.classList.remove("active");
}

function focusTargets(targets) {
  clearActive();
  if (!targets.length) return;
  for (const el of targets) el.classList.add("active");
  targets[0].scrollIntoView({ behavior: "smooth", block: "center" });
}

// A link from a fact to the places in the text it rests on (scroll there and highlight them).
function factLink(id, label, selector, rememberInUrl) {
  const a = document.createElement("a");
  a.href = `#${id}`;
  a.className = "evlink";
  a.textContent = label;
  a.addEventListener("click", (event) => {
    event.preventDefault();
    focusTargets([...document.querySelectorAll(selector)]);
    if (rememberInUrl) history.replaceState(null, "", `#${id}`);
  });
  return a;
}

function evidenceLink(key, label) {
  const a = factLink(key, label, `.doc [data-ev~="${CSS.escape(key)}"]`, true);
  a.dataset.target = key;
  return a;
}

function refLink(ref, label) {
  const a = factLink(ref, label, `.doc mark[data-ref="${CSS.escape(ref)}"]`, false);
  a.dataset.ref = ref;
  return a;
}

// ---- tables ----------------------------------------------------------------------------
function cell(tr, content, cls) {
  const td = document.createElement("td");
  if (cls) td.className = cls;
  if (content instanceof Node) td.appendChild(content);
  else if (Array.isArray(content)) content.forEach((c) => td.appendChild(c));
  else td.textContent = content == null || content === "" ? "–" : String(content);
  tr.appendChild(td);
  return td;
}

function chip(text, cls) {
  const s = document.createElement("span");
  s.className = `chip ${cls || ""}`.trim();
  s.textContent = text;
  return s;
}

function tag(text) {
  const s = document.createElement("span");
  s.className = "tag";
  s.textContent = text;
  return s;
}

function emptyRow(tbody, columns, message) {
  const tr = document.createElement("tr");
  const td = document.createElement("td");
  td.colSpan = columns;
  td.className = "empty";
  td.textContent = message;
  tr.appendChild(td);
  tbody.appendChild(tr);
}

function renderTables(record) {
  const names = Object.fromEntries(record.institutions.map((i) => [i.id, i.name]));

  const coops = $("#coops tbody");
  coops.replaceChildren();
  for (const c of record.cooperations) {
    const tr = document.createElement("tr");
    tr.id = `row-${c.id}`;
    cell(tr, c.partners.map((p) => chip(names[p] || p)), "partners");
    cell(tr, c.name);
    cell(tr, c.types.map((t) => tag(TYPES[t] || t)));
    const st = cell(tr, STATUS[c.status] || c.status);
    const conf = document.createElement("span");
    conf.className = "conf";
    conf.textContent = `Konfidenz ${Math.round(c.confidence * 100)} %`;
    conf.title = "Wie sicher sich coopx ist, dass die Belegsätze eine Kooperation dieser Partner berichten (siehe unter der Tabelle).";
    st.appendChild(conf);
    if (c.date) {
      const d = chip(germanDate(c.date.value), "date");
      d.title = c.date.text;
      const kind = document.createElement("span");
      kind.className = "conf";
      kind.textContent = `${DATE_KINDS[c.date.kind] || c.date.kind} · „${c.date.text}“`;
      cell(tr, [d, kind]);
    } else cell(tr, "");
    cell(tr, c.evidence.map((e, n) => evidenceLink(`ev-${c.id}-${n}`, c.evidence.length > 1 ? `→ Beleg ${n + 1} ` : "→ Beleg")));
    coops.appendChild(tr);
  }
  if (!record.cooperations.length) emptyRow(coops, 6, "Keine Kooperation gefunden.");

  const people = $("#people tbody");
  people.replaceChildren();
  for (const p of record.people) {
    const tr = document.createElement("tr");
    cell(tr, chip(p.name, "person"));
    cell(tr, p.title);
    cell(tr, p.role ? chip(p.role, "role") : "");
    cell(tr, p.affiliation ? chip(names[p.affiliation] || p.affiliation) : "");
    cell(tr, p.spans.length ? refLink(p.id, "→ im Text") : "");
    people.appendChild(tr);
  }
  if (!record.people.length) emptyRow(people, 5, "Keine Personen gefunden.");

  const insts = $("#insts tbody");
  insts.replaceChildren();
  for (const i of record.institutions) {
    const tr = document.createElement("tr");
    const name = chip(i.name);
    if (i.mentions && i.mentions.length) name.title = `Schreibweisen: ${i.mentions.join(" · ")}`;
    cell(tr, name);
    cell(tr, KINDS[i.kind] || i.kind);
    cell(tr, i.abbreviation);
    cell(tr, i.location);
    cell(tr, i.spans.length ? refLink(i.id, `→ im Text (${i.spans.length}×)`) : "");
    insts.appendChild(tr);
  }
  if (!record.institutions.length) emptyRow(insts, 5, "Keine Einrichtungen gefunden.");

  const warnings = $("#warnings");
  warnings.replaceChildren();
  for (const w of record.warnings) {
    const li = document.createElement("li");
    li.textContent = w;
    warnings.appendChild(li);
  }
  $("#warnings-card").hidden = !record.warnings.length;
}

function show(record, text) {
  const verdict = $("#verdict");
  verdict.textContent = record.is_cooperation ? "Kooperation erkannt" : "Keine Kooperation erkannt";
  verdict.className = record.is_cooperation ? "yes" : "no";
  $("#counts").textContent = ` · ${counted(record.cooperations.length, "Kooperation", "Kooperationen")}, ` +
    `${counted(record.people.length, "Person", "Personen")}, ${counted(record.institutions.length, "Einrichtung", "Einrichtungen")}`;
  const src = record.source;
  const where = [src.title, src.published && `veröffentlicht ${germanDate(src.published)}`, src.sitename, src.url].filter(Boolean);
  $("#source").textContent = where.length ? `Quelle: ${where.join(" · ")}` : "";
  const pl = record.pipeline;
  $("#pipeline").textContent =
    `Modell: ${pl.model}${pl.model_version ? " " + pl.model_version : ""} (${PIPELINE_KINDS[pl.kind] || pl.kind}) · coopx ${pl.coopx_version}`;
  $("#json").textContent = JSON.stringify(record, null, 2);
  renderText(record, text);
  renderTables(record);
  $("#result").hidden = false;
}

function downloadJson() {
  if (!current) return;
  const blob = new Blob([JSON.stringify(current.record, null, 2) + "\n"], { type: "application/json" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `coopx-${current.record.id}.json`;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => setMode(tab.dataset.mode));
  $("#form").addEventListener("submit", analyze);
  $("#download").addEventListener("click", downloadJson);
  $("#toggle-json").addEventListener("click", () => {
    const pre = $("#json");
    pre.hidden = !pre.hidden;
    $("#toggle-json").textContent = pre.hidden ? "JSON anzeigen" : "JSON ausblenden";
  });
  $("#doc").addEventListener("click", (event) => {
    const mark = event.target.closest("mark[data-ref]");
    if (mark) focusTargets([...document.querySelectorAll(`.doc mark[data-ref="${CSS.escape(mark.dataset.ref)}"]`)]);
  });
});
