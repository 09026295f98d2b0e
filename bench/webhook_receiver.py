"""A webhook receiver for bench/webhooks.sh: answers 200 at once and logs, per event received,
the receipt time, the event's createdOn and its id (one line each, flushed)."""
import json, sys, time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path = int(sys.argv[1]), sys.argv[2]
log = open(log_path, "a", buffering=1)

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        received = time.time()
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()
        for event in json.loads(body):
            created = datetime.fromisoformat(event["createdOn"].replace("Z", "+00:00")).timestamp()
            log.write(f"{received:.6f} {created:.6f} {event['id']}\n")

    def log_message(self, *args):
        pass

ThreadingHTTPServer.daemon_threads = True
# The default backlog of 5 drops simultaneous connections, which then wait a second to retry.
ThreadingHTTPServer.request_queue_size = 1024
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
