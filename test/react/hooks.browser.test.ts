/**
 * `holdfast/react` in real Chromium against a real Holdfast service (memory store): a page bundled
 * here from hooks-page.tsx, in StrictMode. useLock: the countdown on a browser clock an hour off
 * (and then moved), a conflict, an expiry, refresh on an interval, release on unmount and on
 * pagehide (keepalive), an error. useChannel: the server kills the WebSocket twice while messages
 * are published, and the page shows every message once, in order, with no gap.
 */
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { buildApp } from "../../src/server/app.js";
import { StoreKeyStore } from "../../src/server/auth/key-store.js";
import { bundlePage } from "../../examples/support/bundle-page.js";
import { hasChromium, launchChromium } from "../support/chromium.js";

const HOUR = 3_600_000;
/** The channel panel has no visible content; wait for it to be in the DOM, not visible. */
const ATTACHED = { state: "attached" as const };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(hasChromium)("holdfast/react in Chromium", { timeout: 60_000 }, () => {
  let store: Store;
  let app: FastifyInstance;
  let base = "";
  let browser: Browser;
  let context: BrowserContext;
  const sockets: Duplex[] = [];

  beforeAll(async () => {
    const js = await bundlePage(new URL("./hooks-page.tsx", import.meta.url));
    store = await createStore({ type: "memory", env: {} });
    ({ app } = await buildApp({
      store,
      keyStore: new StoreKeyStore(store),
      logLevel: "silent",
      authMode: "open",
    }));
    const pub = { config: { scope: "public" as const } };
    app.get("/hooks", pub, async (_req, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .send(`<!doctype html><div id="root"></div><script type="module" src="/hooks.js"></script>`),
    );
    app.get("/hooks.js", pub, async (_req, reply) => reply.type("text/javascript; charset=utf-8").send(js));
    base = await app.listen({ port: 0, host: "127.0.0.1" });
    app.server.prependListener("upgrade", (_req, socket: Duplex) => sockets.push(socket));
    browser = await launchChromium();
    context = await browser.newContext();
    // The browser's wall clock is an hour ahead; tests move it through window.__skew.
    await context.addInitScript(`{
      const realNow = Date.now.bind(Date);
      window.__skew = ${HOUR};
      Date.now = () => realNow() + window.__skew;
    }`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
  });

  async function open(query: Record<string, string | number>): Promise<Page> {
    const page = await context.newPage();
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    await page.goto(`${base}/hooks?${qs}`);
    await page.waitForSelector('body[data-ready="true"]');
    return page;
  }
  const attr = async (page: Page, sel: string, name: string) =>
    (await page.getAttribute(sel, `data-${name}`)) ?? "";
  const lockOnServer = async (key: string) =>
    (await fetch(`${base}/v1/locks/${encodeURIComponent(key)}`)).status === 200;
  async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  }

  it("counts down from the server's expiresIn on a browser clock an hour off, and after it moves", async () => {
    const page = await open({ key: "skew", ttlMs: 120_000 });
    await page.click("#acquire");
    await page.waitForSelector('#lock[data-status="held"]');
    expect(await page.textContent("#remaining")).toMatch(/^(2:00|1:59)$/);
    const first = Number(await attr(page, "#lock", "remaining-ms"));
    expect(first).toBeGreaterThan(115_000);
    expect(first).toBeLessThanOrEqual(120_000);
    // What expiresAt - Date.now() would show on this clock: long expired.
    expect(Number(await attr(page, "#lock", "naive-ms"))).toBeLessThan(-3_000_000);
    // The wall clock jumps two hours back: the countdown goes on as if nothing happened.
    await page.evaluate(() => ((window as unknown as { __skew: number }).__skew -= 2 * 3_600_000));
    await page.waitForFunction(
      (before) => Number(document.querySelector("#lock")!.getAttribute("data-remaining-ms")) < before - 900,
      first,
    );
    const later = Number(await attr(page, "#lock", "remaining-ms"));
    expect(later).toBeGreaterThan(first - 5_000);
    expect(await page.textContent("#remaining")).toMatch(/^1:5\d$/);
    expect(Number(await attr(page, "#lock", "naive-ms"))).toBeGreaterThan(3_000_000);
    await page.click("#release");
    await page.waitForSelector('#lock[data-status="released"]');
    expect(await lockOnServer("skew")).toBe(false);
    await page.close();
  });

  it("shows a conflict while another page holds the lock, and releases on unmount", async () => {
    const holder = await open({ key: "shared" });
    await holder.click("#acquire");
    await holder.waitForSelector('#lock[data-status="held"]');
    const other = await open({ key: "shared" });
    await other.click("#acquire");
    await other.waitForSelector('#lock[data-status="conflict"]');
    expect(Number(await attr(other, "#lock", "conflict-ms"))).toBeGreaterThan(100_000);
    expect(await attr(other, "#lock", "error")).toBe("");
    await holder.click("#unmount");
    await until(async () => !(await lockOnServer("shared")), "the unmount to release the lock");
    await other.click("#acquire");
    await other.waitForSelector('#lock[data-status="held"]');
    await other.close();
    await until(async () => !(await lockOnServer("shared")), "the closed page to release the lock");
    await holder.close();
  });

  it("loses a lease that runs out, and keeps one that is refreshed on its interval", async () => {
    const expiring = await open({ key: "short", ttlMs: 1_500, refreshEveryMs: 0 });
    const kept = await open({ key: "kept", ttlMs: 1_500, refreshEveryMs: 300 });
    await expiring.click("#acquire");
    await kept.click("#acquire");
    await expiring.waitForSelector('#lock[data-status="held"]');
    await kept.waitForSelector('#lock[data-status="held"]');
    await expiring.waitForSelector('#lock[data-status="lost"]', { timeout: 4_000 });
    // The page counts down from when it sent the acquire, so it calls the lease lost at or before
    // the server's expiry: the server lets go within one request's latency after that.
    await until(async () => !(await lockOnServer("short")), "the server to let the lapsed lease go", 1_000);
    await sleep(500);
    expect(await attr(kept, "#lock", "status")).toBe("held");
    expect(Number(await attr(kept, "#lock", "remaining-ms"))).toBeGreaterThan(300);
    expect(await lockOnServer("kept")).toBe(true);
    await kept.click("#refresh");
    await expiring.close();
    await kept.close();
    await until(async () => !(await lockOnServer("kept")), "pagehide to release the lock");
  });

  it("releases on pagehide with a keepalive request, and reports a failed acquire in `error`", async () => {
    const page = await open({ key: "navigate" });
    await page.click("#acquire");
    await page.waitForSelector('#lock[data-status="held"]');
    await page.goto("about:blank");
    await until(async () => !(await lockOnServer("navigate")), "the keepalive release");
    await page.goto(`${base}/hooks?key=x`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click("#acquire-bad");
    await page.waitForSelector('#lock:not([data-error=""])');
    expect(await attr(page, "#lock", "status")).toBe("idle");
    await page.close();
  });

  it("resumes a channel after the server kills the socket, twice: every message once, in order, no gap", async () => {
    const page = await open({ channel: "feed" });
    await page.waitForSelector('#channel[data-subscribed="true"]', ATTACHED);
    const publish = async (n: number) => {
      const r = await fetch(`${base}/v1/channels/feed/publish`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: { n } }),
      });
      expect(r.status).toBe(200);
    };
    let n = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) await publish(++n);
      if (round < 2) {
        await page.waitForSelector(`#channel[data-count="${n}"]`, ATTACHED);
        for (const s of sockets.splice(0)) s.destroy();
        await page.waitForSelector('#channel:not([data-status="open"])', ATTACHED);
      }
    }
    await page.waitForSelector(`#channel[data-count="${n}"]`, { ...ATTACHED, timeout: 10_000 });
    await page.waitForSelector('#channel[data-status="open"]', ATTACHED);
    const got = await page.$$eval("#channel li", (lis) =>
      lis.map((li) => ({ id: li.getAttribute("data-id")!, n: Number(li.getAttribute("data-n")) })),
    );
    expect(got.map((m) => m.n)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(new Set(got.map((m) => m.id)).size).toBe(n);
    expect(await attr(page, "#channel", "gap")).toBe("");
    expect(await attr(page, "#channel", "error")).toBe("");
    expect((await attr(page, "#channel", "statuses")).split(",")).toContain("reconnecting");
    await page.close();
  });
});
