import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BrokenCircuitError,
  CircuitBreaker,
  IsolatedCircuitError,
  isBrokenCircuitError,
  type BreakerState,
} from "../../src/breaker/index.js";
import { InvalidArgumentError } from "../../src/errors/index.js";
import { holdfastRegistry } from "../../src/observe/metrics.js";

const boom = () => {
  throw new Error("dependency down");
};
const ok = () => "ok";

async function fail(b: CircuitBreaker, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await expect(b.execute(boom)).rejects.toThrow("dependency down");
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const m = await holdfastRegistry.getSingleMetric(name)!.get();
  const v = m.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe("local circuit breaker", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe("consecutive strategy", () => {
    it("opens after `threshold` failures in a row and refuses without calling fn", async () => {
      const b = new CircuitBreaker({ name: "c1", strategy: { kind: "consecutive", threshold: 3 } });
      await fail(b, 2);
      expect(b.state.kind).toBe("closed");
      await fail(b);
      expect(b.state).toEqual({ kind: "open", openUntilMs: Date.now() + 10_000, attempt: 0 });
      const fn = vi.fn(ok);
      vi.advanceTimersByTime(4_000);
      const err = await b.execute(fn).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BrokenCircuitError);
      expect((err as BrokenCircuitError).code).toBe("HOLDFAST_CIRCUIT_OPEN");
      expect((err as BrokenCircuitError).remainingOpenMs).toBe(6_000);
      expect((err as BrokenCircuitError).degraded).toBe(false);
      expect(fn).not.toHaveBeenCalled();
    });

    it("starts counting again after a success", async () => {
      const b = new CircuitBreaker({ name: "c2", strategy: { kind: "consecutive", threshold: 3 } });
      for (let i = 0; i < 5; i++) {
        await fail(b, 2);
        await b.execute(ok);
      }
      expect(b.state.kind).toBe("closed");
    });
  });

  describe("ratio strategy", () => {
    const strategy = { kind: "ratio", threshold: 0.5, minCalls: 10, windowMs: 10_000, buckets: 10 } as const;

    it("does not open before minCalls, then opens at the ratio", async () => {
      const b = new CircuitBreaker({ name: "r1", strategy });
      await fail(b, 9); // 100 % failures but only 9 calls
      expect(b.state.kind).toBe("closed");
      await fail(b);
      expect(b.state.kind).toBe("open");
    });

    it("stays closed below the ratio", async () => {
      const b = new CircuitBreaker({ name: "r2", strategy });
      for (let i = 0; i < 20; i++) {
        await b.execute(ok);
        await b.execute(ok);
        await fail(b); // one in three fails: 33 % < 50 %
      }
      expect(b.state.kind).toBe("closed");
    });

    it("forgets outcomes that left the rolling window", async () => {
      const b = new CircuitBreaker({ name: "r3", strategy });
      await fail(b, 9);
      vi.advanceTimersByTime(10_000); // every bucket of those failures is now outside the window
      await fail(b, 9);
      expect(b.state.kind).toBe("closed");
      vi.advanceTimersByTime(4_000); // still inside: 9 + 1 >= minCalls
      await fail(b);
      expect(b.state.kind).toBe("open");
    });

    it("counts successes in the window against the failures", async () => {
      const b = new CircuitBreaker({ name: "r4", strategy });
      for (let i = 0; i < 6; i++) await b.execute(ok);
      await fail(b, 5); // 5 of 11 < 50 %
      expect(b.state.kind).toBe("closed");
      await fail(b); // 6 of 12 = 50 %
      expect(b.state.kind).toBe("open");
    });
  });

  describe("half-open", () => {
    it("admits N trials at once, refuses the rest, and closes on the first success", async () => {
      const b = new CircuitBreaker({
        name: "h1",
        strategy: { kind: "consecutive", threshold: 1 },
        halfOpenAfterMs: 1_000,
        halfOpenMaxTrials: 2,
      });
      await fail(b);
      vi.advanceTimersByTime(1_000);
      const gates: (() => void)[] = [];
      const trial = () => new Promise<string>((r) => gates.push(() => r("trial")));
      const t1 = b.execute(trial);
      const t2 = b.execute(trial);
      await vi.waitFor(() => expect(gates).toHaveLength(2));
      expect(b.state.kind).toBe("half-open");
      const refused = await b.execute(ok).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(BrokenCircuitError);
      expect((refused as BrokenCircuitError).state).toBe("half-open");
      gates[0]();
      expect(await t1).toBe("trial");
      expect(b.state.kind).toBe("closed");
      gates[1]();
      expect(await t2).toBe("trial");
      expect(await b.execute(ok)).toBe("ok");
    });

    it("reopens after a failed trial with an exponentially longer, capped open time", async () => {
      const b = new CircuitBreaker({
        name: "h2",
        strategy: { kind: "consecutive", threshold: 1 },
        halfOpenAfterMs: 1_000,
        maxHalfOpenAfterMs: 5_000,
      });
      await fail(b);
      const durations: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = b.state as Extract<BreakerState, { kind: "open" }>;
        const d = s.openUntilMs - Date.now();
        durations.push(d);
        vi.advanceTimersByTime(d - 1);
        await expect(b.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
        vi.advanceTimersByTime(1);
        await fail(b); // the trial fails
        expect(b.state.kind).toBe("open");
      }
      expect(durations).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
      vi.advanceTimersByTime(5_000);
      await b.execute(ok);
      expect(b.state.kind).toBe("closed");
      await fail(b);
      expect((b.state as { openUntilMs: number }).openUntilMs - Date.now()).toBe(1_000); // attempt reset
    });

    it("frees the trial slot when the trial is cancelled, without closing or opening", async () => {
      const b = new CircuitBreaker({
        name: "h3",
        strategy: { kind: "consecutive", threshold: 1 },
        halfOpenAfterMs: 100,
      });
      await fail(b);
      vi.advanceTimersByTime(100);
      const abort = new DOMException("caller left", "AbortError");
      await expect(
        b.execute(() => {
          throw abort;
        }),
      ).rejects.toBe(abort);
      expect(b.state.kind).toBe("half-open");
      await b.execute(ok);
      expect(b.state.kind).toBe("closed");
    });
  });

  describe("which errors count", () => {
    it("does not count AbortError-like cancellations by default", async () => {
      const b = new CircuitBreaker({ name: "p1", strategy: { kind: "consecutive", threshold: 2 } });
      for (let i = 0; i < 5; i++) {
        await expect(
          b.execute(() => Promise.reject(new DOMException("aborted", "AbortError"))),
        ).rejects.toMatchObject({ name: "AbortError" });
      }
      expect(b.state.kind).toBe("closed");
    });

    it("uses the isFailure predicate", async () => {
      class NotFound extends Error {}
      const b = new CircuitBreaker({
        name: "p2",
        strategy: { kind: "consecutive", threshold: 2 },
        isFailure: (e) => !(e instanceof NotFound),
      });
      const failures: boolean[] = [];
      b.onFailure((e) => failures.push(e.counted));
      for (let i = 0; i < 5; i++)
        await expect(b.execute(() => Promise.reject(new NotFound()))).rejects.toBeInstanceOf(NotFound);
      expect(b.state.kind).toBe("closed");
      await fail(b, 2);
      expect(b.state.kind).toBe("open");
      expect(failures).toEqual([false, false, false, false, false, true, true]);
    });

    it("does not call fn when the caller's signal already aborted", async () => {
      const b = new CircuitBreaker({ name: "p3" });
      const fn = vi.fn(ok);
      await expect(b.execute(fn, AbortSignal.abort())).rejects.toMatchObject({ name: "AbortError" });
      expect(fn).not.toHaveBeenCalled();
    });

    it("passes the caller's signal to fn", async () => {
      const b = new CircuitBreaker({ name: "p4" });
      const c = new AbortController();
      expect(await b.execute((s) => s, c.signal)).toBe(c.signal);
      expect((await b.execute((s) => s)).aborted).toBe(false);
    });
  });

  describe("manual control", () => {
    it("trip(), isolate() and reset()", async () => {
      const b = new CircuitBreaker({ name: "m1" });
      await b.trip(500);
      expect(b.state).toMatchObject({ kind: "open", openUntilMs: Date.now() + 500 });
      await b.isolate();
      vi.advanceTimersByTime(1_000_000);
      const err = await b.execute(ok).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IsolatedCircuitError);
      expect(isBrokenCircuitError(err)).toBe(true);
      expect((err as IsolatedCircuitError).code).toBe("HOLDFAST_CIRCUIT_ISOLATED");
      await b.reset();
      expect(await b.execute(ok)).toBe("ok");
    });
  });

  describe("events, serialisation and metrics", () => {
    it("emits state changes in order and stops after dispose()", async () => {
      const b = new CircuitBreaker({
        name: "e1",
        strategy: { kind: "consecutive", threshold: 1 },
        halfOpenAfterMs: 100,
      });
      const seen: string[] = [];
      const subs = [
        b.onStateChange((e) => seen.push(`${e.previous}->${e.state.kind}`)),
        b.onBreak(() => seen.push("break")),
        b.onHalfOpen(() => seen.push("half-open")),
        b.onReset(() => seen.push("reset")),
        b.onSuccess(() => seen.push("success")),
        b.onFailure(() => seen.push("failure")),
      ];
      await fail(b);
      vi.advanceTimersByTime(100);
      await b.execute(ok);
      expect(seen).toEqual([
        "closed->open",
        "break",
        "failure",
        "open->half-open",
        "half-open",
        "half-open->closed",
        "reset",
        "success",
      ]);
      subs.forEach((s) => s.dispose());
      await fail(b);
      expect(seen).toHaveLength(8);
    });

    it("serialises its state and restores it", async () => {
      const b = new CircuitBreaker({
        name: "s1",
        strategy: { kind: "consecutive", threshold: 1 },
        halfOpenAfterMs: 5_000,
      });
      await fail(b);
      const saved = JSON.parse(JSON.stringify(b)) as BreakerState;
      expect(saved).toEqual({ kind: "open", openUntilMs: Date.now() + 5_000, attempt: 0 });
      const restored = new CircuitBreaker({ name: "s1", initialState: saved });
      await expect(restored.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
      vi.advanceTimersByTime(5_000);
      expect(await restored.execute(ok)).toBe("ok");
      expect(restored.state.kind).toBe("closed");
      const iso = new CircuitBreaker({ name: "s2", initialState: { kind: "isolated" } });
      await expect(iso.execute(ok)).rejects.toBeInstanceOf(IsolatedCircuitError);
    });

    it("counts state changes and rejections", async () => {
      const b = new CircuitBreaker({ name: "metrics-1", strategy: { kind: "consecutive", threshold: 1 } });
      await fail(b);
      for (let i = 0; i < 3; i++) await expect(b.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
      expect(await metricValue("holdfast_breaker_rejected_total", { breaker: "metrics-1" })).toBe(3);
      expect(
        await metricValue("holdfast_breaker_transitions_total", { breaker: "metrics-1", to: "open" }),
      ).toBe(1);
    });
  });

  describe("bad options", () => {
    const bad: [string, unknown][] = [
      ["name", { name: "" }],
      ["name", { name: 42 }],
      ["strategy.threshold", { name: "x", strategy: { kind: "consecutive", threshold: 0 } }],
      ["strategy.threshold", { name: "x", strategy: { kind: "consecutive", threshold: 1.5 } }],
      ["strategy.threshold", { name: "x", strategy: { kind: "ratio", threshold: 0 } }],
      ["strategy.threshold", { name: "x", strategy: { kind: "ratio", threshold: 1.2 } }],
      ["strategy.minCalls", { name: "x", strategy: { kind: "ratio", threshold: 0.5, minCalls: 0 } }],
      ["strategy.buckets", { name: "x", strategy: { kind: "ratio", threshold: 0.5, buckets: 101 } }],
      ["strategy.windowMs", { name: "x", strategy: { kind: "ratio", threshold: 0.5, windowMs: -1 } }],
      ["strategy.kind", { name: "x", strategy: { kind: "sometimes" } }],
      ["halfOpenAfterMs", { name: "x", halfOpenAfterMs: 0 }],
      ["maxHalfOpenAfterMs", { name: "x", halfOpenAfterMs: 5_000, maxHalfOpenAfterMs: 1_000 }],
      ["halfOpenMaxTrials", { name: "x", halfOpenMaxTrials: 0 }],
      ["syncIntervalMs", { name: "x", syncIntervalMs: 1.5 }],
      ["trialLeaseTtlMs", { name: "x", trialLeaseTtlMs: 0 }],
      ["isFailure", { name: "x", isFailure: "yes" }],
      ["store", { name: "x", store: {} }],
      ["initialState.kind", { name: "x", initialState: { kind: "ajar" } }],
      ["initialState.attempt", { name: "x", initialState: { kind: "half-open", attempt: -1 } }],
      ["options", null],
    ];
    it.each(bad)("rejects bad %s", (field, options) => {
      const err = (() => {
        try {
          new CircuitBreaker(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).field).toBe(field);
    });

    it("rejects a bad trip duration", async () => {
      const b = new CircuitBreaker({ name: "x" });
      await expect(b.trip(0)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(b.state.kind).toBe("closed");
    });
  });
});
