// Calls to the Atende API with the session the start page (or the console's login) saved.

import { lang } from "./i18n.js";

const KEY = "atende.session";

/** @typedef {{tenant: string, token: string}} Session */

/** @returns {Session | null} */
export function session() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch { return /** @type {Session | null} */ (null); }
}

/** @param {Session | null} s */
export function saveSession(s) {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}

/** An API refusal: the HTTP status and the error envelope's code, message and field. */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {string} [field] */
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** The server could not be reached (or answered 5xx): the caller may retry later. */
export class Unreachable extends Error {}

/** @param {string} [tenant] */
function headers(tenant) {
  /** @type {Record<string, string>} */
  // The server says its messages in the language the console shows.
  const h = { "Accept-Language": lang() };
  const s = session();
  const t = tenant ?? s?.tenant;
  if (t) h["X-Tenant"] = t;
  if (s?.token) h.Authorization = `Bearer ${s.token}`;
  return h;
}

/** JSON in, JSON out; 204 gives null.
 * @param {string} method @param {string} path @param {unknown} [body] @param {{tenant?: string}} [opts]
 * @returns {Promise<any>} */
export async function api(method, path, body, opts = {}) {
  const h = headers(opts.tenant);
  if (body !== undefined) h["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new Unreachable(String(e));
  }
  if (res.status >= 500) throw new Unreachable(`HTTP ${res.status}`);
  if (res.status === 204) return null;
  const data = await res.json().catch(() => /** @type {any} */ (null));
  if (!res.ok) {
    const err = data?.error || {};
    if (res.status === 401 && path !== "/api/auth/login") window.dispatchEvent(new CustomEvent("unauthorized"));
    throw new ApiError(res.status, err.code || "http_" + res.status, err.message || res.statusText, err.field);
  }
  return data;
}

/** Bytes of a protected file (attachments, exports), as a Blob.
 * @param {string} path @returns {Promise<Blob>} */
export async function download(path) {
  let res;
  try { res = await fetch(path, { headers: headers() }); } catch (e) { throw new Unreachable(String(e)); }
  if (!res.ok) {
    const data = await res.json().catch(() => /** @type {any} */ (null));
    throw new ApiError(res.status, data?.error?.code || "http_" + res.status, data?.error?.message || res.statusText);
  }
  return res.blob();
}

/** Saves a blob under a file name through a temporary link. @param {Blob} blob @param {string} name */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
