#!/usr/bin/env bash
# What rate limiting and metrics cost: GET /api/v2/tech/me with a personal access token, with both
# off, with both on (counts in process), and with both on sharing counts through Redis. Each row
# restarts the server with its settings; the limit is set far above the load so nothing is refused.
# Release build; wrk with 64 connections on loopback. Prints a Markdown section for RESULTS.md.
#
#   bench/limits.sh                 # DURATION=10 seconds per row, REDIS_URL=redis://127.0.0.1:6379
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18083}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
HOST=limits.localhost
DATA=$PWD/bench/.data-limits
PASSWORD="bench password 1"

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need curl curl
need redis-cli redis-tools
cargo build --release --quiet
BIN=$PWD/target/release/deskd
rm -rf "$DATA" && mkdir -p "$DATA"
export DESKD_DATA_DIR=$DATA DESKD_BIND=127.0.0.1:$PORT DESKD_BASE_DOMAIN=localhost RUST_LOG=warn \
  DESKD_DB_MAX_CONNECTIONS=32 DESKD_COOKIE_SECURE=false DESKD_RATE_LIMIT_PER_KEY=1000000000 \
  DESKD_RATE_LIMIT_PER_TENANT=1000000000 DESKD_REDIS_PREFIX="deskd-bench-$$"

SERVER=
start() { # extra environment assignments
  env "$@" "$BIN" serve >>"$DATA/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 300); do curl -sf -H "Host: localhost" "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
}
stop() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }
trap stop EXIT

start DESKD_RATE_LIMITS=off DESKD_METRICS=off
"$BIN" tenant create --slug limits --name "Limits IT" --admin-email admin@limits.test --admin-password "$PASSWORD" >/dev/null
COOKIE=$(curl -si -H "Host: $HOST" -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@limits.test\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v2/tech/auth/login" \
  | tr -d '\r' | sed -n 's/^set-cookie: \([^;]*\).*/\1/ip')
PAT=$(curl -sf -H "Host: $HOST" -H "Origin: http://$HOST" -H "Cookie: $COOKIE" -H 'Content-Type: application/json' \
  -d '{"name":"bench"}' "http://127.0.0.1:$PORT/api/v2/tech/personal-access-tokens" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

measure() { # → "rps p50 p99 non2xx"
  wrk -t2 -c"$CONNECTIONS" -d2s -H "Host: $HOST" -H "Authorization: Basic $PAT" "http://127.0.0.1:$PORT/api/v2/tech/me" >/dev/null
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Host: $HOST" -H "Authorization: Basic $PAT" \
    "http://127.0.0.1:$PORT/api/v2/tech/me" | python3 -c '
import re, sys
t = sys.stdin.read()
unit = lambda v, u: float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
lat = {m.group(1): unit(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", t, re.M)}
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print("%.0f %.2f %.2f %s" % (rps, lat["50"], lat["99"], bad.group(1) if bad else 0))'
}
OFF=$(measure)
stop
start DESKD_RATE_LIMITS=on DESKD_METRICS=on
LOCAL=$(measure)
stop
redis-cli -u "$REDIS_URL" ping >/dev/null
start DESKD_RATE_LIMITS=on DESKD_METRICS=on DESKD_REDIS_URL="$REDIS_URL"
SHARED=$(measure)
METRICS=$(curl -sf -H "Host: localhost" "http://127.0.0.1:$PORT/metrics")
stop
echo "$METRICS" | grep -q '^deskd_rate_limit_shared 1' || { echo "the Redis row did not share its counts" >&2; exit 1; }

python3 - "$OFF" "$LOCAL" "$SHARED" "$DURATION" <<'PY'
import sys
rows = [("rate limits and metrics off", sys.argv[1]), ("on, counted in process", sys.argv[2]),
        ("on, counted in Redis (shared)", sys.argv[3])]
base = float(sys.argv[1].split()[0])
print("\n## Rate limits and metrics\n")
print(f"`bench/limits.sh`: `GET /api/v2/tech/me` with a personal access token, wrk (64 connections, {sys.argv[4]} s")
print("per row); the server restarts for each row; the limits are set far above the load, so every answer is 200.\n")
print("| configuration | requests/s | p50 ms | p99 ms | non-2xx | change |")
print("|---|---:|---:|---:|---:|---:|")
for name, row in rows:
    rps, p50, p99, bad = row.split()
    change = (float(rps) / base - 1) * 100
    print(f"| {name} | {float(rps):.0f} | {p50} | {p99} | {bad} | {change:+.1f}% |")
PY
