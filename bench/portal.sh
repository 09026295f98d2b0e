#!/usr/bin/env bash
# The portal's content at scale, release build:
#   - Learning Center search over ARTICLES articles (default 10,000) as a contact: a word in 1% of
#     them, a word in 30%, and suggestions for a ticket summary;
#   - raising a ticket in the portal with a six-question form on its request type against the same
#     without (three pairs, alternating, so drift hits both alike).
# Each row beside `pgbench -S -M prepared` on the same PostgreSQL in the same run. Prints a
# Markdown section for RESULTS.md; a row with non-2xx answers fails the run.
#
#   bench/portal.sh                    # DURATION=10 s rows, 64 connections
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18097}
ARTICLES=${ARTICLES:-10000}
HOST=kb.localhost
DATA=$PWD/bench/.data-portal
PASSWORD="bench password 1"

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need pgbench postgresql-client
need curl curl
cargo build --release --quiet
BIN=$PWD/target/release/deskd
rm -rf "$DATA"
mkdir -p "$DATA"
export DESKD_DATA_DIR=$DATA DESKD_BIND=127.0.0.1:$PORT DESKD_BASE_DOMAIN=localhost RUST_LOG=warn \
  DESKD_DB_MAX_CONNECTIONS=32 DESKD_RATE_LIMITS=off
"$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf -H "Host: localhost" "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
PSQL=(psql "postgresql:///deskd?host=$DATA/pg&user=postgres" -qtAc)

"$BIN" tenant create --slug kb --name "KB IT" --admin-email admin@kb.test --admin-password "$PASSWORD" >/dev/null
KEY=$("$BIN" api-key create --tenant kb --name bench | tail -n 1)
api() { curl -sf -H "Host: $HOST" -H "Authorization: DdApi $KEY" -H 'Content-Type: application/json' "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
URL=http://127.0.0.1:$PORT
api -d '{"name":"Customer"}' "$URL/api/v3/admin/companies" >/dev/null
CONTACT=$(api -d '{"companyId":1,"email":"ann@customer.test","firstName":"Ann"}' "$URL/api/v3/admin/contacts" | json '["id"]')
TOKEN=$(api "$URL/api/v2/user/contact/$CONTACT/userkey" | json '["userKey"]')

# Articles through the API would take minutes; the rows are what the API writes (text rendered
# the same way for these plain paragraphs). Words: `printer` in 1%, `password` in 30%.
CAT=$(api -d '{"name":"Guides"}' "$URL/api/v3/admin/learning/categories" | json '["id"]')
SEC=$(api -d "{\"categoryId\":$CAT,\"name\":\"All\"}" "$URL/api/v3/admin/learning/sections" | json '["id"]')
"${PSQL[@]}" "
  INSERT INTO learning_articles (tenant_id, id, section_id, title, body, body_html, body_text, state)
  SELECT t.id, 1000 + g, $SEC, w.title, w.body, '<p>' || w.body || '</p>', w.body, 'published'
  FROM tenants t, generate_series(1, $ARTICLES) g
  CROSS JOIN LATERAL (SELECT
      'Guide ' || g || CASE WHEN g % 100 = 0 THEN ': printer trays' ELSE ': working remotely' END AS title,
      'Step ' || g || ' explains the ' || (ARRAY['laptop','monitor','network','mailbox','calendar'])[1 + g % 5]
      || CASE WHEN g % 10 < 3 THEN ' and how to change your password' ELSE '' END
      || '. Restart the application, check the cable and sign in again before calling the service desk.'
      AS body) w
  WHERE t.slug = 'kb'"
"${PSQL[@]}" "VACUUM ANALYZE learning_articles"

# A request type without a form, and one with a six-question form.
FORM=$(api -d '{"name":"Hardware fault","sections":[{"questions":[
  {"identifier":"device","type":"single_choice","name":"Device","required":true,"choices":[{"identifier":"laptop","name":"Laptop"},{"identifier":"desktop","name":"Desktop"}]},
  {"identifier":"serial","type":"short_text","name":"Serial","required":true,"pattern":"SN-[0-9]+"},
  {"identifier":"urgent","type":"yes_no","name":"Urgent"},
  {"identifier":"since","type":"date","name":"Since"},
  {"identifier":"details","type":"long_text","name":"Details","visibleWhen":{"question":"urgent","equals":true}},
  {"identifier":"apps","type":"multiple_choice","name":"Apps","choices":[{"identifier":"word","name":"Word"},{"identifier":"excel","name":"Excel"}]}]}]}' \
  "$URL/api/v3/admin/forms" | json '["id"]')
