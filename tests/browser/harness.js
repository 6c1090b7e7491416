// What every browser test needs: `atende --demo` on a free port with a fresh data directory,
// Debian's Chromium driven by playwright-core, the demo users, a web-chat visitor and a
// WhatsApp customer whose webhooks are signed like Meta's.

import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const PASSWORD = "Atende#2026";
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
export const SHOTS = process.env.SCREENSHOTS || join(ROOT, "target", "browser-screenshots");
const BINARY = process.env.ATENDE_BIN || join(ROOT, "target", "debug", "atende");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => ok(port));
    });
    srv.on("error", fail);
  });
}

/** Starts the demo on a free port; resolves once it answers. */
export async function startAtende() {
  const data = mkdtempSync(join(tmpdir(), "atende-browser-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(BINARY, ["--demo", "--data", data, "--listen", `127.0.0.1:${port}`, "--web", join(ROOT, "web")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => { log += d; });
  child.stderr.on("data", (d) => { log += d; });
  const exited = new Promise((r) => child.once("exit", r));
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${base}/api/openapi.json`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (child.exitCode !== null || i > 300) throw new Error(`atende did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const webchat = Number(/channel=(\d+)/.exec(log)?.[1]);
  return {
    base,
    webchat,
    log: () => log,
    async stop() {
      child.kill("SIGINT");
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
}

/** JSON over HTTP as a demo user (or anonymous). */
export class Client {
  /** @param {string} base @param {string} [token] */
  constructor(base, token) { this.base = base; this.token = token; }

  /** @param {string} base @param {string} username */
  static async login(base, username) {
    const c = new Client(base);
    const res = await c.call("POST", "/api/auth/login", { username, password: PASSWORD });
    c.token = res.token;
    return c;
  }

  /** @param {string} method @param {string} path @param {unknown} [body] @param {Record<string, string>} [headers] */
  async call(method, path, body, headers = {}) {
    const h = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (body !== undefined && !h["content-type"]) h["content-type"] = "application/json";
    const res = await fetch(this.base + path, { method, headers: h, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return data;
  }

  /** Waits up to 5 s for an offer to this agent (`who`, for the failure's message) — of the
   * customer called `name`, else the first — accepts it and returns its conversation's id.
   * @param {string} who @param {string} [name] @returns {Promise<number>} */
  async acceptOffer(who, name) {
    let offer;
    for (let i = 0; i < 50 && !offer; i++) {
      const items = (await this.call("GET", "/api/inbox/offers")).items || [];
      offer = name ? items.find((/** @type {any} */ o) => o.client_name === name) : items[0];
      if (!offer) await new Promise((r) => setTimeout(r, 100));
    }
    if (!offer) throw new Error(`${who} was offered ${name || "the visitor"}: no offer in 5 s`);
    await this.call("POST", `/api/inbox/offers/${offer.conversation_id}/accept`);
    return offer.conversation_id;
  }
}

/** A visitor of the company site writing through the chat widget's API.
 * @param {string} base @param {number} channel @param {string} name @param {string} [phone] instead of a random e-mail */
export async function visitor(base, channel, name, phone) {
  const c = new Client(base);
  const contact = phone ? { phone } : { email: `${randomBytes(4).toString("hex")}@example.com` };
  const session = await c.call("POST", `/widget/${channel}/sessions`, { name, ...contact, language: "pt-BR" });
  c.token = session.token;
  // The demo's web chat greets with the reception's menu: after their first message the
  // visitor picks option 1 (Suporte), where the agents answer.
  let chosen = false;
  return {
    /** @param {string} text */
    async say(text) {
      const sent = await c.call("POST", `/widget/${channel}/messages`, { text });
      if (!chosen) {
        chosen = true;
        await c.call("POST", `/widget/${channel}/messages`, { text: "1" });
      }
      return sent;
    },
    /** A file, as the widget's + button sends it. @param {string} filename @param {string} contentType @param {Buffer} bytes */
    async attach(filename, contentType, bytes) {
      return c.call("POST", `/widget/${channel}/messages`, { attachment: { filename, content_type: contentType, data: bytes.toString("base64") } });
    },
    /** @returns {Promise<string[]>} what the visitor sees from the company */
    async heard() {
      const data = await c.call("GET", `/widget/${channel}/messages`);
      return data.messages.filter((/** @type {any} */ m) => m.role !== "customer").map((/** @type {any} */ m) => m.body || "");
    },
  };
}

export const WA_SECRET = "browser-test-app-secret";

/** A WhatsApp Cloud API stand-in that refuses every send as Meta does for a number outside
 * the test list (a permanent failure, with the provider's words). */
export async function refusingProvider() {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "(#131030) Recipient phone number not in allowed list", type: "OAuthException", code: 131030 } }));
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(null)));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok(null))) };
}

