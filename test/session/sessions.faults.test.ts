import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PrivateRedis } from "../support/redis-server.js";
import { StoreTimeoutError, StoreUnavailableError } from "../../src/errors/store-errors.js";
import type { Store } from "../../src/store/types.js";
import { createSessions } from "../../src/session/index.js";
import { faultTestStore } from "../support/stores.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis)("sessions against a Redis that goes away", () => {
  let redis: PrivateRedis;
  let store: Store;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    store = await faultTestStore(redis);
  });
  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  it("fails closed with a typed store error within the timeout, then works after a restart", async () => {
    const s = createSessions(store);
    await s.put("token-1", { user: "u1" });
    expect(await s.get("token-1")).toMatchObject({ user: "u1" });
    await redis.kill();
    const started = Date.now();
    const calls: (() => Promise<unknown>)[] = [
      () => s.get("token-1"),
      () => s.get("token-1", { user: "u1" }),
      () => s.touch("token-1"),
      () => s.put("token-2", { user: "u1" }),
      () => s.revoke("token-1"),
      () => s.list("u1"),
      () => s.revokeAll("u1"),
    ];
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => calls.map((c) => c())).flat());
    expect(Date.now() - started).toBeLessThan(2000);
    for (const r of results) {
      expect(r.status).toBe("rejected");
      const err = (r as PromiseRejectedResult).reason;
      // Never "no session" (null) on a guess: a typed store error.
      expect(err instanceof StoreUnavailableError || err instanceof StoreTimeoutError).toBe(true);
    }
    await redis.start();
    let ok = false;
    for (let i = 0; i < 60 && !ok; i++) {
      try {
        await s.put("token-3", { user: "u1" });
        ok = true;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(ok).toBe(true);
    expect(await s.get("token-3")).toMatchObject({ user: "u1" });
    expect(await s.get("token-1")).toBeNull(); // persistence is off: the old session is gone
  });
});
