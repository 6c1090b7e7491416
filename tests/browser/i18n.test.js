// Every label exists in pt-BR, es and en, and every key the console asks for is defined.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { LANGS, MESSAGES } from "../../web/console/i18n.js";
import { ROOT } from "./harness.js";

test("the three languages have the same keys, none empty", () => {
  const keys = Object.keys(MESSAGES["pt-BR"]).sort();
  for (const lang of LANGS) {
    assert.deepEqual(Object.keys(MESSAGES[lang]).sort(), keys, lang);
    for (const [k, v] of Object.entries(MESSAGES[lang])) assert.ok(v.trim(), `${lang} ${k} is empty`);
  }
});

test("every key the console uses literally is translated", () => {
  const dir = join(ROOT, "web", "console");
  const files = [...readdirSync(dir).map((f) => join(dir, f)), ...readdirSync(join(dir, "views")).map((f) => join(dir, "views", f))]
    .filter((f) => f.endsWith(".js") || f.endsWith(".html"));
  const used = new Set();
  for (const f of files) {
    const src = readFileSync(f, "utf8");
    for (const m of src.matchAll(/\bt\("([a-z_]+\.[a-z_.]+)"/g)) used.add(m[1]);
    for (const m of src.matchAll(/data-i18n(?:-label|-placeholder|-title)?="([a-z_.]+)"/g)) used.add(m[1]);
    for (const m of src.matchAll(/(?:action|tab)\([^,]*?"([a-z_]+\.[a-z_]+)"/g)) used.add(m[1]);
  }
  assert.ok(used.size > 100, `only ${used.size} keys found`);
  const missing = [...used].filter((k) => !(k in MESSAGES.en));
  assert.deepEqual(missing, []);
});
