// Minimal offline API docs: renders /openapi.json (operations, descriptions, request examples)
// and lets the reader send a request. Used when the swagger-ui-bundle-v2 package is absent.
"use strict";

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const c of children) node.append(c);
  return node;
}

function resolveRef(spec, schema) {
  while (schema && schema.$ref) schema = spec.components.schemas[schema.$ref.split("/").pop()];
  return schema;
}

function example(spec, op) {
  const content = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  if (!content) return null;
  const schema = resolveRef(spec, content.schema);
  if (schema && schema.examples && schema.examples.length) return schema.examples[0];
  if (schema && schema.properties && schema.properties.items) return { items: [{ text: "…" }] };
  return {};
}

async function send(method, path, bodyText, out) {
  out.textContent = "…";
  try {
    const init = { method, headers: { Accept: "application/json" } };
    if (bodyText !== null) { init.headers["Content-Type"] = "application/json"; init.body = bodyText; }
    const response = await fetch(path, init);
    const text = await response.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON */ }
    out.textContent = `${response.status} ${response.statusText}\n\n${shown}`;
  } catch (err) {
    out.textContent = String(err);
  }
}

async function main() {
  const spec = await (await fetch("/openapi.json")).json();
  const intro = document.getElementById("intro");
  intro.replaceChildren(el("h2", { textContent: `${spec.info.title} ${spec.info.version}` }),
                        el("pre", { textContent: spec.info.description || "", style: "white-space: pre-wrap; background: none; color: inherit; padding: 0" }));
  const ops = document.getElementById("ops");
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const ex = example(spec, op);
      const area = ex === null ? null : el("textarea", { value: JSON.stringify(ex, null, 2) });
      const out = el("pre", { textContent: "" });
      const button = el("button", { type: "button", textContent: "Try it", className: "primary" });
      button.addEventListener("click", () => send(method.toUpperCase(), path, area ? area.value : null, out));
      const codes = Object.entries(op.responses || {}).map(([code, r]) => `${code}: ${r.description}`).join(" · ");
      const body = el("div", { className: "body" },
        el("p", { textContent: op.description || "" }),
        el("p", { className: "muted", textContent: `Responses: ${codes}` }));
      if (area) body.append(el("label", { textContent: "Request body (JSON)" }), area);
      body.append(el("div", { className: "row" }, button), out);
      ops.append(el("details", { className: "op" },
        el("summary", {}, el("span", { className: `verb ${method}`, textContent: method.toUpperCase() }),
           el("span", { className: "path", textContent: path }), el("span", { className: "muted", textContent: op.summary || "" })),
        body));
    }
  }
}

main().catch((err) => { document.getElementById("intro").textContent = `Cannot load /openapi.json: ${err}`; });
