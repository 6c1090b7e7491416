#!/usr/bin/env bash
# Property-based fuzzing of the API from its OpenAPI document (schemathesis, from PyPI) against
# `atende --demo`, logged in as the demo admin, bounded in time. The bar: no server error and no
# answer that breaks its documented schema. Usage: scripts/fuzz.sh [path to atende] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
atende=${1:-target/debug/atende}
seconds=${2:-150}
venv=target/fuzz-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi

data=$(mktemp -d)
port=38119
"$atende" --demo --data "$data" --listen "127.0.0.1:$port" > "$data/atende.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if curl -fs "$base/api/openapi.json" > /dev/null; then break; fi
  kill -0 "$server" 2>/dev/null || { cat "$data/atende.log"; exit 1; }
  sleep 0.2
done
token=$(curl -fs -X POST "$base/api/auth/login" -H 'content-type: application/json' -H 'x-tenant: demo' \
  -d '{"username":"admin","password":"Atende#2026"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# Logging out, changing the password and deactivating users would end the fuzzer's own
# session (the admin is user 1) and leave every later request a 401: they are left out. One
# worker: with more, Python 3.11's ast.parse (used by hypothesis) fails now and then across
# threads ("AST constructor recursion depth mismatch"), a fuzzer crash, not a finding. One
# retry of a request whose connection was closed under it without an answer: seen once in
# five runs (on a kept-alive connection; the same request replayed answered 404, cause not
# found); a real crash would fail every later request too. On failure, the host's 5xx and
# error lines are shown.
"$venv/bin/schemathesis" run "$base/api/openapi.json" --url "$base" \
  -H "Authorization: Bearer $token" -H "X-Tenant: demo" \
  --checks not_a_server_error,response_schema_conformance \
  --exclude-path /api/auth/logout --exclude-path /api/auth/password \
  --exclude-path '/api/admin/users/{id}/deactivate' \
  --max-time "$seconds" --workers 1 --request-timeout 10 --warnings off --request-retries 1 \
  || { grep -a '"status":5\|internal_error\|panic\|connection error' "$data/atende.log" | tail -20; exit 1; }
