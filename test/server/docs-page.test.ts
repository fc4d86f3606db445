/**
 * `/docs` in a real browser: a table of contents that reaches every operation, and for each its
 * parameters, request body and responses with their schemas; nothing loaded from anywhere else.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { startServer, type RunningServer } from "../../src/server/serve.js";
import { DEFAULT_SERVE_CONFIG } from "../../src/server/config.js";
import { hasChromium, launchChromium } from "../support/chromium.js";
import { tempKeysFile } from "./support.js";

describe("the /docs page", () => {
  let store: Store;
  let server: RunningServer;
  let operations: string[];

  beforeAll(async () => {
    store = await createStore({ type: "memory", env: {}, prefix: "docs:" });
    server = await startServer(
      { ...DEFAULT_SERVE_CONFIG, port: 0, keysFile: tempKeysFile(), logLevel: "silent" },
      { store, checkReplies: true },
    );
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    operations = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
  });
  afterAll(async () => {
    await server?.stop();
    await store?.close();
  });

  it("is one self-contained page: no script, no external asset, a CSP that forbids loading any", async () => {
    const r = await fetch(`${server.url}/docs`);
    expect(r.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const html = await r.text();
    expect(html).not.toMatch(/<script|<link|<img|<iframe/i);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    for (const id of operations) expect(html).toContain(`id="op-${id}"`);
  });

  it.runIf(hasChromium)(
    "shows a table of contents, parameters, request and response bodies in a browser",
    { timeout: 120_000 },
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const requested: string[] = [];
        page.on("request", (req) => requested.push(req.url()));
        await page.goto(`${server.url}/docs`);
        expect(requested.filter((u) => !u.startsWith(server.url))).toEqual([]);

        const toc = await page.$$eval('nav a[href^="#op-"]', (links) =>
          links.map((a) => a.getAttribute("href")),
        );
        expect(toc.sort()).toEqual(operations.map((id) => `#op-${id}`).sort());

        await page.click('nav a[href="#op-acquireLock"]');
        expect(new URL(page.url()).hash).toBe("#op-acquireLock");
        const op = page.locator("#op-acquireLock");
        expect(await op.locator("h3").textContent()).toContain("POST /v1/locks/{key}/acquire");
        expect(await op.locator("table").textContent()).toMatch(/key\s*path\s*string\s*yes/);
        const body = await op.locator("h4:has-text('Request body') + .schema").textContent();
        expect(body).toMatch(/ttlMs: optional integer \(≥ 1, ≤ 2147483647\) — Lease length in ms/);
        expect(await op.locator("details[open]").first().textContent()).toMatch(/200 Acquired.*LockLease/s);
        expect(await op.locator("ul.responses").textContent()).toMatch(/409 Held by someone else/);

        await op.locator('details[open] a[href="#schema-LockLease"]').click();
        expect(await page.locator("#schema-LockLease").textContent()).toMatch(
          /fence: integer — Fencing token/,
        );
        // Shared error shapes are linked, and the Error schema lists its fields.
        expect(await page.locator("#schema-Error").textContent()).toMatch(/code: string — Stable error code/);
        await page.screenshot({ path: "test-results/docs-page.png" }).catch(() => undefined);
      } finally {
        await browser.close();
      }
    },
  );
});
