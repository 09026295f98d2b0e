// Where the demo deskd is, from the demo.env that `deskd serve --demo` writes, and a fetch that
// reaches `demo.localhost` on the server's address (the host name picks the tenant, and Node does
// not resolve `*.localhost` by itself).
import { readFileSync } from "node:fs";
import { Agent, fetch as undiciFetch } from "undici";

export interface Site {
  /** The tenant's own address, e.g. http://demo.localhost:8080. */
  origin: string;
  /** The demo's DdApi key. */
  key: string;
  env: Record<string, string>;
}

export function demoSite(): Site {
  const file = process.env.DEMO_ENV;
  if (!file) throw new Error("set DEMO_ENV to the demo.env that `deskd serve --demo` wrote");
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (line.startsWith("#") || at < 0) continue;
    env[line.slice(0, at)] = line.slice(at + 1).replace(/^'|'$/g, "");
  }
  const base = new URL(need(env, "B"));
  const host = need(env, "H").replace(/^Host:\s*/, "");
  return { origin: `http://${host}:${base.port}`, key: need(env, "KEY"), env };
}

function need(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is missing from demo.env`);
  return value;
}

/** Every host name resolves to the loopback address deskd listens on. */
const loopback = new Agent({
  connect: {
    lookup: (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
      else (callback as unknown as (e: null, a: string, f: number) => void)(null, "127.0.0.1", 4);
    },
  },
});

/** `fetch` through the loopback agent; Requests are copied over, as undici has its own class. */
export async function localFetch(input: Request | string | URL, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request ? input : new Request(input, init);
  const body = request.body ? await request.arrayBuffer() : undefined;
  const answer = await undiciFetch(request.url, {
    method: request.method,
    headers: [...request.headers.entries()],
    body,
    redirect: "manual",
    dispatcher: loopback,
  });
  return answer as unknown as Response;
}

/** An assertion that fails the program with what was expected, and prints each success. */
export type Check = (condition: unknown, what: string, detail?: string) => asserts condition;

export function checker(program: string): Check {
  return (condition, what, detail = "") => {
    if (!condition) throw new Error(`${program}: ${what}${detail ? `: ${detail}` : ""}`);
    console.log(`ok  ${what}`);
  };
}
