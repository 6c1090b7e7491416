#!/usr/bin/env bash
# The Spin steps of CI (.ci/run calls this after its own steps): with the Spin CLI of
# ../shared/tools/spin/ (or $SPIN), `spin build`; the README's path on a bare `spin up` (the
# demo company through the platform API, then the whole end-to-end suite as its admin, with the
# scenario whose WhatsApp replies reach a stand-in for the provider's API on loopback:
# `--outbound`, which spin.toml's extra_outbound_host lets the outbox call; and the console and
# the widget demo in Chromium, tests/browser/deployed.test.js); a cron tick in the
# log of `spin up -f spin-cron.toml`, and that scenario again there with the cron component
# sending; the suite again with sessions in Redis (Debian's redis-server) on a company it
# creates through the platform API; two `spin up` instances on one SQLite file and one Redis
# under concurrent customers and agents; and a short form of the Spin benchmark with the probes
# of spin-bench.toml.
# Without the CLI it says so and succeeds, so a machine without Spin still passes.
#
# Expects target/debug/e2e and target/debug/bench-spin (.ci/run builds them) and the
# wasm32-wasip1 release build (`spin build` redoes only what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

SPIN=${SPIN:-../shared/tools/spin/spin}
if [ ! -x "$SPIN" ]; then
  step "Spin: skipped (no Spin CLI at $SPIN; set SPIN=/path/to/spin to run these steps)"
  exit 0
fi