api -X POST "$URL/api/v3/admin/forms/$FORM/publish" >/dev/null
PLAIN=$(api -d '{"name":"Plain","defaultQueueId":1,"defaultPriorityId":1}' "$URL/api/v3/admin/request-types" | json '["id"]')
WITH_FORM=$(api -d "{\"name\":\"With form\",\"defaultQueueId\":1,\"defaultPriorityId\":1,\"formId\":$FORM}" "$URL/api/v3/admin/request-types" | json '["id"]')

PGURL="postgresql:///pgbench?host=$DATA/pg&user=postgres"
psql "postgresql:///postgres?host=$DATA/pg&user=postgres" -qc "DROP DATABASE IF EXISTS pgbench" -c "CREATE DATABASE pgbench" >/dev/null
pgbench -q -i -s 1 "$PGURL" >/dev/null 2>&1

results=$DATA/results.tsv
: >"$results"
measure() { # name, path [, wrk script]
  local out script=()
  [ -n "${3:-}" ] && script=(-s "bench/wrk/$3")
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${script[@]}" \
    -H "Host: $HOST" -H "Authorization: DdAccessToken $TOKEN" "$URL$2")
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

RARE=$(curl -sf -H "Host: $HOST" -H "Authorization: DdAccessToken $TOKEN" "$URL/api/v2/portal/learning/search?q=printer" | json '["totalResults"]')
COMMON=$(curl -sf -H "Host: $HOST" -H "Authorization: DdAccessToken $TOKEN" "$URL/api/v2/portal/learning/search?q=password" | json '["totalResults"]')
wrk -t2 -c"$CONNECTIONS" -d2s -H "Host: $HOST" -H "Authorization: DdAccessToken $TOKEN" "$URL/api/v2/portal/learning/search?q=printer" >/dev/null
measure "portal search, a word in 1% ($RARE of $ARTICLES articles match)" "/api/v2/portal/learning/search?q=printer"
measure "portal search, a word in 30% ($COMMON match, best 50 ranked)" "/api/v2/portal/learning/search?q=password&take=50"
measure "suggestions for a ticket summary (any of 4 words)" "/api/v2/portal/learning/suggestions?summary=printer%20tray%20keeps%20jamming"
for round in $(seq 1 "$ROUNDS"); do
  REQUEST_TYPE=$PLAIN FORM=0 measure "raise a ticket, no form, round $round" / portal_ticket.lua
  REQUEST_TYPE=$WITH_FORM FORM=1 measure "raise a ticket, six-question form, round $round" / portal_ticket.lua
done
RESULTS=$("${PSQL[@]}" "SELECT count(*) FROM form_results")

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

python3 - "$results" "$ARTICLES" "$DURATION" "$CONNECTIONS" "$RESULTS" <<'PY'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
articles, duration, conns, stored = sys.argv[2:6]
ref = float(rows[-1][1])
print("\n## Forms and the Learning Center (`bench/portal.sh`)\n")
print(f"Release build, a tenant with {int(articles):,} published articles, one contact calling with its access")
print(f"token, {conns} connections, {duration} s a row, same run as pgbench.\n")
print("| row | requests/s | p50 ms | p99 ms | ratio to pgbench |")
print("|---|---:|---:|---:|---:|")
for name, rps, p50, p99 in rows:
    if "round" not in name:
        print(f"| {name} | {rps} | {p50} | {p99} | {float(rps) / ref:.4f} |")
def pick(label):
    picked = [r for r in rows if label in r[0]]
    return statistics.mean(float(r[1]) for r in picked), picked
plain, plains = pick("no form")
form, forms = pick("six-question form")
print(f"\nRaising a ticket in the portal with a form on its request type ({stored} results stored) against")
print("the same without (mean of the alternating rounds):\n")
print("| | req/s (rounds) | p99 ms (rounds) |")
print("|---|---:|---:|")
for label, mean, picked in (("no form", plain, plains), ("six-question form", form, forms)):
    print(f"| {label} | {mean:.0f} ({', '.join(r[1] for r in picked)}) | {', '.join(r[3] for r in picked)} |")
print(f"| change | {100 * (form - plain) / plain:+.1f}% | |")
PY
