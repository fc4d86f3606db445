/**
 * Rate-limit and breaker routes over real HTTP, against a real server on a free port: on the
 * shared Redis for the decisions, and on a private Redis that is stopped for the unreachable-store
 * policies (503 or a degraded 200, never 429).
 */
import { describe, expect, inject, it } from "vitest";
import { serveAs, onPrivateRedis, callersFor, routeService, routeTargets } from "./support.js";

const port = inject("redisPort");
const rl = (name: string, op: string) => `/v1/ratelimits/${encodeURIComponent(name)}/${op}`;
// A day: a run that crosses a window boundary would see the count start again (windows are aligned
// to the clock), and a short window made that happen now and then.
const perDay = (limit: number) => [{ algorithm: "fixed-window", limit, windowMs: 86_400_000 }];

describe.each(routeTargets())("rate-limit and breaker routes over HTTP [%s]", (target) => {
  const s = routeService(target, callersFor);

  it("allows with RateLimit headers, then answers 429 with Retry-After, consuming nothing more", async () => {
    const body = { key: "user-1", limits: perDay(2) };
    for (const left of [1, 0]) {
      const r = await s.acme("POST", rl("api", "check"), body);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ allowed: true, remaining: left });
      expect(r.headers.get("ratelimit")).toMatch(new RegExp(`;r=${left};`));
      expect(r.headers.get("ratelimit-policy")).toContain("q=2");
    }
    const refused = await s.acme("POST", rl("api", "check"), body);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ allowed: false, reason: "limit-reached", remaining: 0 });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // A refusal took nothing: a reward of one unit makes exactly one more check pass.
    expect((await s.acme("POST", rl("api", "reward"), { ...body, units: 1 })).body.remaining).toBe(1);
    expect((await s.acme("POST", rl("api", "check"), body)).status).toBe(200);
    expect((await s.acme("POST", rl("api", "check"), body)).status).toBe(429);
  });

  it("takes new limits from the next request and keeps the counts", async () => {
    const key = { key: "user-2" };
    for (let i = 0; i < 3; i++) {
      expect((await s.acme("POST", rl("grow", "check"), { ...key, limits: perDay(3) })).status).toBe(200);
    }
    expect((await s.acme("POST", rl("grow", "check"), { ...key, limits: perDay(3) })).status).toBe(429);
    // Raised to 5: the 3 already used still count, so 2 more pass.
    const raised = await s.acme("POST", rl("grow", "check"), { ...key, limits: perDay(5) });
    expect(raised.body).toMatchObject({ allowed: true, remaining: 1 });
    expect((await s.acme("POST", rl("grow", "check"), { ...key, limits: perDay(5) })).status).toBe(200);
    expect((await s.acme("POST", rl("grow", "check"), { ...key, limits: perDay(5) })).status).toBe(429);
    // Up to 7, then back to 5, the limits of an earlier request: the cached limiter follows both.
    expect((await s.acme("POST", rl("grow", "peek"), { ...key, limits: perDay(7) })).body).toMatchObject({
      allowed: true,
      remaining: 2,
    });
    expect((await s.acme("POST", rl("grow", "peek"), { ...key, limits: perDay(5) })).body).toMatchObject({
      allowed: false,
      remaining: 0,
    });
  });

  it("peeks without consuming, applies penalties, resets, and decides several limits together", async () => {
    const body = {
      key: "user-3",
      limits: [
        { name: "burst", algorithm: "gcra", burst: 5, ratePerSec: 0.001 },
        { name: "hourly", algorithm: "sliding-window", limit: 3, windowMs: 3_600_000 },
      ],
    };
    const peek = async () => (await s.acme("POST", rl("multi", "peek"), body)).body;
    expect(await peek()).toMatchObject({ allowed: true, remaining: 3, policy: "hourly" });
    expect(await peek()).toMatchObject({ remaining: 3 });
    const penalised = await s.acme("POST", rl("multi", "penalty"), { ...body, units: 2 });
    expect(penalised.status).toBe(200);
    expect(penalised.body.limits.map((l: { remaining: number }) => l.remaining)).toEqual([3, 1]);
    expect((await s.acme("POST", rl("multi", "check"), { ...body, cost: 2 })).status).toBe(429);
    expect((await s.acme("POST", rl("multi", "check"), body)).body.limits[0].remaining).toBe(2);
    expect((await s.acme("POST", rl("multi", "reset"), body)).body).toEqual({ reset: true, key: "user-3" });
    expect(await peek()).toMatchObject({ allowed: true, remaining: 3 });
  });

  it("rejects bad input with 400 naming the field, and consumes nothing", async () => {
    const good = { key: "user-4", limits: perDay(2) };
    const cases: [unknown, string][] = [
      [{ limits: perDay(2) }, "body.key"],
      [{ key: "", limits: perDay(2) }, "body.key"],
      [{ key: "user-4" }, "body.limits"],
      [{ key: "user-4", limits: [] }, "body.limits"],
      [{ key: "user-4", limits: perDay(0) }, "body.limits.0.limit"],
      [{ key: "user-4", limits: [{ algorithm: "leaky", limit: 1, windowMs: 1 }] }, "body.limits.0.algorithm"],
      [
        { key: "user-4", limits: [{ algorithm: "gcra", burst: 1, ratePerSec: 0 }] },
        "body.limits.0.ratePerSec",
      ],
      [{ ...good, cost: 0 }, "body.cost"],
      [{ ...good, cost: 1.5 }, "body.cost"],
      [{ ...good, blockDurationMs: -1 }, "body.blockDurationMs"],
    ];
    for (const [body, field] of cases) {
      const r = await s.acme("POST", rl("bad", "check"), body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatchObject({ code: "HOLDFAST_INVALID_ARGUMENT", field });
    }
    // Two limits with the same name: refused by the library's own validation, still a 400.
    const twice = await s.acme("POST", rl("bad", "check"), {
      key: "user-4",
      limits: [
        { ...perDay(2)[0], name: "m" },
        { ...perDay(3)[0], name: "m" },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error).toMatchObject({ code: "HOLDFAST_INVALID_ARGUMENT", field: "limits[1].name" });
    expect((await s.acme("POST", rl("bad", "peek"), good)).body.remaining).toBe(2);
  });

  it("names limits sent without names default, default-2… (docs/api.md's example)", async () => {
    const r = await s.acme("POST", rl("unnamed", "check"), {
      key: "user-42",
      limits: [
        { algorithm: "gcra", burst: 10, ratePerSec: 5 },
        { algorithm: "fixed-window", limit: 1000, windowMs: 3_600_000 },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.limits.map((l: { name: string }) => l.name)).toEqual(["default", "default-2"]);
    expect(r.headers.get("ratelimit-policy")).toBe('"default";q=10;w=2, "default-2";q=1000;w=3600');
  });

  it("keeps tenants apart", async () => {
    const body = { key: "shared-user", limits: perDay(1) };
    expect((await s.acme("POST", rl("tenants", "check"), body)).status).toBe(200);
    expect((await s.acme("POST", rl("tenants", "check"), body)).status).toBe(429);
    expect((await s.globex("POST", rl("tenants", "check"), body)).status).toBe(200);
  });

  it("shares breakers: clients read them, only admins steer them", async () => {
    const b = (op = "") => `/v1/breakers/payments${op}`;
    expect((await s.acme("GET", b())).body.state).toMatchObject({ kind: "closed" });
    expect((await s.acme("POST", b("/trip"), { durationMs: 60_000 })).status).toBe(403);
    const tripped = await s.admin("POST", b("/trip"), { durationMs: 60_000 });
    expect(tripped.status).toBe(200);
    expect(tripped.body.state).toMatchObject({ kind: "open" });
    expect((await s.acme("GET", b())).body.state).toMatchObject({ kind: "open" });
    expect((await s.admin("POST", b("/isolate"))).body.state).toMatchObject({ kind: "isolated" });
    expect((await s.admin("POST", b("/reset"))).body.state).toMatchObject({ kind: "closed" });
    expect((await s.admin("POST", b("/trip"), { durationMs: 0 })).status).toBe(400);
  });
});

describe.runIf(port !== null)("rate-limit routes when the store is unreachable", () => {
  const down = onPrivateRedis(serveAs);

  it("answers 503 under fail-closed and a degraded 200 under fail-open, never 429", async () => {
    const { service: s, redis } = down;
    const body = { key: "user-5", limits: perDay(1) };
    expect((await s.acme("POST", rl("down", "check"), body)).status).toBe(200);
    expect((await s.acme("POST", rl("down", "check"), body)).status).toBe(429);
    await redis.kill();
    const closed = await s.acme("POST", rl("down", "check"), body);
    expect(closed.status).toBe(503);
    expect(closed.body).toMatchObject({ allowed: false, reason: "store-unavailable", degraded: true });
    const open = await s.acme("POST", rl("down-open", "check"), { ...body, onStoreUnavailable: "fail-open" });
    expect(open.status).toBe(200);
    expect(open.body).toMatchObject({ allowed: true, degraded: true, degradedPolicy: "fail-open" });
    await redis.start();
  });
});
