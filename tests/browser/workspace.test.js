// What an agent used to Chatwoot or Zendesk expects of the conversation they are working in: a
// half-written answer is never thrown away (another conversation, the note tab, a favourite, an
// expired session); one Enter sends once; the box grows with its lines; a new message does not pull them away from the earlier
// ones they are reading, a button says it is below; each day's messages start with its date;
// addresses are links; the tab's title counts what waits for them.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client, consoleAs, launch, shot, startAtende, visitor, whatsapp } from "./harness.js";

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

/** Accepts the offer of `name` in the top bar and waits for its conversation.
 * @param {import("playwright-core").Page} page @param {string} name */
async function accept(page, name) {
  await page.locator(".offer", { hasText: name }).getByRole("button", { name: "Accept" }).click();
  await page.locator("#conv-title", { hasText: name }).waitFor();
}

test("a draft survives another conversation, the note tab, a favourite and an expired session; Enter twice sends once", async () => {
  const { page, problems } = await consoleAs(browser, server.base, "agent1");
  await page.selectOption("#status-select", "ready");
  await page.locator(".dot.ready").waitFor();
  const first = await visitor(server.base, server.webchat, "Rita Rascunho");
  await first.say("Oi, queria trocar um produto");
  await page.locator(".offer", { hasText: "Rita Rascunho" }).waitFor({ timeout: 5000 });
  await accept(page, "Rita Rascunho");
  const second = await visitor(server.base, server.webchat, "Otto Outro");
  await second.say("Bom dia");
  await page.locator(".offer", { hasText: "Otto Outro" }).waitFor({ timeout: 5000 });
  await accept(page, "Otto Outro");

  const box = page.locator("#composer-input");
  await page.locator(".conv-item", { hasText: "Rita Rascunho" }).click();
  await page.locator("#conv-title", { hasText: "Rita Rascunho" }).waitFor();
  await box.fill("Rita, para a troca preciso do número");
  await page.locator(".conv-item", { hasText: "Otto Outro" }).click();
  await page.locator("#conv-title", { hasText: "Otto Outro" }).waitFor();
  assert.equal(await box.inputValue(), "", "another conversation has its own box");
  await page.locator(".conv-item", { hasText: "Rita Rascunho" }).click();
  await page.locator("#conv-title", { hasText: "Rita Rascunho" }).waitFor();
  assert.equal(await box.inputValue(), "Rita, para a troca preciso do número");

  await page.getByRole("tab", { name: "Internal note" }).click();
  assert.equal(await box.inputValue(), "Rita, para a troca preciso do número", "the note tab keeps the text");
  await page.getByRole("tab", { name: "Reply" }).click();
  await page.getByRole("button", { name: "Add to favourites", exact: true }).click();
  await page.getByRole("button", { name: "Remove from favourites" }).waitFor();
  assert.equal(await box.inputValue(), "Rita, para a troca preciso do número", "a redraw keeps the text");

  // Enter, and Enter again before the answer came: one request, one message.
  let sends = 0;
  page.on("request", (r) => { if (r.method() === "POST" && /\/conversations\/\d+\/messages$/.test(r.url())) sends++; });
  await box.press("Enter");
  await box.press("Enter");
  await page.locator(".msg.agent", { hasText: "Rita, para a troca preciso do número" }).waitFor();
  assert.equal(await box.inputValue(), "");
  assert.equal(sends, 1, "one send");
  assert.equal((await first.heard()).filter((m) => m === "Rita, para a troca preciso do número").length, 1);
  await page.locator(".conv-item", { hasText: "Otto Outro" }).click();
  await page.locator("#conv-title", { hasText: "Otto Outro" }).waitFor();
  await page.locator(".conv-item", { hasText: "Rita Rascunho" }).click();
  await page.locator("#conv-title", { hasText: "Rita Rascunho" }).waitFor();
  assert.equal(await box.inputValue(), "", "a sent answer is no longer a draft");

  // The session ends on the server (expired, or ended by an admin) while the agent types.
  await box.fill("Rita, já verifico o seu pedido");
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("atende.session") || "{}").token);
  await new Client(server.base, token).call("POST", "/api/auth/logout");
  const notice = page.getByRole("status").filter({ hasText: "Your session has expired" });
  await notice.waitFor({ timeout: 10000 });
  await shot(page, "workspace-session-expired");
  await page.fill("input[name=username]", "agent1");
  await page.fill("input[name=password]", "Atende#2026");
  await page.click("button[type=submit]");
  await page.locator("body[data-ready=true]").waitFor();
  await page.locator(".conv-item", { hasText: "Rita Rascunho" }).click();
  await page.locator("#conv-title", { hasText: "Rita Rascunho" }).waitFor();
  assert.equal(await box.inputValue(), "Rita, já verifico o seu pedido", "the text typed before the session ended is back");
  // An explicit logout forgets the drafts: the next person at this tab must not read them.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.locator("input[name=username]").waitFor();
  assert.equal(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith("atende.console.draft.")).length), 0);
  assert.deepEqual(problems, []);
});

