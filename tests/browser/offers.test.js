// A conversation offered to me shows in my list before I accept it. Opened from there, it is
// read-only until I accept: an answer sent then (the server took it) left the offer open, to
// expire and hand a customer I had already answered to another agent.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { axe, Client, consoleAs, launch, shot, startAtende, visitor } from "./harness.js";

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

test("an offered conversation opened from the list asks to be accepted before it can be answered", async () => {
  const { page, problems } = await consoleAs(browser, server.base, "agent3");
  await page.selectOption("#status-select", "ready");
  await page.locator(".dot.ready").waitFor();
  const customer = await visitor(server.base, server.webchat, "Olga Oferta");
  await customer.say("Bom dia, preciso de ajuda");
  await page.locator(".offer", { hasText: "Olga Oferta" }).waitFor({ timeout: 5000 });

  await page.locator(".conv-item", { hasText: "Olga Oferta" }).click();
  const gate = page.getByRole("group", { name: "Offered to you: accept it to answer." });
  await gate.waitFor();
  assert.equal(await page.locator("at-composer").count(), 0, "no composer before accepting");
  for (const name of ["Transfer", "Close", "Tags", "Pending"]) {
    assert.equal(await page.getByRole("button", { name, exact: true }).count(), 0, `no ${name} before accepting`);
  }
  assert.deepEqual(await axe(page), []);
  await shot(page, "offer-gate");

  await gate.getByRole("button", { name: "Accept" }).click();
  await page.locator("at-composer").waitFor();
  await page.locator(".offer").waitFor({ state: "detached" });
  assert.match(await page.locator(".conv-title .muted").innerText(), /In service/);
  await page.locator("#composer-input").fill("Bom dia, Olga!");
  await page.locator("#composer-input").press("Enter");
  await page.locator(".msg.agent", { hasText: "Bom dia, Olga!" }).waitFor();
  assert.ok((await customer.heard()).includes("Bom dia, Olga!"));
  assert.deepEqual(problems, []);
});

test("rejecting from the opened conversation lets it go", async () => {
  const { page, problems } = await consoleAs(browser, server.base, "agent4");
  await page.selectOption("#status-select", "ready");
  await page.locator(".dot.ready").waitFor();
  // agent3 is still ready with one conversation: a new customer goes to agent4, who has none.
  const customer = await visitor(server.base, server.webchat, "Rui Recusa");
  await customer.say("Olá");
  await page.locator(".offer", { hasText: "Rui Recusa" }).waitFor({ timeout: 5000 });
  await page.locator(".conv-item", { hasText: "Rui Recusa" }).click();
  await page.getByRole("group", { name: "Offered to you: accept it to answer." }).getByRole("button", { name: "Reject" }).click();
  await page.locator(".conv-item", { hasText: "Rui Recusa" }).waitFor({ state: "detached" });
  await page.locator("at-conversation .empty").waitFor();
  assert.deepEqual(problems, []);
});

test("on a 768 px tablet an offer shows its countdown and both buttons on a row of its own", async () => {
  for (const name of ["agent3", "agent4"]) await (await Client.login(server.base, name)).call("PUT", "/api/inbox/status", { status: "offline" });
  const { page, problems } = await consoleAs(browser, server.base, "agent2", "en-US", { width: 768, height: 900 });
  await page.selectOption("#status-select", "ready");
  await page.locator(".dot.ready").waitFor();
  const customer = await visitor(server.base, server.webchat, "Tânia Tablet");
  await customer.say("Oi");
  const offer = page.locator(".offer", { hasText: "Tânia Tablet" });
  await offer.waitFor({ timeout: 5000 });
  await shot(page, "offer-768");
  for (const part of [offer.locator(".offer-countdown"), offer.getByRole("button", { name: "Accept" }), offer.getByRole("button", { name: "Reject" })]) {
    assert.ok(await part.isVisible(), await part.innerText());
    const box = await part.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 768, `${await part.innerText()} is on screen: ${JSON.stringify(box)}`);
  }
  assert.match(await offer.locator(".offer-countdown").innerText(), /^Expires in \d+ s$/);
  await offer.getByRole("button", { name: "Accept" }).click();
  await page.locator("#conv-title", { hasText: "Tânia Tablet" }).waitFor();
  await offer.waitFor({ state: "detached" });
  assert.deepEqual(problems, []);
});
