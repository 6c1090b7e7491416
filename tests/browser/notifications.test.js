// A new offer and a new message reach an agent whose console is in a background tab: a desktop
// notification (permission asked once, when going ready) and a chime.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client, consoleAs, launch, startAtende, visitor } from "./harness.js";

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

test("a conversation transferred to an agent in a background tab names its customer and the colleague's message", async () => {
  const { page, context, problems } = await consoleAs(browser, server.base, "agent2");
  await context.addInitScript(() => {
    const w = /** @type {any} */ (window);
    w.shown = [];
    class FakeNotification {
      static permission = "granted";
      static requestPermission() { return Promise.resolve("granted"); }
      /** @param {string} title @param {{body: string}} options */
      constructor(title, options) { w.shown.push({ title, body: options.body }); }
    }
    w.Notification = FakeNotification;
    Object.defineProperty(document, "hidden", { get: () => true });
  });
  await page.reload();
  await page.locator("body[data-ready=true]").waitFor();
  for (const name of ["agent2", "agent3", "agent4", "supagent"]) await (await Client.login(server.base, name)).call("PUT", "/api/inbox/status", { status: "offline" });
  const from = await Client.login(server.base, "agent1");
  await from.call("PUT", "/api/inbox/status", { status: "ready" });
  const v = await visitor(server.base, server.webchat, "Teo Transferido");
  await v.say("Quero falar do meu boleto");
  const id = await from.acceptOffer("agent1", "Teo Transferido");
  // agent2 goes ready only now, so the customer was agent1's to hand over.
  const mine = new Client(server.base, await page.evaluate(() => JSON.parse(sessionStorage.getItem("atende.session") || "{}").token));
  await mine.call("PUT", "/api/inbox/status", { status: "ready" });
  const me = (await mine.call("GET", "/api/auth/me")).user;
  await from.call("POST", `/api/inbox/conversations/${id}/transfer`, { to_agent_id: me.id, message: "Cliente do boleto, já verifiquei o CPF" });
  await page.waitForFunction(() => /** @type {any} */ (window).shown.some((/** @type {any} */ n) =>
    n.title === "Conversation transferred to you" && n.body === "Teo Transferido — Cliente do boleto, já verifiquei o CPF"), null, { timeout: 5000 });
  assert.deepEqual(problems, []);
  await context.close();
});
