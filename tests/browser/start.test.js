// The first screens a person meets: the start page in their browser's language (it used to show
// "Senha / Password" pairs and no Spanish at all), the first-login password change, and an
// empty inbox that says the right thing whether the agent is ready or not.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client, consoleAs, launch, PASSWORD, shot, startAtende } from "./harness.js";

/** @type {Awaited<ReturnType<typeof startAtende>>} */
let server;
/** @type {import("playwright-core").Browser} */
let browser;

before(async () => {
  server = await startAtende();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the start page speaks the browser's language, server refusals included, then the empty inbox guides the agent", async () => {
  const context = await browser.newContext({ locale: "es-ES" });
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => { if (m.type() === "warning" && m.text().includes("missing translation")) problems.push(m.text()); });
  // Nothing the pages ask for is missing (the browser's icon request was a 404 on every page).
  page.on("response", (r) => { if (r.status() === 404) problems.push(`404 ${r.url()}`); });
  await page.goto(server.base + "/");
  await page.locator("html[lang=es]").waitFor({ state: "attached" });
  await page.getByRole("heading", { name: "Entrar en la consola" }).waitFor();
  const text = await page.locator("main").innerText();
  for (const other of ["Senha", "Password", "Username", "Usuário"]) assert.ok(!text.includes(other), `"${other}" on the Spanish start page: ${text}`);
  await page.getByLabel("Usuario").fill("agent1");
  await page.getByLabel("Contraseña", { exact: true }).fill("Wrong#Pass1");
  await page.getByRole("button", { name: "Entrar" }).click();
  await page.getByRole("alert").filter({ hasText: "Usuario o contraseña incorrectos." }).waitFor();
  await shot(page, "start-es");

  await page.getByLabel("Contraseña", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Entrar" }).click();
  await page.waitForURL("**/console/");
  // Offline, the empty list asks the agent to go ready; ready, it says customers will come.
  await page.locator(".list-pane .empty", { hasText: "Póngase disponible para recibir clientes." }).waitFor();
  await page.selectOption("#status-select", "ready");
  await page.locator(".list-pane .empty", { hasText: "Está disponible: los próximos clientes aparecerán aquí." }).waitFor();
  await page.getByRole("button", { name: "Favoritas" }).click();
  await page.locator(".list-pane .empty", { hasText: "No hay conversaciones favoritas." }).waitFor();
  await shot(page, "inbox-empty-ready-es");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a first login changes the password on a start page in the person's language", async () => {
  const admin = await Client.login(server.base, "admin");
  await admin.call("POST", "/api/admin/users", { username: "nova", display_name: "Nina Nova", profile: "agent", password: "Primeira#2026" });
  const context = await browser.newContext({ locale: "en-GB" });
  const page = await context.newPage();
  await page.goto(server.base + "/");
  await page.getByLabel("Username").fill("nova");
  await page.getByLabel("Password", { exact: true }).fill("Primeira#2026");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Change your password" }).waitFor();
  await page.getByLabel("Current password").fill("Primeira#2026");
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Change password" }).click();
  // The server's reason, in English too.
  await page.getByRole("alert").filter({ hasText: "must be longer than 7 characters" }).waitFor();
  await page.getByLabel("New password").fill("Segunda#2026");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.waitForURL("**/console/");
  await page.locator("at-conversation-list").waitFor();
  await context.close();
});

test("the admin's API button opens the readable reference, not the raw document", async () => {
  const { page, context } = await consoleAs(browser, server.base, "admin");
  await page.getByRole("link", { name: "API documentation" }).click();
  await page.waitForURL("**/api/docs");
  assert.equal(await page.evaluate(() => document.contentType), "text/html");
  await context.close();
});
