#!/usr/bin/env bash
# Webhooks under load: ticket creations per second without and with two subscriptions to a local
# receiver, then how fast the deliveries arrive and how long after the change (p50/p99).
# Release build; wrk with 64 connections on loopback. Prints a Markdown section for RESULTS.md.
#
#   bench/webhooks.sh               # DURATION=30 seconds of creations with the subscriptions
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18081}
RECEIVER_PORT=${RECEIVER_PORT:-18082}
HOST=hooks.localhost
DATA=$PWD/bench/.data-webhooks

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
cargo build --release --quiet
BIN=$PWD/target/release/deskd
rm -rf "$DATA" && mkdir -p "$DATA"
export DESKD_DATA_DIR=$DATA DESKD_BIND=127.0.0.1:$PORT DESKD_BASE_DOMAIN=localhost RUST_LOG=warn \
  DESKD_DB_MAX_CONNECTIONS=32 DESKD_WEBHOOKS_ALLOW_PRIVATE=true DESKD_RATE_LIMITS=off
"$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER=$!
python3 bench/webhook_receiver.py "$RECEIVER_PORT" "$DATA/received.log" &
RECEIVER=$!
trap 'kill $SERVER $RECEIVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf -H "Host: localhost" "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

"$BIN" tenant create --slug hooks --name "Hooks IT" --admin-email admin@hooks.test --admin-password "bench password 1" >/dev/null
"$BIN" seed --tenant hooks --companies 50 --contacts 1000 --technicians 5 2>/dev/null | tail -n 1 >/dev/null
KEY=$("$BIN" api-key create --tenant hooks --name bench | tail -n 1)
create() { # seconds → requests/s
  wrk -t2 -c"$CONNECTIONS" -d"$1s" -s bench/wrk/create_ticket.lua -H "Host: $HOST" -H "Authorization: DdApi $KEY" \
    "http://127.0.0.1:$PORT/" | wrk_rate
}
export CONTACTS=1000
BASE=$(create 10)
for i in 1 2; do
  curl -sf -H "Host: $HOST" -H "Authorization: DdApi $KEY" -H 'Content-Type: application/json' \
    -d "{\"description\":\"bench $i\",\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hook\",\"eventTypes\":[\"ticket.created\"]}" \
    "http://127.0.0.1:$PORT/api/v3/admin/webhooks" >/dev/null
done
START=$(date +%s.%N)
WITH=$(create "$DURATION")
EXPECTED=$(psql "postgresql:///deskd?host=$DATA/pg&user=postgres" -tAc "SELECT count(*) FROM webhook_deliveries")
for _ in $(seq 1 600); do
  [ "$(wc -l <"$DATA/received.log")" -ge "$EXPECTED" ] && break
  sleep 0.2
done
python3 - "$DATA/received.log" "$START" "$EXPECTED" "$BASE" "$WITH" "$DURATION" <<'PY'
import sys
path, start, expected, base, with_hooks, duration = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
rows = [l.split() for l in open(path)]
ids = {r[2] for r in rows}
lat = sorted((float(r[0]) - float(r[1])) * 1000 for r in rows)
last = max(float(r[0]) for r in rows)
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print("\n## Webhooks\n")
print(f"`bench/webhooks.sh`: tickets created for {duration} s by wrk (64 connections) with two subscriptions to `ticket.created`")
print("on a local receiver (Python, answering 200 at once); the worker inside `deskd serve` delivers.\n")
print("| measure | value |")
print("|---|---:|")
print(f"| ticket creations/s without subscriptions | {base:.0f} |")
print(f"| ticket creations/s with two subscriptions | {with_hooks:.0f} ({(with_hooks / base - 1) * 100:+.0f}%) |")
print(f"| deliveries queued / received / distinct | {expected} / {len(rows)} / {len(ids)} |")
print(f"| deliveries/s (first creation to last receipt) | {len(rows) / (last - start):.0f} |")
print(f"| change to receipt, p50 / p99 ms | {p(0.5):.0f} / {p(0.99):.0f} |")
print("\nThe time is from the event's timestamp (its transaction's start) to the receiver reading the body.")
PY