work=$(mktemp -d)
export SPIN_DATA_DIR="$work/spin-data"
children=()
cleanup() {
  for pid in "${children[@]}"; do
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

secret="ci-platform-$RANDOM$RANDOM"
tick_secret="ci-tick-$RANDOM$RANDOM"

# spin_up NAME PORT [spin up arguments...]: starts `spin up` on 127.0.0.1:PORT with a fresh
# state directory ($work/NAME) and waits until it answers.
spin_up() {
  local name=$1 port=$2
  shift 2
  mkdir -p "$work/$name"
  SPIN_VARIABLE_PLATFORM_SECRET="$secret" SPIN_VARIABLE_TICK_SECRET="$tick_secret" \
    SPIN_VARIABLE_EXTRA_OUTBOUND_HOST='http://127.0.0.1:*' \
    "$SPIN" up --listen "127.0.0.1:$port" --state-dir "$work/$name" "$@" \
    > "$work/$name/up.log" 2>&1 &
  local pid=$!
  children+=("$pid")
  for _ in $(seq 1 300); do
    if curl -fs "http://127.0.0.1:$port/api/openapi.json" > /dev/null; then return 0; fi
    if ! kill -0 "$pid" 2> /dev/null; then
      cat "$work/$name/up.log"
      return 1
    fi
    sleep 0.2
  done
  echo "spin up ($name) did not answer on port $port" >&2
  cat "$work/$name/up.log"
  return 1
}

# stop_last: stops the most recent `spin up` (its trigger processes stop with it).
stop_last() {
  local pid=${children[-1]}
  kill "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  unset 'children[-1]'
}

# Busy answers are logged with their route; show any a run met.
show_busy() {
  grep -h " busy: " "$work/$1"/logs/*_stderr.txt 2> /dev/null | head -20 || true
}

step "Spin: $("$SPIN" --version)"
step "spin build (spin.toml, spin-cron.toml, and spin-bench.toml's probe)"
"$SPIN" build
"$SPIN" build -f spin-cron.toml
"$SPIN" build -f spin-bench.toml

step "spin up: the demo company through the platform API, and the whole end-to-end suite as its admin"
spin_up bare 38201
curl -fsS -X POST http://127.0.0.1:38201/api/platform/demo -H "authorization: Bearer $secret" \
  -o "$work/bare/demo.json"
target/debug/e2e http://127.0.0.1:38201 demo --outbound
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ -d node_modules/playwright-core ] && [ -x "$chromium" ]; then
  step "the console and the widget demo in Chromium against the same spin up"
  ATENDE_URL=http://127.0.0.1:38201 CHROMIUM="$chromium" \
    node --test --test-concurrency=1 tests/browser/deployed.test.js
else
  step "browser check under spin up skipped (needs npm ci and $chromium)"
fi
show_busy bare
stop_last

step "spin up -f spin-cron.toml: the cron component runs the tick"
spin_up cron 38202 -f spin-cron.toml
ticked=""
for _ in $(seq 1 75); do
  if grep -q "^tick: " "$work/cron/logs/cron_stdout.txt" 2> /dev/null; then
    ticked=yes
    break
  fi
  sleep 0.2
done
if [ -z "$ticked" ]; then
  echo "no tick in the cron component's log within 15 s" >&2
  cat "$work/cron/up.log" "$work/cron/logs/"cron_std*.txt 2> /dev/null || true
  exit 1
fi
grep -m 3 "^tick: " "$work/cron/logs/cron_stdout.txt"
# With the cron component the outbox is sent by the cron trigger's ticks.
target/debug/e2e http://127.0.0.1:38202 --platform-secret "$secret" --outbound-only
stop_last

step "redis-server for the key-value store"
if ! command -v redis-server > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    # Without the package lists (or a mirror) the Redis steps are skipped below, not failed.
    apt-get install -y --no-install-recommends redis-server > "$work/apt.log" 2>&1 ||
      { apt-get update > "$work/apt.log" 2>&1 &&
        apt-get install -y --no-install-recommends redis-server > "$work/apt.log" 2>&1; } ||
      cat "$work/apt.log"
  fi
fi
if command -v redis-server > /dev/null; then
  redis_port=38209
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    > "$work/redis.log" 2>&1 &
  children+=("$!")
  for _ in $(seq 1 50); do
    redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break
    sleep 0.1
  done
  sed "s#redis://127.0.0.1:6379#redis://127.0.0.1:$redis_port#" \
    deploy/runtime-config.redis.toml > "$work/redis.toml"

  step "spin up with deploy/runtime-config.redis.toml: the suite with sessions in Redis"
  spin_up redis 38203 --runtime-config-file "$work/redis.toml"
  target/debug/e2e http://127.0.0.1:38203 --platform-secret "$secret"
  keys=$(redis-cli -p "$redis_port" dbsize)
  echo "Redis holds $keys keys"
  [ "$keys" -gt 0 ] || { echo "nothing reached Redis" >&2; exit 1; }
  stop_last

  step "two spin up instances on one SQLite file and one Redis: the concurrency scenario"
  # A key-value store serves one database (it caches that database's rows,
  # docs/decisions/0016); this step starts a new database, so it starts an empty store.
  redis-cli -p "$redis_port" flushall > /dev/null
  sed -e "s#redis://127.0.0.1:6379#redis://127.0.0.1:$redis_port#" \
    -e "s#/var/lib/atende/atende.sqlite#$work/shared.sqlite#" \
    deploy/runtime-config.shared-file.toml > "$work/shared.toml"
  spin_up one 38204 --runtime-config-file "$work/shared.toml"
  spin_up two 38205 --runtime-config-file "$work/shared.toml"
  target/debug/e2e --two-instances http://127.0.0.1:38204 http://127.0.0.1:38205 \
    --platform-secret "$secret"
  show_busy one
  show_busy two
  stop_last
  stop_last
else
  step "Redis steps skipped: no redis-server (apt-get install redis-server)"
fi

step "Spin benchmark, short form (spin-bench.toml: Atende and the probes in one spin up)"
spin_up bench 38206 -f spin-bench.toml
SENDERS=16 target/debug/bench-spin http://127.0.0.1:38206 --platform-secret "$secret" \
  --tick-secret "$tick_secret" --per-phase 400 --agents 4
show_busy bench
stop_last
echo "Spin steps passed"
