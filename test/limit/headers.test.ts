import { afterAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import {
  createRateLimiter,
  httpStatusOf,
  rateLimitHeaders,
  retryAfterSeconds,
  type RateLimitResult,
} from "../../src/limit/index.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import { holdfastRegistry } from "../../src/observe/metrics.js";

let clock = 3_600_000 * 500_000; // aligned to the hour window
const store = new MemoryStore({ clock: () => clock });
afterAll(() => store.close());

describe("HTTP helpers", () => {
  it("builds RateLimit-Policy, RateLimit and Retry-After (rounded up) for every limit", async () => {
    const l = createRateLimiter(store, {
      name: "h",
      limits: [
        { name: "per-second", algorithm: "gcra", burst: 2, ratePerSec: 2 },
        { name: "hourly", algorithm: "fixed-window", limit: 1000, windowMs: 3_600_000 },
      ],
    });
    const ok = await l.consume("k");
    expect(httpStatusOf(ok)).toBe(200);
    expect(rateLimitHeaders(ok)).toEqual({
      "RateLimit-Policy": '"per-second";q=2;w=1, "hourly";q=1000;w=3600',
      RateLimit: '"per-second";r=1;t=1, "hourly";r=999;t=3600',
    });
    await l.consume("k");
    clock += 100;
    const denied = await l.consume("k");
    expect(denied).toMatchObject({
      allowed: false,
      reason: "limit-reached",
      policy: "per-second",
      retryAfterMs: 400,
    });
    expect(httpStatusOf(denied)).toBe(429);
    expect(rateLimitHeaders(denied)["Retry-After"]).toBe("1");
    expect(rateLimitHeaders(denied).RateLimit).toBe('"per-second";r=0;t=1, "hourly";r=998;t=3600');
  });

  it("rounds Retry-After up to whole seconds and omits it when the cost can never pass", () => {
    const base: RateLimitResult = {
      allowed: false,
      remaining: 0,
      resetMs: 0,
      retryAfterMs: 1001,
      policy: "p",
      limits: [],
    };
    expect(retryAfterSeconds(base)).toBe(2);
    expect(retryAfterSeconds({ ...base, retryAfterMs: 1 })).toBe(1);
    expect(
      retryAfterSeconds({ ...base, retryAfterMs: Infinity, reason: "cost-exceeds-limit" }),
    ).toBeUndefined();
    expect(retryAfterSeconds({ ...base, allowed: true, retryAfterMs: 0 })).toBeUndefined();
    expect(httpStatusOf({ ...base, reason: "blocked" })).toBe(429);
    expect(httpStatusOf({ ...base, reason: "store-unavailable", degraded: true })).toBe(503);
  });
});

describe("options", () => {
  it("refuses bad options with a typed error naming the field", () => {
    const bad: [unknown, string][] = [
      [{ algorithm: "fixed-window", limit: 1, windowMs: 1 }, "name"],
      [{ name: "x y", algorithm: "fixed-window", limit: 1, windowMs: 1 }, "name"],
      [{ name: "n", algorithm: "leaky", limit: 1, windowMs: 1 }, "algorithm"],
      [{ name: "n", algorithm: "fixed-window", limit: 0, windowMs: 1000 }, "limit"],
      [{ name: "n", algorithm: "fixed-window", limit: 1.5, windowMs: 1000 }, "limit"],
      [{ name: "n", algorithm: "sliding-window", limit: 5, windowMs: 0 }, "windowMs"],
      [{ name: "n", algorithm: "token-bucket", burst: 5, ratePerSec: 0 }, "ratePerSec"],
      [{ name: "n", algorithm: "gcra", burst: 0, ratePerSec: 1 }, "burst"],
      [{ name: "n", algorithm: "gcra", burst: 1, ratePerSec: Infinity }, "ratePerSec"],
      [{ name: "n", algorithm: "gcra", burst: 1, ratePerSec: 1, blockDurationMs: -1 }, "blockDurationMs"],
      [
        { name: "n", algorithm: "gcra", burst: 1, ratePerSec: 1, onStoreUnavailable: "ignore" },
        "onStoreUnavailable",
      ],
      [{ name: "n", algorithm: "gcra", burst: 1, ratePerSec: 1, recheckIntervalMs: 0 }, "recheckIntervalMs"],
      [{ name: "n" }, "limits"],
      [{ name: "n", limits: [] }, "limits"],
      [
        {
          name: "n",
          limits: [
            { name: "a", algorithm: "gcra", burst: 1, ratePerSec: 1 },
            { name: "a", algorithm: "gcra", burst: 1, ratePerSec: 1 },
          ],
        },
        "limits[1].name",
      ],
    ];
    for (const [options, field] of bad) {
      let err: unknown;
      try {
        createRateLimiter(store, options as never);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(options)).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).field).toContain(field);
    }
  });
});

describe("metrics", () => {
  it("counts allowed and denied decisions by algorithm", async () => {
    const read = async (algorithm: string, decision: string) => {
      const m = holdfastRegistry.getSingleMetric("holdfast_ratelimit_decisions_total")!;
      const { values } = await m.get();
      return (
        values.find((v) => v.labels.algorithm === algorithm && v.labels.decision === decision)?.value ?? 0
      );
    };
    const a0 = await read("token-bucket", "allowed");
    const d0 = await read("token-bucket", "denied");
    const l = createRateLimiter(store, { name: "m", algorithm: "token-bucket", burst: 2, ratePerSec: 1 });
    for (let i = 0; i < 5; i++) await l.consume("k");
    expect(await read("token-bucket", "allowed")).toBe(a0 + 2);
    expect(await read("token-bucket", "denied")).toBe(d0 + 3);
  });
});