test("a new message leaves an agent reading earlier ones in place; links open in a new tab; the title counts what waits", async () => {
  const { page, problems } = await consoleAs(browser, server.base, "agent2", "en-US", { width: 1280, height: 720 });
  // The page's skip link speaks the console's language too (it read Portuguese in English).
  assert.equal(await page.locator("a.skip").textContent(), "Skip to the conversation");
  await page.selectOption("#status-select", "ready");
  await page.locator(".dot.ready").waitFor();
  const customer = await visitor(server.base, server.webchat, "Lia Longa");
  await customer.say("Olá");
  await page.locator(".offer", { hasText: "Lia Longa" }).waitFor({ timeout: 5000 });
  assert.match(await page.title(), /^\(\d+\) Atende — Console$/, "an offer shows in the title");
  await accept(page, "Lia Longa");
  await page.waitForFunction(() => document.title === "Atende — Console");

  for (let i = 1; i <= 25; i++) await customer.say(`Linha ${i} do meu relato, com detalhes do pedido e da entrega`);
  await page.locator(".msg.customer", { hasText: "Linha 25 do meu relato" }).waitFor();
  const scroller = page.locator(".scroller");
  await page.waitForFunction(() => {
    const s = /** @type {HTMLElement} */ (document.querySelector(".scroller"));
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  });

  // Reading from the top: the next message does not move the list.
  await scroller.evaluate((s) => { s.scrollTop = 0; });
  await customer.say("Veja o pedido em https://example.com/pedidos/77.");
  const jump = page.getByRole("button", { name: "1 new message ↓" });
  await jump.waitFor({ timeout: 5000 });
  assert.ok(await scroller.evaluate((s) => s.scrollTop) < 200, "still at the earlier messages");
  await shot(page, "workspace-new-message-below");
  // Not seen yet, so not read: the list counts it until the agent goes down to it.
  const item = page.locator(".conv-item", { hasText: "Lia Longa" });
  await item.locator(".badge", { hasText: "1" }).waitFor({ timeout: 5000 });
  await jump.click();
  await jump.waitFor({ state: "hidden" });
  await item.locator(".badge").waitFor({ state: "detached", timeout: 5000 });
  await page.waitForFunction(() => {
    const s = /** @type {HTMLElement} */ (document.querySelector(".scroller"));
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  });

  // The address is a link to itself, without the sentence's full stop, opening in a new tab.
  const link = page.locator(".msg.customer a", { hasText: "https://example.com/pedidos/77" });
  assert.equal(await link.getAttribute("href"), "https://example.com/pedidos/77");
  assert.equal(await link.getAttribute("target"), "_blank");
  assert.match(await link.getAttribute("rel") || "", /noopener/);
  assert.equal(await page.locator(".msg.customer", { hasText: "pedidos/77" }).locator(".msg-text").textContent(), "Veja o pedido em https://example.com/pedidos/77.");

  // At the end, a new message is followed; so is my own answer.
  await customer.say("Obrigada!");
  await page.locator(".msg.customer", { hasText: "Obrigada!" }).waitFor();
  assert.equal(await jump.isVisible(), false);
  // Lines typed with Shift+Enter grow the box (no scroll bar inside it); sending shrinks it back.
  const box = page.locator("#composer-input");
  const empty = (await box.boundingBox())?.height || 0;
  await box.type("Um");
  for (const line of ["Dois", "Três", "Quatro", "Cinco"]) { await box.press("Shift+Enter"); await box.type(line); }
  assert.ok(((await box.boundingBox())?.height || 0) > empty + 30, "the box grew");
  assert.equal(await box.evaluate((e) => e.scrollHeight <= e.clientHeight), true, "all its lines show");
  await box.press("Enter");
  await page.locator(".msg.agent", { hasText: "Cinco" }).waitFor();
  assert.equal((await box.boundingBox())?.height, empty, "and shrank after sending");
  await page.locator("#composer-input").fill("De nada, Lia! Acompanhe em https://example.com/rastreio");
  await page.locator("#composer-input").press("Enter");
  await page.locator(".msg.agent a[href='https://example.com/rastreio']").waitFor();
  await page.waitForFunction(() => {
    const s = /** @type {HTMLElement} */ (document.querySelector(".scroller"));
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  });

  // A visitor's file reads its name once, on its download button.
  await customer.attach("comprovante.pdf", "application/pdf", Buffer.from("%PDF-1.4\n%%EOF\n"));
  const file = page.locator(".msg.customer", { has: page.getByRole("button", { name: "Download comprovante.pdf" }) });
  await file.waitFor({ timeout: 5000 });
  assert.equal(await file.locator(".msg-text").count(), 0, "no caption repeating the file's name");

  // Messages show their time only: a line above the first of each day says which day it was.
  assert.deepEqual(await page.locator(".messages > li.day").allTextContents(), ["Today"]);
  await page.clock.setFixedTime(Date.now() + 86400000);
  await page.getByRole("button", { name: "Add to favourites", exact: true }).click();
  await page.getByRole("button", { name: "Remove from favourites" }).waitFor();
  assert.deepEqual(await page.locator(".messages > li.day").allTextContents(), ["Yesterday"]);
  assert.deepEqual(problems, []);
});

