/**
 * The React version of seed 004's TimeSlotPage (`/react.html`, built on `holdfast/react`'s
 * useLock) in Chromium, on the memory store: hold a slot with a live countdown on a browser clock
 * an hour off, a second visitor's conflict, "need more time", booking with the lockId, and the
 * seed's checklist item "lock cleanup on page navigation" (leaving the page frees the slot).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createStore, type Store } from "holdfast";
import { hasChromium, launchChromium } from "../support/chromium.js";
import { buildAppointmentApp } from "../../examples/appointment-locks/app.js";

describe.runIf(hasChromium)("seed 004's TimeSlotPage on useLock, in Chromium", { timeout: 60_000 }, () => {
  let store: Store;
  let app: FastifyInstance;
  let base = "";
  let browser: Browser;
  let context: BrowserContext;
  // The memory store keeps API keys in a file: a folder of this test's own, removed afterwards.
  let keysDir = "";

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), "holdfast-react-page-"));
    store = await createStore({ type: "memory", env: {} });
    app = await buildAppointmentApp({ store, keysFile: join(keysDir, "keys.json"), logLevel: "silent" });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
    context = await browser.newContext();
    // The visitors' clocks are an hour fast: the seed's own page would show "expired" at once.
    await context.addInitScript(`{ const n = Date.now.bind(Date); Date.now = () => n() + 3600000; }`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  });

  async function visit(date: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${base}/react.html?date=${date}`);
    await page.waitForSelector('.slot[data-time="15:00"]');
    return page;
  }
  const slotStatus = async (date: string, time: string) => {
    const r = await fetch(`${base}/api/slots?tenantId=test-tenant&resourceId=specialist-1&date=${date}`);
    return ((await r.json()) as { slots: { startTime: string; status: string }[] }).slots.find(
      (s) => s.startTime === time,
    )?.status;
  };

  it("holds a slot with a countdown, refuses it to a second visitor, and books it", async () => {
    const page = await visit("2025-05-01");
    const other = await visit("2025-05-01");
    await page.click('.slot[data-time="15:00"]');
    await page.waitForSelector('.slot[data-time="15:00"][data-status="mine"]');
    const first = await page.textContent("#remaining");
    expect(first).toMatch(/^(2:00|1:59)$/);
    await page.waitForFunction((f) => document.querySelector("#remaining")?.textContent !== f, first);
    expect(await page.textContent("#remaining")).toMatch(/^1:5\d$/);
    await page.click("#more-time");

    // The second visitor still sees 15:00 as free (its list is from before) and clicks it.
    await other.click('.slot[data-time="15:00"]');
    await other.waitForSelector("#error");
    expect(await other.textContent("#error")).toMatch(/being booked by someone else/);
    await other.waitForSelector('.slot[data-time="15:00"][data-status="held"]');

    await page.click("#book");
    await page.waitForSelector("#done");
    expect(await page.textContent("#done")).toMatch(/Booked 15:00 on 2025-05-01 for John Doe/);
    await page.waitForSelector("#timer", { state: "detached" });
    expect(await slotStatus("2025-05-01", "15:00")).toBe("booked");
    await other.reload();
    await other.waitForSelector('.slot[data-time="15:00"][data-status="booked"]');
    await page.close();
    await other.close();
  });

  it("frees the slot when the visitor leaves the page", async () => {
    const page = await visit("2025-05-02");
    await page.click('.slot[data-time="16:00"]');
    await page.waitForSelector("#timer");
    expect(await slotStatus("2025-05-02", "16:00")).toBe("held");
    await page.goto("about:blank");
    const deadline = Date.now() + 5000;
    while ((await slotStatus("2025-05-02", "16:00")) !== "free") {
      if (Date.now() > deadline) throw new Error("the slot was not freed by pagehide");
      await new Promise((r) => setTimeout(r, 25));
    }
    await page.close();
  });
});
