/**
 * All-or-nothing across several limits of one key, under concurrency, on every store: many
 * concurrent consumers with random costs. Limits do not refill during a run, so:
 * - the admitted cost never exceeds any limit's quota;
 * - each limit's remaining budget is exactly its quota minus the admitted cost (a refusal consumed
 *   nothing, on any limit);
 * - a refused request never fit in what was left at the end (budgets only shrink).
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createRateLimiter } from "../../src/limit/index.js";
import type { LimitSpec } from "../../src/limit/types.js";

const limitArb = (name: string): fc.Arbitrary<LimitSpec> =>
  fc.oneof(
    fc.record({
      name: fc.constant(name),
      algorithm: fc.constantFrom("fixed-window" as const, "sliding-window" as const),
      limit: fc.integer({ min: 1, max: 40 }),
      windowMs: fc.constant(3_600_000),
    }),
    fc.record({
      name: fc.constant(name),
      algorithm: fc.constantFrom("token-bucket" as const, "gcra" as const),
      burst: fc.integer({ min: 1, max: 40 }),
      ratePerSec: fc.constant(0.0001),
    }),
  );

const quotaOf = (l: LimitSpec): number => ("limit" in l ? l.limit : l.burst);

describeStores("multi-limit all-or-nothing", ({ store, target }) => {
  it("never admits beyond any limit and never consumes on refusal", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 2, max: 3 })
          .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => limitArb(`l${i}`)))),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 10, maxLength: 60 }),
        async (limits, costs) => {
          const l = createRateLimiter(store(), { name: "prop", limits });
          const key = `k-${run++}`;
          // Two "processes" on Redis would be the same as one client here: concurrency comes
          // from all requests being in flight at once.
          const results = await Promise.all(costs.map((cost) => l.consume(key, { cost })));
          let admitted = 0;
          results.forEach((r, i) => {
            if (r.allowed) admitted += costs[i];
          });
          for (const spec of limits) expect(admitted).toBeLessThanOrEqual(quotaOf(spec));
          const after = await l.peek(key);
          after.limits.forEach((s, i) => expect(s.remaining).toBe(quotaOf(limits[i]) - admitted));
          const minLeft = Math.min(...after.limits.map((s) => s.remaining));
          results.forEach((r, i) => {
            if (!r.allowed) expect(costs[i]).toBeGreaterThan(minLeft);
          });
        },
      ),
      { numRuns: target === "memory" ? 100 : 30 },
    );
  }, 60_000);
});
