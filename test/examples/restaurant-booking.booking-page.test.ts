/**
 * Seed 000's "Option 1: via browser" in Chromium: open http://localhost:3001, fill in the booking
 * form, create a test booking, and watch the assignment and the state-machine history arrive live
 * over the /live WebSocket while the pipeline works (a slow assignment call makes it visible),
 * without polling and without loading anything from another origin; then a party no table seats,
 * and a field the service refuses, as a user of a screen reader or a keyboard meets them.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { createInventory, createStore, type Store } from "holdfast";
import { hasChromium, launchChromium } from "../support/chromium.js";
import { buildRestaurantApp } from "../../examples/restaurant-booking/app.js";
import { AssignmentEngine } from "../../examples/restaurant-booking/engine.js";

describe.runIf(hasChromium)("seed 000's booking form in Chromium", { timeout: 60_000 }, () => {
  let store: Store;
  let app: FastifyInstance;
  let base = "";
  let browser: Browser;
  let keysDir = "";

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), "holdfast-booking-page-"));
    store = await createStore({ type: "memory", env: {} });
    // The assignment call takes 800 ms: long enough to see the pipeline move before it answers.
    const engine = new AssignmentEngine(createInventory(store), { latencyMs: 800 });
    ({ app } = await buildRestaurantApp({
      store,
      engine,
      keysFile: join(keysDir, "keys.json"),
      logLevel: "silent",
    }));
    base = await app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  });

  /** The page, with every request, WebSocket frame and console error it makes. */
  async function open(): Promise<{ page: Page; requests: string[]; frames: string[]; errors: string[] }> {
    const page = await browser.newPage();
    const requests: string[] = [];
    const frames: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(`${r.method()} ${r.url()}`));
    page.on("websocket", (ws) => {
      requests.push(`WS ${ws.url()}`);
      ws.on("framereceived", (f) => frames.push(String(f.payload)));
    });
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-ready="true"]');
    return { page, requests, frames, errors };
  }

  async function fill(page: Page, party: string, phone = "+1234567890"): Promise<void> {
    await page.getByLabel("Restaurant").selectOption({ label: "Seed Bistro" });
    await page.getByLabel("Date").fill("2025-11-20");
    await page.getByLabel("Time").selectOption("19:00");
    await page.getByLabel("Party size").fill(party);
    await page.getByLabel("Name").fill("Test User");
    await page.getByLabel("Email").fill("test@example.com");
    await page.getByLabel("Phone").fill(phone);
  }

  it("books a table and shows the pipeline's history live, from its own origin only", async () => {
    const { page, requests, frames, errors } = await open();
    // Every control has a label; the result is announced (role=status) and the errors too (alert).
    expect(
      await page.evaluate(() =>
        Array.from(document.querySelectorAll("input, select")).every(
          (e) => (e as HTMLInputElement).labels!.length > 0,
        ),
      ),
    ).toBe(true);
    expect(await page.getByRole("alert").count()).toBe(0); // hidden until there is an error

    await fill(page, "4");
    const submittedAt = requests.length;
    let answered = false;
    const response = page
      .waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/api/bookings"))
      .then((r) => {
        answered = true;
        return r;
      });
    await page.getByRole("button", { name: "Book a table" }).click();

    // Live: the assignment is under way, shown before the booking request has been answered.
    await page.waitForSelector('#history li[data-to="assignment_in_progress"]');
    expect(answered).toBe(false);
    expect(await page.getByRole("status").textContent()).toBe("In progress: assignment in progress…");
    expect((await response).status()).toBe(201);

    await page.waitForSelector('#state[data-state="confirmed"]');
    expect(await page.getByRole("status").textContent()).toBe(
      "Confirmed: table T3 for 4 at 19:00 on 2025-11-20.",
    );
    expect(await page.textContent("#tables")).toBe("T3");
    expect(await page.textContent("#score")).toBe("1.00");
    expect(await page.$$eval("#history li", (li) => li.map((x) => (x as HTMLElement).dataset.to))).toEqual([
      "created",
      "capacity_verified",
      "assignment_pending",
      "assignment_in_progress",
      "assigned",
      "confirmed",
    ]);
    // Focus moves to the result, for keyboard and screen-reader users.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("result-title");
    const id = await page.textContent("#booking-id");
    const booking = (await (await fetch(`${base}/api/bookings/${id}`)).json()) as {
      booking: { state: string; tables: string[] };
    };
    expect(booking.booking).toMatchObject({ state: "confirmed", tables: ["T3"] });

    // Not polling: one POST, one read of the settled booking, and the socket's frames.
    const after = requests.slice(submittedAt);
    expect(after.filter((r) => r.startsWith("POST "))).toEqual([`POST ${base}/api/bookings`]);
    expect(after.filter((r) => r.startsWith("GET "))).toEqual([`GET ${base}/api/bookings/${id}`]);
    expect(after.filter((r) => r.startsWith("WS "))).toEqual([`WS ${base.replace("http", "ws")}/live`]);
    const transitions = frames
      .map((f) => JSON.parse(f) as { type: string })
      .filter((f) => f.type === "message");
    expect(transitions.length).toBe(6);
    // Nothing from anywhere else, and nothing the CSP had to block.
    for (const r of requests)
      expect(r).toMatch(new RegExp(`^(GET|POST|WS) ${base.replace(/^http/, "(http|ws)")}/`));
    expect(errors).toEqual([]);
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/restaurant-booking.png", fullPage: true });
    await page.close();
  });

  it("says when no table seats the party, and which field the service refused", async () => {
    const { page, errors } = await open();
    await fill(page, "20");
    await page.getByRole("button", { name: "Book a table" }).click();
    await page.waitForSelector('#state[data-state="rejected"]');
    expect(await page.getByRole("status").textContent()).toMatch(
      /^No table, or pair of adjacent tables, seats your party/,
    );
    expect(await page.$$eval("#history li", (li) => li.map((x) => (x as HTMLElement).dataset.to))).toEqual([
      "created",
      "rejected",
    ]);
    expect(await page.isHidden("#retry")).toBe(true);

    await fill(page, "2", "call me maybe");
    await page.getByRole("button", { name: "Book a table" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("customer_phone: must be a phone number like +1234567890");
    expect(await page.getAttribute("#phone", "aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("phone");
    expect(await page.isHidden("#result")).toBe(true);
    // Only the browser's own note of the refusals the page shows (409 rejected, 400 the phone).
    expect(errors.filter((e) => !/status of (400|409)/.test(e))).toEqual([]);
    await page.close();
  });
});
