// The API reference for people: renders /api/openapi.json (operations grouped by tag, their
// parameters, request and response schemas). No framework; every text from the document
// goes in through textContent.

/** @typedef {{[key: string]: any}} Json */

const METHODS = ["get", "post", "put", "patch", "delete", "options"];

/** @param {string} tag @param {string} [className] @param {string} [text] */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The component a `$ref` names, or the schema itself. @param {Json} doc @param {Json} schema */
function resolve(doc, schema) {
  const ref = schema && schema.$ref;
  if (typeof ref !== "string") return schema || {};
  const name = ref.replace("#/components/schemas/", "");
  return doc.components?.schemas?.[name] || {};
}

/** A short type label: `Tag`, `array of User`, `string (admin | agent)`. @param {Json} doc @param {Json} schema @returns {string} */
function typeLabel(doc, schema) {
  if (!schema) return "any";
  if (schema.$ref) return schema.$ref.replace("#/components/schemas/", "");
  if (schema.allOf) return schema.allOf.map((/** @type {Json} */ s) => typeLabel(doc, s)).filter((/** @type {string} */ t) => t !== "object").join(" & ") || "object";
  if (schema.oneOf || schema.anyOf) return (schema.oneOf || schema.anyOf).map((/** @type {Json} */ s) => typeLabel(doc, s)).join(" | ");
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type || "any";
  if (type.startsWith("array")) return `array of ${typeLabel(doc, schema.items)}`;
  if (schema.enum) return `${type} (${schema.enum.join(" | ")})`;
  return schema.format ? `${type} (${schema.format})` : type;
}

/** The fields of an object schema, nested, `$ref`s resolved a few levels deep.
 * @param {Json} doc @param {Json} schema @param {number} depth @returns {HTMLElement} */
function renderSchema(doc, schema, depth = 0) {
  const list = el("ul", "schema");
  const resolved = resolve(doc, schema);
  const parts = resolved.allOf ? resolved.allOf.map((/** @type {Json} */ s) => resolve(doc, s)) : [resolved];
  const target = resolved.type === "array" || (Array.isArray(resolved.type) && resolved.type[0] === "array") ? resolve(doc, resolved.items) : null;
  if (target) {
    const item = el("li");
    item.append(el("span", "type", `array of ${typeLabel(doc, resolved.items)}`));
    if (depth < 4) item.append(renderSchema(doc, resolved.items, depth + 1));
    list.append(item);
    return list;
  }
  for (const part of parts) {
    const required = new Set(part.required || []);
    for (const [name, property] of Object.entries(part.properties || {})) {
      const item = el("li");
      item.append(el("code", "", name), " ", el("span", "type", typeLabel(doc, property)));
      if (required.has(name)) item.append(" ", el("span", "required", "required"));
      const description = property.description || resolve(doc, property).description;
      if (description) item.append(" — ", el("span", "muted", description));
      const inner = resolve(doc, property);
      const nested = inner.properties || inner.allOf || (inner.items && resolve(doc, inner.items).properties);
      if (nested && depth < 4) item.append(renderSchema(doc, property, depth + 1));
      list.append(item);
    }
  }
  if (!list.childElementCount) list.append(el("li", "type", typeLabel(doc, schema)));
  return list;
}

/** @param {Json} doc @param {Json} content @param {HTMLElement} into */
function renderContent(doc, content, into) {
  for (const [media, body] of Object.entries(content || {})) {
    into.append(el("div", "muted", media));
    if (body.schema) into.append(renderSchema(doc, body.schema));
  }
}

