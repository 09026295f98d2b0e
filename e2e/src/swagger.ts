// Swagger UI in a real browser (Debian's Chromium, driven by Playwright): each credential scheme
// is authorised through the page's own dialog, and "Try it out" on an operation answers 200 with
// the caller it expects. The cookie scheme is a sign-in through the page itself.
import { chromium, type Page } from "playwright-core";

import { type Check, checker, demoSite, localFetch } from "./site.js";

const site = demoSite();

const check: Check = checker("swagger");

/** Opens `/swagger/v{n}`, the version's own address. */
async function open(page: Page, version: number): Promise<void> {
  await page.goto(`${site.origin}/swagger/v${version}`);
  await page.waitForSelector(".opblock", { timeout: 30_000 });
}

/** Fills one scheme's fields in the Authorize dialog. */
async function authorize(page: Page, scheme: string, values: string[]): Promise<void> {
  await page.click("button.authorize");
  const box = page.locator(".auth-container", { has: page.locator(`h4:has-text("${scheme}")`) });
  const inputs = box.locator("input");
  for (const [i, value] of values.entries()) await inputs.nth(i).fill(value);
  await box.locator("button.authorize").click();
  await page.click("button.btn-done");
}

/** "Try it out" → "Execute" on an operation; answers the status and body shown. */
async function tryOut(page: Page, tag: string, operationId: string, body?: string): Promise<{ status: string; text: string }> {
  const block = page.locator(`#operations-${tag}-${operationId}`);
  await block.locator(".opblock-summary").first().click();
  await block.locator("button.try-out__btn").click();
  if (body !== undefined) await block.locator("textarea.body-param__text").fill(body);
  await block.locator("button.execute").click();
  const status = block.locator(".live-responses-table tr.response .response-col_status").first();
  await status.waitFor({ timeout: 30_000 });
  const text = (await block.locator(".live-responses-table tr.response .response-col_description pre").first().textContent()) ?? "";
  return { status: ((await status.textContent()) ?? "").trim(), text };
}

async function techToken(): Promise<{ token: string; personal: string }> {
  const login = await localFetch(`${site.origin}/api/v2/tech/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "tech@demo.example", password: "demo-tech-password" }),
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const headers = { cookie, origin: site.origin, "content-type": "application/json" };
  const minted = (await (await localFetch(`${site.origin}/api/v2/tech/auth/token`, { method: "POST", headers })).json()) as {
    accessToken: string;
  };
  const pat = (await (
    await localFetch(`${site.origin}/api/v2/tech/personal-access-tokens`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: "swagger test" }),
    })
  ).json()) as { token?: string };
  if (!minted.accessToken || !pat.token) throw new Error("swagger: could not mint the tech credentials");
  return { token: minted.accessToken, personal: pat.token };
}

async function main(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
  });
  try {
    const { token, personal } = await techToken();
    const fresh = async () => (await browser.newContext()).newPage();

    let page = await fresh();
    await open(page, 3);
    check(page.url().includes("urls.primaryName=v3"), "/swagger/v3 opens the v3 document");
    await authorize(page, "DdApi", [`DdApi ${site.key}`]);
    let r = await tryOut(page, "Admin", "list_members");
    check(r.status === "200" && r.text.includes("tech@demo.example"), "DdApi: Try it out lists the members", JSON.stringify(r));

    page = await fresh();
    await open(page, 2);
    await authorize(page, "DdAccessToken", [`DdAccessToken ${token}`]);
    r = await tryOut(page, "Tech", "get_tech_me");
    check(r.status === "200" && r.text.includes("tech@demo.example"), "DdAccessToken: Try it out answers me");

    page = await fresh();
    await open(page, 2);
    await authorize(page, "Basic", ["tech", personal]);
    r = await tryOut(page, "Tech", "get_tech_me");
    check(r.status === "200" && r.text.includes("tech@demo.example"), "Basic (personal access token): Try it out answers me");

    page = await fresh();
    await open(page, 2);
    r = await tryOut(page, "Tech", "sign_in_member", JSON.stringify({ email: "tech@demo.example", password: "demo-tech-password" }));
    check(r.status === "200", "cookie: signing in from the page");
    await page.reload();
    await page.waitForSelector(".opblock");
    r = await tryOut(page, "Tech", "get_tech_me");
    check(r.status === "200" && r.text.includes("tech@demo.example"), "cookie: Try it out answers me with the session");
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
