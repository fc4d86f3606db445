import { describe, expect, inject, it } from "vitest";
import { expectStoreFailures, onPrivateRedis } from "../support/faults.js";
import { createSessions } from "../../src/session/index.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis)("sessions against a Redis that goes away", () => {
  const fault = onPrivateRedis();

  it("fails closed with a typed store error within the timeout, then works after a restart", async () => {
    const { redis, store } = fault;
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
    // Never "no session" (null) on a guess: a typed store error.
    expectStoreFailures(results);
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
