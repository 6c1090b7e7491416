// A scripted shift in real Chromium against `atende --demo`: two agents and a supervisor log
// in; a web-chat visitor and a WhatsApp customer write; agent1 accepts the offer, answers with a
// quick reply and a FAQ article, attaches a file, writes a note, tags, and transfers to agent2,
// who pends, resumes and closes with a classification. The supervisor's live dashboard (the real
// reports API) shows each of those changes within 2 s. Along the way: the paused-send question,
// the languages, axe-core, and the tablet width. Screenshots of each screen go to SHOTS.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MESSAGES } from "../../web/console/i18n.js";
import { axe, Client, consoleAs, launch, refusingProvider, shot, startAtende, visitor, whatsapp } from "./harness.js";

/** @type {Awaited<ReturnType<typeof startAtende>>} */
let server;
/** @type {import("playwright-core").Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof refusingProvider>>} */
let provider;
/** @type {Record<string, Awaited<ReturnType<typeof consoleAs>>>} */
const people = {};

before(async () => {
  server = await startAtende();
  browser = await launch();
  provider = await refusingProvider();
});

after(async () => {
  // Whatever happened, keep what each screen looked like last.
  for (const [name, p] of Object.entries(people)) await shot(p.page, `last-${name}`).catch(() => {});
  if (dashboardDelays.length) console.log(`dashboard delays (ms after the agent's screen showed the change): ${dashboardDelays.map(([w, ms]) => `${w} ${ms}`).join("; ")}`);
  await browser?.close();
  await server?.stop();
  await provider?.close();
});

/** Steps share one shift: a failed step stops the ones after it. */
let broken = "";
/** @param {string} name @param {() => Promise<void>} fn */
function step(name, fn) {
  test(name, async () => {
    if (broken) assert.fail(`skipped: "${broken}" failed`);
    try { await fn(); } catch (e) {
      broken = name;
      for (const [who, p] of Object.entries(people)) await shot(p.page, `failed-${who}`).catch(() => {});
      throw e;
    }
  });
}

/** Text of the visible page, without the customer data (which is Portuguese in the demo). */
const chromeText = (/** @type {import("playwright-core").Page} */ page) => page.evaluate(() => document.body.innerText);

/** What the supervisor's dashboard shows: per group (by name) each column's text; per agent (by
 * name) the status (the dot's class) and the load (conversations, without the maximum).
 * With `want`, false unless every value given there is shown (a value `NOT_NONE` matches any
 * duration: someone is waiting).
 * @param {any} want */
function dashboardState(want) {
  /** @type {{ groups: Record<string, Record<string, string>>, agents: Record<string, Record<string, string>> }} */
  const seen = { groups: {}, agents: {} };
  for (const tr of document.querySelectorAll("#dash-groups tbody tr")) {
    /** @type {Record<string, string>} */
    const row = {};
    for (const td of tr.querySelectorAll("td[data-col]")) row[/** @type {HTMLElement} */ (td).dataset.col || ""] = (td.textContent || "").trim();
    seen.groups[(tr.querySelector("th")?.textContent || "").trim()] = row;
  }
  for (const tr of document.querySelectorAll("#dash-agents tbody tr")) {
    const dot = tr.querySelector(".dot");
    seen.agents[(tr.querySelector("th")?.textContent || "").trim()] = {
      status: dot ? [...dot.classList].filter((c) => c !== "dot").join(" ") : "",
      load: (tr.querySelector("td[data-col=load]")?.textContent || "").split("/")[0].trim(),
    };
  }
  if (!want) return seen;
  for (const kind of /** @type {const} */ (["groups", "agents"])) {
    for (const [name, cols] of Object.entries(want[kind] || {})) {
      for (const [col, value] of Object.entries(/** @type {Record<string, string>} */ (cols))) {
        const shown = seen[kind][name]?.[col];
        if (value === "NOT_NONE" ? !shown || shown === "—" : shown !== value) return false;
      }
    }
  }
  return true;
}

/** The supervisor's dashboard shows `want` (see dashboardState) within 2 s, or the test fails
 * saying what it showed instead.
 * @param {string} what @param {{ groups?: Record<string, Record<string, string>>, agents?: Record<string, Record<string, string>> }} want */
