// The console and the chat widget against a running deployment with the demo company, as a team
// that has just deployed sees them: `ATENDE_URL=http://127.0.0.1:3000 node --test
// tests/browser/deployed.test.js` after `spin up` and `POST /api/platform/demo` (README,
// "Running under Spin"; scripts/spin-ci.sh runs it so). Without ATENDE_URL it is skipped: the
// other browser tests start `atende --demo` of their own.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Client, consoleAs, launch, shot } from "./harness.js";

const base = process.env.ATENDE_URL;

test("a visitor writes in the widget demo, picks Suporte in the menu, and an agent in the console accepts and answers", { skip: !base && "ATENDE_URL is not set" }, async () => {
  const url = base || "";
  const admin = await Client.login(url, "admin");
  const channels = await admin.call("GET", "/api/admin/channels?limit=200");
  const site = channels.items.find((/** @type {any} */ c) => c.type === "webchat" && c.name === "Site");
  assert.ok(site, "the demo's web-chat channel");
  const browser = await launch();
  try {
    // agent3: the e2e suite and the other demo users are left alone.
    const { page, problems } = await consoleAs(browser, url, "agent3");
    await page.selectOption("#status-select", "ready");
    await page.locator(".dot.ready").waitFor();

    // A new customer on every run: the same phone would write into their open conversation.
    const stamp = String(Date.now()).slice(-8);
    const visitorName = `Visitante ${stamp}`;
    const context = await browser.newContext({ locale: "pt-BR" });
    const site_page = await context.newPage();
    await site_page.goto(`${url}/chat/demo.html?channel=${site.id}`);
    await site_page.locator(".atd-btn").click();
    await site_page.getByPlaceholder("Seu nome").fill(visitorName);
    await site_page.getByPlaceholder("Telefone ou e-mail").fill(`11 9${stamp}`);
    await site_page.getByRole("button", { name: "Iniciar conversa" }).click();
    const composer = site_page.getByPlaceholder("Digite sua mensagem…");
    await composer.fill("Oi, preciso de ajuda com a entrega");
    await composer.press("Enter");
    const suporte = site_page.locator(".atd-panel button", { hasText: "1. Suporte" });
    await suporte.waitFor({ timeout: 10000 });
    await shot(site_page, "deployed-01-widget-menu");
    await suporte.click();

    const offer = page.locator(".offer", { hasText: visitorName });
    await offer.waitFor({ timeout: 15000 });
    await shot(page, "deployed-02-offer");
    await offer.getByRole("button", { name: "Accept" }).click();
    await page.locator("#composer-input").fill("Olá! Já vou verificar a sua entrega.");
    await page.locator("#composer-input").press("Enter");

    await site_page.getByText("Olá! Já vou verificar a sua entrega.").waitFor({ timeout: 15000 });
    await shot(site_page, "deployed-03-widget-answered");
    await shot(page, "deployed-04-console-answered");
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
