/**
 * The middleware when Redis goes away, per framework, on a private Redis this file kills and
 * restarts: rate limits follow the limiter's documented policy (fail-closed by default: 503 with
 * Retry-After; fail-open and local on request), concurrency slots and locks fail closed (503).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { onPrivateRedis } from "../support/faults.js";
import { ADAPTERS, call, until, type Served } from "./adapters.js";

const uniq = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

describe.runIf(inject("redisPort") !== null)("middleware while Redis is down", () => {
  const fault = onPrivateRedis();
  const apps: {
    adapter: string;
    closed: Served;
    open: Served;
    local: Served;
    slots: Served;
    locked: Served;
  }[] = [];

  beforeAll(async () => {
    const { store } = fault;
    for (const adapter of ADAPTERS) {
      const limit = { store, limit: 2, windowMs: 3_600_000 };
      apps.push({
        adapter: adapter.name,
        closed: await adapter.rateLimited({ ...limit, name: uniq("closed") }),
        open: await adapter.rateLimited({ ...limit, name: uniq("open"), onStoreUnavailable: "fail-open" }),
        local: await adapter.rateLimited({ ...limit, name: uniq("local"), onStoreUnavailable: "local" }),
        slots: await adapter.concurrency({ store, name: uniq("slots"), limit: 1 }, async () => undefined),
        locked: await adapter.locked({ store, key: () => uniq("lock") }, async (lock) => ({
          fence: lock.fence,
        })),
      });
    }
  });
  afterAll(async () => {
    for (const a of apps)
      await Promise.all([a.closed, a.open, a.local, a.slots, a.locked].map((s) => s.close()));
  });

  it("answers from Redis while it is up", async () => {
    for (const a of apps) {
      expect((await call(`${a.closed.url}/r`)).status, a.adapter).toBe(200);
      expect((await call(`${a.slots.url}/c`)).status, a.adapter).toBe(200);
      expect((await call(`${a.locked.url}/l/x`, { method: "POST" })).status, a.adapter).toBe(200);
    }
  });

  it("follows each policy while it is down, and recovers when it is back", async () => {
    const { redis } = fault;
    await redis.kill();
    for (const a of apps) {
      const closed = await call(`${a.closed.url}/r`);
      expect(closed.status, a.adapter).toBe(503);
      expect(closed.headers.get("retry-after")).toBe("1");
      expect(closed.body.error.code).toBe("HOLDFAST_STORE_UNAVAILABLE");
      expect(closed.body.error.message).toMatch(/fail-closed/);

      const open = await call(`${a.open.url}/r`);
      expect(open.status, a.adapter).toBe(200);
      expect(open.headers.get("ratelimit")).toBeNull();

      // local: this process counts on its own, with the same limits.
      const local = [
        await call(`${a.local.url}/r`),
        await call(`${a.local.url}/r`),
        await call(`${a.local.url}/r`),
      ];
      expect(
        local.map((r) => r.status),
        a.adapter,
      ).toEqual([200, 200, 429]);
      expect(local[0].headers.get("ratelimit-policy")).toBe(`"default";q=2;w=3600`);

      for (const r of [
        await call(`${a.slots.url}/c`),
        await call(`${a.locked.url}/l/x`, { method: "POST" }),
      ]) {
        expect(r.status, a.adapter).toBe(503);
        expect(r.body.error.code).toMatch(/^HOLDFAST_STORE_/);
        expect(r.headers.get("retry-after")).toBe("1");
      }
    }
    await redis.start();
    for (const a of apps) {
      await until(
        async () => (await call(`${a.closed.url}/r`)).status === 200,
        5000,
        `${a.adapter} rate limit back`,
      );
      await until(
        async () => (await call(`${a.slots.url}/c`)).status === 200,
        5000,
        `${a.adapter} slots back`,
      );
      await until(
        async () => (await call(`${a.locked.url}/l/x`, { method: "POST" })).status === 200,
        5000,
        `${a.adapter} locks back`,
      );
    }
  });
});
