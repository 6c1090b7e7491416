// The console's budget, measured in Chromium against `atende --demo` on loopback: the first
// load (under 1 s, under 300 KB transferred) and a 2,000-message conversation that opens and
// scrolls back to its first message without freezing the page. The numbers are printed
// (and written to docs/performance.md by hand).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client, launch, shot, startAtende, whatsapp } from "./harness.js";

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

/** A fresh page whose session is agent1's (as after the start page's login). */
async function agentPage() {
  const agent = await Client.login(server.base, "agent1");
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript((token) => sessionStorage.setItem("atende.session", JSON.stringify({ tenant: "", token })), agent.token);
  const page = await context.newPage();
  return { page, context, agent };
}

/** Navigation start to the console's mark (set when the login form is drawn, or when the
 * inbox has its data and polls the feed), and the bytes every request transferred.
 * @param {import("playwright-core").Page} page @param {string} mark */
async function load(page, mark) {
  await page.goto(`${server.base}/console/`);
  await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark);
  return page.evaluate((m) => {
    const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
    return {
      ms: Math.round(performance.getEntriesByName(m)[0].startTime),
      bytes: entries.reduce((sum, e) => sum + (/** @type {PerformanceResourceTiming} */ (e).transferSize || 0), 0),
      requests: entries.length,
    };
  }, mark);
}

test("first load of the console: under 1 s and 300 KB, logged out and logged in", async () => {
  const anonymous = await browser.newContext();
  const login = await load(await anonymous.newPage(), "atende:login");
  await anonymous.close();
  const { page, context } = await agentPage();
  // Ready: the lists, status and offers are in, and the change feed is being polled.
  const inbox = await load(page, "atende:ready");
  await context.close();
  console.log(`PERF first-load login: ${login.ms} ms, ${login.bytes} bytes, ${login.requests} requests`);
  console.log(`PERF first-load inbox: ${inbox.ms} ms, ${inbox.bytes} bytes, ${inbox.requests} requests`);
  for (const m of [login, inbox]) {
    assert.ok(m.ms < 1000, `${m.ms} ms`);
    assert.ok(m.bytes < 300 * 1024, `${m.bytes} bytes`);
  }
});

test("a 2,000-message conversation opens at its end and scrolls back to its start without freezing", async () => {
  const admin = await Client.login(server.base, "admin");
  const deliver = await whatsapp(admin);
  const texts = Array.from({ length: 2000 }, (_, i) => `mensagem ${i + 1} do cliente`);
  for (let i = 0; i < texts.length; i += 200) await deliver("5511900002000", "Longa Conversa", texts.slice(i, i + 200));
  const { page, context, agent } = await agentPage();
  const groups = await agent.call("GET", "/api/inbox/queues");
  const support = groups.items.find((/** @type {any} */ q) => q.name === "Suporte");
  const pulled = await agent.call("POST", `/api/inbox/queues/${support.group_id}/pull`, {});
  await page.goto(`${server.base}/console/`);
  await page.locator(`.conv-item[data-id="${pulled.id}"]`).waitFor();
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.tasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) w.tasks.push(e.duration); })
      .observe({ type: "longtask", buffered: false });
  });

  const opening = Date.now();
  await page.locator(`.conv-item[data-id="${pulled.id}"]`).click();
  await page.locator(".msg.customer", { hasText: "mensagem 2000 do cliente" }).waitFor();
  const openMs = Date.now() - opening;

  const scrolling = Date.now();
  let pages = 0;
  // The checks read textContent and counts only: innerText would lay out every message and
  // charge the test's own work to the page.
  const reachedStart = () => page.evaluate(() => [...document.querySelectorAll(".msg.customer .msg-text")]
    .some((el) => el.textContent === "mensagem 1 do cliente"));
  while (!(await reachedStart())) {
    const before = await page.evaluate(() => document.querySelectorAll(".msg").length);
    await page.locator(".scroller").evaluate((el) => { el.scrollTop = 0; });
    await page.waitForFunction((n) => document.querySelectorAll(".msg").length > n, before);
    pages++;
    assert.ok(pages < 60, "paging back never reached the first message");
  }
  const scrollMs = Date.now() - scrolling;
  /** @type {number[]} */
  const tasks = (await page.evaluate(() => /** @type {any} */ (window).tasks)).sort((/** @type {number} */ a, /** @type {number} */ b) => a - b);
  const longest = tasks.length ? tasks[tasks.length - 1] : 0;
  const p90 = tasks.length ? tasks[Math.floor(tasks.length * 0.9)] : 0;
  const shown = await page.evaluate(() => document.querySelectorAll(".msg:not(.activity)").length);
  await shot(page, "perf-long-conversation-start");
  await context.close();
  console.log(`PERF long-conversation: open ${openMs} ms; ${pages} pages back to message 1 in ${scrollMs} ms (${Math.round(scrollMs / pages)} ms a page); ${tasks.length} tasks over 50 ms, 90th percentile ${Math.round(p90)} ms, longest ${Math.round(longest)} ms; ${shown} messages in the DOM`);
  assert.ok(openMs < 1000, `opening took ${openMs} ms`);
  assert.equal(shown, 2000);
  // Work that grew with the conversation would block on every page back. Long tasks are
  // wall-clock, so on a CPU shared with compilers one of them can stretch while the renderer
  // waits for a core: the budget is on the 90th percentile (about 100 ms on a quiet machine).
  assert.ok(p90 < 250, `pages back block the page for ${Math.round(p90)} ms (90th percentile of ${JSON.stringify(tasks.map(Math.round))})`);
});
