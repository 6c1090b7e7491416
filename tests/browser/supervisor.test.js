// The supervisor's screens drawn from the reports API's agreed shapes (the contracts of issue
// 15), served by the browser whether or not this server has the reports routes, so the
// drawing is checked against known numbers; the shift test covers the real routes where the
// server has them.

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

/** @param {number} queued @param {string} status */
const dashboard = (queued, status) => ({
  groups: [{ group_id: 4, name: "Suporte", bot: 1, queued, offered: 1, assigned: 3, pending: 0, longest_wait_seconds: 95 }],
  agents: [
    { user_id: 4, display_name: "Alice Agente", status, pause_reason: status === "paused" ? "Almoço" : null, load: 2, max_concurrent: 5 },
    { user_id: 5, display_name: "Bruno Agente", status: "ready", pause_reason: null, load: 1, max_concurrent: 5 },
  ],
  totals: { bot: 1, queued, offered: 1, assigned: 3, pending: 0 },
});

test("the dashboard follows the reports API within 2 s; history pages, filters and shows a transcript", async () => {
  const { page, context, problems } = await consoleAs(browser, server.base, "supervisor");
  let current = dashboard(2, "ready");
  await context.route("**/api/reports/dashboard", (route) => route.fulfill({ json: current }));
  /** @type {string[]} */
  const historyQueries = [];
  await context.route("**/api/reports/history?*", (route) => {
    const url = new URL(route.request().url());
    historyQueries.push(url.search);
    const second = url.searchParams.get("cursor") === "next-1";
    route.fulfill({ json: {
      items: [{ id: second ? 2 : 1, protocol: second ? "IG00000000002" : "WC00000000001", channel: second ? "instagram" : "webchat",
        client_name: second ? "Wagner" : "Vera", phone: null, agent_id: 5, agent_name: "Bruno Agente", group_id: 4, group_name: "Suporte",
        status: "closed", started_at: "2026-11-29T10:00:00Z", closed_at: "2026-11-29T10:20:00Z", waiting_seconds: 30, handling_seconds: 1200,
        classification: ["Dúvida", "Entrega"], resolved: true, survey_score: null }],
      next: second ? null : "next-1",
    } });
  });
  await context.route("**/api/reports/conversations/1", (route) => route.fulfill({ json: {
    conversation: { id: 1, protocol: "WC00000000001" },
    messages: [
      { id: 1, role: "customer", sender_name: "Vera", kind: "text", body: "Quando chega?", attachment_id: null, created_at: "2026-11-29T10:00:00Z" },
      { id: 2, role: "agent", sender_name: "Bruno Agente", kind: "text", body: "Em 5 dias úteis.", attachment_id: null, created_at: "2026-11-29T10:01:00Z" },
    ],
    timeline: [], survey_answers: [],
  } }));

  await page.reload();
  await page.locator("#dash-groups tr[data-group='4'] td[data-col='queued']", { hasText: "2" }).waitFor();
  // The skip link leads to the screen a supervisor has (there is no conversation here).
  const skip = page.locator("a.skip");
  assert.equal(await skip.getAttribute("href"), "#content");
  assert.equal(await page.locator("#content").count(), 1);
  await skip.focus();
  await skip.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "content");
  assert.match(await page.locator("#dash-groups tr[data-group='4']").innerText(), /1 min/);
  current = dashboard(5, "paused");
  await page.locator("#dash-groups tr[data-group='4'] td[data-col='queued']", { hasText: "5" }).waitFor({ timeout: 2000 });
  await page.locator("#dash-agents tr[data-agent='4']", { hasText: "Paused: Almoço" }).waitFor({ timeout: 2000 });
  assert.equal(await page.locator(".kpi[data-kpi='queued'] .kpi-value").innerText(), "5");
  assert.deepEqual(await axe(page), []);
  await shot(page, "supervisor-dashboard");

  await page.getByRole("button", { name: "History" }).click();
  await page.locator("#hist-group option", { hasText: "Suporte" }).waitFor({ state: "attached" });
  await page.locator("#hist-group").selectOption({ label: "Suporte" });
  await page.getByLabel("Protocol").fill("WC00000000001");
  // The free-text filter says what it searches.
  await page.getByLabel("Messages containing").fill("entrega");
  await page.getByRole("button", { name: "Search" }).click();
  await page.locator("at-history tbody tr", { hasText: "WC00000000001" }).waitFor();
  // Opening the screen searched the last week straight away; then the filters chosen.
  assert.match(historyQueries[0], /from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d$/);
  const searched = historyQueries[historyQueries.length - 1];
  assert.match(searched, /group_id=\d+/);
  assert.match(searched, /protocol=WC00000000001/);
  assert.match(searched, /text=entrega/);
  assert.match(await page.locator("at-history tbody tr").first().innerText(), /Dúvida › Entrega/);
  await page.getByRole("button", { name: "More results" }).click();
  // An Instagram conversation reads as one (the console had no name for the channel).
  await page.locator("at-history tbody tr", { hasText: "IG00000000002" }).getByRole("cell", { name: "Instagram", exact: true }).waitFor();
  assert.ok(await page.locator("at-history select[name=channel] option[value=instagram]").count(), "Instagram is a channel to filter by");
  assert.equal(await page.getByRole("button", { name: "More results" }).count(), 0);
  await page.locator("at-history tbody tr", { hasText: "WC00000000001" }).getByRole("button", { name: "Transcript" }).click();
  // The agent's reply shows who sent it (waited for, not read once: the dialog may still be
  // filling in when the text first appears).
  await page.locator("dialog .msg.agent", { hasText: "Em 5 dias úteis." }).filter({ hasText: "Bruno Agente" }).waitFor();
  await shot(page, "supervisor-transcript");
  assert.deepEqual(await axe(page), []);
  // One way out of the transcript (not a "Cancel" beside a "Close" that did the same).
  assert.equal(await page.locator("dialog").getByRole("button", { name: "Cancel" }).count(), 0);
  await page.locator("dialog").getByRole("button", { name: "Close" }).click();
  // A server without exports: said so, not a broken download.
  await context.route("**/api/reports/history.csv?*", (route) => route.fulfill({ status: 404, json: { error: { code: "not_found", message: "no route" } } }));
  await page.getByRole("button", { name: "Export CSV" }).click();
  await page.locator(".toast", { hasText: "Not available yet on this server." }).waitFor();

  // Service level, productivity and surveys for a period.
  await context.route("**/api/reports/service-level?*", (route) => route.fulfill({ json: { from: "", to: "", groups: [
    { group_id: 4, group_name: "Suporte", volume: 40, answered: 36, abandoned: 4, avg_wait_seconds: 75, avg_first_response_seconds: 130,
      avg_handling_seconds: 600, sla_minutes: 5, within_sla: 30, within_sla_percent: 83.3, transfers: 2 }] } }));
  await context.route("**/api/reports/productivity?*", (route) => route.fulfill({ json: { from: "", to: "", agents: [
    { agent_id: 4, display_name: "Alice Agente", handled: 21, avg_handling_seconds: 540, transfers: 1, ready_seconds: 25200, paused_seconds: 3600,
      paused_by_reason: { "Almoço": 3600 }, offline_seconds: 0 }] } }));
  await context.route("**/api/reports/surveys?*", (route) => route.fulfill({ json: { from: "", to: "",
    csat: { answers: 10, distribution: [], satisfied: 9, score: 90 }, nps: { answers: 8, promoters: 5, passives: 2, detractors: 1, score: 50 },
    open_answers: [{ conversation_id: 1, protocol: "WC00000000001", question: 2, text: "Entrega atrasou, mas o atendimento foi ótimo", group_id: 4, agent_id: 5, answered_at: "2026-11-29T10:25:00Z" }] } }));
  await page.getByRole("button", { name: "Reports" }).click();
  await page.locator("#rep-sl tbody tr", { hasText: "Suporte" }).waitFor();
  assert.match(await page.locator("#rep-sl tbody tr").innerText(), /40\s+36\s+4\s+1 min\s+2 min\s+10 min\s+83%\s+2/);
  assert.match(await page.locator("#rep-prod tbody tr").innerText(), /Alice Agente\s+21\s+9 min\s+1\s+7 h\s+1 h/);
  await page.locator("#rep-surveys .kpi", { hasText: "CSAT" }).getByText("90%").waitFor();
  await page.locator("#rep-surveys .kpi", { hasText: "NPS" }).getByText("50", { exact: true }).waitFor();
  // What the customers wrote, with the protocol to look it up.
  assert.match(await page.locator("#rep-surveys tbody tr").innerText(), /WC00000000001\s+.+\s+Entrega atrasou, mas o atendimento foi ótimo/);
  assert.deepEqual(await axe(page), []);
  await shot(page, "supervisor-reports");
  assert.deepEqual(problems, []);
  await context.close();
});

