/**
 * The Lua script and its memory twin decide identically: random sequences of consume, peek,
 * reward and penalty over all four algorithms at once give the same decisions and budgets on
 * memory and on Redis. (Windows are ~24 days and rates tiny, so the two clocks do not matter.)
 */
import fc from "fast-check";
import { afterAll, expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { createRateLimiter, type RateLimiter, type RateLimitResult } from "../../src/limit/index.js";
import type { LimitSpec } from "../../src/limit/types.js";

const LONG = 2_147_483_647;
const op = fc.oneof(
  fc.record({ kind: fc.constant("consume" as const), n: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant("peek" as const), n: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant("reward" as const), n: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant("penalty" as const), n: fc.integer({ min: 1, max: 6 }) }),
);

const view = (r: RateLimitResult) => ({
  allowed: r.allowed,
  reason: r.reason,
  policy: r.policy,
  never: r.retryAfterMs === Infinity,
  remaining: r.limits.map((l) => l.remaining),
});

/** Runs `ops` on both limiters, one after the other, and expects the same answer each time. */
async function expectSameAnswers(
  onRedis: RateLimiter,
  onMemory: RateLimiter,
  key: string,
  ops: { kind: "consume" | "peek" | "reward" | "penalty"; n: number }[],
): Promise<void> {
  for (const o of ops) {
    const call = (l: RateLimiter) =>
      o.kind === "consume" || o.kind === "peek" ? l[o.kind](key, { cost: o.n }) : l[o.kind](key, o.n);
    expect(view(await call(onRedis))).toEqual(view(await call(onMemory)));
  }
}

const memory = new MemoryStore();
afterAll(() => memory.close());

describeStores(
  "memory twin and Lua agree",
  ({ store, target }) => {
    it("on random operation sequences", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(
            fc.integer({ min: 1, max: 10 }),
            fc.integer({ min: 1, max: 10 }),
            fc.integer({ min: 1, max: 10 }),
            fc.integer({ min: 1, max: 10 }),
          ),
          fc.array(op, { minLength: 5, maxLength: 30 }),
          async ([a, b, c, d], ops) => {
            const limits: LimitSpec[] = [
              { name: "f", algorithm: "fixed-window", limit: a, windowMs: LONG },
              { name: "s", algorithm: "sliding-window", limit: b, windowMs: LONG },
              { name: "t", algorithm: "token-bucket", burst: c, ratePerSec: 0.000001 },
              { name: "g", algorithm: "gcra", burst: d, ratePerSec: 0.000001 },
            ];
            const key = `eq-${target}-${run++}`;
            const onRedis = createRateLimiter(store(), { name: "eq", limits });
            const onMemory = createRateLimiter(memory, { name: "eq", limits });
            await expectSameAnswers(onRedis, onMemory, key, ops);
          },
        ),
        { numRuns: 25 },
      );
    });

    // A key with one limit runs its algorithm's consume script on Redis (common case inline,
    // the rest through the generic decision); memory runs the generic twin. They must agree,
    // blocks and refusals included.
    it("on a single limit of each algorithm, with and without blocking", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("fixed-window", "sliding-window", "token-bucket", "gcra"),
          fc.integer({ min: 1, max: 10 }),
          fc.boolean(),
          fc.array(op, { minLength: 5, maxLength: 30 }),
          async (algorithm, quota, block, ops) => {
            const limit: LimitSpec =
              algorithm === "fixed-window" || algorithm === "sliding-window"
                ? { name: "one", algorithm, limit: quota, windowMs: LONG }
                : { name: "one", algorithm, burst: quota, ratePerSec: 0.000001 };
            const key = `eq1-${target}-${run++}`;
            const options = { name: "eq1", limits: [limit], blockDurationMs: block ? LONG : 0 };
            const onRedis = createRateLimiter(store(), options);
            const onMemory = createRateLimiter(memory, options);
            await expectSameAnswers(onRedis, onMemory, key, ops);
          },
        ),
        { numRuns: 40 },
      );
    });
  },
  { targets: ["redis", "cluster"] },
);
