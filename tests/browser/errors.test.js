// The console shows the server's own message for a refusal, in the language the console is
// in (it sends that language as Accept-Language before anyone is signed in).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, startAtende } from "./harness.js";

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

test("a failed login in the console reads the server's message in the console's language", async () => {
  // The browser prefers English; the person picks Spanish, then Portuguese, on the login page.
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await page.goto(server.base + "/console/");
  for (const [lang, message] of [
    ["es", "Usuario o contraseña incorrectos."],
    ["pt-BR", "Usuário ou senha incorretos."],
    ["en", "wrong username or password"],
  ]) {
    await page.selectOption("#login-lang", lang);
    await page.fill("input[name=tenant]", "demo");
    await page.fill("input[name=username]", "admin");
    await page.fill("input[name=password]", "Wrong#Pass1");
    await page.click("button[type=submit]");
    await page.locator(".form-error", { hasText: message }).waitFor();
    assert.equal(await page.locator(".form-error").textContent(), message, lang);
  }
  await context.close();
});