test("on a 768 px tablet the history's table scrolls on its own, under filters that stay in place", async () => {
  const agent = await Client.login(server.base, "agent1");
  await agent.call("PUT", "/api/inbox/status", { status: "ready" });
  const customer = await visitor(server.base, server.webchat, "Túlio Tablet");
  await customer.say("Oi");
  const id = await agent.acceptOffer("agent1");
  await agent.call("POST", `/api/inbox/conversations/${id}/close`, { reason_id: 1, sub_reason_id: 2, resolved: true });

  const { page, problems } = await consoleAs(browser, server.base, "supervisor", "en-US", { width: 768, height: 900 });
  await page.getByRole("button", { name: "History" }).click();
  await page.locator("at-history tbody tr", { hasText: "Túlio Tablet" }).waitFor();
  const sizes = await page.evaluate(() => {
    const results = /** @type {HTMLElement} */ (document.querySelector("at-history .results"));
    const screen = /** @type {HTMLElement} */ (document.querySelector("at-history"));
    return { table: results.scrollWidth - results.clientWidth, screen: screen.scrollWidth - screen.clientWidth };
  });
  assert.ok(sizes.table > 0, "the table is wider than the screen");
  assert.equal(sizes.screen, 0, "the screen itself does not scroll sideways");
  await page.locator("at-history .results").evaluate((r) => { r.scrollLeft = r.scrollWidth; });
  await page.getByRole("button", { name: "Transcript" }).click();
  await page.getByRole("dialog").locator(".msg.customer", { hasText: "Oi" }).waitFor();
  assert.ok(await page.getByRole("button", { name: "Search" }).isVisible(), "the filters stayed where they were");
  assert.deepEqual(problems, []);
});
