/**
 * Seed 004's walkthrough, end to end over real HTTP on a private Redis: health, acquire, conflict,
 * booking with the lockId, expiry → 409; then what the seed forgot: two customers racing for one
 * slot, a lock that expires mid-checkout, Redis restarting mid-flow; and the page in Chromium.
 */
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { FastifyInstance } from "fastify";
import { createLocks, createStore, isLockClosedError, type Lease, type Store } from "holdfast";
import { hasChromium, launchChromium } from "../support/chromium.js";
import { PrivateRedis } from "../support/redis-server.js";
import { tempKeysFile } from "../server/support.js";
import { buildAppointmentApp, slotKey } from "../../examples/appointment-locks/app.js";
import { SlotBookedError, Slots, StaleLeaseError } from "../../examples/appointment-locks/slots.js";

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

    // The booking ended the lease: the page's refresh and its release on leaving answer as for an
    // expired lock (409 lock_expired, 200 released: false), never a 500.
    const lockRef = { ...slot, lockId: acquired.body.lockId };
    expect(await post("/api/locks/refresh", lockRef)).toMatchObject({
      status: 409,
      body: { reason: "lock_expired" },
    });
    expect(await post("/api/locks/release", lockRef)).toMatchObject({
      status: 200,
      body: { success: true, released: false },
    });

    // The slot is booked: locking it again is refused at once, in the seed's reply shape, and
    // leaves no lock behind.
    const again = await post("/api/locks/acquire", slot);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      success: false,
      locked: false,
      reason: "slot_booked",
      message: "This slot has already been booked. Please choose another.",
    });
    const stillActive = (await (
      await fetch(`${base}/api/locks/admin/active?tenantId=test-tenant`, {
        headers: { authorization: "Bearer s3cret-admin" },
      })
    ).json()) as { locks: { key: string }[] };
    expect(stillActive.locks.map((l) => l.key)).not.toContain(
      "booking_lock:{test-tenant|specialist-1}:2025-03-10:14:00",
    );

    const metrics = await fetch(`${base}/api/locks/metrics`, {
      headers: { authorization: "Bearer s3cret-admin" },
    });
    expect(
      ((await metrics.json()) as { metrics: { appointmentsBooked: number } }).metrics.appointmentsBooked,
    ).toBeGreaterThanOrEqual(1);
  });

  it("serves holdfast/client to its page as one module with what the page imports", async () => {
    const r = await fetch(`${base}/sdk/index.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/javascript/);
    const sdk = (await import(`data:text/javascript,${encodeURIComponent(await r.text())}`)) as Record<
      string,
      unknown
    >;
    expect(typeof sdk.LockHolder).toBe("function");
    expect(typeof sdk.HoldfastApiError).toBe("function");
    expect((await fetch(`${base}/sdk/locks.js`)).status).toBe(404);
  }, 60_000);

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
      expect(((await late.json()) as { reason: string }).reason).toBe("lock_expired");
      const { lockId: otherId } = (await other.json()) as { lockId: string };
      expect((await post("/api/appointments", booking(otherId, "11:00"))).status).toBe(201);
      expect((await post("/api/locks/acquire", { ...slot, startTime: "11:00" })).body.reason).toBe(
        "slot_booked",
      );
    } finally {
      await shortApp.close();
    }
  });

  it("never lets a booked slot be locked: customers racing locks against a booking", async () => {
    // Ten customers keep trying to lock 15:00 (the way the page does: 409 slot_locked, try again)
    // and book it when they get it. Every lock request sent after a booking was acknowledged must
    // be refused as slot_booked; exactly one booking succeeds; no lock is left on the slot.
    const at = { ...slot, date: "2025-03-11", startTime: "15:00" };
    let bookedAt = Infinity;
    const locksAfterBooking: { status: number; reason?: string }[] = [];
    const bookings: number[] = [];
    const customer = async () => {
      for (let i = 0; i < 200; i++) {
        const sent = performance.now();
        const r = await post("/api/locks/acquire", at);
        if (sent > bookedAt) locksAfterBooking.push({ status: r.status, reason: r.body.reason });
        if (r.body.reason === "slot_booked") return;
        if (r.status === 200) {
          const b = await post("/api/appointments", {
            ...booking(r.body.lockId, "15:00"),
            date: "2025-03-11",
          });
          bookings.push(b.status);
          if (b.status === 201) bookedAt = Math.min(bookedAt, performance.now());
          continue;
        }
        expect(r.body.reason).toBe("slot_locked");
      }
      throw new Error("this customer never saw the slot booked");
    };
    await Promise.all(Array.from({ length: 10 }, customer));
    expect(bookings.filter((s) => s === 201)).toHaveLength(1);
    expect(locksAfterBooking.length).toBeGreaterThan(0);
    expect(locksAfterBooking.every((r) => r.status === 409 && r.reason === "slot_booked")).toBe(true);
    const status = await fetch(
      `${base}/api/slots?tenantId=test-tenant&resourceId=specialist-1&date=2025-03-11`,
    );
    const { slots } = (await status.json()) as { slots: { startTime: string; status: string }[] };
    expect(slots.find((x) => x.startTime === "15:00")?.status).toBe("booked");
    const active = (await (
      await fetch(`${base}/api/locks/admin/active?tenantId=test-tenant`, {
        headers: { authorization: "Bearer s3cret-admin" },
      })
    ).json()) as { locks: { key: string }[] };
    expect(active.locks.map((l) => l.key)).not.toContain(
      slotKey("test-tenant", "specialist-1", "2025-03-11", "15:00"),
    );
  });

  it("decides a lapsing holder's booking against a newer lock on the slot: one wins, never both", async () => {
    // The narrowest window: A's lease runs out around the moment A books and B locks the slot.
    // Both land on the slot's one lock key; which one is sent first alternates; 40 rounds, on Redis.
    const locks = createLocks(store);
    const slots = new Slots(locks);
    const outcomes = { aBooked: 0, bLocked: 0 };
    for (let round = 0; round < 40; round++) {
      const key = slotKey("race", "room-1", "2025-06-01", `r${round}`);
      const a = await slots.lock(key, 30, { customerName: "A" });
      await new Promise((r) => setTimeout(r, 20 + (round % 5) * 4)); // around the end of A's lease
      const book = () => slots.book(a, { customerName: "A" });
      // waitMs covers a conflict reply delayed on a loaded machine; a booked slot is never waited for.
      const lock = () => locks.acquire(key, { ttlMs: 5000, waitMs: 2000 });
      const [booked, locked] =
        round % 2 === 0
          ? await Promise.allSettled([book(), lock()])
          : await Promise.allSettled([lock(), book()]).then(([l, b]) => [b, l] as const);
      if (booked.status === "fulfilled") {
        outcomes.aBooked++;
        // A's booking landed first: B's lock must not stand on a booked slot.
        expect(locked.status === "rejected" && isLockClosedError(locked.reason)).toBe(true);
        await expect(slots.lock(key, 5000, {})).rejects.toBeInstanceOf(SlotBookedError);
      } else {
        outcomes.bLocked++;
        expect(booked.reason).toBeInstanceOf(StaleLeaseError);
        expect(locked.status, locked.status === "rejected" ? String(locked.reason) : "").toBe("fulfilled");
        const b = (locked as PromiseFulfilledResult<Lease>).value;
        expect(b.fence).toBeGreaterThan(a.fence);
        // Only B can book now, and then nobody can lock it.
        await slots.book(b, { customerName: "B" });
        await expect(slots.book(a, { customerName: "A" })).rejects.toBeInstanceOf(SlotBookedError);
        await expect(slots.lock(key, 5000, {})).rejects.toBeInstanceOf(SlotBookedError);
      }
      expect(await slots.isBooked(key)).toBe(true);
      expect(await locks.get(key)).toBeNull();
    }
    expect(outcomes.aBooked + outcomes.bLocked).toBe(40);
    expect(outcomes.aBooked).toBeGreaterThan(0);
    expect(outcomes.bLocked).toBeGreaterThan(0);
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

  it.runIf(hasChromium)(
    "holds a slot with a live countdown and books it in a real browser",
    { timeout: 120_000 },
    async () => {
      const browser = await launchChromium();
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

        // A visitor whose list still shows 16:00 free, booked by someone else meanwhile.
        const late = await browser.newPage();
        await late.goto(`${base}/?date=2025-04-01`);
        await late.waitForSelector('.slot[data-time="16:00"][data-status="free"]');
        const held = await post("/api/locks/acquire", { ...slot, date: "2025-04-01", startTime: "16:00" });
        const done = await post("/api/appointments", {
          ...booking(held.body.lockId, "16:00"),
          date: "2025-04-01",
        });
        expect(done.status).toBe(201);
        await late.click('.slot[data-time="16:00"]');
        await late.waitForSelector("#error:not([hidden])");
        expect(await late.textContent("#error")).toBe(
          "This slot has just been booked. Please choose another.",
        );
        await late.waitForSelector('.slot[data-time="16:00"][data-status="booked"]');
        expect(await late.isHidden("#timer")).toBe(true);
      } finally {
        await browser.close();
      }
    },
  );
});