async function dashboardShows(what, want) {
  const page = people.supervisor.page;
  const started = Date.now();
  try {
    await page.waitForFunction(dashboardState, want, { timeout: 2000, polling: 50 });
  } catch {
    const seen = await page.evaluate(dashboardState, null);
    assert.fail(`${what}: within 2 s the supervisor's dashboard should show ${JSON.stringify(want)}; it shows ${JSON.stringify(seen)}`);
  }
  dashboardDelays.push([what, Date.now() - started]);
}
/** How long each change took to show on the dashboard, printed at the end. @type {[string, number][]} */
const dashboardDelays = [];

let visitorChat = /** @type {Awaited<ReturnType<typeof visitor>>} */ (/** @type {unknown} */ (null));
let webConversation = 0;
/** @type {Awaited<ReturnType<typeof whatsapp>>} */
let deliverWa;

step("two agents and a supervisor log in through the start page", async () => {
  people.agent1 = await consoleAs(browser, server.base, "agent1");
  people.agent2 = await consoleAs(browser, server.base, "agent2");
  people.supervisor = await consoleAs(browser, server.base, "supervisor");
  await people.agent1.page.locator("at-conversation-list").waitFor();
  await people.agent2.page.locator("at-conversation-list").waitFor();
  // The supervisor does not answer: the dashboard is their first screen.
  await people.supervisor.page.locator("at-dashboard").waitFor();
  assert.equal(await people.supervisor.page.locator("at-conversation-list").count(), 0);
  await shot(people.agent1.page, "01-inbox-empty");
  // The console's own login (a tab without a session), in Spanish, passes axe too.
  const login = await people.agent1.context.newPage();
  await login.goto(`${server.base}/console/`);
  await login.locator("#login-lang").selectOption("es");
  await login.locator("at-login button[type=submit]", { hasText: "Entrar" }).waitFor();
  assert.deepEqual(await axe(login), [], "axe on the login");
  await shot(login, "00-login-es");
  // The choice is remembered for the whole browser: back to English for the other tabs.
  await login.locator("#login-lang").selectOption("en");
  await login.close();
});

step("a web-chat visitor waits in the queue; agent1 goes ready, sees the offer with a countdown and accepts", async () => {
  const { page } = people.agent1;
  await dashboardShows("the shift starts", { groups: { Suporte: { queued: "0", offered: "0", assigned: "0", pending: "0", longest: "—" } }, agents: { "Alice Agente": { load: "0" }, "Bruno Agente": { load: "0" } } });
  visitorChat = await visitor(server.base, server.webchat, "Vera Visitante");
  await visitorChat.say("Olá, quando chega meu pedido?");
  // Nobody is ready yet: the customer waits in the support queue, and the supervisor sees it.
  await dashboardShows("a customer waits", { groups: { Suporte: { queued: "1", offered: "0", longest: "NOT_NONE" } } });
  // The agents of the group see the queue too (asked for every 5 s), with a button to pull.
  await page.locator(".queue", { hasText: "Suporte: 1 waiting" }).getByRole("button", { name: "Pull" }).waitFor({ timeout: 6000 });
  await page.selectOption("#status-select", "ready");
  await page.locator(".dot.ready").waitFor();
  await dashboardShows("agent1 is ready", { agents: { "Alice Agente": { status: "ready" } } });
  const offer = page.locator(".offer");
  await offer.waitFor({ timeout: 5000 });
  await dashboardShows("the customer is offered to agent1", { groups: { Suporte: { queued: "0", offered: "1", longest: "—" } }, agents: { "Alice Agente": { load: "1" } } });
  assert.match(await offer.innerText(), /Vera Visitante/);
  assert.match(await offer.locator(".offer-countdown").innerText(), /Expires in \d+ s/);
  await shot(page, "02-offer");
  await offer.getByRole("button", { name: "Accept" }).click();
  await page.locator("#conv-title", { hasText: "Vera Visitante" }).waitFor();
  await dashboardShows("agent1 accepted", { groups: { Suporte: { offered: "0", assigned: "1" } }, agents: { "Alice Agente": { load: "1" } } });
  await page.locator(".msg.customer", { hasText: "quando chega meu pedido" }).waitFor();
  webConversation = Number(await page.locator(".conv-item.selected").getAttribute("data-id"));
  assert.ok(webConversation > 0);
  // The customer panel shows who it is; with no phone on record, it offers a quick registration.
  await page.locator("at-customer-panel h2", { hasText: "Vera Visitante" }).waitFor();
  const quick = page.locator("at-customer-panel .quick-registration");
  await quick.getByRole("button", { name: "Register" }).click();
  await quick.locator(".form-error", { hasText: "Enter the phone." }).waitFor();
  await quick.locator("input[name=display_name]").fill("Vera Visitante Souza");
  await quick.locator("input[name=phone]").fill("(11) 91234-5678");
  assert.deepEqual(await axe(page), [], "axe on the quick registration");
  await shot(page, "02b-quick-registration");
  await quick.getByRole("button", { name: "Register" }).click();
  await page.locator("at-customer-panel dd", { hasText: "+5511912345678" }).waitFor();
  await page.locator("at-customer-panel h2", { hasText: "Vera Visitante Souza" }).waitFor();
  await quick.waitFor({ state: "detached" });
  await page.locator(".conv-name", { hasText: "Vera Visitante Souza" }).waitFor();
});

