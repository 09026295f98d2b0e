"""An SMTP server for bench/email.sh (aiosmtpd, from Debian's python3-aiosmtpd): accepts every
message and logs, per message, the receipt time and the ticket number from its subject's `[#n]`."""
import re, sys, time
from aiosmtpd.controller import Controller

port, log_path = int(sys.argv[1]), sys.argv[2]
log = open(log_path, "a", buffering=1)
TOKEN = re.compile(rb"\[#(\d+)\]")

class Handler:
    async def handle_DATA(self, server, session, envelope):
        received = time.time()
        match = TOKEN.search(envelope.content[:4096])
        log.write(f"{received:.6f} {match.group(1).decode() if match else '-'}\n")
        return "250 OK"

controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