/** @param {Json} doc @param {string} path @param {string} method @param {Json} op */
function renderOperation(doc, path, method, op) {
  const template = /** @type {HTMLTemplateElement} */ (document.getElementById("operation-template"));
  const node = /** @type {HTMLElement} */ (template.content.firstElementChild.cloneNode(true));
  /** @param {string} name */
  const part = (name) => /** @type {HTMLElement} */ (node.querySelector(`[data-target="${name}"]`));
  part("method").textContent = method;
  part("method").classList.add(method);
  part("path").textContent = path;
  part("summary").textContent = op.summary || "";
  part("description").textContent = op.description || "";
  const security = (op.security || []).flatMap((/** @type {Json} */ s) => Object.keys(s));
  part("security").textContent = security.length ? `Authorization: Bearer (${security.join(", ")})` : "No bearer credential";
  const parameters = op.parameters || [];
  if (parameters.length) {
    const section = part("parameters");
    section.hidden = false;
    const body = /** @type {HTMLElement} */ (section.querySelector("tbody"));
    for (const p of parameters) {
      const row = el("tr");
      row.append(el("td", "", p.name), el("td", "", p.in), el("td", "type", typeLabel(doc, p.schema)),
        el("td", "", p.required ? "yes" : "no"), el("td", "", p.description || ""));
      body.append(row);
    }
  }
  if (op.requestBody) {
    const section = part("body");
    section.hidden = false;
    section.append(el("p", "muted", op.requestBody.required ? "Required" : "Optional (the body may be empty)"));
    renderContent(doc, op.requestBody.content, section);
  }
  const responses = part("responses");
  for (const [status, response] of Object.entries(op.responses || {})) {
    responses.append(el("dt", "", status));
    const dd = el("dd");
    dd.append(el("div", "", response.description || ""));
    if (!status.startsWith("4") && !status.startsWith("5")) renderContent(doc, response.content, dd);
    responses.append(dd);
  }
  node.dataset.search = `${method} ${path} ${op.summary || ""} ${(op.tags || []).join(" ")}`.toLowerCase();
  return node;
}

/** @param {Json} doc */
function render(doc) {
  const intro = /** @type {HTMLElement} */ (document.getElementById("intro"));
  intro.textContent = `${doc.info?.description || ""} Version ${doc.info?.version || ""}. `;
  const raw = el("a", "", "The document as JSON");
  raw.setAttribute("href", "/api/openapi.json");
  intro.append(raw);

  /** @type {Map<string, HTMLElement[]>} */
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)?.push(renderOperation(doc, path, method, op));
    }
  }
  const nav = /** @type {HTMLElement} */ (document.getElementById("tags"));
  const main = /** @type {HTMLElement} */ (document.getElementById("operations"));
  for (const tag of [...byTag.keys()].sort()) {
    const id = `tag-${tag.replace(/[^a-z0-9]+/gi, "-")}`;
    const link = el("a", "", `${tag} (${byTag.get(tag)?.length})`);
    link.setAttribute("href", `#${id}`);
    nav.append(link);
    const section = el("section", "tag");
    section.id = id;
    section.append(el("h2", "", tag), ...(byTag.get(tag) || []));
    main.append(section);
  }
  const filter = /** @type {HTMLInputElement} */ (document.getElementById("filter"));
  filter.addEventListener("input", () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const op of main.querySelectorAll("details.operation")) {
      const text = /** @type {HTMLElement} */ (op).dataset.search || "";
      /** @type {HTMLElement} */ (op).hidden = !words.every((w) => text.includes(w));
    }
    // A tag with nothing left to show leaves the page and the list of tags too.
    for (const section of main.querySelectorAll("section.tag")) {
      const shown = section.querySelector("details.operation:not([hidden])") !== null;
      /** @type {HTMLElement} */ (section).hidden = !shown;
      const link = nav.querySelector(`a[href="#${section.id}"]`);
      if (link) /** @type {HTMLElement} */ (link).hidden = !shown;
    }
  });
}

fetch("/api/openapi.json")
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
  .then(render)
  .catch((e) => {
    const intro = /** @type {HTMLElement} */ (document.getElementById("intro"));
    intro.textContent = `The API document could not be loaded: ${e.message}`;
  });