/** A WhatsApp channel into the demo's support group; returns a function that delivers customer
 * messages through its signed webhook. @param {Client} admin @param {string} [apiBase] where replies go */
export async function whatsapp(admin, apiBase = "http://127.0.0.1:9") {
  const groups = await admin.call("GET", "/api/admin/groups?q=Suporte");
  const group = groups.items.find((/** @type {any} */ g) => g.name === "Suporte").id;
  const number = String(Date.now()).slice(-9);
  const channel = await admin.call("POST", "/api/admin/channels", {
    type: "whatsapp", name: "WhatsApp", entry_group_id: group,
    credentials: { phone_number_id: number, access_token: "t", app_secret: WA_SECRET, verify_token: "v", api_base_url: apiBase },
  });
  let seq = 0;
  /** @param {string} from @param {string} name @param {string[]} texts */
  return async (from, name, texts) => {
    const messages = texts.map((text) => ({ from, id: `wamid.browser.${Date.now()}.${seq++}`, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }));
    const body = JSON.stringify({ object: "whatsapp_business_account", entry: [{ id: "WABA", changes: [{ field: "messages", value: {
      messaging_product: "whatsapp", metadata: { display_phone_number: "15550001111", phone_number_id: number },
      contacts: [{ profile: { name }, wa_id: from }], messages,
    } }] }] });
    const signature = "sha256=" + createHmac("sha256", WA_SECRET).update(body).digest("hex");
    return new Client(admin.base).call("POST", `/hooks/whatsapp/${channel.id}`, body, { "content-type": "application/json", "x-hub-signature-256": signature });
  };
}

export const TG_SECRET = "browser-test-telegram-secret";

/** A Telegram channel into the demo's support group; returns a function that delivers a chat's
 * messages through its webhook (with the secret token Telegram sends). A Telegram customer is
 * known only by their chat: no phone, no e-mail. @param {Client} admin */
export async function telegram(admin) {
  const groups = await admin.call("GET", "/api/admin/groups?q=Suporte");
  const group = groups.items.find((/** @type {any} */ g) => g.name === "Suporte").id;
  const channel = await admin.call("POST", "/api/admin/channels", {
    type: "telegram", name: "Telegram", entry_group_id: group,
    credentials: { bot_token: "123:ABC", secret_token: TG_SECRET, api_base_url: "http://127.0.0.1:9" },
  });
  let update = 0;
  /** @param {number} chat @param {string} firstName @param {string} text */
  return async (chat, firstName, text) => {
    update += 1;
    const from = { id: chat, is_bot: false, first_name: firstName, language_code: "pt-br" };
    const body = { update_id: update, message: { message_id: update, date: Math.floor(Date.now() / 1000), chat: { id: chat, type: "private", first_name: firstName }, from, text } };
    return new Client(admin.base).call("POST", `/hooks/telegram/${channel.id}`, body, { "x-telegram-bot-api-secret-token": TG_SECRET });
  };
}

/** A page of its own (own storage) logged in through the start page as `username`.
 * @param {import("playwright-core").Browser} browser @param {string} base @param {string} username @param {string} [lang] */
export async function consoleAs(browser, base, username, lang = "en-US", viewport = { width: 1280, height: 720 }) {
  const context = await browser.newContext({ viewport, locale: lang, reducedMotion: "reduce" });
  // The policy the web component is to send: nothing inline, nothing from elsewhere.
  await context.route("**/console/**", async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": CSP } });
  });
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error" && m.text().includes("Content Security Policy")) problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "warning" && m.text().includes("missing translation")) problems.push(m.text()); });
  await page.goto(base + "/");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL("**/console/");
  return { page, context, problems };
}

/** Keeps a screenshot of the page under SHOTS. @param {import("playwright-core").Page} page @param {string} name */
export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** axe-core's serious and critical violations on the page as it is now.
 * @param {import("playwright-core").Page} page */
export async function axe(page) {
  const source = (await import("node:fs")).readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
  await page.evaluate(source);
  const result = await page.evaluate(() => /** @type {any} */ (window).axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((/** @type {any} */ v) => v.impact === "serious" || v.impact === "critical")
    .map((/** @type {any} */ v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(" ")).join(", ")}`);
}
