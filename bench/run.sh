#!/usr/bin/env bash
# Benchmark: authenticated GET /api/v2/tech/me with each credential scheme, against
# `pgbench -S -M prepared` on the same PostgreSQL server in the same run.
# Release build; load from wrk on loopback; 64 connections; results written to bench/RESULTS.md.
#
#   bench/run.sh              # uses DATABASE_URL if set, else a private cluster under bench/.data
#   DURATION=20 bench/run.sh  # seconds per measurement (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18080}
HOST=bench.localhost
DATA=$PWD/bench/.data
PASSWORD="bench password 1"

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need pgbench postgresql-client
need curl curl

cargo build --release --quiet
BIN=$PWD/target/release/deskd
rm -rf "$DATA" && mkdir -p "$DATA"
export DESKD_DATA_DIR=$DATA DESKD_BIND=127.0.0.1:$PORT DESKD_BASE_DOMAIN=localhost RUST_LOG=warn DESKD_DB_MAX_CONNECTIONS=32

"$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf -H "Host: localhost" "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

"$BIN" tenant create --slug bench --name "Bench IT" --admin-email admin@bench.test --admin-password "$PASSWORD" >/dev/null
API_KEY=$("$BIN" api-key create --tenant bench --name bench | tail -n 1)
call() { curl -sf -H "Host: $HOST" -H "Origin: http://$HOST" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
COOKIE=$(curl -si -H "Host: $HOST" -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@bench.test\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v2/tech/auth/login" \
  | tr -d '\r' | sed -n 's/^set-cookie: \([^;]*\).*/\1/ip')
PAT=$(call -H "Cookie: $COOKIE" -H 'Content-Type: application/json' -d '{"name":"bench"}' \
  "http://127.0.0.1:$PORT/api/v2/tech/personal-access-tokens" | json '["token"]')
TOKEN=$(call -H "Cookie: $COOKIE" -X POST "http://127.0.0.1:$PORT/api/v2/tech/auth/token" | json '["accessToken"]')

# The database deskd uses, for pgbench: its own scale-1 tables in a database beside deskd's.
if [ -n "${DATABASE_URL:-}" ]; then
  PGURL=${DATABASE_URL%/*}/pgbench
  psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS pgbench" -c "CREATE DATABASE pgbench" >/dev/null
else
  PGURL="postgresql:///pgbench?host=$DATA/pg&user=postgres"
  psql "postgresql:///postgres?host=$DATA/pg&user=postgres" -qc "CREATE DATABASE pgbench" >/dev/null
fi
pgbench -q -i -s 1 "$PGURL" >/dev/null 2>&1

results=$DATA/results.tsv
: >"$results"
measure() { # name, header, path
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Host: $HOST" -H "$2" "http://127.0.0.1:$PORT$3")
  python3 - "$1" "$out" >>"$results" <<'PY'
import re, sys
name, out = sys.argv[1], sys.argv[2]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
def lat(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(f"{name}\t{rps:.0f}\t{lat(50):.2f}\t{lat(99):.2f}\t{errors.group(1) if errors else 0}")
PY
}
# Warm up (caches, pool), then measure each scheme.
wrk -t2 -c"$CONNECTIONS" -d2s -H "Host: $HOST" -H "Authorization: Basic $PAT" "http://127.0.0.1:$PORT/api/v2/tech/me" >/dev/null
measure "\`GET /api/v2/tech/me\`, personal access token (Basic)" "Authorization: Basic $PAT" /api/v2/tech/me
measure "\`GET /api/v2/tech/me\`, access token (DdAccessToken)" "Authorization: DdAccessToken $TOKEN" /api/v2/tech/me
measure "\`GET /api/v2/tech/me\`, session cookie" "Cookie: $COOKIE" /api/v2/tech/me
measure "\`GET /api/v2/public/site\`, API key (DdApi)" "Authorization: DdApi $API_KEY" /api/v2/public/site
measure "\`GET /api/v3/admin/members/1\`, API key (DdApi)" "Authorization: DdApi $API_KEY" /api/v3/admin/members/1

rm -f "$DATA"/pgbench_log.*
( cd "$DATA" && pgbench -S -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" -l --log-prefix=pgbench_log "$PGURL" >"$DATA/pgbench.out" 2>&1 )
python3 - "$DATA" >>"$results" <<'PY'
import glob, re, sys
d = sys.argv[1]
out = open(f"{d}/pgbench.out").read()
tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
lat = sorted(int(line.split()[2]) for f in glob.glob(f"{d}/pgbench_log.*") for line in open(f))
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000
print(f"pgbench -S -M prepared\t{tps:.0f}\t{p(0.50):.2f}\t{p(0.99):.2f}\t0")
PY

python3 - "$results" "$DURATION" "$CONNECTIONS" <<'PY' | tee bench/RESULTS.md
import sys, datetime, platform, os
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
duration, conns = sys.argv[2], sys.argv[3]
ref = float(rows[-1][1])
print("# Benchmark results\n")
print(f"`bench/run.sh`, {datetime.date.today()}: release build, {conns} connections, {duration} s per row, "
      f"wrk and pgbench on loopback, {os.cpu_count()} cores. Every row is measured in the same run; "
      "the ratio is requests/s over pgbench's transactions/s on the same PostgreSQL server.\n")
print("| request and credential | requests/s | p50 ms | p99 ms | non-2xx | ratio to pgbench |")
print("|---|---:|---:|---:|---:|---:|")
for name, rps, p50, p99, errs in rows:
    print(f"| {name} | {rps} | {p50} | {p99} | {errs} | {float(rps) / ref:.2f} |")
print("\nThe pgbench row is `pgbench -S -M prepared -c", conns, "-j 2` (one indexed primary-key SELECT per transaction).")
print("")
print("With a warm cache, resolving the tenant and the credential adds no database round trip: tenants,")
print("principals and signed-in profiles are cached in process and dropped on change, on every instance, through")
print("LISTEN/NOTIFY. So `tech/me` (a cached profile) and `public/site` show the cost of the spine itself;")
print("`admin/members/1` adds the one indexed query a typical read makes, through sqlx. API keys cannot call")
print("Tech APIs (they act as an admin, not a member), hence the Public and Admin rows for them.")
PY
