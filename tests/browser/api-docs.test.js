// The API reference at /api/docs renders every operation of the document, grouped by tag.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { axe, launch, shot, startAtende } from "./harness.js";

/** @type {Awaited<ReturnType<typeof startAtende>>} */
let atende;
/** @type {import("playwright-core").Browser} */
let browser;

before(async () => {
  atende = await startAtende();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await atende?.stop();
});

test("the API reference lists every operation of the document by tag, with its schemas", async () => {
  const doc = await (await fetch(`${atende.base}/api/openapi.json`)).json();
  const operations = Object.values(doc.paths).flatMap((item) => Object.keys(item)).length;
  const tags = new Set(Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.tags[0])));

  const page = await browser.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // Browsers ask for /favicon.ico on their own; Atende has none.
  page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) errors.push(`${r.status()} ${r.url()}`); });
  await page.goto(`${atende.base}/`);
  await page.click('a[href="/api/docs"]');
  await page.waitForSelector("details.operation");
  assert.equal(await page.locator("details.operation").count(), operations);
  assert.equal(await page.locator("nav#tags a").count(), tags.size);

  const login = page.locator("details.operation", { hasText: "/api/auth/login" }).first();
  await login.locator("summary").click();
  await assert.doesNotReject(login.getByText("username", { exact: true }).first().waitFor());
  await assert.doesNotReject(login.getByText("too_many_attempts", { exact: false }).first().waitFor());
  await login.scrollIntoViewIfNeeded();
  await shot(page, "api-docs-login");

  // The bot's close takes an empty body.
  const close = page.locator("details.operation", { hasText: "/api/bot/conversations/{id}/close" }).first();
  await close.locator("summary").click();
  await assert.doesNotReject(close.getByText("Optional (the body may be empty)").waitFor());

  await page.fill("#filter", "widget messages");
  const shown = await page.locator("details.operation:visible").count();
  assert.ok(shown >= 2 && shown < operations, `${shown} shown`);
  // Only the tags that still have an operation stay, on the page and in the list of tags.
  const left = await page.locator("section.tag:visible h2").allTextContents();
  assert.deepEqual(left, ["channels"]);
  assert.deepEqual(await page.locator("#tags a:visible").allTextContents(), ["channels (17)"]);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "api-docs");
  assert.deepEqual(errors, []);
  assert.deepEqual(await axe(page), []);
});
