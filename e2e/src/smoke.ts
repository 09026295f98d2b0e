// A front-end's first hour, typed by the clients generated from deskd's OpenAPI documents: a
// contact raises a ticket with a file and reads it back, a technician works the queue and closes
// it, an admin makes an API key and a webhook that then receives the ticket's event. Any
// surprise, in a status or a type, fails the run.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import createClient, { type Client } from "openapi-fetch";

import type { paths as V1 } from "../generated/v1.js";
import type { paths as V2 } from "../generated/v2.js";
import type { paths as V3 } from "../generated/v3.js";
import { type Check, checker, demoSite, localFetch } from "./site.js";

const site = demoSite();

function client<Paths extends {}>(headers: Record<string, string>): Client<Paths> {
  return createClient<Paths>({ baseUrl: site.origin, fetch: localFetch, headers });
}

const check: Check = checker("smoke");

/** Signs in with a password and trades the session for an access token, as a front-end would. */
async function accessToken(family: "portal" | "tech", email: string, password: string): Promise<string> {
  const anonymous = client<V2>({});
  const login = family === "portal" ? "/api/v2/portal/auth/login" : "/api/v2/tech/auth/login";
  const signedIn = await anonymous.POST(login, { body: { email, password } });
  check(signedIn.response.status === 200, `${family}: sign in (${signedIn.response.status})`);
  const cookie = (signedIn.response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const session = client<V2>({ cookie, origin: site.origin });
  const token = family === "portal" ? "/api/v2/portal/auth/token" : "/api/v2/tech/auth/token";
  const minted = await session.POST(token, {});
  check(minted.data?.accessToken, `${family}: an access token for the session`);
  return minted.data.accessToken;
}

/** A webhook receiver on loopback: resolves with the first delivery. */
function receiver(): Promise<{ url: string; delivery: Promise<{ headers: IncomingMessage["headers"]; body: string }> }> {
  return new Promise((ready) => {
    let deliver: (d: { headers: IncomingMessage["headers"]; body: string }) => void = () => {};
    const delivery = new Promise<{ headers: IncomingMessage["headers"]; body: string }>((r) => (deliver = r));
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        response.writeHead(200).end("thanks");
        deliver({ headers: request.headers, body });
        server.close();
      });
    });
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      ready({ url: `http://127.0.0.1:${port}/deskd`, delivery });
    });
  });
}

