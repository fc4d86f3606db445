import { describe, expect, it } from "vitest";
import {
  FallbackPolicy,
  RetryPolicy,
  TaskTimeoutError,
  TimeoutPolicy,
  wrap,
  type Policy,
} from "../../src/policy/index.js";
import { BrokenCircuitError, CircuitBreaker } from "../../src/breaker/index.js";
import { InvalidArgumentError } from "../../src/errors/index.js";

/** A policy that records when calls enter and leave it, and which signal it received. */
function tracer(name: string, log: string[], signals: AbortSignal[] = []): Policy {
  return {
    async execute(fn, signal) {
      log.push(`>${name}`);
      if (signal) signals.push(signal);
      try {
        return await fn(signal ?? new AbortController().signal);
      } finally {
        log.push(`<${name}`);
      }
    },
  };
}

describe("wrap", () => {
  it("runs policies outermost first and passes the caller's signal through", async () => {
    const log: string[] = [];
    const signals: AbortSignal[] = [];
    const c = new AbortController();
    const v = await wrap(
      tracer("a", log, signals),
      tracer("b", log, signals),
      tracer("c", log, signals),
    ).execute((s) => {
      log.push("fn");
      return s;
    }, c.signal);
    expect(log).toEqual([">a", ">b", ">c", "fn", "<c", "<b", "<a"]);
    expect(signals).toEqual([c.signal, c.signal, c.signal]);
    expect(v).toBe(c.signal);
  });

  it("retry(breaker(timeout)): timeouts count as failures, the breaker opens, retry stops", async () => {
    const retry = new RetryPolicy({ maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 2 });
    const breaker = new CircuitBreaker({
      name: "compose-1",
      strategy: { kind: "consecutive", threshold: 3 },
    });
    const timeout = new TimeoutPolicy({ timeoutMs: 30 });
    let calls = 0;
    const aborted: boolean[] = [];
    const err = await wrap(retry, breaker, timeout)
      .execute(
        (signal) =>
          new Promise((_, reject) => {
            calls++;
            signal.addEventListener("abort", () => {
              aborted.push(true);
              reject(signal.reason);
            });
          }),
      )
      .catch((e: unknown) => e);
    expect(calls).toBe(3); // three timeouts opened the breaker; the 4th attempt was refused
    expect(aborted).toEqual([true, true, true]);
    expect(err).toBeInstanceOf(BrokenCircuitError);
    expect(breaker.state.kind).toBe("open");
  });

  it("the order matters: timeout(retry) bounds all attempts together", async () => {
    const retry = new RetryPolicy({ maxAttempts: 100, baseDelayMs: 20, backoff: "constant" });
    const timeout = new TimeoutPolicy({ timeoutMs: 150 });
    let calls = 0;
    const started = Date.now();
    const err = await wrap(timeout, retry)
      .execute(() => {
        calls++;
        throw new Error("down");
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(100);
  });

  it("fallback outermost serves a typed degraded answer", async () => {
    const fallback = new FallbackPolicy((e) => ({ status: "manual-review" as const, why: String(e) }));
    const served: unknown[] = [];
    fallback.onFallback((e) => served.push(e.error));
    const breaker = new CircuitBreaker({ name: "compose-2" });
    await breaker.isolate();
    const r = await wrap(fallback, breaker).execute(() => ({ status: "assigned" as const, why: "" }));
    expect(r.status).toBe("manual-review");
    expect(served[0]).toBeInstanceOf(BrokenCircuitError);
  });

  it("rejects something that is not a policy", () => {
    expect(() => wrap({} as never)).toThrow(InvalidArgumentError);
  });
});

describe("FallbackPolicy", () => {
  it("replaces failures, but not cancellations or errors shouldHandle refuses", async () => {
    const f = new FallbackPolicy(() => "fallback");
    expect(await f.execute(() => "real")).toBe("real");
    expect(await f.execute(() => Promise.reject(new Error("x")))).toBe("fallback");
    const abort = new DOMException("left", "AbortError");
    await expect(f.execute(() => Promise.reject(abort))).rejects.toBe(abort);
    const picky = new FallbackPolicy(async () => "fallback", {
      shouldHandle: (e) => (e as Error).message === "soft",
    });
    expect(await picky.execute(() => Promise.reject(new Error("soft")))).toBe("fallback");
    await expect(picky.execute(() => Promise.reject(new Error("hard")))).rejects.toThrow("hard");
  });

  it("rejects bad input", () => {
    expect(() => new FallbackPolicy("x" as never)).toThrow(InvalidArgumentError);
    expect(() => new FallbackPolicy(() => 1, { shouldHandle: 3 as never })).toThrow(InvalidArgumentError);
  });
});
