#!/usr/bin/env bash
# What a front-end team and a new user do with deskd, against a fresh `deskd serve --demo`:
#   1. the README's examples, top to bottom (.ci/readme.py, its own server);
#   2. each OpenAPI document validated;
#   3. a TypeScript client generated from each, compiled with `tsc --strict`, and a typed smoke program;
#   4. Swagger UI in headless Chromium, authorising with every scheme;
#   5. schemathesis over every operation, bounded in time: no 5xx, answers as documented, and data
#      the documents allow is accepted (schemathesis.toml); last, as it fills the demo with random data.
# Usage: e2e/run.sh [path/to/deskd]   (default target/debug/deskd, which `cargo test` builds)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deskd=$(realpath "${1:-$root/target/debug/deskd}")   # relative to where it was called from
cd "$root/e2e"
[ -x "$deskd" ] || { echo "no deskd binary at $deskd: run cargo build first" >&2; exit 1; }

section() { printf '\n== %s\n' "$*"; }
# The README's examples use curl and jq.
for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null; }
done

section "README examples"
python3 "$root/.ci/readme.py" "$deskd"

section "tools"
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's Chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
venv=${E2E_VENV:-$root/target/e2e-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r requirements.txt
npm ci --no-audit --no-fund --loglevel=error

section "OpenAPI documents"
"$venv/bin/python" validate.py

section "TypeScript clients"
rm -rf generated dist
npm run --silent generate
npm run --silent build      # tsc --strict over the generated clients and the programs

# A fresh demo server for the programs: its own data directory, so its own private cluster (or a
# new database on DATABASE_URL's server).
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
server_env=(DESKD_DATA_DIR="$work/.deskd" DESKD_BIND="127.0.0.1:$port" DESKD_BASE_DOMAIN=localhost
  DESKD_COOKIE_SECURE=false DESKD_WEBHOOKS_ALLOW_PRIVATE=true DESKD_RATE_LIMITS=off RUST_LOG=warn)
if [ -n "${DATABASE_URL:-}" ]; then
  db="deskd_e2e_$$"
  psql "$DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
  server_env+=(DATABASE_URL="${DATABASE_URL%/*}/$db")
fi
env -u DESKD_PLATFORM_TOKEN "${server_env[@]}" "$deskd" serve --demo >"$work/server.log" 2>&1 &
server=$!
stop() {
  kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -n "${db:-}" ] && psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
  rm -rf "$work"
}
trap stop EXIT
for _ in $(seq 600); do
  [ -f "$work/.deskd/demo.env" ] && curl -sf -H 'Host: localhost' "http://127.0.0.1:$port/ready" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
export DEMO_ENV="$work/.deskd/demo.env"

section "typed smoke program"
npm run --silent smoke

section "Swagger UI in Chromium"
npm run --silent swagger

section "schemathesis"
# shellcheck disable=SC1090
. "$DEMO_ENV"
# Not here: the platform API (another host and credential), the mail inbound endpoint (a mailbox's
# secret, and raw `message/rfc822` bodies; tests/api/email_inbound.rs drives it), and the connector
# operations documented as 501 (features not built yet, or hosted by DeskDirector's function service).
not_here='^(/api/v3/platform|/api/v3/admin/email/inbound/|/api/v2/automate/connector/(events|forms|functions|v2/forms|schema/(form|v2/form)/))'
# A fixed seed keeps CI repeatable; SCHEMATHESIS_SEED=$RANDOM explores further.
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,positive_data_acceptance
for v in 1 2 3; do
  echo "-- v$v: $checks"
  "$venv/bin/schemathesis" run "$root/openapi/v$v.json" --url "$B" -H "$H" -H "Authorization: DdApi $KEY" \
    --checks "$checks" \
    --mode positive --phases examples,coverage,fuzzing --max-examples 5 --generation-allow-x00 false \
    --seed "${SCHEMATHESIS_SEED:-20261202}" \
    --max-time "${SCHEMATHESIS_SECONDS:-60}" --workers 2 --exclude-path-regex "$not_here" \
    --suppress-health-check all --warnings off --no-color
done
# The façades answer a rule a schema cannot state with 400, as Desk365 and Desk360 document, so
# positive_data_acceptance does not apply; everything else does. Desk360 signs in first for a token.
facade_checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
TOKEN=$(curl -sf -H "$H" -H 'Content-Type: application/json' \
  -d '{"email":"tech@demo.example","password":"demo-tech-password"}' "$B/v1/login" | jq -r .access_token)
for facade in "desk365|Authorization: $KEY" "desk360|Authorization: Bearer $TOKEN"; do
  echo "-- ${facade%%|*}: $facade_checks"
  "$venv/bin/schemathesis" run "$root/openapi/${facade%%|*}.json" --url "$B" -H "$H" -H "${facade#*|}" \
    --checks "$facade_checks" \
    --mode positive --phases examples,coverage,fuzzing --max-examples 5 --generation-allow-x00 false \
    --seed "${SCHEMATHESIS_SEED:-20261202}" \
    --max-time "${SCHEMATHESIS_SECONDS:-60}" --workers 2 --exclude-path-regex '^/v1/login$' \
    --suppress-health-check all --warnings off --no-color
done
section "all passed"
