#!/usr/bin/env python3
"""Chat fan-out load: N contacts in chats of `per_chat`, each holding a portal event stream
(Server-Sent Events); a technician posts messages into random chats; every subscriber records
when each message reached it. Standard library only (asyncio, raw HTTP/1.1).

    chat_fanout.py PORT HOST API_KEY SUBSCRIBERS PER_CHAT POSTERS SECONDS SERVER_PID

Prints one JSON object: the POST rate and latency with no subscribers (the reference), then with
all of them, fan-out latency (POST sent to event read) p50/p99, receipts, and the server's memory.
"""

import asyncio
import json
import os
import random
import sys
import time

PORT, HOST, KEY = int(sys.argv[1]), sys.argv[2], sys.argv[3]
SUBSCRIBERS, PER_CHAT, POSTERS, SECONDS = (int(a) for a in sys.argv[4:8])
SERVER_PID = int(sys.argv[8])


class Http:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self):
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", PORT)

    async def call(self, method, path, auth, body=None):
        if self.writer is None:
            await self.open()
        data = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: {auth}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        status, headers = await read_head(self.reader)
        length = int(headers.get("content-length", "0"))
        raw = await self.reader.readexactly(length) if length else b""
        return status, (json.loads(raw) if raw else None)


async def read_head(reader):
    line = await reader.readline()
    status = int(line.split()[1])
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            return status, headers
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def cpu_seconds(pid="self"):
    """User plus system CPU time of a process so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib():
    fields = {}
    for line in open(f"/proc/{SERVER_PID}/status"):
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


class Subscriber:
    def __init__(self, token):
        self.token = token
        self.connected = asyncio.Event()
        self.latencies = []
        self.ended = False

    async def run(self):
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        writer.write(
            (
                f"GET /api/v2/portal/events/stream HTTP/1.1\r\nHost: {HOST}\r\n"
                f"Authorization: DdAccessToken {self.token}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status, _ = await read_head(reader)
        assert status == 200, status
        buffer = b""
        while True:
            size_line = await reader.readline()
            if not size_line:
                self.ended = True
                return
            size = int(size_line.strip() or b"0", 16)
            chunk = await reader.readexactly(size + 2)
            buffer += chunk[:-2]
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                self.on_block(block.decode())

    def on_block(self, block):
        event, data = None, None
        for line in block.split("\n"):
            if line.startswith(":"):
                self.connected.set()
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
        if event == "chat.message" and data:
            text = json.loads(data)["message"]
            if text.startswith("bench "):
                sent = float(text.split()[2])
                self.latencies.append((time.time() - sent) * 1000)


async def main():
    admin = Http()
    api = f"DdApi {KEY}"
    contacts = []
    while len(contacts) < SUBSCRIBERS:
        _, page = await admin.call("GET", f"/api/v3/admin/contacts?take=100&skip={len(contacts)}", api)
        contacts += [c["id"] for c in page["results"]]
        if not page["hasMore"]:
            break
    contacts = contacts[:SUBSCRIBERS]
    _, members = await admin.call("GET", "/api/v3/admin/members?take=100", api)
    tech = next(m["id"] for m in members["results"] if m["role"] == "tech")
    _, key = await admin.call("GET", f"/api/v2/user/member/{tech}/userkey?expiresIn=86400", api)
    member = f"DdAccessToken {key['userKey']}"
    tokens = []
    for c in contacts:
        _, key = await admin.call("GET", f"/api/v2/user/contact/{c}/userkey?expiresIn=86400", api)
        tokens.append(key["userKey"])

    # Chats: the first contact of each group asks; the technician handles it and invites the rest.
    chats = []
    for start in range(0, len(contacts), PER_CHAT):
        asker = Http()
        status, chat = await asker.call(
            "POST", "/api/v2/portal/chats", f"DdAccessToken {tokens[start]}", {"message": "help"}
        )
        assert status == 201, (status, chat)
        asker.writer.close()
        chat_id = chat["id"]
        status, _ = await admin_call(member, "POST", f"/api/v2/tech/chats/{chat_id}/handle")
        assert status == 200, status
        invited = contacts[start + 1 : start + PER_CHAT]
        if invited:
            status, _ = await admin_call(
                member, "POST", f"/api/v2/tech/chats/{chat_id}/invite", {"contactIds": invited}
            )
            assert status == 200, status
        chats.append(chat_id)

    async def post_for(seconds, latencies):
        conn = Http()
        sent = 0
        end = time.time() + seconds
        while time.time() < end:
            chat = random.choice(chats)
            started = time.time()
            status, _ = await conn.call(
                "POST",
                f"/api/v2/tech/chats/{chat}/messages",
                member,
                {"message": f"bench {sent} {started:.6f}"},
            )
            assert status == 201, status
            latencies.append((time.time() - started) * 1000)
            sent += 1
        return sent

    async def phase(seconds):
        """Messages/s, POST latencies, and server and client CPU seconds per message."""
        latencies = []
        started = time.time()
        server_cpu, own_cpu = cpu_seconds(SERVER_PID), cpu_seconds()
        counts = await asyncio.gather(*(post_for(seconds, latencies) for _ in range(POSTERS)))
        posted = sum(counts)
        server_cpu = (cpu_seconds(SERVER_PID) - server_cpu) / posted
        own_cpu = (cpu_seconds() - own_cpu) / posted
        return posted / (time.time() - started), latencies, server_cpu, own_cpu

    idle_memory = memory_kib()
    # Reference: the same posting with nobody listening.
    ref_rate, ref_lat, ref_server_cpu, ref_own_cpu = await phase(min(SECONDS, 10))

    subscribers = [Subscriber(t) for t in tokens]
    tasks = [asyncio.create_task(s.run()) for s in subscribers]
    await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in subscribers)), 120)
    connected_memory = memory_kib()
    rate, post_lat, server_cpu, own_cpu = await phase(SECONDS)
    posted = len(post_lat)
    await asyncio.sleep(2)
    loaded_memory = memory_kib()
    fanout = [l for s in subscribers for l in s.latencies]
    for t in tasks:
        t.cancel()
    print(
        json.dumps(
            {
                "subscribers": len(subscribers),
                "chats": len(chats),
                "posters": POSTERS,
                "seconds": SECONDS,
                "reference_posts_per_s": ref_rate,
                "reference_post_p50_ms": pct(ref_lat, 0.5),
                "reference_post_p99_ms": pct(ref_lat, 0.99),
                "posts_per_s": rate,
                "post_p50_ms": pct(post_lat, 0.5),
                "post_p99_ms": pct(post_lat, 0.99),
                "posted": posted,
                "reference_server_cpu_ms_per_post": ref_server_cpu * 1000,
                "server_cpu_ms_per_post": server_cpu * 1000,
                "reference_client_cpu_ms_per_post": ref_own_cpu * 1000,
                "client_cpu_ms_per_post": own_cpu * 1000,
                "expected_receipts": posted * PER_CHAT,
                "receipts": len(fanout),
                "receipts_per_s": len(fanout) / SECONDS,
                "dropped_streams": sum(s.ended for s in subscribers),
                "fanout_p50_ms": pct(fanout, 0.5),
                "fanout_p99_ms": pct(fanout, 0.99),
                "rss_idle_kib": idle_memory["VmRSS"],
                "rss_connected_kib": connected_memory["VmRSS"],
                "rss_after_kib": loaded_memory["VmRSS"],
                "hwm_kib": loaded_memory["VmHWM"],
            }
        )
    )


async def admin_call(auth, method, path, body=None):
    conn = Http()
    try:
        return await conn.call(method, path, auth, body)
    finally:
        conn.writer.close()


if __name__ == "__main__":
    asyncio.run(main())
