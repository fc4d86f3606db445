/**
 * Seed 000's walkthrough, end to end over real HTTP on a private Redis: the curl POST, the seed's
 * log lines and transitions in order, the events query; then what the seed forgot: bookings racing
 * for the last table across two app instances, more than 5 concurrent assignments for one
 * restaurant, the assignment call failing until the breaker opens (and closes again), and Redis
 * being killed mid-flow and restarted.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { createInventory, createStore, type Store } from "holdfast";
import { tempKeysFile } from "../server/support.js";
import { PrivateRedis } from "../support/redis-server.js";
import { buildRestaurantApp } from "../../examples/restaurant-booking/app.js";
import { DEMO_RESTAURANTS, type Restaurant } from "../../examples/restaurant-booking/catalogue.js";
import { AssignmentEngine, candidatesFor } from "../../examples/restaurant-booking/engine.js";

const hasRedis = inject("redisPort") !== null;
const SEED_RESTAURANT = "5746c074-3c20-4876-a9af-b63bb13a0772";
const seedBody = {
  restaurant_id: SEED_RESTAURANT,
  booking_date: "2025-11-20",
  start_time: "19:00",
  party_size: 4,
  customer_name: "Test User",
  customer_email: "test@example.com",
  customer_phone: "+1234567890",
};
const bigHall: Restaurant = {
  id: "big-hall",
  name: "Big Hall",
  opensAt: "10:00",
  closesAt: "23:00",
  turnMinutes: 60,
  tables: Array.from({ length: 20 }, (_, i) => ({ id: `H${i + 1}`, seats: 4 })),
};

type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(hasRedis)("seed 000: restaurant booking with an assignment pipeline", () => {
  let redis: PrivateRedis;
  let store: Store;
  let storeB: Store;
  let engine: AssignmentEngine;
  let app: FastifyInstance;
  let appB: FastifyInstance;
  let base: string;
  let baseB: string;
  const lines: string[] = [];

  const call = async (url: string, method = "GET", body?: unknown) => {
    const r = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, headers: r.headers, body: (await r.json()) as Json };
  };
  const book = (body: unknown, at = base) => call(`${at}/api/bookings`, "POST", body);

  beforeAll(async () => {
    // Persistence on, so that a killed and restarted Redis still has the half-done booking.
    redis = await PrivateRedis.start({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
    const open = () =>
      createStore({
        type: "redis",
        redis: { url: redis.url },
        env: {},
        checkServer: false,
        commandTimeoutMs: 500,
      });
    [store, storeB] = await Promise.all([open(), open()]);
    // One engine shared by both instances, so its instrumentation sees every assignment in flight.
    engine = new AssignmentEngine(createInventory(store), { holdTtlMs: 30_000 });
    const common = {
      restaurants: [...DEMO_RESTAURANTS, bigHall],
      engine,
      breakerThreshold: 3,
      assignmentTimeoutMs: 2_500,
      breakerOpenMs: 1_000,
      lockTtlMs: 2_000,
      logLevel: "silent",
    };
    ({ app } = await buildRestaurantApp({
      ...common,
      store,
      keysFile: tempKeysFile(),
      onLogLine: (l) => lines.push(l),
    }));
    ({ app: appB } = await buildRestaurantApp({ ...common, store: storeB, keysFile: tempKeysFile() }));
    base = await app.listen({ port: 0, host: "127.0.0.1" });
    baseB = await appB.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await app?.close();
    await appB?.close();
    await store?.close();
    await storeB?.close();
    await redis?.stop();
  });

  it("follows the seed's walkthrough: POST, the logged transitions in order, the events query", async () => {
    lines.length = 0;
    const r = await book(seedBody);
    expect(r.status).toBe(201);
    const id = r.body.booking.id as string;
    expect(r.body.booking).toMatchObject({
      state: "confirmed",
      version: 6,
      tables: ["T3"],
      seats: 4,
      score: 1,
      strategy: "optimal_fit",
    });
    expect(lines).toEqual([
      `[assignment.coordinator] Processing booking: ${id}`,
      `[distributed-lock] Acquired lock: booking:${id}`,
      "[assignment.state_machine] Transition: created -> capacity_verified",
      "[assignment.state_machine] Transition: capacity_verified -> assignment_pending",
      "[assignment.state_machine] Transition: assignment_pending -> assignment_in_progress",
      "[assignment.engine] Strategy: optimal_fit, Score: 1.00",
      "[assignment.state_machine] Transition: assignment_in_progress -> assigned",
      "[assignment.state_machine] Transition: assigned -> confirmed",
      `[distributed-lock] Released lock: booking:${id}`,
    ]);

    const got = await call(`${base}/api/bookings/${id}`);
    expect(got.body.booking).toMatchObject({ id, state: "confirmed", version: 6, tables: ["T3"] });
    expect(got.body.history.map((h: Json) => [h.from, h.to, h.version])).toEqual([
      [null, "created", 1],
      ["created", "capacity_verified", 2],
      ["capacity_verified", "assignment_pending", 3],
      ["assignment_pending", "assignment_in_progress", 4],
      ["assignment_in_progress", "assigned", 5],
      ["assigned", "confirmed", 6],
    ]);

    // The seed's SQL: source = 'assignment.state_machine', last 5 minutes, newest first.
    const ev = await call(`${base}/api/observability/events?source=assignment.state_machine&sinceMinutes=5`);
    const mine = ev.body.events.filter((e: Json) => e.booking_id === id);
    expect(mine.map((e: Json) => [e.event_type, e.from_state, e.to_state, e.version])).toEqual([
      ["transition", "assigned", "confirmed", 6],
      ["transition", "assignment_in_progress", "assigned", 5],
      ["transition", "assignment_pending", "assignment_in_progress", 4],
      ["transition", "capacity_verified", "assignment_pending", 3],
      ["transition", "created", "capacity_verified", 2],
      ["created", null, "created", 1],
    ]);
    expect(Date.parse(mine[0].created_at)).toBeGreaterThanOrEqual(Date.parse(mine[5].created_at));

    // The same table at an overlapping time goes to the next best fit; a party nobody can seat is rejected.
    const overlap = await book({ ...seedBody, start_time: "19:30" });
    expect(overlap.body.booking).toMatchObject({ state: "confirmed", tables: ["T4"] });
    const huge = await book({ ...seedBody, party_size: 20 });
    expect(huge.status).toBe(409);
    expect(huge.body).toMatchObject({ reason: "no_capacity", booking: { state: "rejected", version: 2 } });
  });

  it("answers 400 naming the field (or 404 for an unknown restaurant) and writes nothing", async () => {
    const before = (await call(`${base}/api/observability/events?sinceMinutes=60&limit=1000`)).body.events
      .length;
    const cases: [Json, number, string][] = [
      [{ ...seedBody, party_size: 0 }, 400, "party_size"],
      [{ ...seedBody, party_size: 2.5 }, 400, "party_size"],
      [{ ...seedBody, booking_date: "2025-02-30" }, 400, "booking_date"],
      [{ ...seedBody, start_time: "7pm" }, 400, "start_time"],
      [{ ...seedBody, start_time: "19:15" }, 400, "start_time"],
      [{ ...seedBody, start_time: "22:00" }, 400, "start_time"],
      [{ ...seedBody, customer_email: "nope" }, 400, "customer_email"],
      [{ ...seedBody, customer_phone: undefined }, 400, "customer_phone"],
      [{ ...seedBody, restaurant_id: "no-such-place" }, 404, "restaurant_id"],
      [{ ...seedBody, booking_id: "booking-1" }, 400, "booking_id"],
    ];
    for (const [body, status, field] of cases) {
      const r = await book(body);
      expect([r.status, r.body.field]).toEqual([status, field]);
    }
    expect(
      (await call(`${base}/api/observability/events?sinceMinutes=60&limit=1000`)).body.events.length,
    ).toBe(before);
  });

  it("gives the last table to exactly one of two racing bookings, on two app instances", async () => {
    const cafe = {
      ...seedBody,
      restaurant_id: "corner-cafe",
      booking_date: "2025-12-01",
      start_time: "10:00",
      party_size: 2,
    };
    expect((await book(cafe)).body.booking.tables).toEqual(["C1"]); // C2 is the last table at 10:00
    const [a, b] = await Promise.all([book(cafe, base), book(cafe, baseB)]);
    const winners = [a, b].filter((r) => r.status === 201);
    const losers = [a, b].filter((r) => r.status !== 201);
    expect(winners).toHaveLength(1);
    expect(winners[0].body.booking.tables).toEqual(["C2"]);
    expect(losers).toHaveLength(1);
    expect(losers[0].status).toBe(409);
    // Documented: rejected/no_capacity if the winner held C2 before this one verified capacity,
    // assignment_failed/tables_taken if both saw it free and the winner reserved it first.
    expect([
      ["rejected", "no_capacity"],
      ["assignment_failed", "tables_taken"],
    ]).toContainEqual([losers[0].body.booking.state, losers[0].body.reason]);

    // Many racers at overlapping times (60-minute turns): no table is ever in two confirmed bookings at once.
    const times = ["12:00", "12:30", "13:00", "12:00", "12:30", "13:00", "12:00", "12:30"];
    const results = await Promise.all(
      times.map((t, i) => book({ ...cafe, start_time: t }, i % 2 ? base : baseB)),
    );
    const confirmed = results.filter((r) => r.status === 201).map((r) => r.body.booking);
    expect(confirmed.length).toBeGreaterThanOrEqual(2);
    const used = new Set<string>();
    for (const c of confirmed) {
      const start = Number(c.start_time.slice(0, 2)) * 60 + Number(c.start_time.slice(3));
      for (const t of c.tables) {
        for (const m of [start, start + 30]) {
          const slot = `${t}@${m}`;
          expect(used.has(slot), `${slot} booked twice`).toBe(false);
          used.add(slot);
        }
      }
    }
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
  });

  it("never runs more than 5 assignments of one restaurant at once, across both instances", async () => {
    engine.latencyMs = 250;
    engine.maxInFlight = 0;
    try {
      const n = 14;
      let done = false;
      const all = Promise.all(
        Array.from({ length: n }, (_, i) =>
          book({ ...seedBody, restaurant_id: "big-hall", party_size: 2 }, i % 2 ? base : baseB),
        ),
      ).finally(() => (done = true));
      // Meanwhile, the status route reads the limiter's live permits in Redis (both instances' calls).
      let seenInFlight = 0;
      let seenLocks = 0;
      while (!done) {
        const status = (await call(`${base}/api/pipeline/status`)).body;
        seenInFlight = Math.max(seenInFlight, status.assignments_in_flight["big-hall"]);
        seenLocks = Math.max(seenLocks, status.booking_locks.length);
        await sleep(30);
      }
      const results = await all;
      expect(seenInFlight).toBeGreaterThanOrEqual(1);
      expect(seenInFlight).toBeLessThanOrEqual(5);
      expect(seenLocks).toBeGreaterThanOrEqual(1);
      expect(results.map((r) => r.status)).toEqual(Array(n).fill(201));
      expect(new Set(results.map((r) => r.body.booking.tables[0])).size).toBe(n);
      expect(engine.maxInFlight).toBeLessThanOrEqual(5);
      expect(engine.maxInFlight).toBeGreaterThanOrEqual(2);
    } finally {
      engine.latencyMs = 0;
    }
  });

  it("opens the breaker when the assignment call keeps failing, fails fast, and closes again", async () => {
    const at = (i: number) => ({
      ...seedBody,
      booking_date: "2025-12-02",
      start_time: `${11 + i}:00`,
      party_size: 2,
    });
    engine.outage = true;
    const failed: Json[] = [];
    let open: Awaited<ReturnType<typeof book>> | undefined;
    try {
      for (let i = 0; i < 8 && !open; i++) {
        const r = await book(at(i));
        expect(r.status).toBe(503);
        if (r.body.reason === "circuit_open") open = r;
        else failed.push(r.body);
      }
      expect(failed.length).toBeGreaterThanOrEqual(3);
      expect(
        failed.every((f) => f.reason === "assignment_error" && f.booking.state === "assignment_failed"),
      ).toBe(true);
      expect(open).toBeDefined();
      expect(open!.body.booking).toMatchObject({
        state: "assignment_failed",
        failure_reason: "circuit_open",
      });
      expect(Number(open!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // Fail fast: while open, the assignment call is not made at all.
      const calls = engine.calls;
      const fast = await book(at(9));
      expect(fast.body.reason).toBe("circuit_open");
      expect(engine.calls).toBe(calls);
    } finally {
      engine.outage = false;
    }
    // After the open period a trial call goes through and closes the breaker.
    let after = await book(at(10));
    for (let i = 0; i < 20 && after.status !== 201; i++) {
      await sleep(250);
      after = await book(at(10));
    }
    expect(after.status).toBe(201);
    // A failed booking can be retried: assignment_failed → assignment_pending → … → confirmed.
    const retried = await call(`${base}/api/bookings/${failed[0].booking.id}/process`, "POST");
    expect(retried.status).toBe(200);
    expect(retried.body.booking).toMatchObject({ state: "confirmed" });
    // Two instances asked to drive one booking at once: the booking lock lets one in, the other gets 409.
    engine.latencyMs = 800;
    try {
      const both = await Promise.all([
        call(`${base}/api/bookings/${failed[1].booking.id}/process`, "POST"),
        call(`${baseB}/api/bookings/${failed[1].booking.id}/process`, "POST"),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(both.find((r) => r.status === 409)!.body.reason).toBe("booking_in_progress");
    } finally {
      engine.latencyMs = 0;
    }
  });

  it("cancels an assignment call that takes longer than its timeout and fails the booking", async () => {
    engine.latencyMs = 4_000;
    try {
      const started = performance.now();
      const r = await book({ ...seedBody, booking_date: "2025-12-04", party_size: 2 });
      expect(performance.now() - started).toBeLessThan(3_900);
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ reason: "assignment_error", booking: { state: "assignment_failed" } });
      expect(engine.inFlight).toBe(0);
    } finally {
      engine.latencyMs = 0;
    }
  });

  it("answers 503 while Redis is down, and resumes a booking cut off mid-flow once it is back", async () => {
    engine.latencyMs = 1_500;
    const pending = book({ ...seedBody, booking_date: "2025-12-03", start_time: "12:00", party_size: 2 });
    try {
      for (let i = 0; i < 250 && engine.inFlight === 0; i++) await sleep(20);
      expect(engine.inFlight).toBe(1);
      await redis.kill();
      const cut = await pending;
      expect(cut.status).toBe(503);
      expect(cut.body.reason).toBe("booking_service_unavailable");
      const id = cut.body.booking_id as string;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const during = await book({ ...seedBody, booking_date: "2025-12-03", start_time: "14:00" });
      expect(during.status).toBe(503);
      expect((await call(`${base}/api/bookings/${id}`)).status).toBe(503);

      engine.latencyMs = 0;
      await redis.start();
      // The booking is where the outage left it (AOF persistence); its lock of the dead request
      // expires (2 s here), then processing resumes it from assignment_in_progress.
      let resumed = await call(`${base}/api/bookings/${id}/process`, "POST");
      for (let i = 0; i < 60 && resumed.status !== 200; i++) {
        expect([409, 503]).toContain(resumed.status);
        await sleep(200);
        resumed = await call(`${base}/api/bookings/${id}/process`, "POST");
      }
      expect(resumed.status).toBe(200);
      expect(resumed.body.booking).toMatchObject({ id, state: "confirmed" });
      const history = (await call(`${base}/api/bookings/${id}`)).body.history.map((h: Json) => h.to);
      expect(history).toEqual([
        "created",
        "capacity_verified",
        "assignment_pending",
        "assignment_in_progress",
        "assigned",
        "confirmed",
      ]);
      // A new booking right after the restart may still meet the breaker's backoff or the killed
      // request's assignment permit: a 503 that says why and when to retry. Within seconds it books.
      const again = () => book({ ...seedBody, booking_date: "2025-12-03", start_time: "14:00" });
      let after = await again();
      for (let i = 0; i < 50 && after.status === 503; i++) {
        expect(after.headers.get("retry-after"), JSON.stringify(after.body)).toMatch(/^\d+$/);
        expect(["circuit_open", "concurrency_limit", "booking_service_unavailable"]).toContain(
          after.body.reason,
        );
        await sleep(200);
        after = await again();
      }
      expect(after.status, JSON.stringify(after.body)).toBe(201);
    } finally {
      engine.latencyMs = 0;
    }
  });
});

describe("on the embedded memory store", () => {
  it("runs the seed's POST to confirmed, and shows the pipeline's status", async () => {
    const store = await createStore({ type: "memory", env: {} });
    const { app } = await buildRestaurantApp({ store, keysFile: tempKeysFile(), logLevel: "silent" });
    try {
      const r = await app.inject({ method: "POST", url: "/api/bookings", payload: seedBody });
      expect(r.statusCode).toBe(201);
      expect(r.json().booking).toMatchObject({ state: "confirmed", version: 6, tables: ["T3"], score: 1 });
      // A client may choose the id (the booking page does, to follow it live); once only.
      const chosen = { ...seedBody, start_time: "12:00", booking_id: "0b7f6f8e-4a4c-4f7e-9d55-6b2f0e3c1a2d" };
      const mine = await app.inject({ method: "POST", url: "/api/bookings", payload: chosen });
      expect(mine.json().booking).toMatchObject({ id: chosen.booking_id, state: "confirmed" });
      const again = await app.inject({ method: "POST", url: "/api/bookings", payload: chosen });
      expect([again.statusCode, again.json().reason, again.json().field]).toEqual([
        409,
        "booking_exists",
        "booking_id",
      ]);
      const status = (await app.inject({ method: "GET", url: "/api/pipeline/status" })).json();
      expect(status).toMatchObject({
        breaker: { kind: "closed" },
        max_concurrent_assignments: 5,
        booking_locks: [],
      });
      expect(status.assignments_in_flight[SEED_RESTAURANT]).toBe(0);
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe("optimal_fit scoring", () => {
  const seed = DEMO_RESTAURANTS[0];
  it("prefers the tightest single table, then a pair of adjacent tables, best score first", () => {
    expect(candidatesFor(seed, 4)[0]).toEqual({ tables: ["T3"], seats: 4, score: 1 });
    expect(candidatesFor(seed, 3)[0]).toEqual({ tables: ["T3"], seats: 4, score: 0.75 });
    expect(candidatesFor(seed, 5)[0]).toEqual({ tables: ["T6"], seats: 6, score: 0.83 });
    // 10 guests: no single table; T6+T7 (14 seats): 10/14 × 0.95.
    expect(candidatesFor(seed, 10)).toEqual([{ tables: ["T6", "T7"], seats: 14, score: 0.68 }]);
    expect(candidatesFor(seed, 15)).toEqual([]);
    // Pairs only when neither table seats the party alone.
    expect(candidatesFor(seed, 2).every((c) => c.tables.length === 1)).toBe(true);
  });
});
