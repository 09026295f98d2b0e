#!/usr/bin/env bash
# Email under load, release build, real servers on loopback:
#   out: ticket creations/s by wrk (64 connections) in ROUNDS pairs of rounds, mail off then on
#        (each creation mails its contact a confirmation through a local SMTP server: Postfix's
#        smtp-sink, written in C, so the receiver takes little of the two cores deskd is measured on),
#        waiting for the outbox to drain after each pair so no round carries another's sending;
#        how fast the messages arrive and how long after the ticket's creation (p50/p99);
#   in:  a Dovecot mailbox holding INBOUND messages (plain, HTML, with an attachment) polled into
#        tickets while wrk creates tickets for DURATION s: messages/s, and the creations/s meanwhile.
# Prints a Markdown section for RESULTS.md.
#
#   bench/email.sh        # ROUNDS=4 pairs of DURATION=10 s rounds; INBOUND=5000 messages
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-4}
CONNECTIONS=${CONNECTIONS:-64}
INBOUND=${INBOUND:-5000}
PORT=${PORT:-18091}
SMTP_PORT=${SMTP_PORT:-18092}
IMAP_PORT=${IMAP_PORT:-18093}
HOST=mailbench.localhost
DATA=$PWD/bench/.data-email
MAILBOX_USER=support@mail.test
MAILBOX_PASSWORD=bench-imap-password

install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
command -v wrk >/dev/null 2>&1 || install wrk
[ -x /usr/sbin/smtp-sink ] || install postfix
[ -x /usr/sbin/dovecot ] || install dovecot-imapd
cargo build --release --quiet
BIN=$PWD/target/release/deskd
rm -rf "$DATA" && mkdir -p "$DATA/dovecot/mail"

# Dovecot with one mailbox, as the mail tests start it.
D=$DATA/dovecot
cat >"$D/dovecot.conf" <<CONF
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
first_valid_uid = 1
first_valid_gid = 1
auth_mechanisms = plain login
mail_location = maildir:$D/mail/%n
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$D/mail/%n
}
service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
CONF
echo "$MAILBOX_USER:{PLAIN}$MAILBOX_PASSWORD" >"$D/users"
chown -R dovecot:dovecot "$D/mail"
/usr/sbin/dovecot -F -c "$D/dovecot.conf" &
DOVECOT=$!

export DESKD_DATA_DIR=$DATA DESKD_BIND=127.0.0.1:$PORT DESKD_BASE_DOMAIN=localhost RUST_LOG=warn \
  DESKD_DB_MAX_CONNECTIONS=32 DESKD_WEBHOOKS_ALLOW_PRIVATE=true DESKD_RATE_LIMITS=off
"$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER=$!
# Each message received is dumped to a file of its own; its modification time is the receipt time.
mkdir -p "$DATA/sink" && chown postfix "$DATA/sink"
/usr/sbin/smtp-sink -u postfix -d "$DATA/sink/%H/%M%S." "127.0.0.1:$SMTP_PORT" 256 &
RECEIVER=$!
trap 'kill $SERVER $RECEIVER $DOVECOT 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf -H "Host: localhost" "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

"$BIN" tenant create --slug mailbench --name "Mail IT" --admin-email admin@mail.test --admin-password "bench password 1" >/dev/null
"$BIN" seed --tenant mailbench --companies 50 --contacts 1000 --technicians 5 2>/dev/null | tail -n 1 >/dev/null
KEY=$("$BIN" api-key create --tenant mailbench --name bench | tail -n 1)
PSQL=(psql "postgresql:///deskd?host=$DATA/pg&user=postgres" -tAc)
# smtp-sink does not offer SMTPUTF8, so the seed's internationalised addresses become ASCII ones.
"${PSQL[@]}" "UPDATE contacts SET email = 'contact' || id || '@mail.test' WHERE email !~ '^[[:ascii:]]*$'" >/dev/null
api() { curl -sf -H "Host: $HOST" -H "Authorization: DdApi $KEY" -H 'Content-Type: application/json' "$@"; }
create() { # seconds → requests/s
  wrk -t2 -c"$CONNECTIONS" -d"$1s" -s bench/wrk/create_ticket.lua -H "Host: $HOST" -H "Authorization: DdApi $KEY" \
    "http://127.0.0.1:$PORT/" | wrk_rate
}
export CONTACTS=1000

