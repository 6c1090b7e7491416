// Building DOM nodes without HTML strings: every text goes in through textContent.

/** @template {string} K
 * @param {K} tag @param {Record<string, any>} [props] @param {(Node | string | null | undefined | false)[]} [children]
 * @returns {K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : HTMLElement} */
export function h(tag, props = {}, children = []) {
  const el = /** @type {any} */ (document.createElement(tag));
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    // Through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows.
    else if (k === "style") for (const [prop, value] of Object.entries(v)) el.style.setProperty(prop, String(value));
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") /** @type {any} */ (el)[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

const LINK = /\bhttps?:\/\/[^\s<>"]+/gi;

/** A customer's or colleague's text with its web addresses as links that open in a new tab
 * (http and https only, so no `javascript:`; the text itself still goes in as text). Trailing
 * punctuation is the sentence's, not the address's.
 * @param {string} text @returns {(Node | string)[]} */
export function linkified(text) {
  /** @type {(Node | string)[]} */
  const out = [];
  let at = 0;
  for (const match of text.matchAll(LINK)) {
    let url = match[0];
    const start = match.index ?? 0;
    while (/[.,;:!?)\]'}]$/.test(url) && !(url.endsWith(")") && url.includes("("))) url = url.slice(0, -1);
    if (start > at) out.push(text.slice(at, start));
    out.push(h("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow", text: url }));
    at = start + url.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** A short-lived message at the bottom of the screen, read out by screen readers.
 * @param {string} text @param {"info" | "error"} [kind] */
export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", text });
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
  return item;
}

/** Initials for an avatar. @param {string} name */
export function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
}

/** "1.2 MB" @param {number} bytes */
export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** An open <dialog> built from parts; resolves with the form's values, or null on cancel.
 * @param {string} title @param {(HTMLElement)[]} fields @param {string} submitLabel @param {string} cancelLabel
 * @param {(form: HTMLFormElement) => (string | null)} [validate] a message to show instead of closing
 * @returns {Promise<FormData | null>} */
export function modal(title, fields, submitLabel, cancelLabel, validate) {
  return new Promise((resolve) => {
    const error = h("p", { class: "form-error", role: "alert" });
    const id = "dlg-" + Math.random().toString(36).slice(2);
    const form = h("form", { method: "dialog" }, [
      h("h2", { id, text: title }),
      ...fields,
      error,
      h("div", { class: "dialog-actions" }, [
        h("button", { type: "button", class: "secondary", text: cancelLabel, onclick: () => { dialog.close(); } }),
        h("button", { type: "submit", class: "primary", text: submitLabel }),
      ]),
    ]);
    const dialog = h("dialog", { "aria-labelledby": id }, [form]);
    let result = /** @type {FormData | null} */ (null);
    form.addEventListener("submit", (ev) => {
      const problem = validate ? validate(form) : null;
      if (problem) { ev.preventDefault(); error.textContent = problem; return; }
      result = new FormData(form);
    });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(result); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A button that shows and hides a popup (a menu, the emoji grid): Escape or a click elsewhere
 * closes it. @param {string} cls @param {string} label @param {string} icon @param {HTMLElement} popup */
export function disclosure(cls, label, icon, popup) {
  const id = "pop-" + Math.random().toString(36).slice(2);
  popup.id = id;
  popup.hidden = true;
  const button = h("button", { type: "button", class: "icon-btn", title: label, "aria-label": label, "aria-expanded": "false", "aria-controls": id },
    [h("span", { "aria-hidden": "true", text: icon })]);
  const box = h("div", { class: cls }, [button, popup]);
  const set = (/** @type {boolean} */ open) => { popup.hidden = !open; button.setAttribute("aria-expanded", String(open)); };
  button.addEventListener("click", () => set(!!popup.hidden));
  box.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && !popup.hidden) { set(false); button.focus(); } });
  const outside = (/** @type {MouseEvent} */ ev) => {
    if (!box.isConnected) document.removeEventListener("click", outside);
    else if (!box.contains(/** @type {Node} */ (ev.target))) set(false);
  };
  document.addEventListener("click", outside);
  /** @type {any} */ (box).close = () => set(false);
  return box;
}
