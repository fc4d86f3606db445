/**
 * `holdfast/express` and `holdfast/fastify` against real apps of each framework (Express 5,
 * Express 4, Fastify 5) over real HTTP, on the memory store and on Redis: rate limits with IETF
 * headers and the service's error shape, concurrency slots released on finish AND on a client that
 * goes away, and locks around a handler with their fence, conflict and loss.
 */
import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { createConcurrencyLimiter } from "../../src/concurrency/index.js";
import { createLocks } from "../../src/lock/index.js";
import { describeStores } from "../support/stores.js";
import { ADAPTERS, call, gate, sleep, until, type Served } from "./adapters.js";

const uniq = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const HOUR = 3_600_000;

for (const adapter of ADAPTERS) {
  describeStores(
    `middleware: ${adapter.name}`,
    ({ store }) => {
      let served: Served[] = [];
      afterEach(async () => {
        await Promise.all(served.map((s) => s.close()));
        served = [];
      });
      const serve = async (s: Promise<Served>) => {
        const r = await s;
        served.push(r);
        return r;
      };
      const user = (u: string) => ({ headers: { "x-user": u } });

      it("limits per key with RateLimit headers, then 429 with Retry-After in the service's shape", async () => {
        const s = await serve(
          adapter.rateLimited({
            store: store(),
            name: uniq("rl"),
            limit: 3,
            windowMs: HOUR,
            keyGenerator: (req) => String(req.headers["x-user"]),
          }),
        );
        for (let i = 0; i < 3; i++) {
          const r = await call(`${s.url}/r`, user("ann"));
          expect(r.status).toBe(200);
          expect(r.body).toEqual({ ok: true, remaining: 2 - i });
          expect(r.headers.get("ratelimit-policy")).toBe(`"default";q=3;w=3600`);
          expect(r.headers.get("ratelimit")).toMatch(new RegExp(`^"default";r=${2 - i};t=\\d+$`));
        }
        const refused = await call(`${s.url}/r`, user("ann"));
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(refused.headers.get("ratelimit")).toMatch(/^"default";r=0;t=\d+$/);
        expect(refused.body.error).toMatchObject({
          code: "HOLDFAST_RATE_LIMITED",
          policy: "default",
          reason: "limit-reached",
          remaining: 0,
        });
        expect(refused.body.error.message).toMatch(/retry in \d+ s/);
        expect((await call(`${s.url}/r`, user("bob"))).status).toBe(200);
      });

      it("decides several limits together and names the one that refused", async () => {
        const s = await serve(
          adapter.rateLimited({
            store: store(),
            name: uniq("multi"),
            limits: [
              { name: "burst", algorithm: "gcra", burst: 2, ratePerSec: 0.001 },
              { name: "hourly", algorithm: "fixed-window", limit: 5, windowMs: HOUR },
            ],
            keyGenerator: (req) => String(req.headers["x-user"]),
          }),
        );
        const first = await call(`${s.url}/r`, user("cy"));
        expect(first.headers.get("ratelimit-policy")).toBe(`"burst";q=2;w=2000, "hourly";q=5;w=3600`);
        expect(first.headers.get("ratelimit")).toMatch(/^"burst";r=1;t=\d+, "hourly";r=4;t=\d+$/);
        await call(`${s.url}/r`, user("cy"));
        const third = await call(`${s.url}/r`, user("cy"));
        expect(third.status).toBe(429);
        expect(third.body.error.policy).toBe("burst");
        // Nothing was consumed by the refusal: the hourly budget still has 3.
        expect(third.headers.get("ratelimit")).toMatch(/"hourly";r=3;/);
      });

      it("skips, hides the standard headers on request, takes a custom refusal, and 400s a bad key", async () => {
        const s = await serve(
          adapter.rateLimited(
            {
              store: store(),
              name: uniq("opts"),
              max: 1,
              timeWindow: HOUR,
              standardHeaders: false,
              skip: (req) => req.headers["x-skip"] === "yes",
              keyGenerator: (req) => String(req.headers["x-user"] ?? ""),
            },
            (refusal) => ({ custom: true, status: refusal.status, code: refusal.body.error.code }),
          ),
        );
        for (let i = 0; i < 3; i++) {
          const skipped = await call(`${s.url}/r`, { headers: { "x-user": "dee", "x-skip": "yes" } });
          expect(skipped.status).toBe(200);
          expect(skipped.headers.get("ratelimit")).toBeNull();
        }
        const ok = await call(`${s.url}/r`, user("dee"));
        expect(ok.status).toBe(200);
        expect(ok.headers.get("ratelimit")).toBeNull();
        const refused = await call(`${s.url}/r`, user("dee"));
        expect(refused.status).toBe(adapter.name === "fastify" ? 429 : 418);
        expect(refused.body).toEqual({ custom: true, status: 429, code: "HOLDFAST_RATE_LIMITED" });
        expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
        const bad = await call(`${s.url}/r`);
        expect(bad.body).toMatchObject({ custom: true, status: 400, code: "HOLDFAST_INVALID_ARGUMENT" });
      });

      it("refuses a second request while one holds the only slot, and frees it when the response finishes", async () => {
        const g = gate();
        let entered = 0;
        const s = await serve(
          adapter.concurrency({ store: store(), name: uniq("cc"), limit: 1 }, async () => {
            entered++;
            if (entered === 1) await g.promise;
          }),
        );
        const first = call(`${s.url}/c`);
        await until(() => entered === 1, 2000, "the first request to enter");
        const second = await call(`${s.url}/c`);
        expect(second.status).toBe(429);
        expect(second.body.error).toMatchObject({
          code: "HOLDFAST_CONCURRENCY_LIMIT",
          limit: 1,
          reason: "full",
        });
        expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        g.open();
        expect((await first).status).toBe(200);
        // The slot came back with the response (on a kept-alive connection too).
        await until(async () => (await call(`${s.url}/c`)).status === 200, 2000, "the slot to be free");
      });

      it("frees the slot when the client goes away mid-request, and aborts the slot's signal", async () => {
        const g = gate();
        const signals: AbortSignal[] = [];
        const s = await serve(
          adapter.concurrency({ store: store(), name: uniq("gone"), limit: 1 }, async (slot) => {
            signals.push(slot!.signal);
            if (signals.length === 1) await g.promise;
          }),
        );
        const abort = new AbortController();
        const first = call(`${s.url}/c`, { signal: abort.signal }).catch((e: Error) => e);
        await until(() => signals.length === 1, 2000, "the first request to enter");
        expect((await call(`${s.url}/c`)).status).toBe(429);
        abort.abort();
        expect(await first).toBeInstanceOf(Error);
        await until(() => signals[0].aborted, 2000, "the slot's signal to abort");
        // The first handler is still running (the gate is closed), yet the slot is back.
        const next = await call(`${s.url}/c`);
        expect(next.status).toBe(200);
        g.open();
      });

      it("lets a queued request whose client goes away leave the queue", async () => {
        const g = gate();
        let entered = 0;
        const name = uniq("queue");
        const limiter = createConcurrencyLimiter(store(), { limit: 1, maxQueue: 5, queueTimeoutMs: 20_000 });
        const s = await serve(
          adapter.concurrency({ limiter, name }, async () => {
            entered++;
            await g.promise;
          }),
        );
        const first = call(`${s.url}/c`);
        await until(() => entered === 1, 2000, "the first request to enter");
        const abort = new AbortController();
        const queued = call(`${s.url}/c`, { signal: abort.signal }).catch((e: Error) => e);
        await until(() => limiter.queued(name) === 1, 2000, "the second request to queue");
        abort.abort();
        expect(await queued).toBeInstanceOf(Error);
        // The server sees the connection close a moment after the client: then it leaves the queue.
        await until(() => limiter.queued(name) === 0, 2000, "the second request to leave the queue");
        g.open();
        expect((await first).status).toBe(200);
        await sleep(50);
        // The aborted request never ran its handler.
        expect(entered).toBe(1);
      });

      it("runs one request at a time per lock name, with its fence, and 409s the others", async () => {
        const g = gate();
        let holding = false;
        const s = await serve(
          adapter.locked(
            { store: store(), key: (req) => `slot:${(req.params as { id: string }).id}`, ttlMs: 5_000 },
            async (lock, id) => {
              if (id === "a" && !holding) {
                holding = true;
                await g.promise;
              }
              return { id, fence: lock.fence, key: lock.key };
            },
          ),
        );
        const first = call(`${s.url}/l/a`, { method: "POST" });
        await until(() => holding, 2000, "the first request to hold the lock");
        const conflict = await call(`${s.url}/l/a`, { method: "POST" });
        expect(conflict.status).toBe(409);
        expect(conflict.body.error).toMatchObject({
          code: "HOLDFAST_LOCK_CONFLICT",
          key: "slot:a",
          heldBy: "exclusive",
        });
        expect(conflict.body.error.remainingTtlMs).toBeGreaterThan(4_000);
        expect(conflict.body.error.token).toBeUndefined();
        expect((await call(`${s.url}/l/b`, { method: "POST" })).status).toBe(200);
        g.open();
        const done = await first;
        expect(done.status).toBe(200);
        expect(done.body).toMatchObject({ id: "a", key: "slot:a" });
        const again = await call(`${s.url}/l/a`, { method: "POST" });
        expect(again.status).toBe(200);
        expect(again.body.fence).toBeGreaterThan(done.body.fence);
      });

      it("aborts the handler's signal when the client goes away, and answers 409 when the lease is lost", async () => {
        const seen: { id: string; reason: unknown }[] = [];
        const name = uniq("lk");
        const s = await serve(
          adapter.locked(
            {
              store: store(),
              key: (req) => `${name}:${(req.params as { id: string }).id}`,
              ttlMs: 2_000,
              refreshEveryMs: 30,
            },
            async (lock, id) => {
              await new Promise<void>((resolve) =>
                lock.signal.addEventListener("abort", () => resolve(), { once: true }),
              );
              seen.push({ id, reason: lock.signal.reason });
              return undefined;
            },
          ),
        );
        const abort = new AbortController();
        const gone = call(`${s.url}/l/gone`, { method: "POST", signal: abort.signal }).catch((e: Error) => e);
        await until(async () => (await createLocks(store()).get(`${name}:gone`)) !== null, 2000, "the lock");
        abort.abort();
        expect(await gone).toBeInstanceOf(Error);
        await until(() => seen.length === 1, 2000, "the handler to see the abort");
        expect((seen[0].reason as Error).name).toBe("AbortError");
        // The lock was released when the handler settled.
        await until(
          async () => (await createLocks(store()).get(`${name}:gone`)) === null,
          2000,
          "the release",
        );

        const lost = call(`${s.url}/l/lost`, { method: "POST" });
        await until(async () => (await createLocks(store()).get(`${name}:lost`)) !== null, 2000, "the lock");
        expect(await createLocks(store()).forceRelease(`${name}:lost`)).toBe(true);
        const answer = await lost;
        expect(answer.status).toBe(409);
        expect(answer.body.error).toMatchObject({
          code: "HOLDFAST_LOCK_LOST",
          key: `${name}:lost`,
          reason: "not-owned",
        });
        expect(seen[1]).toMatchObject({ id: "lost" });
      });
    },
    { targets: ["memory", "redis"] },
  );
}
