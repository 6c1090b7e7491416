// A visitor on the chat widget's demo page, in Chromium: starts a conversation, answers the menu
// bot with its buttons, is answered by an agent, and after the close answers the survey (NPS,
// CSAT, comment) in the same chat. A button already answered cannot be pressed again: the
// menu's "4. Encerrar" pressed during the survey would otherwise have been a score of 4. The
// visitor is told of the close (with the protocol) before the survey, in pt-BR and in English.
// Then the supervisor reads the comment in the reports, downloads the transcript as a PDF, and
// the history as CSV separated as Excel expects in English (commas) and in pt-BR (semicolons).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { axe, Client, consoleAs, launch, shot, startAtende } from "./harness.js";

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

test("a widget visitor goes from the menu to an agent to the survey, and old buttons stay pressed", async () => {
  const agent = await Client.login(server.base, "agent1");
  await agent.call("PUT", "/api/inbox/status", { status: "ready" });
  const context = await browser.newContext({ locale: "pt-BR", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${server.base}/chat/demo.html?channel=${server.webchat}`);
  await page.getByRole("button", { name: "Fale conosco" }).click();
  // The panel is named by its title, and its text is readable (white on the old green was 3.3:1).
  const widget = page.getByRole("dialog", { name: "Loja Demo" });
  await widget.waitFor();
  assert.deepEqual(await axe(page), [], "axe on the widget's start form");
  await widget.getByPlaceholder("Seu nome").fill("Wanda Widget");
  await widget.getByPlaceholder("Telefone ou e-mail").fill("wanda@example.com");
  await widget.getByRole("button", { name: "Iniciar conversa" }).click();
  const input = widget.getByPlaceholder("Digite sua mensagem…");
  await input.fill("Oi, meu pedido não chegou");
  await input.press("Enter");

  // The menu bot greets with buttons; pressing one answers it and leaves the others unpressable.
  const menu = widget.locator(".atd-msg.bot", { hasText: "Como podemos ajudar?" });
  await menu.getByRole("button", { name: "1. Suporte" }).click();
  await widget.locator(".atd-msg.customer", { hasText: "1. Suporte" }).waitFor();
  assert.equal(await menu.getByRole("button", { name: "1. Suporte" }).getAttribute("aria-pressed"), "true");
  for (const b of await menu.getByRole("button").all()) assert.ok(await b.isDisabled(), "an answered menu's buttons are disabled");
  await shot(page, "widget-menu-answered");

  // Suporte offers the conversation to agent1, who accepts and answers.
  const id = await agent.acceptOffer("agent1");
  await agent.call("POST", `/api/inbox/conversations/${id}/messages`, { text: "Olá, Wanda! Vou verificar." });
  await widget.locator(".atd-msg.agent", { hasText: "Olá, Wanda! Vou verificar." }).waitFor({ timeout: 5000 });
  assert.match(await widget.locator(".atd-msg.agent").last().innerText(), /Alice Agente/);

  // The agent closes with the group's classification: the visitor is told, with the protocol,
  // and then the survey bot asks in the same chat.
  await agent.call("POST", `/api/inbox/conversations/${id}/close`, { reason_id: 1, sub_reason_id: 2, resolved: true });
  const notice = widget.locator(".atd-msg.system", { hasText: "Seu atendimento foi encerrado." });
  await notice.waitFor({ timeout: 8000 });
  assert.match(await notice.innerText(), /Protocolo: WC\d{11}\. Obrigado pelo contato!/);
  const nps = widget.locator(".atd-msg.bot", { hasText: "De 0 a 10" });
  await nps.waitFor({ timeout: 8000 });
  const order = await widget.locator(".atd-msg").allInnerTexts();
  assert.ok(
    order.findIndex((t) => t.includes("Seu atendimento foi encerrado.")) < order.findIndex((t) => t.includes("De 0 a 10")),
    `the notice before the survey: ${JSON.stringify(order.slice(-3))}`,
  );
  assert.ok(await menu.getByRole("button", { name: "4. Encerrar" }).isDisabled(), "the menu cannot answer the survey");
  // The whole scale as buttons, 0 to 10, and not also as a line of numbers under the question.
  assert.equal(await nps.locator(".atd-scale .atd-choice").count(), 11);
  assert.doesNotMatch(await nps.innerText(), /0 · 1/);
  await shot(page, "widget-nps-scale");
  await nps.getByRole("button", { name: "9", exact: true }).click();
  const csat = widget.locator(".atd-msg.bot", { hasText: "Como você avalia este atendimento?" });
  await csat.getByRole("button", { name: "1. Satisfeito" }).click();
  await widget.locator(".atd-msg.bot", { hasText: "comentário" }).waitFor({ timeout: 5000 });
  assert.ok(await csat.getByRole("button", { name: "3. Insatisfeito" }).isDisabled());
  await input.fill("Rápido e simpático");
  await input.press("Enter");
  await widget.locator(".atd-msg.bot", { hasText: "Obrigado por responder à nossa pesquisa!" }).waitFor({ timeout: 5000 });
  await shot(page, "widget-survey-answered");
  assert.deepEqual(await axe(page), [], "axe on the widget's chat");
  // Closed from its own header, as on a phone where it covers the page.
  await widget.getByRole("button", { name: "Fechar" }).click();
  await widget.waitFor({ state: "hidden" });

  // The supervisor's survey report has exactly these answers.
  const supervisor = await Client.login(server.base, "supervisor");
  const report = await supervisor.call("GET", "/api/reports/surveys");
  assert.equal(report.nps.answers, 1);
  assert.equal(report.nps.promoters, 1, "a 9 is a promoter");
  assert.equal(report.csat.answers, 1);
  assert.ok(report.open_answers.some((/** @type {any} */ a) => a.text === "Rápido e simpático"), JSON.stringify(report.open_answers));
  assert.deepEqual(problems, []);
  await context.close();

  // In the console the supervisor reads the comment and files the transcript as a PDF.
  const { page: console_, problems: consoleProblems } = await consoleAs(browser, server.base, "supervisor");
  await console_.getByRole("button", { name: "Reports" }).click();
  await console_.locator("#rep-surveys tbody tr", { hasText: "Rápido e simpático" }).waitFor();
  await console_.getByRole("button", { name: "History" }).click();
  const row = console_.locator("at-history tbody tr", { hasText: "Wanda Widget" });
  await row.getByRole("button", { name: "Transcript" }).click();
  const dialog = console_.locator("dialog");
  await dialog.locator(".msg.agent", { hasText: "Olá, Wanda! Vou verificar." }).waitFor();
  // The supervisor reads what the visitor was told at the close.
  const protocolShown = (await row.locator("th").innerText()).trim();
  await dialog.locator(".msg.system", { hasText: `Seu atendimento foi encerrado. Protocolo: ${protocolShown}.` }).waitFor();
  await shot(console_, "history-transcript-closing-notice");
  const saved = console_.waitForEvent("download");
  await dialog.getByRole("button", { name: "Download PDF" }).click();
  const pdf = await saved;
  const protocol = (await row.locator("th").innerText()).trim();
  assert.equal(pdf.suggestedFilename(), `${protocol}.pdf`);
  const path = await pdf.path();
  const bytes = (await import("node:fs")).readFileSync(path);
  assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
  assert.ok(bytes.length > 1000, `a transcript of ${bytes.length} bytes`);
  await dialog.waitFor({ state: "detached" });

  // The history as CSV opens in columns in the reader's Excel: comma-separated for an English
  // console, semicolon-separated for a Brazilian one (where the comma is the decimal separator),
  // with a byte-order mark so the accents read right.
  /** @param {import("playwright-core").Page} page @param {string} button */
  const exportCsv = async (page, button) => {
    const saved = page.waitForEvent("download");
    await page.getByRole("button", { name: button }).click();
    const file = await saved;
    assert.match(file.suggestedFilename(), /^history_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/, "named for its period");
    return (await import("node:fs")).readFileSync(/** @type {string} */ (await file.path())).toString("utf8");
  };
  const en = await exportCsv(console_, "Export CSV");
  assert.ok(en.startsWith("\ufeffProtocol,Channel,Client,"), en.slice(0, 40));
  const enRow = en.split(/\r?\n/).find((l) => l.startsWith(protocol)) || "";
  assert.equal(enRow.split(",").length, 13, enRow);
  assert.deepEqual(consoleProblems, []);
  const { page: pt, problems: ptProblems } = await consoleAs(browser, server.base, "supervisor", "pt-BR");
  await pt.getByRole("button", { name: "Histórico" }).click();
  await pt.locator("at-history tbody tr", { hasText: "Wanda Widget" }).waitFor();
  const semicolons = await exportCsv(pt, "Exportar CSV");
  assert.ok(semicolons.startsWith("\ufeffProtocolo;Canal;Cliente;"), semicolons.slice(0, 40));
  const ptRow = semicolons.split(/\r?\n/).find((l) => l.startsWith(protocol)) || "";
  assert.equal(ptRow.split(";").length, 13, ptRow);
  assert.match(ptRow, /;Atendimento > Dúvida > Entrega;sim;9$/);
  assert.deepEqual(ptProblems, []);
});

test("the widget's FAQ speaks the widget's language, whatever the browser's", async () => {
  const context = await browser.newContext({ locale: "pt-BR", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/chat/demo.html?channel=${server.webchat}&language=es`);
  await page.getByRole("button", { name: "Habla con nosotros" }).click();
  const widget = page.getByRole("dialog", { name: "Loja Demo" });
  await widget.locator(".atd-faq summary", { hasText: "Plazo de entrega" }).waitFor({ timeout: 5000 });
  await widget.getByRole("searchbox").fill("devoluciones");
  // The search answers after a pause in typing: the other article leaves the list.
  await widget.locator(".atd-faq summary", { hasText: "Plazo de entrega" }).waitFor({ state: "detached", timeout: 5000 });
  assert.deepEqual(await widget.locator(".atd-faq summary").allInnerTexts(), ["Cambios y devoluciones"]);
  await widget.locator(".atd-faq summary").click();
  assert.match(await widget.locator(".atd-faq details").innerText(), /hasta 7 días/);
  await shot(page, "widget-faq-es");
  await context.close();
});

test("an English visitor is told in English that the conversation ended, with its protocol", async () => {
  const agent = await Client.login(server.base, "agent1");
  await agent.call("PUT", "/api/inbox/status", { status: "ready" });
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${server.base}/chat/demo.html?channel=${server.webchat}`);
  await page.getByRole("button", { name: "Chat with us" }).click();
  const widget = page.getByRole("dialog", { name: "Loja Demo" });
  await widget.getByPlaceholder("Your name").fill("Edward English");
  await widget.getByPlaceholder("Phone or e-mail").fill("edward@example.com");
  await widget.getByRole("button", { name: "Start chatting" }).click();
  const input = widget.getByPlaceholder("Type your message…");
  await input.fill("Hello, my order is late");
  await input.press("Enter");
  await widget.locator(".atd-msg.bot").getByRole("button", { name: "1. Support" }).click();
  const id = await agent.acceptOffer("agent1");
  await agent.call("POST", `/api/inbox/conversations/${id}/messages`, { text: "It ships today." });
  await widget.locator(".atd-msg.agent", { hasText: "It ships today." }).waitFor({ timeout: 5000 });
  await agent.call("POST", `/api/inbox/conversations/${id}/close`, { reason_id: 1, sub_reason_id: 2, resolved: true });
  const notice = widget.locator(".atd-msg.system", { hasText: "Your conversation has been closed." });
  await notice.waitFor({ timeout: 8000 });
  assert.match(await notice.innerText(), /Protocol: WC\d{11}\. Thank you for contacting us!/);
  await widget.locator(".atd-msg.bot", { hasText: "From 0 to 10" }).waitFor({ timeout: 8000 });
  await shot(page, "widget-closing-notice-en");
  assert.deepEqual(problems, []);
  await context.close();
});

test("an answer that arrives while the widget is closed shows on its button, after a reload too; a reload keeps it open or closed; the chat is read every 2 s open, every 15 s closed, every minute in a background tab; links open in a new tab", async () => {
  const busy = await Client.login(server.base, "agent1");
  await busy.call("PUT", "/api/inbox/status", { status: "offline" });
  const agent = await Client.login(server.base, "agent2");
  await agent.call("PUT", "/api/inbox/status", { status: "ready" });
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // The page's clock is the test's (paused below): the widget's reads of the chat are counted as
  // the clock is moved, never waited for.
  await page.clock.install();
  let reads = 0;
  page.on("request", (r) => { if (r.method() === "GET" && /\/widget\/\d+\/messages/.test(r.url())) reads++; });
  /** Moves the page's clock by `ms`, then waits for the read that its timer started, if any. */
  const after = async (/** @type {number} */ ms) => {
    const read = page.waitForResponse((r) => /\/widget\/\d+\/messages/.test(r.url()), { timeout: 3000 })
      .catch(/** @returns {null} */ () => null);
    await page.clock.runFor(ms);
    return read;
  };
  /** @type {string[]} */
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${server.base}/chat/demo.html?channel=${server.webchat}`);
  const launcher = page.locator(".atd-btn");
  await launcher.click();
  const widget = page.getByRole("dialog", { name: "Loja Demo" });
  await widget.getByPlaceholder("Your name").fill("Bianca Badge");
  await widget.getByPlaceholder("Phone or e-mail").fill("bianca@example.com");
  await widget.getByRole("button", { name: "Start chatting" }).click();
  const input = widget.getByPlaceholder("Type your message…");
  await input.fill("Is my parcel on its way?");
  await input.press("Enter");
  await widget.locator(".atd-msg.bot").getByRole("button", { name: "1. Support" }).click();
  const id = await agent.acceptOffer("agent2");

  for (let i = 0; i < 4; i++) {
    await widget.getByRole("button", { name: "Close" }).click();
    await launcher.click();
  }
  // Open, and opened often: one read every 2 s, not one more timer per opening. From here the
  // page's time moves only when the test moves it.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 50);
  await after(0);
  reads = 0;
  for (let i = 0; i < 3; i++) assert.ok(await after(2000), `a read at ${2 * (i + 1)} s`);
  assert.equal(reads, 3, "one read in 2 s while open");

  // Closed: nothing for 14 s, then the read that counts the answer on the button.
  await widget.getByRole("button", { name: "Close" }).click();
  await agent.call("POST", `/api/inbox/conversations/${id}/messages`, { text: "Yes! Track it at https://example.com/track/42." });
  reads = 0;
  assert.equal(await after(14000), null, "no read behind the closed panel before 15 s");
  assert.equal(reads, 0);
  assert.ok(await after(1000), "the read at 15 s");
  await page.getByRole("button", { name: "Chat with us (1)" }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator(".atd-badge").innerText(), "1");
  await shot(page, "widget-unread-badge");
  await launcher.click();
  const link = widget.locator(".atd-msg.agent a", { hasText: "https://example.com/track/42" });
  await link.waitFor();
  // Each message says when it was written (today's, the time only).
  assert.match(await widget.locator(".atd-msg.agent", { hasText: "Track it at" }).locator("time").innerText(), /^\d{2}:\d{2}( [AP]M)?$/);
  assert.match(await widget.locator(".atd-msg.customer").first().locator("time").innerText(), /^\d{2}:\d{2}( [AP]M)?$/);
  assert.equal(await link.getAttribute("href"), "https://example.com/track/42");
  assert.equal(await link.getAttribute("target"), "_blank");
  assert.equal(await page.locator(".atd-badge").isVisible(), false);

  // The site's next page (here, a reload) shows the chat as the visitor left it: open.
  await page.reload();
  await widget.locator(".atd-msg.agent", { hasText: "Track it at" }).waitFor();
  assert.ok(await widget.isVisible(), "still open");
  // Left closed, it stays closed, and the next answer shows on the button.
  await widget.getByRole("button", { name: "Close" }).click();
  await page.reload();
  await page.getByRole("button", { name: "Chat with us", exact: true }).waitFor();
  // In a tab in the background the chat is read once a minute.
  await page.evaluate(() => {
    Object.defineProperty(document, "hidden", { value: true, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await agent.call("POST", `/api/inbox/conversations/${id}/messages`, { text: "It arrives tomorrow." });
  reads = 0;
  assert.equal(await after(59000), null, "no read in a background tab before a minute");
  assert.ok(await after(1000), "the read at a minute");
  await page.getByRole("button", { name: "Chat with us (1)" }).waitFor({ timeout: 5000 });
  await launcher.click();
  await widget.locator(".atd-msg.agent", { hasText: "It arrives tomorrow." }).waitFor();
  assert.equal(await widget.locator(".atd-msg.agent", { hasText: "It arrives tomorrow." }).count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a language with its region (en-GB, es-MX) still picks the widget's language and its FAQ", async () => {
  const context = await browser.newContext({ locale: "pt-BR", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/chat/demo.html?channel=${server.webchat}&language=en-GB`);
  await page.getByRole("button", { name: "Chat with us" }).click();
  await page.getByPlaceholder("Your name").waitFor();
  await page.goto(`${server.base}/chat/demo.html?channel=${server.webchat}&language=es-MX`);
  await page.getByRole("button", { name: "Habla con nosotros" }).click();
  await page.locator(".atd-faq summary", { hasText: "Plazo de entrega" }).waitFor({ timeout: 5000 });
  await context.close();
});

test("on a phone the demo page keeps the chat button on screen", async () => {
  const context = await browser.newContext({ locale: "pt-BR", viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(`${server.base}/chat/demo.html?channel=${server.webchat}`);
  const launcher = page.getByRole("button", { name: "Fale conosco" });
  await launcher.waitFor();
  const box = await launcher.boundingBox();
  assert.ok(box && box.x + box.width <= 375 && box.y + box.height <= 667, `the button is on the screen: ${JSON.stringify(box)}`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 375, "nothing widens the page");
  await launcher.tap();
  await page.getByRole("dialog", { name: "Loja Demo" }).getByPlaceholder("Seu nome").waitFor();
  await shot(page, "widget-phone");
  await context.close();
});

test("in a chat the FAQ is a button away, and the chat comes back as it was", async () => {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${server.base}/chat/demo.html?channel=${server.webchat}`);
  await page.getByRole("button", { name: "Chat with us" }).click();
  const widget = page.getByRole("dialog", { name: "Loja Demo" });
  await widget.getByPlaceholder("Your name").fill("Fiona FAQ");
  await widget.getByPlaceholder("Phone or e-mail").fill("fiona@example.com");
  await widget.getByRole("button", { name: "Start chatting" }).click();
  const input = widget.getByPlaceholder("Type your message…");
  await input.fill("How long does delivery take?");
  await input.press("Enter");
  await widget.locator(".atd-msg.bot").getByRole("button", { name: "1. Support" }).waitFor();

  const faq = widget.getByRole("button", { name: "FAQ" });
  await faq.click();
  assert.equal(await faq.getAttribute("aria-expanded"), "true");
  await widget.locator(".atd-faq summary", { hasText: "Delivery time" }).click();
  assert.match(await widget.locator(".atd-faq details[open]").innerText(), /within 5 business days/);
  assert.equal(await widget.locator(".atd-msg").first().isVisible(), false, "the FAQ is shown instead of the chat");
  await shot(page, "widget-faq-in-chat");
  await faq.click();
  await widget.locator(".atd-msg.customer", { hasText: "How long does delivery take?" }).waitFor();
  assert.equal(await widget.locator(".atd-faq summary").first().isVisible(), false);
  await input.fill("Thanks, found it");
  await input.press("Enter");
  await widget.locator(".atd-msg.customer", { hasText: "Thanks, found it" }).waitFor({ timeout: 5000 });
  assert.deepEqual(problems, []);
  await context.close();
});