async function main(): Promise<void> {
  // Admin: a new API key, which works at once; a webhook for new tickets.
  const admin = client<V3>({ authorization: `DdApi ${site.key}` });
  const made = await admin.POST("/api/v3/admin/api-keys", { body: { name: "smoke", scope: "read_write" } });
  check(made.response.status === 201 && made.data, "admin: an API key");
  check(made.data.key.startsWith("ddk_"), "admin: the key is shown once, whole");
  const smokeKey = client<V3>({ authorization: `DdApi ${made.data.key}` });
  const members = await smokeKey.GET("/api/v3/admin/members", { params: { query: { take: 10 } } });
  check(members.data && members.data.results.length >= 2, "admin: the new key lists the members");
  const hook = await receiver();
  const webhook = await admin.POST("/api/v3/admin/webhooks", {
    body: { url: hook.url, eventTypes: ["ticket.created"], description: "smoke" },
  });
  check(webhook.response.status === 201 && webhook.data?.enabled, "admin: a webhook for ticket.created");
  const legacy = client<V1>({ authorization: `DdApi ${site.key}` });
  const companies = await legacy.GET("/api/v1/admin/companies", {});
  check(companies.data && companies.data.TotalResults >= 1, "v1: companies in PascalCase");

  // Portal: me, a file, a ticket carrying it, the list and the ticket read back.
  const portal = client<V2>({ authorization: `DdAccessToken ${await accessToken("portal", "contact@demo.example", "demo-contact-password")}` });
  const me = await portal.GET("/api/v2/portal/me", {});
  check(me.data?.contact.email === "contact@demo.example", "portal: me");
  const types = await portal.GET("/api/v2/portal/request-types", {});
  const requestType = types.data?.results[0];
  check(requestType, "portal: a request type to raise a ticket with");
  const bytes = new TextEncoder().encode("printer says PC LOAD LETTER\n");
  const files = new FormData();
  files.append("file", new Blob([bytes], { type: "text/plain" }), "printer.log");
  const uploaded = await portal.POST("/api/v2/portal/attachments", {
    body: {} as never,
    bodySerializer: () => files,
  });
  const upload = uploaded.data?.[0];
  check(uploaded.response.status === 201 && upload, "portal: a file uploaded");
  const created = await portal.POST("/api/v2/portal/tickets", {
    body: {
      requestTypeId: requestType.id,
      summary: "The printer wants letter paper",
      description: "It says **PC LOAD LETTER**.",
      attachmentIds: [upload.id],
    },
  });
  const ticket = created.data;
  check(created.response.status === 201 && ticket && !ticket.isClosed, "portal: a ticket with the file");
  const mine = await portal.GET("/api/v2/portal/tickets", { params: { query: { status: "open" } } });
  check(mine.data?.results.some((t) => t.id === ticket.id), "portal: the ticket is in my list");
  const read = await portal.GET("/api/v2/portal/tickets/{ticketId}", { params: { path: { ticketId: ticket.id } } });
  check(read.data?.summary === "The printer wants letter paper", "portal: the ticket reads back");
  const attached = await portal.GET("/api/v2/portal/tickets/{ticketId}/attachments", {
    params: { path: { ticketId: ticket.id } },
  });
  const file = attached.data?.results[0];
  check(file?.name === "printer.log", "portal: the ticket lists its file");
  const download = await portal.GET("/api/v2/portal/attachments/{attachmentId}", {
    params: { path: { attachmentId: file.id } },
    parseAs: "text",
  });
  check(download.data === "printer says PC LOAD LETTER\n", "portal: the file downloads byte for byte");

  // The webhook heard of it, signed.
  const delivery = await Promise.race([
    hook.delivery,
    new Promise<never>((_, fail) => setTimeout(() => fail(new Error("smoke: no webhook delivery in 30 s")), 30_000)),
  ]);
  const events = JSON.parse(delivery.body) as { type: string; data: { id: number } }[];
  check(events.some((e) => e.type === "ticket.created"), "webhook: ticket.created delivered");
  check(Object.keys(delivery.headers).some((h) => h.includes("signature")), "webhook: the delivery is signed");

  // Tech: the queue, a note, closing.
  const tech = client<V2>({ authorization: `DdAccessToken ${await accessToken("tech", "tech@demo.example", "demo-tech-password")}` });
  const queue = await tech.GET("/api/v2/tech/tickets", { params: { query: { status: "open", sort: "-created" } } });
  check(queue.data?.results.some((t) => t.id === ticket.id), "tech: the ticket is in the queue");
  const note = await tech.POST("/api/v2/tech/tickets/{ticketId}/notes", {
    params: { path: { ticketId: ticket.id } },
    body: { note: "Loaded letter paper.", isInternal: false, timeEntry: { actualHours: 0.25 } },
  });
  check(note.response.status === 201 && note.data?.timeEntry?.actualHours === 0.25, "tech: a note with time worked");
  const queues = await tech.GET("/api/v2/tech/queues", {});
  const closed = queues.data?.results
    .find((q) => q.id === ticket.queue.id)
    ?.statuses.find((s) => s.isClosed && !s.isArchived);
  check(closed, "tech: the queue has a closed status");
  const closing = await tech.PATCH("/api/v2/tech/tickets/{ticketId}", {
    params: { path: { ticketId: ticket.id } },
    body: { statusId: closed.id },
  });
  check(closing.data?.isClosed, "tech: the ticket is closed");
  const seen = await portal.GET("/api/v2/portal/tickets/{ticketId}", { params: { path: { ticketId: ticket.id } } });
  check(seen.data?.isClosed && seen.data.notes?.some((n) => n.note === "Loaded letter paper."), "portal: the contact sees it closed, with the note");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