step("a new customer message is on the agent's screen within 2 s", async () => {
  const { page } = people.agent1;
  await visitorChat.say("É o pedido 12345.");
  await page.locator(".msg.customer", { hasText: "pedido 12345" }).waitFor({ timeout: 2000 });
  // Customer text is text, never markup.
  await visitorChat.say("<img src=x onerror=\"window.pwned=1\"><b>urgente</b>");
  const raw = page.locator(".msg.customer .msg-text", { hasText: "<b>urgente</b>" });
  await raw.waitFor({ timeout: 2000 });
  assert.equal(await page.locator(".msg.customer img, .msg.customer b").count(), 0);
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).pwned), undefined);
});

step("agent1 answers with a / quick reply and a # FAQ article", async () => {
  const { page } = people.agent1;
  const input = page.locator("#composer-input");
  await input.fill("/ol");
  await input.dispatchEvent("input");
  await page.locator("#composer-suggestions [role=option]", { hasText: "/ola" }).waitFor();
  // The reply's {primeiro_nome} is the customer's first name.
  await page.locator("#composer-suggestions [role=option]", { hasText: "Olá, {primeiro_nome}!" }).waitFor();
  await input.press("Enter");
  assert.equal(await input.inputValue(), "Olá, Vera! Como posso ajudar?");
  await input.press("Enter");
  await page.locator(".msg.agent", { hasText: "Olá, Vera! Como posso ajudar?" }).waitFor();
  await input.fill("#entrega");
  await input.dispatchEvent("input");
  await page.locator("#composer-suggestions [role=option]", { hasText: "Prazo de entrega" }).waitFor();
  await input.press("Enter");
  await input.press("Enter");
  await page.locator(".msg.agent", { hasText: "Entregamos em até 5 dias úteis" }).waitFor();
  const heard = await visitorChat.heard();
  assert.ok(heard.some((b) => b.includes("Olá, Vera! Como posso ajudar?")), `the visitor got ${JSON.stringify(heard)}`);
  assert.ok(heard.some((b) => b.includes("Entregamos em até 5 dias úteis")));
});

