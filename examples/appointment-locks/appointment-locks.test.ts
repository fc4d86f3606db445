/**
 * Seed 004's walkthrough, end to end over real HTTP on a private Redis: health, acquire, conflict,
 * booking with the lockId, expiry → 409; then what the seed forgot: two customers racing for one
 * slot, a lock that expires mid-checkout, Redis restarting mid-flow; and the page in Chromium.
 */
import { existsSync, mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { FastifyInstance } from "fastify";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { PrivateRedis } from "../../test/support/redis-server.js";
import { tempKeysFile } from "../../test/server/support.js";
import { buildAppointmentApp } from "./app.js";

const hasRedis = inject("redisPort") !== null;
const slot = {
  tenantId: "test-tenant",
  resourceId: "specialist-1",
  date: "2025-03-10",
  startTime: "14:00",
  duration: 60,
};
const booking = (lockId: string, startTime = "14:00") => ({
  lockId,
  tenantId: "test-tenant",
  specialistId: "specialist-1",
  serviceId: "service-1",
  date: "2025-03-10",
  startTime,
  endTime: "15:00",
  customerName: "John Doe",
  customerEmail: "john@example.com",
  customerPhone: "+1234567890",
  price: 50,
  duration: 60,
});

describe.runIf(hasRedis)("seed 004: appointment slot locks", () => {
  let redis: PrivateRedis;
  let store: Store;
  let app: FastifyInstance;
  let base: string;
  const post = async (path: string, body: unknown) => {
    const r = await fetch(base + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    store = await createStore({
      type: "redis",
      redis: { url: redis.url },
      env: {},
      checkServer: false,
      commandTimeoutMs: 500,
    });
    app = await buildAppointmentApp({
      store,
      lockTtlMs: 120_000,
      adminToken: "s3cret-admin",
      keysFile: tempKeysFile(),
      logLevel: "silent",
    });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await redis?.stop();
  });

  it("follows the seed's curl walkthrough", async () => {
    const health = await fetch(`${base}/api/locks/health`);
    expect(await health.json()).toMatchObject({
      success: true,
      healthy: true,
      message: "Lock service is operational",
    });

    const acquired = await post("/api/locks/acquire", slot);
    expect(acquired.status).toBe(200);
    expect(acquired.body).toMatchObject({ success: true, locked: true, expiresIn: 120000 });
    expect(acquired.body.lockId).toMatch(/^[0-9a-f-]{36}$/);
    expect(acquired.body.expiresAt).toBeGreaterThan(Date.now() + 100_000);

    const conflict = await post("/api/locks/acquire", slot);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      success: false,
      locked: false,
      reason: "slot_locked",
      message: "Slot is currently locked by another user",
    });
    expect(conflict.body.remainingTTL).toBeGreaterThan(100_000);
    expect(conflict.body.remainingTTL).toBeLessThanOrEqual(120_000);

    const admin = await fetch(`${base}/api/locks/admin/active?tenantId=test-tenant`, {
      headers: { authorization: "Bearer s3cret-admin" },
    });
    const active = (await admin.json()) as { locks: { key: string; remainingTTL: number }[] };
    expect(active.locks.map((l) => l.key)).toContain(
      "booking_lock:{test-tenant|specialist-1}:2025-03-10:14:00",
    );
    expect((await fetch(`${base}/api/locks/admin/active`)).status).toBe(401);
    expect(
      (await fetch(`${base}/api/locks/metrics`, { headers: { authorization: "Bearer wrong" } })).status,
    ).toBe(401);

    const booked = await post("/api/appointments", booking(acquired.body.lockId));
    expect(booked.status).toBe(201);
    expect(booked.body).toMatchObject({
      success: true,
      appointment: { status: "booked", startTime: "14:00" },
    });

    // the slot is booked: the lock was released, but booking it again fails
    const again = await post("/api/locks/acquire", slot);
    expect(again.status).toBe(200);
    expect((await post("/api/appointments", booking(again.body.lockId))).body.reason).toBe("slot_booked");

    const metrics = await fetch(`${base}/api/locks/metrics`, {
      headers: { authorization: "Bearer s3cret-admin" },
    });
    expect(
      ((await metrics.json()) as { metrics: { appointmentsBooked: number } }).metrics.appointmentsBooked,
    ).toBeGreaterThanOrEqual(1);
  });

  it("refuses a booking with someone else's or an unknown lockId (409), and bad input (400)", async () => {
    const mine = await post("/api/locks/acquire", { ...slot, startTime: "09:00" });
    const forged = await post("/api/appointments", booking("a1b2c3d4-e5f6-7890-abcd-ef1234567890", "09:00"));
    expect(forged.status).toBe(409);
    expect(forged.body.reason).toBe("lock_expired");
    const bad = await post("/api/locks/acquire", { ...slot, date: "10/03/2025" });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("date");
    await post("/api/locks/release", { ...slot, startTime: "09:00", lockId: mine.body.lockId });
  });

  it("lets exactly one of many racing customers hold and book a slot", async () => {
    const racers = await Promise.all(
      Array.from({ length: 20 }, () => post("/api/locks/acquire", { ...slot, startTime: "10:00" })),
    );
    const winners = racers.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(racers.filter((r) => r.status === 409)).toHaveLength(19);
    const books = await Promise.all(
      racers.map((r) => post("/api/appointments", booking(r.body.lockId ?? "none", "10:00"))),
    );
    expect(books.filter((b) => b.status === 201)).toHaveLength(1);
  });

  it("answers 409 when the lock expired mid-checkout", async () => {
    const shortApp = await buildAppointmentApp({
      store,
      lockTtlMs: 300,
      keysFile: tempKeysFile(),
      logLevel: "silent",
    });
    const url = await shortApp.listen({ port: 0, host: "127.0.0.1" });
    try {
      const r = await fetch(`${url}/api/locks/acquire`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...slot, startTime: "11:00" }),
      });
      const { lockId } = (await r.json()) as { lockId: string };
      await new Promise((res) => setTimeout(res, 600));
      // someone else takes the slot after expiry
      const other = await fetch(`${url}/api/locks/acquire`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...slot, startTime: "11:00" }),
      });
      expect(other.status).toBe(200);
      const late = await fetch(`${url}/api/appointments`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(booking(lockId, "11:00")),
      });
      expect(late.status).toBe(409);
    } finally {
      await shortApp.close();
    }
  });

  it("fails closed with 503 while Redis is down, and works again after it restarts", async () => {
    await redis.kill();
    const during = await post("/api/locks/acquire", { ...slot, startTime: "16:00" });
    expect(during.status).toBe(503);
    expect(during.body.reason).toBe("lock_service_unavailable");
    expect((await fetch(`${base}/api/locks/health`)).status).toBe(503);
    await redis.start();
    let after = { status: 0, body: {} as Record<string, any> };
    for (let i = 0; i < 40 && after.status !== 200; i++) {
      after = await post("/api/locks/acquire", { ...slot, startTime: "16:00" });
      if (after.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(after.status).toBe(200);
  });

  it.runIf(existsSync("/usr/bin/chromium") || process.env.CI === "true")(
    "holds a slot with a live countdown and books it in a real browser",
    { timeout: 120_000 },
    async () => {
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${base}/?date=2025-04-01`);
        await page.waitForSelector('body[data-ready="true"]');
        await page.click('.slot[data-time="15:00"]');
        await page.waitForSelector("#timer:not([hidden])");
        const first = await page.textContent("#remaining");
        expect(first).toMatch(/^[12]:\d\d$/);
        await page.waitForTimeout(1200);
        expect(await page.textContent("#remaining")).not.toBe(first);
        await page.click("#more-time");
        mkdirSync("test-results", { recursive: true });
        await page.screenshot({ path: "test-results/appointment-locks.png" });
        // A second visitor sees the slot as held.
        const other = await browser.newPage();
        await other.goto(`${base}/?date=2025-04-01`);
        await other.waitForSelector('.slot[data-time="15:00"][data-status="held"]');
        await page.click("#book");
        await page.waitForSelector("#done:not([hidden])");
        expect(await page.textContent("#done")).toMatch(/Booked 15:00 on 2025-04-01/);
        await other.reload();
        await other.waitForSelector('.slot[data-time="15:00"][data-status="booked"]');
      } finally {
        await browser.close();
      }
    },
  );
});
