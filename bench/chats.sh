#!/usr/bin/env bash
# Chat fan-out: one deskd instance holding SUBSCRIBERS (1,000) portal event streams, ten contacts
# in each of 100 chats, while POSTERS technician connections write messages into random chats for
# DURATION seconds. Measures messages/s, POST-to-receipt latency p50/p99 over every subscriber of
# the chat, and the server's resident memory; the reference is the same posting with nobody
# listening, in the same run. Release build. Prints a Markdown section for RESULTS.md.
#
#   bench/chats.sh                  # DURATION=20 SUBSCRIBERS=1000 PER_CHAT=10 POSTERS=8
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
PER_CHAT=${PER_CHAT:-10}
POSTERS=${POSTERS:-8}
PORT=${PORT:-18083}
HOST=chat.localhost
DATA=$PWD/bench/.data-chats

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release --quiet
BIN=$PWD/target/release/deskd
rm -rf "$DATA" && mkdir -p "$DATA"
export DESKD_DATA_DIR=$DATA DESKD_BIND=127.0.0.1:$PORT DESKD_BASE_DOMAIN=localhost RUST_LOG=warn \
  DESKD_DB_MAX_CONNECTIONS=32 DESKD_RATE_LIMITS=off
"$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf -H "Host: localhost" "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

"$BIN" tenant create --slug chat --name "Chat IT" --admin-email admin@chat.test --admin-password "bench password 1" >/dev/null
"$BIN" seed --tenant chat --companies 50 --contacts "$SUBSCRIBERS" --technicians 5 2>/dev/null | tail -n 1 >/dev/null
KEY=$("$BIN" api-key create --tenant chat --name bench | tail -n 1)
RESULT=$(python3 bench/chat_fanout.py "$PORT" "$HOST" "$KEY" "$SUBSCRIBERS" "$PER_CHAT" "$POSTERS" "$DURATION" "$SERVER")
python3 - "$RESULT" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
mib = lambda k: r[k] / 1024
print("\n## Chat fan-out\n")
print(f"`bench/chats.sh`: one instance, {r['subscribers']} portal event streams (contacts, ten in each of")
print(f"{r['chats']} chats); {r['posters']} technician connections post messages into random chats for {r['seconds']} s.")
print("The reference is the same posting with no stream open, in the same run.\n")
print("| measure | value |")
print("|---|---:|")
print(f"| messages/s, nobody listening (reference) | {r['reference_posts_per_s']:.0f} |")
print(f"| messages/s, {r['subscribers']} listening | {r['posts_per_s']:.0f} ({r['posts_per_s'] / r['reference_posts_per_s']:.2f} of the reference) |")
print(f"| POST answered, p50 / p99 ms (reference) | {r['reference_post_p50_ms']:.1f} / {r['reference_post_p99_ms']:.1f} |")
print(f"| POST answered, p50 / p99 ms (listening) | {r['post_p50_ms']:.1f} / {r['post_p99_ms']:.1f} |")
print(f"| POST sent to event read by each subscriber, p50 / p99 ms | {r['fanout_p50_ms']:.1f} / {r['fanout_p99_ms']:.1f} |")
print(f"| deskd CPU per message, ms (reference / listening) | {r['reference_server_cpu_ms_per_post']:.2f} / {r['server_cpu_ms_per_post']:.2f} |")
print(f"| load client CPU per message, ms (reference / listening) | {r['reference_client_cpu_ms_per_post']:.2f} / {r['client_cpu_ms_per_post']:.2f} |")
print(f"| receipts expected / read / per second | {r['expected_receipts']} / {r['receipts']} / {r['receipts_per_s']:.0f} |")
print(f"| streams dropped as too slow | {r['dropped_streams']} |")
print(f"| server resident memory: idle / {r['subscribers']} streams open / after the run (peak) | {mib('rss_idle_kib'):.0f} / {mib('rss_connected_kib'):.0f} / {mib('rss_after_kib'):.0f} ({mib('hwm_kib'):.0f}) MiB |")
PY
