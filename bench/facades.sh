#!/usr/bin/env bash
# The migration façades' ticket lists against deskd's own, on a tenant with TICKETS tickets
# (default 1,000,000), release build, in one run beside `pgbench -S -M prepared`:
#   - Desk365 `GET /apis/v3/tickets?ticket_count=100&include_custom_fields=1&include_survey_details=1`
#     against the Admin API's `GET /api/v3/admin/tickets?take=100`;
#   - Desk360 `GET /v1/products/1/tickets` (20 a page, one queue) against
#     `GET /api/v3/admin/tickets?queueId=1&take=20`.
# Every ticket carries a custom field and a tenth of the closed ones an answered survey, so the
# façades render what they are asked for. Native and façade rows alternate (ROUNDS pairs). Prints a
# Markdown section for RESULTS.md; a row with non-2xx answers fails the run.
#
#   bench/facades.sh             # DURATION=10 s rows, 64 connections
#   REUSE=1 bench/facades.sh     # keep the tenant seeded by the last run (seeding takes minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-18098}
TICKETS=${TICKETS:-1000000}
HOST=big.localhost
DATA=$PWD/bench/.data-facades
PASSWORD="bench password 1"

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need pgbench postgresql-client
need curl curl
cargo build --release --quiet
BIN=$PWD/target/release/deskd
[ "${REUSE:-0}" = 1 ] || rm -rf "$DATA"
mkdir -p "$DATA"
export DESKD_DATA_DIR=$DATA DESKD_BIND=127.0.0.1:$PORT DESKD_BASE_DOMAIN=localhost RUST_LOG=warn \
  DESKD_DB_MAX_CONNECTIONS=32 DESKD_RATE_LIMITS=off
"$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf -H "Host: localhost" "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
PSQL=(psql "postgresql:///deskd?host=$DATA/pg&user=postgres" -qtAc)

if ! "$BIN" tenant list | grep -q '^big'; then
  echo "seeding $TICKETS tickets (minutes)..." >&2
  "$BIN" tenant create --slug big --name "Big IT" --admin-email admin@big.test --admin-password "$PASSWORD" >/dev/null
  "$BIN" seed --tenant big --companies 2000 --contacts 20000 --tickets "$TICKETS" 2>/dev/null | tail -n 1 >&2
fi
KEY=$("$BIN" api-key create --tenant big --name bench | tail -n 1)
URL=http://127.0.0.1:$PORT
if [ "$("${PSQL[@]}" "SELECT count(*) FROM custom_fields")" = 0 ]; then
  curl -sf -H "Host: $HOST" -H "Authorization: DdApi $KEY" -H 'Content-Type: application/json' \
    -d '{"key":"department","label":"Department","type":"text"}' "$URL/api/v3/admin/custom-fields" >/dev/null
fi
if [ "$("${PSQL[@]}" "SELECT count(*) FROM survey_responses")" = 0 ]; then
  echo "a department on every ticket, a survey on a tenth of the closed ones..." >&2
  # What the API would have written, in bulk.
  "${PSQL[@]}" "
    UPDATE tickets t SET custom_fields = jsonb_build_object('department', (ARRAY['Sales','IT','Finance','HR'])[1 + t.id % 4])
    FROM tenants n WHERE n.id = t.tenant_id AND n.slug = 'big';
    INSERT INTO survey_responses (tenant_id, ticket_id, survey_name, kind, question, ask_comment, contact_id,
        company_id, queue_id, sent_at, answer_until, rating, score, satisfied, comment, answered_at)
    SELECT t.tenant_id, t.id, 'Stars', 'five_star', 'How did we do?', true, t.contact_id, t.company_id,
        t.queue_id, t.created_at, t.created_at + interval '7 days', 1 + t.id % 5, (t.id % 5) * 25,
        t.id % 5 >= 3, 'Thanks', t.created_at + interval '1 day'
    FROM tickets t JOIN tenants n ON n.id = t.tenant_id
    WHERE n.slug = 'big' AND t.is_closed AND t.id % 10 = 0"
  "${PSQL[@]}" "VACUUM ANALYZE tickets"
  "${PSQL[@]}" "VACUUM ANALYZE survey_responses"
fi

PGURL="postgresql:///pgbench?host=$DATA/pg&user=postgres"
psql "postgresql:///postgres?host=$DATA/pg&user=postgres" -qc "DROP DATABASE IF EXISTS pgbench" -c "CREATE DATABASE pgbench" >/dev/null
pgbench -q -i -s 1 "$PGURL" >/dev/null 2>&1

