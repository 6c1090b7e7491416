// The customer panel of a customer known only by their Telegram chat: the quick registration of
// name and phone, then the attributes an admin defines, filled in and refused with the reason.
// And the panel following the open conversation: its message count and last contact move with
// the customer's messages and the agent's answers, with nothing clicked.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { axe, Client, consoleAs, launch, shot, startAtende, telegram, whatsapp } from "./harness.js";

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

test("a Telegram customer is registered with name and phone, and their attributes filled in", async () => {
  const admin = await Client.login(server.base, "admin");
  const deliver = await telegram(admin);
  await admin.call("POST", "/api/admin/client-attributes", { name: "limite", label: "Limite de crédito", value_type: "number" });
  const { page, problems } = await consoleAs(browser, server.base, "agent3");
  await page.selectOption("#status-select", "ready");
  await page.locator(".dot.ready").waitFor();
  await deliver(880001, "Joca", "Oi, quero atualizar meu cadastro");
  const offer = page.locator(".offer", { hasText: "Joca" });
  await offer.waitFor({ timeout: 5000 });
  await offer.getByRole("button", { name: "Accept" }).click();
  await page.locator("#conv-title", { hasText: "Joca" }).waitFor();

  // Known only by the chat: no phone or e-mail on the panel, and the quick registration offered.
  const panel = page.locator("at-customer-panel");
  const quick = panel.locator(".quick-registration");
  await quick.waitFor();
  assert.equal(await panel.locator("dl.details dt").count(), 0);
  await quick.locator("input[name=display_name]").fill("Joaquim Carvalho");
  // A wrong phone is refused with the server's reason, in the form.
  await quick.locator("input[name=phone]").fill("12345");
  await quick.getByRole("button", { name: "Register" }).click();
  await quick.locator(".form-error", { hasText: "phone" }).waitFor();
  await quick.locator("input[name=phone]").fill("+55 21 99876-5432");
  assert.deepEqual(await axe(page), [], "axe on the quick registration");
  await shot(page, "customer-quick-registration");
  await quick.getByRole("button", { name: "Register" }).click();
  await page.locator(".toast", { hasText: "Customer registered." }).waitFor();
  await panel.locator("h2", { hasText: "Joaquim Carvalho" }).waitFor();
  await panel.locator("dd", { hasText: "+5521998765432" }).waitFor();
  await quick.waitFor({ state: "detached" });
  await page.locator(".conv-name", { hasText: "Joaquim Carvalho" }).waitFor();

  // The same chat writes again: still this customer and this conversation.
  await deliver(880001, "Joca", "Obrigado!");
  await page.locator(".msg.customer", { hasText: "Obrigado!" }).waitFor({ timeout: 2000 });
  assert.equal(await page.locator(".conv-item").count(), 1);

  // A number attribute: a wrong value is refused saying why; a right one is kept, normalised.
  await panel.getByRole("button", { name: "Edit details" }).click();
  let edit = page.locator("dialog", { hasText: "Edit details" });
  await edit.getByLabel("Limite de crédito").fill("muito");
  await edit.getByRole("button", { name: "Save" }).click();
  await page.locator(".toast.error", { hasText: "must be a number" }).waitFor();
  await panel.getByRole("button", { name: "Edit details" }).click();
  edit = page.locator("dialog", { hasText: "Edit details" });
  await edit.getByLabel("Limite de crédito").fill("1500,50");
  await edit.getByRole("button", { name: "Save" }).click();
  await page.locator(".toast", { hasText: "Details saved." }).waitFor();
  await panel.locator("dl.details dt", { hasText: "Limite de crédito" }).waitFor();
  assert.match(await panel.locator("dl.details").innerText(), /Limite de crédito\s+1500\.5/);
  await shot(page, "customer-attributes");

  const client = (await admin.call("GET", "/api/admin/clients?q=Joaquim")).items[0];
  assert.equal(client.phone, "+5521998765432");
  assert.deepEqual(client.attributes, { limite: "1500.5" });
  assert.deepEqual(problems, []);
});

test("the customer panel counts the open conversation's messages and its last contact as they come", async () => {
  const admin = await Client.login(server.base, "admin");
  // agent3 is still ready from the test before (its console stays open): the customers below
  // are to be offered to the agents this test watches, whatever the group's rotation says.
  await (await Client.login(server.base, "agent3")).call("PUT", "/api/inbox/status", { status: "offline" });
  const deliver = await whatsapp(admin);
  for (const [lang, agent, phone, name, accept] of [
    ["pt-BR", "agent4", "5511977776666", "Paula Painel", "Aceitar"],
    ["en-US", "agent2", "5511977775555", "Peter Panel", "Accept"],
  ]) {
    // The round before left its agent ready.
    for (const other of ["agent2", "agent4"]) if (other !== agent) await (await Client.login(server.base, other)).call("PUT", "/api/inbox/status", { status: "offline" });
    const { page, context, problems } = await consoleAs(browser, server.base, agent, lang);
    await page.selectOption("#status-select", "ready");
    await page.locator(".dot.ready").waitFor();
    await deliver(phone, name, ["Oi, preciso de ajuda"]);
    const offer = page.locator(".offer", { hasText: name });
    await offer.waitFor({ timeout: 5000 });
    await offer.getByRole("button", { name: accept }).click();
    await page.locator("#conv-title", { hasText: name }).waitFor();
    const panel = page.locator("at-customer-panel");
    const open = panel.locator("ul.history li").first();
    const counts = open.locator(".counts");
    const contact = open.locator(".last-contact");
    await counts.waitFor();
    const one = lang === "pt-BR" ? "1 mensagem" : "1 message";
    assert.equal(await counts.innerText(), one);
    assert.match(await contact.innerText(), lang === "pt-BR" ? /^Último contato: / : /^Last contact: /);

    // The customer writes again: the panel counts it without a click.
    await deliver(phone, name, ["Meu boleto não chegou"]);
    await page.locator(".msg.customer", { hasText: "Meu boleto não chegou" }).waitFor({ timeout: 5000 });
    await open.locator(".counts", { hasText: lang === "pt-BR" ? "2 mensagens" : "2 messages" }).waitFor({ timeout: 5000 });

    // The agent's answer counts too.
    await page.locator("#composer-input").fill("Vou verificar agora.");
    await page.locator("#composer-input").press("Enter");
    await open.locator(".counts", { hasText: lang === "pt-BR" ? "3 mensagens" : "3 messages" }).waitFor({ timeout: 5000 });
    // The last contact is the time of that answer, the last message of the conversation.
    const answered = await page.locator(".msg.agent", { hasText: "Vou verificar agora." }).locator("time").innerText();
    assert.ok((await contact.innerText()).endsWith(answered), `${await contact.innerText()} ends with ${answered}`);
    await shot(page, `customer-panel-live-${lang}`);
    assert.deepEqual(await axe(page), [], `axe on the live panel (${lang})`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});