# Out: pairs of rounds, mail off then on; after each pair the outbox drains before the next.
settings() { # true|false
  api -X PUT -d "{\"enabled\":$1,\"smtpHost\":\"127.0.0.1\",\"smtpPort\":$SMTP_PORT,\"tls\":\"none\",\"fromName\":\"Mail IT\",\"fromAddress\":\"desk@mail.test\"}" \
    "http://127.0.0.1:$PORT/api/v3/admin/email/settings" >/dev/null
}
# CPU seconds a process has used (user + system).
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
OFF=() ON=()
DESKD_OFF=0 DESKD_ON=0 RECEIVER_ON=0
FIRST=$("${PSQL[@]}" "SELECT coalesce(max(id), 0) FROM tickets")
START=$(date +%s.%N)
for _ in $(seq 1 "$ROUNDS"); do
  settings false
  c0=$(cpu $SERVER)
  OFF+=("$(create "$DURATION")")
  c1=$(cpu $SERVER)
  settings true
  r1=$(cpu $RECEIVER)
  ON+=("$(create "$DURATION")")
  for _ in $(seq 1 3000); do
    [ "$("${PSQL[@]}" "SELECT count(*) FROM email_jobs") $("${PSQL[@]}" "SELECT count(*) FROM email_messages WHERE state = 'pending'")" = "0 0" ] && break
    sleep 0.1
  done
  c2=$(cpu $SERVER) r2=$(cpu $RECEIVER)
  add() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { print a + b - c }'; }
  DESKD_OFF=$(add "$DESKD_OFF" "$c1" "$c0")
  DESKD_ON=$(add "$DESKD_ON" "$c2" "$c1")
  RECEIVER_ON=$(add "$RECEIVER_ON" "$r2" "$r1")
done
CREATED_OFF=$(printf '%s\n' "${OFF[@]}" | awk -v d="$DURATION" '{s+=$1*d} END {print s}')
BASE=$(printf '%s\n' "${OFF[@]}" | awk '{s+=$1} END {print s/NR}')
WITH=$(printf '%s\n' "${ON[@]}" | awk '{s+=$1} END {print s/NR}')
EXPECTED=$("${PSQL[@]}" "SELECT count(*) FROM email_messages")
for _ in $(seq 1 3000); do
  [ "$(find "$DATA/sink" -type f | wc -l)" -ge "$EXPECTED" ] && break
  sleep 0.1
done
"${PSQL[@]}" "SELECT id, extract(epoch FROM created_at) FROM tickets WHERE id > $FIRST" >"$DATA/created.txt"
FAILED=$("${PSQL[@]}" "SELECT count(*) FROM email_messages WHERE state <> 'sent'")

# In.
SENDERS=$("${PSQL[@]}" "SELECT string_agg(email, ',') FROM (SELECT email FROM contacts ORDER BY id LIMIT 200) c")
python3 bench/imap_fill.py "$IMAP_PORT" "$MAILBOX_USER" "$MAILBOX_PASSWORD" "$INBOUND" "$SENDERS"
BEFORE=$("${PSQL[@]}" "SELECT count(*) FROM tickets")
IN_START=$(date +%s.%N)
# Tickets are created by wrk while the mailbox is being read, as in the out rounds.
create "$DURATION" >"$DATA/while_reading.txt" &
CREATING=$!
api -d "{\"name\":\"Support\",\"address\":\"$MAILBOX_USER\",\"queueId\":1,\"imapHost\":\"127.0.0.1\",\"imapPort\":$IMAP_PORT,\"imapTls\":\"none\",\"imapUser\":\"$MAILBOX_USER\",\"imapPassword\":\"$MAILBOX_PASSWORD\"}" \
  "http://127.0.0.1:$PORT/api/v3/admin/email/mailboxes" >/dev/null
for _ in $(seq 1 6000); do
  [ "$("${PSQL[@]}" "SELECT count(*) FROM email_inbound")" -ge "$INBOUND" ] && break
  sleep 0.1
