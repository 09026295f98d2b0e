#!/usr/bin/env bash
# Service levels at scale, release build, on a tenant of TICKETS tickets (default a million) seeded
# by `deskd seed`, whose open tickets are given SLA clocks (due times spread over four days):
#   - the staff ticket list sorted by SLA due time (`sort=dueAt`, 50 open tickets);
#   - the tickets analytics report for 90 days grouped by queue;
#   - what SLA bookkeeping costs ticket creation and notes: rounds with no SLA policy, then with one
#     that applies to every ticket (three pairs, alternating, so drift hits both alike).
# Each row beside `pgbench -S -M prepared` on the same PostgreSQL in the same run.
# Prints a Markdown section for RESULTS.md; a row with non-2xx answers fails the run.
#
#   bench/service_levels.sh            # DURATION=10 s rows, 64 connections
#   REUSE=1 bench/service_levels.sh    # keep the seeded tenant of the last run
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18095}
TICKETS=${TICKETS:-1000000}
CONTACTS=${CONTACTS:-20000}
HOST=big.localhost
DATA=$PWD/bench/.data-sla
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
  "$BIN" seed --tenant big --companies 2000 --contacts "$CONTACTS" --tickets "$TICKETS" >/dev/null 2>&1
fi
if [ "$("${PSQL[@]}" "SELECT count(*) FROM ticket_slas")" = 0 ]; then
  # The open tickets' clocks: first response and resolution, due 0–96 hours after creation.
  "${PSQL[@]}" "
    INSERT INTO ticket_slas (tenant_id, ticket_id, policy_name, business_hours, warn_before_secs,
           first_response, resolution, due_at, resolution_breach_at, breach_at)
    SELECT t.tenant_id, t.id, 'Seeded', false, 1800,
           jsonb_build_object('targetSecs', 14400, 'spentSecs', 0, 'runningSince', t.created_at,
                              'dueAt', d.due, 'warned', false, 'breachTold', false),
           jsonb_build_object('targetSecs', 86400, 'spentSecs', 0, 'runningSince', t.created_at,
                              'dueAt', d.due, 'warned', false, 'breachTold', false),
           d.due, d.due, d.due
    FROM tickets t
    CROSS JOIN LATERAL (SELECT t.created_at + make_interval(hours => ((t.id::bigint * 7919) % 96)::int) AS due) d
    WHERE t.tenant_id = (SELECT id FROM tenants WHERE slug = 'big') AND NOT t.is_closed"
  "${PSQL[@]}" "VACUUM ANALYZE"
fi
KEY=$("$BIN" api-key create --tenant big --name bench | tail -n 1)
api() { curl -sf -H "Host: $HOST" -H "Authorization: DdApi $KEY" -H 'Content-Type: application/json' "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

PGURL="postgresql:///pgbench?host=$DATA/pg&user=postgres"
psql "postgresql:///postgres?host=$DATA/pg&user=postgres" -qc "DROP DATABASE IF EXISTS pgbench" -c "CREATE DATABASE pgbench" >/dev/null
pgbench -q -i -s 1 "$PGURL" >/dev/null 2>&1

results=$DATA/results.tsv
: >"$results"
measure() { # name, path [, wrk script [, connections]]
  local out script=()
  [ -n "${3:-}" ] && script=(-s "bench/wrk/$3")
  local c=${4:-$CONNECTIONS}
  out=$(TICKETS=$TICKETS CONTACTS=$CONTACTS wrk -t$(( c < 2 ? 1 : 2 )) -c"$c" -d"${DURATION}s" --latency "${script[@]}" \
    -H "Host: $HOST" -H "Authorization: DdApi $KEY" "http://127.0.0.1:$PORT$2")
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

DUE="/api/v3/admin/tickets?status=open&sort=dueAt&take=50"
FROM=$(date -u -d '-89 days' +%F); TO=$(date -u +%F)
REPORT="/api/v3/admin/analytics/tickets?from=$FROM&to=$TO&groupBy=queue"
OPEN=$(api "http://127.0.0.1:$PORT$DUE" | json '["totalResults"]')
ROWS=$(api "http://127.0.0.1:$PORT$REPORT" | json '["rows"].__len__()')
IN_RANGE=$("${PSQL[@]}" "SELECT count(*) FROM ticket_facts WHERE created_at >= now() - interval '90 days'")
wrk -t2 -c"$CONNECTIONS" -d2s -H "Host: $HOST" -H "Authorization: DdApi $KEY" "http://127.0.0.1:$PORT$DUE" >/dev/null
measure "\`GET $DUE\` ($OPEN open, sorted by SLA due time)" "$DUE"
measure "\`GET /api/v3/admin/analytics/tickets\`, 90 days by queue ($IN_RANGE tickets made in them, $ROWS rows), 1 connection" "$REPORT" "" 1
measure "the same report, 4 connections" "$REPORT" "" 4

# Creation and notes without, then with, a policy that gives every ticket clocks.
POLICY=$(api -d '{"name":"Bench","businessHours":false,"enabled":false,"targets":[{"firstResponseMinutes":240,"nextResponseMinutes":240,"resolutionMinutes":1440}]}' \
  "http://127.0.0.1:$PORT/api/v3/admin/sla-policies" | json '["id"]')
policy() { # true|false
  api -X PUT -d "{\"name\":\"Bench\",\"businessHours\":false,\"enabled\":$1,\"targets\":[{\"firstResponseMinutes\":240,\"nextResponseMinutes\":240,\"resolutionMinutes\":1440}]}" \
    "http://127.0.0.1:$PORT/api/v3/admin/sla-policies/$POLICY" >/dev/null
}
for round in $(seq 1 "$ROUNDS"); do
  for on in false true; do
    policy $on
    label=$([ $on = true ] && echo "with an SLA policy" || echo "no SLA policy")
    measure "create ticket, $label, round $round" / create_ticket.lua
    measure "add note, $label, round $round" / create_note.lua
  done
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

python3 - "$results" "$TICKETS" "$DURATION" "$CONNECTIONS" <<'PY'
import sys, re, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
tickets, duration, conns = sys.argv[2:5]
ref = float(rows[-1][1])
print("\n## Service levels (`bench/service_levels.sh`)\n")
print(f"Release build, a tenant of {int(tickets):,} tickets (`deskd seed`; its open tickets given SLA clocks due")
print(f"0–96 h after creation), {conns} connections unless said, {duration} s a row, same run as pgbench.\n")
print("| row | requests/s | p50 ms | p99 ms | ratio to pgbench |")
print("|---|---:|---:|---:|---:|")
for name, rps, p50, p99 in rows:
    if "round" not in name:
        print(f"| {name} | {rps} | {p50} | {p99} | {float(rps) / ref:.4f} |")
def mean(kind, label):
    picked = [float(r[1]) for r in rows if r[0].startswith(kind) and label in r[0]]
    return statistics.mean(picked), picked
print("\nWhat SLA bookkeeping costs writes (mean of the alternating rounds; every ticket gets clocks when the")
print("policy is on; with none, each change still looks for a policy and the ticket's clocks):\n")
print("| write | no SLA policy, req/s | with a policy, req/s | change |")
print("|---|---:|---:|---:|")
for kind in ("create ticket", "add note"):
    off, offs = mean(kind, "no SLA policy")
    on, ons = mean(kind, "with an SLA policy")
    print(f"| {kind} | {off:.0f} ({', '.join(f'{x:.0f}' for x in offs)}) | {on:.0f} ({', '.join(f'{x:.0f}' for x in ons)}) | {100 * (on - off) / off:+.1f}% |")
PY
