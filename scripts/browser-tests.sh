#!/usr/bin/env bash
# The console's checks on a fresh Debian machine (as root): Chromium and Node from Debian if
# missing, the npm dev tools from package-lock.json, the atende binary, then type checking,
# lint and the browser tests against `atende --demo`. Screenshots of every screen are kept in
# target/browser-screenshots (the CI artifact when a test fails). Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "system packages: chromium, node, npm, an emoji font"
missing=()
command -v chromium > /dev/null || missing+=(chromium)
# The machine brings Node.js 20 (playwright-core and eslint need 20); Debian 12 has 18.
command -v node > /dev/null || missing+=(nodejs)
command -v npm > /dev/null || missing+=(npm)
dpkg -s fonts-noto-color-emoji > /dev/null 2>&1 || missing+=(fonts-noto-color-emoji)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
chromium --version

step "npm ci (playwright-core, axe-core, typescript, eslint)"
# playwright-core drives the system Chromium; it must not try to download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund

step "tsc --checkJs --noEmit (JSDoc types of web/console and the tests)"
npx tsc -p tests/browser/tsconfig.json

step "eslint"
npx eslint .

step "cargo build --bin atende"
cargo build --locked --bin atende

step "browser tests (node --test) in Chromium against atende --demo"
rm -rf target/browser-screenshots
export CHROMIUM=/usr/bin/chromium
node --test --test-concurrency=1 tests/browser/
