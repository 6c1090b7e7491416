// A new offer and a new message reach an agent whose console is in a background tab: a desktop
// notification (permission asked once, when going ready) and a chime.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { consoleAs, launch, startAtende, visitor } from "./harness.js";

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

test("an offer and a message in a background tab notify the agent; permission is asked once", async () => {
  const { page, context, problems } = await consoleAs(browser, server.base, "agent1");
  // The browser's notification and audio APIs, recorded; the tab is in the background.
  await context.addInitScript(() => {
    const w = /** @type {any} */ (window);
    w.shown = [];
    w.asked = 0;
    w.chimes = 0;
    class FakeNotification {
      static permission = "default";
      static requestPermission() { w.asked++; FakeNotification.permission = "granted"; return Promise.resolve("granted"); }
      /** @param {string} title @param {{body: string}} options */
      constructor(title, options) { w.shown.push({ title, body: options.body }); }
    }
    w.Notification = FakeNotification;
    const Real = w.AudioContext;
    w.AudioContext = class extends Real { createOscillator() { w.chimes++; return super.createOscillator(); } };
    Object.defineProperty(document, "hidden", { get: () => true });
  });
  await page.reload();
  await page.locator("#status-select").selectOption("ready");
  await page.locator(".dot.ready").waitFor();
  await page.locator("#status-select").selectOption("offline");
  await page.locator(".dot.offline").waitFor();
  await page.locator("#status-select").selectOption("ready");
  await page.locator(".dot.ready").waitFor();
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).asked), 1, "permission is asked once");

  const v = await visitor(server.base, server.webchat, "Nina Notificada");
  await v.say("Oi, tem alguém aí?");
  await page.waitForFunction(() => /** @type {any} */ (window).shown.some((/** @type {any} */ n) => n.title === "Offers"), null, { timeout: 5000 });
  await page.locator(".offer").getByRole("button", { name: "Accept" }).click();
  await page.locator("#conv-title", { hasText: "Nina Notificada" }).waitFor();
  await v.say("Preciso de ajuda com a fatura");
  await page.waitForFunction(() => /** @type {any} */ (window).shown.some((/** @type {any} */ n) =>
    n.title === "New message from Nina Notificada" && n.body === "Preciso de ajuda com a fatura"), null, { timeout: 5000 });
  assert.ok(await page.evaluate(() => /** @type {any} */ (window).chimes) >= 2);
  assert.deepEqual(problems, []);
  await context.close();
});