done
IN_END=$(date +%s.%N)
wait $CREATING
WHILE_READING=$(cat "$DATA/while_reading.txt")
IN_TICKETS=$("${PSQL[@]}" "SELECT count(*) FROM email_inbound WHERE outcome = 'ticket'")
IN_OUTCOMES=$("${PSQL[@]}" "SELECT string_agg(outcome || ' ' || n, ', ') FROM (SELECT outcome, count(*) n FROM email_inbound GROUP BY 1) o")

# Receipt time and ticket number (`[#n]` in the subject) of every message received.
python3 - "$DATA/sink" >"$DATA/received.log" <<'PY'
import os, re, sys
token = re.compile(rb"^Subject: .*?\[#(\d+)\]", re.M)
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        path = os.path.join(root, name)
        match = token.search(open(path, "rb").read(8192))
        print(f"{os.stat(path).st_mtime_ns / 1e9:.6f} {match.group(1).decode() if match else '-'}")
PY
python3 - "$DATA/received.log" "$DATA/created.txt" "$START" "$EXPECTED" "$BASE" "$WITH" "$DURATION" "$FAILED" \
  "$INBOUND" "$IN_START" "$IN_END" "$IN_TICKETS" "$IN_OUTCOMES" "${OFF[*]}" "${ON[*]}" "$ROUNDS" \
  "$DESKD_OFF" "$DESKD_ON" "$RECEIVER_ON" "$CREATED_OFF" "$WHILE_READING" <<'PY'
import sys
(received, created, start, expected, base, with_mail, duration, failed,
 inbound, in_start, in_end, in_tickets, in_outcomes, offs, ons, rounds,
 deskd_off, deskd_on, receiver_on, created_off, while_reading) = sys.argv[1:]
start, base, with_mail = float(start), float(base), float(with_mail)
created_at = dict(l.strip().split("|") for l in open(created) if "|" in l)
rows = [l.split() for l in open(received)]
mine = [(float(t), n) for t, n in rows if n in created_at]
lat = sorted((t - float(created_at[n])) * 1000 for t, n in mine)
# The mail rate: received per second while receiving (the pairs' pauses left out).
times = sorted(t for t, _ in mine)
busy = sum(min(b - a, 1.0) for a, b in zip(times, times[1:]))
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
seconds_in = float(in_end) - float(in_start)
print("\n## Email\n")
print(f"`bench/email.sh`: tickets created by wrk (64 connections) in {rounds} pairs of {duration} s rounds, mail off then on")
print("(each creation mailing its contact a confirmation through a local SMTP server, Postfix's smtp-sink; the worker")
print("inside `deskd serve` plans and sends), the outbox drained after each pair.")
print(f"Then a Dovecot mailbox holding {inbound} messages (plain, HTML, a third with an attachment) polled into tickets.\n")
print("| measure | value |")
print("|---|---:|")
print(f"| ticket creations/s, mail off (mean of {offs.replace(' ', ', ')}) | {base:.0f} |")
print(f"| ticket creations/s, mail on (mean of {ons.replace(' ', ', ')}) | {with_mail:.0f} ({(with_mail / base - 1) * 100:+.0f}%) |")
print(f"| confirmations expected / received / not sent | {expected} / {len(mine)} / {failed} |")
print(f"| mails/s while sending | {len(mine) / busy:.0f} |")
print(f"| ticket creation to receipt, p50 / p99 ms | {p(0.5):.0f} / {p(0.99):.0f} |")
per_ticket = float(deskd_off) / float(created_off) * 1000
mails = len(mine)
created_on = int(expected)
extra = (float(deskd_on) - per_ticket / 1000 * created_on) / mails * 1000
print(f"| deskd CPU ms per ticket (mail off) / extra per mail (plan and send) | {per_ticket:.2f} / {extra:.2f} |")
print(f"| SMTP server (smtp-sink) CPU ms per mail received | {float(receiver_on) / mails * 1000:.2f} |")
print(f"| inbound messages/s ({in_outcomes}), while wrk creates tickets for the first {duration} s | {int(inbound) / seconds_in:.0f} |")
print(f"| ticket creations/s while the mailbox is read | {float(while_reading):.0f} ({(float(while_reading) / base - 1) * 100:+.0f}%) |")
print(f"| tickets opened from the mailbox | {in_tickets} |")
PY
