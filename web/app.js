// The start page: log in and change a first-login password; then the console takes over.
// Its words come from the console's dictionary, in the language the console would show (the
// person's earlier choice, else the browser's), and so do the server's refusals.
import { lang, t, translate } from "/console/i18n.js";

const $ = (id) => document.getElementById(id);
document.documentElement.lang = lang();
translate(document);
let session = JSON.parse(sessionStorage.getItem("atende.session") || "null");

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json", "Accept-Language": lang() };
  if (session?.tenant) headers["X-Tenant"] = session.tenant;
  if (session?.token) headers["Authorization"] = `Bearer ${session.token}`;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(data?.error?.message || res.statusText);
  return data;
}

function show(box) {
  for (const id of ["login-box", "password-box", "me-box"]) $(id).hidden = id !== box;
  $("error").textContent = "";
}

function save(tenant, login) {
  session = { tenant, token: login.token };
  sessionStorage.setItem("atende.session", JSON.stringify(session));
}

async function render() {
  if (!session) return show("login-box");
  try {
    const me = await api("GET", "/api/auth/me");
    if (me.user.must_change_password) return show("password-box");
    // Agents, supervisors and admins all work in the console.
    return window.location.assign("/console/");
  } catch (e) {
    session = null;
    sessionStorage.removeItem("atende.session");
    show("login-box");
    $("error").textContent = e.message;
  }
}

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const tenant = f.get("tenant") || "";
  session = { tenant };
  try {
    save(tenant, await api("POST", "/api/auth/login", { username: f.get("username"), password: f.get("password") }));
    render();
  } catch (e) { session = null; $("error").textContent = e.message; }
});

$("password").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  try {
    save(session.tenant, await api("POST", "/api/auth/password", Object.fromEntries(f)));
    render();
  } catch (e) { $("error").textContent = e.message; }
});

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/api/auth/logout"); } catch (_) { /* the session is gone either way */ }
  session = null;
  sessionStorage.removeItem("atende.session");
  show("login-box");
});

render();
