import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RetryPolicy, type RetryEvent } from "../../src/policy/index.js";
import { BrokenCircuitError } from "../../src/breaker/index.js";
import { InvalidArgumentError } from "../../src/errors/index.js";

describe("RetryPolicy", () => {
  it("makes maxAttempts attempts and rethrows the last error", async () => {
    const retry = new RetryPolicy({ maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 });
    let calls = 0;
    const giveUps: number[] = [];
    retry.onGiveUp((e) => giveUps.push(e.attempts));
    const err = await retry
      .execute(() => {
        calls++;
        throw new Error(`attempt ${calls}`);
      })
      .catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect((err as Error).message).toBe("attempt 4");
    expect(giveUps).toEqual([4]);
  });

  it("returns the first success", async () => {
    const retry = new RetryPolicy({ maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 });
    let calls = 0;
    const events: RetryEvent[] = [];
    retry.onRetry((e) => events.push(e));
    const v = await retry.execute(() => (++calls < 3 ? Promise.reject(new Error("flaky")) : "done"));
    expect(v).toBe("done");
    expect(calls).toBe(3);
    expect(events.map((e) => e.attempt)).toEqual([1, 2]);
  });

  it("stops when shouldRetry says no, and by default on breaker refusals and cancellations", async () => {
    let calls = 0;
    const picky = new RetryPolicy({
      maxAttempts: 5,
      baseDelayMs: 1,
      shouldRetry: (_e, attempt) => attempt < 2,
    });
    await expect(
      picky.execute(() => {
        calls++;
        throw new Error("x");
      }),
    ).rejects.toThrow("x");
    expect(calls).toBe(2);

    const retry = new RetryPolicy({ maxAttempts: 5, baseDelayMs: 1 });
    for (const error of [
      new BrokenCircuitError("b", "open", 100, false),
      new DOMException("gone", "AbortError"),
      new InvalidArgumentError("ttlMs", "bad"),
    ]) {
      calls = 0;
      await expect(
        retry.execute(() => {
          calls++;
          throw error;
        }),
      ).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });

  it("stops waiting as soon as the caller's signal aborts", async () => {
    const retry = new RetryPolicy({
      maxAttempts: 3,
      baseDelayMs: 5_000,
      maxDelayMs: 5_000,
      backoff: "constant",
    });
    const c = new AbortController();
    const started = Date.now();
    const p = retry.execute(() => Promise.reject(new Error("down")), c.signal);
    setTimeout(() => c.abort(), 50);
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("keeps decorrelated-jitter delays within [base, min(cap, 3 × previous)]", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 3, max: 12 }),
        async (randoms, base, cap) => {
          let i = 0;
          const retry = new RetryPolicy({
            maxAttempts: 7,
            baseDelayMs: base,
            maxDelayMs: cap,
            random: () => randoms[i++ % randoms.length],
          });
          const delays: number[] = [];
          retry.onRetry((e) => delays.push(e.delayMs));
          await retry.execute(() => Promise.reject(new Error("x"))).catch(() => undefined);
          expect(delays).toHaveLength(6);
          let previous = base;
          for (const d of delays) {
            expect(d).toBeGreaterThanOrEqual(Math.min(base, cap));
            expect(d).toBeLessThanOrEqual(Math.min(cap, Math.max(base, 3 * previous)));
            previous = d;
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("keeps exponential (full jitter) delays within [0, min(cap, base × 2^(attempt-1)))", async () => {
    const retry = new RetryPolicy({
      maxAttempts: 6,
      baseDelayMs: 1,
      maxDelayMs: 8,
      backoff: "exponential",
      random: () => 0.999,
    });
    const delays: number[] = [];
    retry.onRetry((e) => delays.push(e.delayMs));
    await retry.execute(() => Promise.reject(new Error("x"))).catch(() => undefined);
    expect(delays).toEqual([0, 1, 3, 7, 7]);
    const low = new RetryPolicy({ maxAttempts: 3, baseDelayMs: 1, backoff: "exponential", random: () => 0 });
    const lows: number[] = [];
    low.onRetry((e) => lows.push(e.delayMs));
    await low.execute(() => Promise.reject(new Error("x"))).catch(() => undefined);
    expect(lows).toEqual([0, 0]);
  });

  it("really waits between attempts", async () => {
    const retry = new RetryPolicy({ maxAttempts: 3, baseDelayMs: 100, backoff: "constant" });
    const started = Date.now();
    await retry.execute(() => Promise.reject(new Error("x"))).catch(() => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it.each([
    ["maxAttempts", { maxAttempts: 0 }],
    ["maxAttempts", { maxAttempts: 2.5 }],
    ["baseDelayMs", { baseDelayMs: -1 }],
    ["maxDelayMs", { baseDelayMs: 100, maxDelayMs: 10 }],
    ["backoff", { backoff: "linear" }],
    ["shouldRetry", { shouldRetry: 1 }],
    ["name", { name: "" }],
  ])("rejects bad %s", (field, options) => {
    expect(() => new RetryPolicy(options as never)).toThrow(InvalidArgumentError);
    try {
      new RetryPolicy(options as never);
    } catch (e) {
      expect((e as InvalidArgumentError).field).toBe(field);
    }
  });
});