results=$DATA/results.tsv
: >"$results"
measure() { # name, authorization, path
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Host: $HOST" -H "Authorization: $2" "$URL$3")
  python3 - "$1" "$out" >>"$results" <<'PY'
import re, sys
name, out = sys.argv[1], sys.argv[2]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
def lat(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
if errors:
    sys.exit(f"{name}: {errors.group(1)} non-2xx answers; not a figure")
print(f"{name}\t{rps:.0f}\t{lat(50):.2f}\t{lat(99):.2f}")
PY
}
NATIVE_100="/api/v3/admin/tickets?take=100"
DESK365="/apis/v3/tickets?ticket_count=100&include_custom_fields=1&include_survey_details=1"
NATIVE_20="/api/v3/admin/tickets?queueId=1&take=20"
DESK360="/v1/products/1/tickets"
# Both answer the same tickets, and the façade's carry what was asked for.
SAME=$(python3 - "$URL" "$HOST" "$KEY" <<'PY'
import json, sys, urllib.request
url, host, key = sys.argv[1:4]
def get(path, auth):
    req = urllib.request.Request(url + path, headers={"Host": host, "Authorization": auth})
    return json.load(urllib.request.urlopen(req))
native = [t["id"] for t in get("/api/v3/admin/tickets?take=100", "DdApi " + key)["results"]]
facade = get("/apis/v3/tickets?ticket_count=100&include_custom_fields=1&include_survey_details=1", key)
assert native == [t["ticket_number"] for t in facade["tickets"]], "the Desk365 list differs"
assert all(t["custom_fields"]["cf_department"] for t in facade["tickets"])
native20 = [t["id"] for t in get("/api/v3/admin/tickets?queueId=1&take=20", "DdApi " + key)["results"]]
assert native20 == [t["id"] for t in get("/v1/products/1/tickets", "Bearer " + key)], "the Desk360 list differs"
print(sum(1 for t in facade["tickets"] if t["survey_rating"]))
PY
)
wrk -t2 -c"$CONNECTIONS" -d2s -H "Host: $HOST" -H "Authorization: DdApi $KEY" "$URL$NATIVE_100" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  measure "native list, 100 a page, round $round" "DdApi $KEY" "$NATIVE_100"
  measure "Desk365 list, 100 with custom fields and surveys, round $round" "$KEY" "$DESK365"
  measure "native list, one queue, 20 a page, round $round" "DdApi $KEY" "$NATIVE_20"
  measure "Desk360 product list, 20 a page, round $round" "Bearer $KEY" "$DESK360"
done

rm -f "$DATA"/pgbench_log.*
( cd "$DATA" && pgbench -S -M prepared -c "$CONNECTIONS" -j 2 -T "$DURATION" -l --log-prefix=pgbench_log "$PGURL" >"$DATA/pgbench.out" 2>&1 )
python3 - "$DATA" >>"$results" <<'PY'
import glob, re, sys
d = sys.argv[1]
out = open(f"{d}/pgbench.out").read()
tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
lat = sorted(int(line.split()[2]) for f in glob.glob(f"{d}/pgbench_log.*") for line in open(f))
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000
print(f"pgbench -S -M prepared\t{tps:.0f}\t{p(0.50):.2f}\t{p(0.99):.2f}")
PY

python3 - "$results" "$TICKETS" "$DURATION" "$CONNECTIONS" "$SAME" <<'PY'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
tickets, duration, conns, surveyed = sys.argv[2:6]
ref = float(rows[-1][1])
print("\n## Desk365 and Desk360 façades (`bench/facades.sh`)\n")
print(f"Release build, a tenant with {int(tickets):,} tickets (each with a custom field, a tenth of the closed")
print(f"ones with an answered survey), {conns} connections, {duration} s a row, rows alternating, same run as")
print(f"pgbench. The first Desk365 page carried {surveyed} survey ratings; both façades were checked to")
print("answer the same tickets as the native list.\n")
print("| row | requests/s | p50 ms | p99 ms | ratio to pgbench |")
print("|---|---:|---:|---:|---:|")
for name, rps, p50, p99 in rows:
    print(f"| {name} | {rps} | {p50} | {p99} | {float(rps) / ref:.4f} |")
def mean(label, col):
    return statistics.mean(float(r[col]) for r in rows if r[0].startswith(label))
print("\n| façade | time per list against the native list (mean req/s ratio) | p50 native → façade ms |")
print("|---|---:|---:|")
for facade, native in (("Desk365", "native list, 100"), ("Desk360", "native list, one queue")):
    ratio = mean(native, 1) / mean(facade, 1)
    print(f"| {facade} | {ratio:.2f}× (aim ≤ 1.5×) | {mean(native, 2):.1f} → {mean(facade, 2):.1f} |")
PY
