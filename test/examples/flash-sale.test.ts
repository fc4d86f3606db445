/**
 * Seed 001's flash sale, end to end over real HTTP on a private Redis (AOF on, so that a restart
 * keeps the data): the seed's debug walkthrough; the buyer flow (login → join → admitted → reserve
 * → confirm); what the seed could not promise: buyers racing for the last unit, a reservation that
 * lapses mid-checkout and gives its unit back, Redis restarting mid-flow; debug routes off by default.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createStore, type Store } from "holdfast";
import { PrivateRedis } from "../support/redis-server.js";
import { tempKeysFile } from "../server/support.js";
import { buildFlashSaleApp, type FlashSaleApp } from "../../examples/flash-sale/app.js";

const hasRedis = inject("redisPort") !== null;
const ADMIN = "Bearer admin-s3cret";
type Json = Record<string, any>;

async function call(base: string, method: string, path: string, body?: unknown, headers: Json = {}) {
  const r = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Json };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(hasRedis)("seed 001: flash sale", () => {
  let redis: PrivateRedis;
  let storeA: Store; // app A (debug routes on, admission by the admin route) and app C (no flag)
  let storeB: Store; // app B: 1.5 s reservations and the background admitter, in its own key prefix
  let a: FlashSaleApp;
  let b: FlashSaleApp;
  let c: FlashSaleApp;
  let baseA: string;
  let baseB: string;
  let baseC: string;

  const store = (url: string, prefix: string) =>
    createStore({
      type: "redis",
      redis: { url },
      env: {},
      checkServer: false,
      commandTimeoutMs: 500,
      prefix,
    });

  beforeAll(async () => {
    redis = await PrivateRedis.start({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
    storeA = await store(redis.url, "fs-a:");
    storeB = await store(redis.url, "fs-b:");
    const common = { adminToken: "admin-s3cret", keysFile: tempKeysFile(), logLevel: "silent" };
    a = await buildFlashSaleApp({ ...common, store: storeA, enableDebugRoutes: true, admitter: false });
    b = await buildFlashSaleApp({
      ...common,
      store: storeB,
      holdTtlMs: 1500,
      admitIntervalMs: 100,
      sweepIntervalMs: 200,
    });
    c = await buildFlashSaleApp({ ...common, store: storeA, admitter: false });
    baseA = await a.app.listen({ port: 0, host: "127.0.0.1" });
    baseB = await b.app.listen({ port: 0, host: "127.0.0.1" });
    baseC = await c.app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await Promise.all([a?.app.close(), b?.app.close(), c?.app.close()]);
    await Promise.all([storeA?.close(), storeB?.close()]);
    await redis?.stop();
  });

  const defineSale = async (base: string, id: string, stock: number, perUserLimit?: number) => {
    const r = await call(
      base,
      "POST",
      "/api/v1/sales",
      { id, stock, perUserLimit },
      { authorization: ADMIN },
    );
    expect(r.status).toBe(201);
    return r.body;
  };
  const login = async (base: string, userId: string) => {
    const r = await call(base, "POST", "/api/v1/auth/login", { userId });
    expect(r.status).toBe(200);
    return { authorization: `Bearer ${r.body.token as string}` };
  };
  const sale = async (base: string, id: string) => (await call(base, "GET", `/api/v1/sales/${id}`)).body.sale;

  it("follows the seed's debug walkthrough (ENABLE_DEBUG_ROUTES=true)", async () => {
    const ping = await call(baseA, "GET", "/api/v1/debug/redis/ping");
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ success: true, status: "connected", store: "redis" });
    expect(ping.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(ping.body.latencyMs).toBeGreaterThanOrEqual(0);

    await defineSale(baseA, "sale_123", 10, 5);
    for (const userId of ["user_1", "user_2", "user_3"]) {
      const j = await call(baseA, "POST", "/api/v1/debug/queue/join", { flashSaleId: "sale_123", userId });
      expect(j.body).toMatchObject({ success: true, state: "queued", joined: true });
    }
    expect((await call(baseA, "GET", "/api/v1/debug/queue/sale_123/length")).body.length).toBe(3);
    const p2 = await call(baseA, "GET", "/api/v1/debug/queue/sale_123/position/user_2");
    expect(p2.body).toMatchObject({ state: "queued", position: 2, ahead: 1, length: 3 });
    const left = await call(baseA, "POST", "/api/v1/debug/queue/leave", {
      flashSaleId: "sale_123",
      userId: "user_1",
    });
    expect(left.body).toMatchObject({ success: true, left: "queued" });
    expect((await call(baseA, "GET", "/api/v1/debug/queue/sale_123/position/user_2")).body.position).toBe(1);
    expect((await call(baseA, "GET", "/api/v1/debug/queue/sale_123/length")).body.length).toBe(2);
    expect((await call(baseA, "GET", "/api/v1/debug/queue/sale_123/position/nobody")).body.state).toBe(
      "absent",
    );

    const reserved = await call(baseA, "POST", "/api/v1/debug/inventory/reserve", {
      flashSaleId: "sale_123",
      userId: "user_123",
      quantity: 2,
      ttlSeconds: 300,
    });
    expect(reserved.status).toBe(200);
    expect(reserved.body).toMatchObject({
      success: true,
      reservation: { flashSaleId: "sale_123", userId: "user_123", quantity: 2, ttlMs: 300_000 },
      inventory: { available: 8, held: 2, sold: 0 },
    });
    expect(await sale(baseA, "sale_123")).toMatchObject({ total: 10, available: 8, held: 2, sold: 0 });

    const tooMany = await call(baseA, "POST", "/api/v1/debug/inventory/reserve", {
      flashSaleId: "sale_123",
      userId: "user_9",
      quantity: 11,
    });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({ reason: "insufficient_stock", available: 8 });

    const released = await call(baseA, "POST", "/api/v1/debug/inventory/release", {
      flashSaleId: "sale_123",
      userId: "user_123",
    });
    expect(released.body).toMatchObject({
      success: true,
      released: true,
      inventory: { available: 10, held: 0 },
    });
    const again = await call(baseA, "POST", "/api/v1/debug/inventory/release", {
      flashSaleId: "sale_123",
      userId: "user_123",
    });
    expect(again.body).toMatchObject({ success: true, released: false });

    const unknown = await call(baseA, "POST", "/api/v1/debug/inventory/reserve", {
      flashSaleId: "no_such_sale",
      userId: "user_1",
      quantity: 1,
    });
    expect(unknown.status).toBe(404);
    const bad = await call(baseA, "POST", "/api/v1/debug/queue/join", { flashSaleId: "a b", userId: "u" });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("flashSaleId");
  });

  it("runs the buyer flow: login → join → admitted → reserve (idempotent) → confirm; and a cancel", async () => {
    await defineSale(baseA, "sale_flow", 5);
    const alice = await login(baseA, "alice");
    const q = { flashSaleId: "sale_flow" };

    expect((await call(baseA, "POST", "/api/v1/queue/join", q)).status).toBe(401);
    expect(
      (await call(baseA, "GET", "/api/v1/queue/position?flashSaleId=sale_flow", undefined, alice)).body,
    ).toMatchObject({
      state: "absent",
    });
    const joined = await call(baseA, "POST", "/api/v1/queue/join", q, alice);
    expect(joined.body).toMatchObject({ success: true, state: "queued", position: 1 });
    const early = await call(baseA, "POST", "/api/v1/reservations", q, alice);
    expect(early.status).toBe(403);
    expect(early.body.reason).toBe("not_admitted");

    expect((await call(baseA, "POST", "/api/v1/sales/sale_flow/admit", { count: 1 })).status).toBe(401);
    const admitted = await call(
      baseA,
      "POST",
      "/api/v1/sales/sale_flow/admit",
      { count: 1 },
      { authorization: ADMIN },
    );
    expect(admitted.body.admitted).toEqual(["alice"]);
    const pos = await call(baseA, "GET", "/api/v1/queue/position?flashSaleId=sale_flow", undefined, alice);
    expect(pos.body).toMatchObject({ state: "admitted", sale: { available: 5, soldOut: false } });

    const idem = { ...alice, "idempotency-key": "checkout-1" };
    const r1 = await call(baseA, "POST", "/api/v1/reservations", q, idem);
    expect(r1.status).toBe(201);
    expect(r1.body.reservation).toMatchObject({ flashSaleId: "sale_flow", quantity: 1, ttlMs: 300_000 });
    const r2 = await call(baseA, "POST", "/api/v1/reservations", q, idem);
    expect(r2.status).toBe(201);
    expect(r2.body.reservation.id).toBe(r1.body.reservation.id);
    expect(await sale(baseA, "sale_flow")).toMatchObject({ available: 4, held: 1, sold: 0 });
    const second = await call(baseA, "POST", "/api/v1/reservations", q, alice);
    expect(second.status).toBe(409);
    expect(second.body.reason).toBe("limit_reached");

    const id = encodeURIComponent(r1.body.reservation.id as string);
    const mallory = await login(baseA, "mallory");
    expect((await call(baseA, "POST", `/api/v1/reservations/${id}/confirm`, undefined, mallory)).status).toBe(
      404,
    );
    const confirmed = await call(baseA, "POST", `/api/v1/reservations/${id}/confirm`, undefined, alice);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      success: true,
      order: { flashSaleId: "sale_flow", quantity: 1, status: "confirmed" },
      alreadyConfirmed: false,
    });
    const retried = await call(baseA, "POST", `/api/v1/reservations/${id}/confirm`, undefined, alice);
    expect(retried.body.alreadyConfirmed).toBe(true);
    expect(await sale(baseA, "sale_flow")).toMatchObject({ total: 5, available: 4, held: 0, sold: 1 });
    expect((await call(baseA, "DELETE", `/api/v1/reservations/${id}`, undefined, alice)).body.outcome).toBe(
      "committed",
    );

    const carol = await login(baseA, "carol");
    await call(baseA, "POST", "/api/v1/queue/join", q, carol);
    await call(baseA, "POST", "/api/v1/sales/sale_flow/admit", { count: 1 }, { authorization: ADMIN });
    const held = await call(baseA, "POST", "/api/v1/reservations", q, carol);
    const carolId = encodeURIComponent(held.body.reservation.id as string);
    const cancelled = await call(baseA, "DELETE", `/api/v1/reservations/${carolId}`, undefined, carol);
    expect(cancelled.body).toMatchObject({ success: true, released: true, outcome: "released" });
    expect(await sale(baseA, "sale_flow")).toMatchObject({ available: 4, held: 0, sold: 1 });
    const late = await call(baseA, "POST", `/api/v1/reservations/${carolId}/confirm`, undefined, carol);
    expect(late.status).toBe(409);
    expect(late.body.reason).toBe("reservation_released");

    await call(baseA, "POST", "/api/v1/auth/logout", undefined, carol);
    expect((await call(baseA, "POST", "/api/v1/queue/join", q, carol)).status).toBe(401);
    const forged = { authorization: `Bearer ${Buffer.from("alice").toString("base64url")}.forged` };
    expect((await call(baseA, "POST", "/api/v1/queue/join", q, forged)).status).toBe(401);
  });

  it("never oversells: buyers racing for the last units, exactly as many win as there are units", async () => {
    for (const [saleId, stock, buyers] of [
      ["sale_last", 1, 2],
      ["sale_race", 3, 30],
    ] as const) {
      await defineSale(baseA, saleId, stock);
      const auths = await Promise.all(
        Array.from({ length: buyers }, (_, i) => login(baseA, `${saleId}-buyer-${i}`)),
      );
      for (const auth of auths)
        await call(baseA, "POST", "/api/v1/queue/join", { flashSaleId: saleId }, auth);
      await call(baseA, "POST", `/api/v1/sales/${saleId}/admit`, { count: buyers }, { authorization: ADMIN });
      const results = await Promise.all(
        auths.map((auth) => call(baseA, "POST", "/api/v1/reservations", { flashSaleId: saleId }, auth)),
      );
      const winners = results.map((r, i) => ({ r, auth: auths[i] })).filter(({ r }) => r.status === 201);
      expect(winners).toHaveLength(stock);
      for (const r of results.filter((x) => x.status !== 201)) {
        expect(r.status).toBe(409);
        expect(r.body).toMatchObject({ reason: "all_held", available: 0 });
      }
      await Promise.all(
        winners.map(({ r, auth }) =>
          call(
            baseA,
            "POST",
            `/api/v1/reservations/${encodeURIComponent(r.body.reservation.id)}/confirm`,
            undefined,
            auth,
          ),
        ),
      );
      expect(await sale(baseA, saleId)).toMatchObject({
        total: stock,
        available: 0,
        held: 0,
        sold: stock,
        soldOut: true,
      });
      const loser = auths.find((_, i) => results[i].status !== 201)!;
      const after = await call(baseA, "POST", "/api/v1/reservations", { flashSaleId: saleId }, loser);
      expect(after.status).toBe(409);
      expect(after.body.reason).toBe("sold_out");
    }
  });

  it("gives a lapsed reservation's unit back to stock and refuses its confirm with 409", async () => {
    await defineSale(baseB, "sale_exp", 1);
    const dave = await login(baseB, "dave");
    const erin = await login(baseB, "erin");
    const q = { flashSaleId: "sale_exp" };
    await call(baseB, "POST", "/api/v1/queue/join", q, dave);
    await call(baseB, "POST", "/api/v1/queue/join", q, erin);
    // The background admitter (every 100 ms) lets both in.
    for (const who of [dave, erin]) {
      let state = "queued";
      for (let i = 0; i < 100 && state !== "admitted"; i++) {
        state = (await call(baseB, "GET", "/api/v1/queue/position?flashSaleId=sale_exp", undefined, who)).body
          .state;
        if (state !== "admitted") await sleep(100);
      }
      expect(state).toBe("admitted");
    }
    const held = await call(baseB, "POST", "/api/v1/reservations", q, dave);
    expect(held.status).toBe(201);
    expect(held.body.reservation.ttlMs).toBe(1500);
    expect(await sale(baseB, "sale_exp")).toMatchObject({ available: 0, held: 1 });
    expect((await call(baseB, "POST", "/api/v1/reservations", q, erin)).body.reason).toBe("all_held");

    // Dave walks away from checkout. In the seed the unit stayed gone; here it comes back.
    await sleep(Math.max(0, (held.body.reservation.expiresAt as number) - Date.now()) + 400);
    expect(await sale(baseB, "sale_exp")).toMatchObject({ total: 1, available: 1, held: 0, sold: 0 });
    expect(b.stats.unitsExpired).toBeGreaterThanOrEqual(1);
    const id = encodeURIComponent(held.body.reservation.id as string);
    const late = await call(baseB, "POST", `/api/v1/reservations/${id}/confirm`, undefined, dave);
    expect(late.status).toBe(409);
    expect(late.body.reason).toBe("reservation_expired");

    const erins = await call(baseB, "POST", "/api/v1/reservations", q, erin);
    expect(erins.status).toBe(201);
    const ok = await call(
      baseB,
      "POST",
      `/api/v1/reservations/${encodeURIComponent(erins.body.reservation.id)}/confirm`,
      undefined,
      erin,
    );
    expect(ok.status).toBe(200);
    expect(await sale(baseB, "sale_exp")).toMatchObject({ available: 0, held: 0, sold: 1 });
  });

  it("fails closed with 503 while Redis is down, and carries on after it restarts", async () => {
    await defineSale(baseA, "sale_restart", 2);
    const frank = await login(baseA, "frank");
    const q = { flashSaleId: "sale_restart" };
    await call(baseA, "POST", "/api/v1/queue/join", q, frank);
    await call(baseA, "POST", "/api/v1/sales/sale_restart/admit", { count: 1 }, { authorization: ADMIN });

    await redis.kill();
    const during = await call(baseA, "POST", "/api/v1/reservations", q, frank);
    expect(during.status).toBe(503);
    expect(during.body.reason).toBe("store_unavailable");
    expect((await call(baseA, "GET", "/api/v1/sales/sale_restart")).status).toBe(503);
    expect((await call(baseA, "POST", "/api/v1/auth/login", { userId: "gina" })).status).toBe(503);
    expect((await call(baseA, "GET", "/api/v1/debug/redis/ping")).status).toBe(503);

    await redis.start();
    let after = { status: 0, body: {} as Json };
    for (let i = 0; i < 60 && after.status !== 201; i++) {
      after = await call(baseA, "POST", "/api/v1/reservations", q, frank);
      if (after.status !== 201) await sleep(250);
    }
    expect(after.status).toBe(201); // the session, the admission and the stock survived (AOF)
    const id = encodeURIComponent(after.body.reservation.id as string);
    expect((await call(baseA, "POST", `/api/v1/reservations/${id}/confirm`, undefined, frank)).status).toBe(
      200,
    );
    expect(await sale(baseA, "sale_restart")).toMatchObject({ total: 2, available: 1, held: 0, sold: 1 });
  });

  it("answers 404 on every debug route without ENABLE_DEBUG_ROUTES=true", async () => {
    const pairBody = { flashSaleId: "sale_123", userId: "user_1" };
    const routes: [string, string, unknown?][] = [
      ["GET", "/api/v1/debug/redis/ping"],
      ["POST", "/api/v1/debug/inventory/reserve", { ...pairBody, quantity: 1 }],
      ["POST", "/api/v1/debug/inventory/release", pairBody],
      ["POST", "/api/v1/debug/queue/join", pairBody],
      ["POST", "/api/v1/debug/queue/leave", pairBody],
      ["GET", "/api/v1/debug/queue/sale_123/length"],
      ["GET", "/api/v1/debug/queue/sale_123/position/user_1"],
    ];
    for (const [method, path, body] of routes) {
      expect((await call(baseC, method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await call(baseA, "GET", "/api/v1/debug/queue/sale_123/length")).status).toBe(200);
    expect((await call(baseC, "GET", "/api/v1/sales/sale_123")).status).toBe(200);
  });
});