test("the customer panel opens another conversation of the customer to read, without leaving the one on screen", async () => {
  const admin = await Client.login(server.base, "admin");
  const deliver = await whatsapp(admin);
  for (const name of ["agent1", "agent2"]) await (await Client.login(server.base, name)).call("PUT", "/api/inbox/status", { status: "offline" });
  const { page, problems } = await consoleAs(browser, server.base, "agent3");
  await page.selectOption("#status-select", "ready");
  await page.locator(".dot.ready").waitFor();
  // The same person on WhatsApp and, with the same phone, on the site's chat.
  await deliver("5511955554444", "Vera Vários", ["Meu pedido 981 veio com defeito"]);
  await page.locator(".offer", { hasText: "Vera Vários" }).waitFor({ timeout: 5000 });
  await accept(page, "Vera Vários");
  const site = await visitor(server.base, server.webchat, "Vera Vários", "+5511955554444");
  await site.say("Mandei no WhatsApp também");
  await page.locator(".offer", { hasText: "Vera Vários" }).waitFor({ timeout: 5000 });
  await page.locator(".offer", { hasText: "Vera Vários" }).getByRole("button", { name: "Accept" }).click();
  await page.locator(".msg.customer", { hasText: "Mandei no WhatsApp também" }).waitFor();

  const panel = page.locator("at-customer-panel");
  const read = panel.getByRole("button", { name: /^Read conversation WA/ });
  await read.waitFor({ timeout: 5000 });
  await read.click();
  const dialog = page.getByRole("dialog");
  await dialog.locator(".msg.customer", { hasText: "Meu pedido 981 veio com defeito" }).waitFor();
  assert.match(await dialog.locator("h2").innerText(), /^Transcript — WA\d{11}$/);
  await shot(page, "workspace-panel-transcript");
  await dialog.getByRole("button", { name: "Close" }).click();
  assert.equal(await page.locator(".msg.customer", { hasText: "Mandei no WhatsApp também" }).count(), 1, "the conversation on screen stayed");
  assert.equal(await panel.getByRole("button", { name: /^Read conversation WC/ }).count(), 0, "not the one on screen");
  assert.deepEqual(problems, []);
});