step("agent1 attaches a file (previewed), writes a note and tags the conversation", async () => {
  const { page } = people.agent1;
  // A 1×1 PNG.
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
  await page.setInputFiles("#composer-file", { name: "comprovante.png", mimeType: "image/png", buffer: png });
  await page.locator(".msg.agent img.preview[alt='comprovante.png']").waitFor();
  await page.waitForFunction(() => /** @type {HTMLImageElement | null} */ (document.querySelector("img.preview"))?.naturalWidth === 1);
  // Audio plays in place; a file over the limit is refused before it is sent, saying why.
  await page.setInputFiles("#composer-file", { name: "recado.ogg", mimeType: "audio/ogg", buffer: Buffer.from("OggS-not-really-audio") });
  await page.locator(".msg.agent audio[aria-label='recado.ogg']").waitFor({ state: "attached" });
  await page.setInputFiles("#composer-file", { name: "video-grande.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(6 * 1024 * 1024) });
  await page.locator(".toast.error", { hasText: "video-grande.pdf is 6.0 MB; the limit is 5.0 MB." }).waitFor();
  assert.equal(await page.locator(".msg", { hasText: "video-grande.pdf" }).count(), 0);
  await page.getByRole("tab", { name: "Internal note" }).click();
  await page.locator("#composer-input").fill("Cliente pediu retorno por e-mail.");
  await page.locator("#composer-input").press("Enter");
  await page.locator(".msg.note", { hasText: "Cliente pediu retorno" }).waitFor();
  await page.getByRole("tab", { name: "Reply" }).click();
  await page.getByRole("button", { name: "Tags", exact: true }).click();
  await page.locator("dialog label.check", { hasText: "VIP" }).locator("input").check();
  await page.locator("dialog").getByRole("button", { name: "Save" }).click();
  await page.locator(".tag-row .tag", { hasText: "VIP" }).waitFor();
  // An occurrence, from the conversation's other actions.
  await page.getByRole("button", { name: "More actions" }).click();
  await page.locator(".menu").getByRole("button", { name: "Occurrence" }).click();
  const occurrence = page.locator("dialog", { hasText: "Record an occurrence" });
  await occurrence.locator("select[name=type]").selectOption({ label: "Cliente pediu retorno" });
  await occurrence.locator("textarea[name=comment]").fill("Retornar amanhã");
  await occurrence.getByRole("button", { name: "Save" }).click();
  await page.locator(".toast", { hasText: "Occurrence recorded." }).waitFor();
  await shot(page, "03-conversation");
  const violations = await axe(page);
  assert.deepEqual(violations, [], "axe on the conversation screen");
});

step("a signed WhatsApp customer writes; agent1 accepts and is asked to resume when sending while paused", async () => {
  const { page } = people.agent1;
  const admin = await Client.login(server.base, "admin");
  deliverWa = await whatsapp(admin, provider.url);
  await deliverWa("5511987650001", "Wagner WhatsApp", ["Bom dia, preciso de ajuda"]);
  const offer = page.locator(".offer", { hasText: "Wagner WhatsApp" });
  await offer.waitFor({ timeout: 5000 });
  assert.match(await offer.innerText(), /5511987650001/);
  await offer.getByRole("button", { name: "Accept" }).click();
  await page.locator("#conv-title", { hasText: "Wagner WhatsApp" }).waitFor();
  await dashboardShows("agent1 accepted the WhatsApp customer", { groups: { Suporte: { assigned: "2" } }, agents: { "Alice Agente": { load: "2" } } });
  // Pause with a reason, then try to answer.
  await page.selectOption("#status-select", "paused");
  await page.locator("dialog select[name=reason]").selectOption("Almoço");
  await page.locator("dialog").getByRole("button", { name: "Pause" }).click();
  await page.locator(".dot.paused").waitFor();
  await dashboardShows("agent1 paused", { agents: { "Alice Agente": { status: "paused", load: "2" } } });
  await page.locator("#composer-input").fill("Já vou verificar.");
  await page.locator("#composer-input").press("Enter");
  const question = page.locator("dialog", { hasText: "You are paused! Do you want to resume?" });
  await question.waitFor();
  await shot(page, "04-paused-question");
  await question.getByRole("button", { name: "Resume and send" }).click();
  await page.locator(".msg.agent", { hasText: "Já vou verificar." }).waitFor();
  await page.locator(".dot.ready").waitFor();
  await dashboardShows("agent1 resumed work", { agents: { "Alice Agente": { status: "ready" } } });
  // WhatsApp refuses the reply: the agent sees it failed, and why.
  // Waited for with its text: the list is drawn again as the delivery state arrives, and an
  // element read in the middle of that reads empty.
  const failed = page.locator(".msg.agent", { hasText: "Já vou verificar." })
    .locator(".delivery.failed", { hasText: /Failed: .*not in allowed list/ });
  await failed.waitFor({ timeout: 15000 });
  assert.match(await failed.innerText(), /Failed: .*not in allowed list/);
  // Two conversations, in arrival order.
  const names = await page.locator(".conv-name").allInnerTexts();
  assert.deepEqual(names, ["Vera Visitante Souza", "Wagner WhatsApp"]);
  // The customer panel edits the customer's record, with the attributes an admin has just added.
  await admin.call("POST", "/api/admin/client-attributes", { name: "pedido", label: "Nº do pedido" });
  await admin.call("POST", "/api/admin/client-attributes", { name: "entrega", label: "Data de entrega", value_type: "date" });
  await admin.call("POST", "/api/admin/client-attributes", { name: "vip", label: "Cliente VIP", value_type: "boolean" });
  await page.locator("at-customer-panel").getByRole("button", { name: "Edit details" }).click();
  const edit = page.locator("dialog", { hasText: "Edit details" });
  await edit.locator("input[name=display_name]").fill("Wagner W. Silva");
  await edit.locator("input[name=email]").fill("wagner@example.com");
  await edit.getByLabel("Nº do pedido").fill("98765");
  await edit.getByLabel("Data de entrega").fill("2026-12-24");
  await edit.getByLabel("Cliente VIP").selectOption({ label: "Yes" });
  assert.deepEqual(await axe(page), [], "axe on the customer's edit dialog");
  await shot(page, "04b-edit-customer");
  await edit.getByRole("button", { name: "Save" }).click();
  await page.locator("at-customer-panel h2", { hasText: "Wagner W. Silva" }).waitFor();
  await page.locator("at-customer-panel dd", { hasText: "wagner@example.com" }).waitFor();
  // Attributes read with their labels.
  const details = page.locator("at-customer-panel dl.details");
  await details.locator("dt", { hasText: "Nº do pedido" }).waitFor();
  assert.match(await details.innerText(), /Cliente VIP\s+Yes\s+Data de entrega\s+2026-12-24\s+Nº do pedido\s+98765/, "in the order of their labels");
  await page.locator(".conv-name", { hasText: "Wagner W. Silva" }).waitFor();
});

step("agent1 transfers the web-chat conversation to agent2 with a message", async () => {
  const a2 = people.agent2.page;
  await a2.selectOption("#status-select", "ready");
  await a2.locator(".dot.ready").waitFor();
  await dashboardShows("agent2 is ready", { agents: { "Bruno Agente": { status: "ready", load: "0" } } });
  const { page } = people.agent1;
  await page.locator(`.conv-item[data-id="${webConversation}"]`).click();
  await page.locator("#conv-title", { hasText: "Vera Visitante" }).waitFor();
  await page.getByRole("button", { name: "Transfer", exact: true }).click();
  const dialog = page.locator("dialog");
  const option = dialog.locator("option", { hasText: "Bruno Agente" });
  await option.waitFor({ state: "attached" });
  await dialog.locator("select[name=target]").selectOption({ label: await option.innerText() });
  await dialog.locator("textarea[name=message]").fill("Cliente VIP, pedido 12345.");
  await shot(page, "05-transfer");
  await dialog.getByRole("button", { name: "Transfer" }).click();
  await page.locator(`.conv-item[data-id="${webConversation}"]`).waitFor({ state: "detached" });
  await a2.locator(`.conv-item[data-id="${webConversation}"]`).waitFor({ timeout: 3000 });
  await dashboardShows("the transfer moved the load", { groups: { Suporte: { queued: "0", assigned: "2" } }, agents: { "Alice Agente": { load: "1" }, "Bruno Agente": { load: "1" } } });
});

step("agent2 pends, resumes and closes with a classification", async () => {
  const page = people.agent2.page;
  await page.locator(`.conv-item[data-id="${webConversation}"]`).click();
  await page.locator("#conv-title", { hasText: "Vera Visitante" }).waitFor();
  await page.locator(".msg.note", { hasText: "Cliente VIP, pedido 12345." }).waitFor();
  // Who had it and who passed it on, among the messages, as the timeline says.
  await page.locator(".msg.activity", { hasText: "Alice Agente took the conversation" }).waitFor();
  await page.locator(".msg.activity", { hasText: "Alice Agente transferred to Bruno Agente" }).waitFor();
  await page.getByRole("button", { name: "Pending", exact: true }).click();
  await page.locator(".msg.activity", { hasText: "Bruno Agente set it pending" }).waitFor();
  await page.locator(`.conv-item[data-id="${webConversation}"] .pill.pending`).waitFor();
  await dashboardShows("agent2 set it pending", { groups: { Suporte: { pending: "1", assigned: "1" } }, agents: { "Bruno Agente": { load: "0" } } });
  await page.getByRole("button", { name: "Resume", exact: true }).click();
  await page.locator(".msg.activity", { hasText: "Bruno Agente resumed it" }).waitFor();
  await page.locator(`.conv-item[data-id="${webConversation}"] .pill.pending`).waitFor({ state: "detached" });
  await dashboardShows("agent2 resumed it", { groups: { Suporte: { pending: "0", assigned: "2" } }, agents: { "Bruno Agente": { load: "1" } } });
  await page.getByRole("button", { name: "Close", exact: true }).click();
  const dialog = page.locator("dialog", { hasText: "Close the conversation" });
  await dialog.waitFor();
  // The group requires a classification: closing without one is refused in the dialog.
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.locator(".form-error", { hasText: "Choose the classification to close." }).waitFor();
  await dialog.locator("#close-reason").selectOption({ label: "Dúvida" });
  await dialog.locator("#close-sub").selectOption({ label: "Entrega" });
  await dialog.locator("textarea[name=comment]").fill("Prazo informado.");
  await dialog.locator("label.check", { hasText: "Yes" }).locator("input").check();
  assert.deepEqual(await axe(page), [], "axe on the close dialog");
  await shot(page, "06-close-dialog");
  await dialog.getByRole("button", { name: "Close" }).click();
  await page.locator(`.conv-item[data-id="${webConversation}"]`).waitFor({ state: "detached" });
  await dashboardShows("agent2 closed it", { groups: { Suporte: { pending: "0", assigned: "1" } }, agents: { "Alice Agente": { load: "1" }, "Bruno Agente": { load: "0" } } });
  const agent2 = await Client.login(server.base, "agent2");
  const detail = await agent2.call("GET", `/api/inbox/clients/${(await (await Client.login(server.base, "admin")).call("GET", `/api/inbox/conversations/${webConversation}`)).conversation.client_id}`);
  assert.ok(detail.protocols.some((/** @type {any} */ p) => p.id === webConversation && p.status === "closed"));
});

step("the supervisor's screens: the dashboard updates (or says the reports are not there yet), history", async () => {
  const page = people.supervisor.page;
  const probe = await fetch(`${server.base}/api/reports/dashboard`);
  if (probe.status === 404) {
    await page.locator("#dash-updated", { hasText: "Not available yet on this server." }).waitFor();
  } else {
    await page.locator("#dash-agents").waitFor({ timeout: 2000 });
    await page.locator("#dash-agents tr", { hasText: "Alice Agente" }).waitFor({ timeout: 2000 });
    // agent1 pauses: the supervisor sees it within 2 s.
    const a1 = people.agent1.page;
    await a1.selectOption("#status-select", "paused");
    await a1.locator("dialog select[name=reason]").selectOption("Treinamento");
    await a1.locator("dialog").getByRole("button", { name: "Pause" }).click();
    await page.locator("#dash-agents tr", { hasText: "Treinamento" }).waitFor({ timeout: 2000 });
  }
  assert.deepEqual(await axe(page), [], "axe on the dashboard");
  await shot(page, "07-dashboard");
  await page.getByRole("button", { name: "History" }).click();
  await page.locator("at-history form.filters").waitFor();
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("at-history .results :is(table, p)").first().waitFor();
  if (probe.status !== 404) {
    // The closed conversation is in the history, classified, with its transcript.
    const row = page.locator("at-history tbody tr", { hasText: "Vera Visitante" });
    await row.waitFor();
    assert.match(await row.innerText(), /Dúvida/);
    await row.getByRole("button", { name: "Transcript" }).click();
    await page.locator("dialog .msg.agent", { hasText: "Olá, Vera! Como posso ajudar?" }).waitFor();
    await page.locator("dialog").getByRole("button", { name: "Close" }).click();
  }
  assert.deepEqual(await axe(page), [], "axe on the history screen");
  await shot(page, "08-history");
});

step("in es and en every label is translated", async () => {
  const { page, problems } = people.agent1;
  await page.locator(".conv-item").first().click();
  await page.locator("at-composer").waitFor();
  for (const lang of /** @type {const} */ (["es", "en"])) {
    await page.selectOption("#lang-select", lang);
    await page.locator(`html[lang="${lang}"]`).waitFor({ state: "attached" });
    await page.locator("at-composer").waitFor();
    const text = await chromeText(page);
    assert.ok(!text.includes("⟦"), `untranslated label in ${lang}: ${text}`);
    // Labels come from this language's dictionary, not Portuguese.
    const dict = MESSAGES[lang];
    for (const key of ["conv.transfer", "conv.close", "compose.send", "list.title"]) {
      assert.ok(text.includes(dict[key]) || (await page.locator(`[aria-label="${dict[key]}"]`).count()) > 0, `${lang}: ${key}`);
    }
    for (const pt of ["Encerrar", "Conversas", "Enviar", "Resposta"]) {
      if (Object.values(dict).some((v) => v.includes(pt))) continue;
      assert.ok(!text.includes(pt), `${lang}: "${pt}" is Portuguese`);
    }
    await shot(page, `09-console-${lang}`);
  }
  assert.deepEqual(problems, []);
});

step("works at tablet width (768 px): the customer panel opens on demand", async () => {
  const { page } = people.agent1;
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.locator("at-composer").waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
  assert.ok(!(await page.locator("at-customer-panel aside").isVisible()));
  await page.getByRole("button", { name: "Customer panel" }).click();
  await page.locator("at-customer-panel aside").waitFor({ state: "visible" });
  await shot(page, "10-tablet-panel");
  await page.locator("at-customer-panel").getByRole("button", { name: "Close" }).click();
  await shot(page, "11-tablet");
  assert.deepEqual(await axe(page), [], "axe at tablet width");
  await page.setViewportSize({ width: 1280, height: 720 });
});

step("the console backs off when the server is unreachable and resumes from its cursor", async () => {
  const { page, context } = people.agent1;
  await context.route("**/api/inbox/events*", (route) => route.abort("connectionrefused"));
  await page.locator("#net-banner", { hasText: "The server is unreachable" }).waitFor({ timeout: 5000 });
  await shot(page, "12-offline");
  // While the console cannot reach the server, the WhatsApp customer writes again.
  await deliverWa("5511987650001", "Wagner WhatsApp", ["Ainda estou aguardando"]);
  await context.unroute("**/api/inbox/events*");
  await page.locator("#net-banner").waitFor({ state: "hidden", timeout: 10000 });
  await page.locator(".conv-item", { hasText: "Ainda estou aguardando" }).waitFor({ timeout: 3000 });
});

step("keyboard: Alt+number and Alt+arrows switch conversations; Enter accepts, sends; Shift+Enter breaks the line", async () => {
  const a2 = people.agent2.page;
  // agent1 pauses, so agent2 takes the next two web-chat visitors, accepting with the keyboard.
  const agent1 = await Client.login(server.base, "agent1");
  await agent1.call("PUT", "/api/inbox/status", { status: "paused", reason: "Almoço" });
  for (const name of ["Xavier Teclado", "Yara Teclado"]) {
    const v = await visitor(server.base, server.webchat, name);
    await v.say("Bom dia");
    const offer = a2.locator(".offer", { hasText: name });
    await offer.waitFor({ timeout: 5000 });
    await offer.getByRole("button", { name: "Accept" }).focus();
    await a2.keyboard.press("Enter");
    await a2.locator("#conv-title", { hasText: name }).waitFor();
  }
  assert.deepEqual(await a2.locator(".conv-name").allInnerTexts(), ["Xavier Teclado", "Yara Teclado"]);
  await a2.keyboard.press("Alt+1");
  await a2.locator("#conv-title", { hasText: "Xavier Teclado" }).waitFor();
  await a2.keyboard.press("Alt+ArrowDown");
  await a2.locator("#conv-title", { hasText: "Yara Teclado" }).waitFor();
  await a2.keyboard.press("Alt+ArrowUp");
  await a2.locator("#conv-title", { hasText: "Xavier Teclado" }).waitFor();
  await a2.locator("#composer-input").focus();
  await a2.keyboard.type("Bom dia, Xavier!");
  await a2.keyboard.press("Shift+Enter");
  await a2.keyboard.type("Em que posso ajudar?");
  await a2.keyboard.press("Enter");
  await a2.locator(".msg.agent", { hasText: "Em que posso ajudar?" }).waitFor();
  assert.equal(await a2.locator(".msg.agent .msg-text").last().textContent(), "Bom dia, Xavier!\nEm que posso ajudar?");
});

step("a customer back on another channel: a closed protocol of mine reopens as a new one from the panel", async () => {
  const a2 = people.agent2.page;
  // Zeca writes on WhatsApp; agent2 (the only one ready) closes it.
  await deliverWa("5511955550001", "Zeca Cliente", ["Quero cancelar"]);
  const offer = a2.locator(".offer", { hasText: "Zeca Cliente" });
  await offer.waitFor({ timeout: 5000 });
  await offer.getByRole("button", { name: "Accept" }).click();
  await a2.locator("#conv-title", { hasText: "Zeca Cliente" }).waitFor();
  await a2.getByRole("button", { name: "Close", exact: true }).click();
  const dialog = a2.locator("dialog", { hasText: "Close the conversation" });
  await dialog.locator("#close-reason").selectOption({ label: "Elogio" });
  await dialog.getByRole("button", { name: "Close" }).click();
  await a2.locator(".conv-item", { hasText: "Zeca Cliente" }).waitFor({ state: "detached" });
  // The same person, by phone, on the site's chat.
  const zeca = await visitor(server.base, server.webchat, "Zeca Cliente", "+5511955550001");
  await zeca.say("Mudei de ideia");
  const again = a2.locator(".offer", { hasText: "Zeca Cliente" });
  await again.waitFor({ timeout: 5000 });
  await again.getByRole("button", { name: "Accept" }).click();
  await a2.locator("#conv-title", { hasText: "Zeca Cliente" }).waitFor();
  const closed = a2.locator("at-customer-panel .history li", { hasText: "WA" });
  await closed.getByRole("button", { name: "New protocol" }).click();
  // Once a WhatsApp protocol is open, the closed one no longer offers another (it would be refused).
  await a2.locator("at-customer-panel .history li", { hasText: "Closed" }).first().waitFor();
  await a2.locator("at-customer-panel .history").getByRole("button", { name: "New protocol" }).waitFor({ state: "detached" });
  // A new WhatsApp protocol, mine, opened and selected.
  await a2.locator(".conv-item.selected .channel-whatsapp").waitFor();
  assert.equal(await a2.locator(".conv-item", { hasText: "Zeca Cliente" }).count(), 2);
  // It has no messages yet, and says so rather than showing a blank pane.
  await a2.locator("ol.messages:empty").waitFor();
  assert.equal(await a2.locator("ol.messages").evaluate((el) => getComputedStyle(el, "::before").content), `"${MESSAGES.en["conv.no_messages"]}"`);
});

step("the supervisor moves an open conversation of their operation from agent2 to agent1", async () => {
  const a1 = people.agent1.page;
  await a1.selectOption("#status-select", "ready");
  await a1.locator(".dot.ready").waitFor();
  const page = people.supervisor.page;
  await page.getByRole("button", { name: "Dashboard" }).click();
  await dashboardShows("agent1 is back", { agents: { "Alice Agente": { status: "ready", load: "1" }, "Bruno Agente": { load: "4" } } });
  await page.getByRole("button", { name: "History" }).click();
  await page.locator("at-history label.check", { hasText: "Include open ones" }).locator("input").check();
  await page.getByRole("button", { name: "Search" }).click();
  const row = page.locator("at-history tbody tr", { hasText: "Xavier Teclado" });
  assert.match(await row.innerText(), /In service/);
  await row.getByRole("button", { name: "Transfer" }).click();
  const dialog = page.locator("dialog", { hasText: "Transfer" });
  const option = dialog.locator("option", { hasText: "Alice Agente" });
  await option.waitFor({ state: "attached" });
  await dialog.locator("select[name=target]").selectOption({ label: await option.innerText() });
  await dialog.locator("textarea[name=message]").fill("Redistribuindo a fila.");
  await shot(page, "13-supervisor-transfer");
  assert.deepEqual(await axe(page), [], "axe on the supervisor's transfer dialog");
  await dialog.getByRole("button", { name: "Transfer" }).click();
  await page.locator(".toast", { hasText: "Conversation transferred." }).waitFor();
  await a1.locator(".conv-item", { hasText: "Xavier Teclado" }).waitFor({ timeout: 3000 });
  await people.agent2.page.locator(".conv-item", { hasText: "Xavier Teclado" }).waitFor({ state: "detached", timeout: 3000 });
  await page.getByRole("button", { name: "Dashboard" }).click();
  await dashboardShows("the supervisor's transfer moved the load", { agents: { "Alice Agente": { load: "2" }, "Bruno Agente": { load: "3" } } });
});

step("the supervisor changes their own name, colour and language in the profile", async () => {
  const page = people.supervisor.page;
  await page.locator("button.avatar").click();
  const dialog = page.locator("dialog", { hasText: "My profile" });
  await dialog.locator("input[name=display_name]").fill("Sérgio S. Supervisor");
  await dialog.locator("input[name=colour]").fill("#2f855a");
  await dialog.locator("select[name=lang]").selectOption("es");
  await dialog.getByRole("button", { name: "Save" }).click();
  await page.locator("button.avatar[title='Sérgio S. Supervisor']").waitFor();
  await page.locator("html[lang=es]").waitFor({ state: "attached" });
  assert.equal(await page.locator("button.avatar").evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(47, 133, 90)");
  const me = await (await Client.login(server.base, "supervisor")).call("GET", "/api/auth/me");
  assert.equal(me.user.display_name, "Sérgio S. Supervisor");
  assert.equal(me.user.language, "es");
});

step("no page errors, no missing translations, nothing refused by the content security policy", async () => {
  // The policy was in force: an inline script does not run in the console.
  const probe = await people.agent1.context.newPage();
  await probe.goto(`${server.base}/console/`);
  const inline = await probe.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.inlineRan = true";
    document.head.append(s);
    return /** @type {any} */ (window).inlineRan === true;
  });
  await probe.close();
  assert.equal(inline, false, "an inline script ran: no content security policy");
  for (const [who, p] of Object.entries(people)) assert.deepEqual(p.problems, [], who);
});
