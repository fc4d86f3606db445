import { describe, expect, it, vi } from "vitest";
import { BrokenCircuitError, CircuitBreaker, type CircuitBreakerOptions } from "../../src/breaker/index.js";
import type { Store } from "../../src/store/types.js";
import { describeTimingStores } from "../support/stores.js";
import { randomUUID } from "node:crypto";
import { InvalidArgumentError } from "../../src/errors/index.js";

const ok = () => "ok";
const boom = () => Promise.reject(new Error("dependency down"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A store that counts round trips; everything else goes to the real store. */
function counting(store: Store): { store: Store; runs: () => number } {
  let n = 0;
  const wrapped: Store = Object.create(store) as Store;
  Object.defineProperty(wrapped, "run", {
    value: (...args: Parameters<Store["run"]>) => {
      n++;
      return store.run(...args);
    },
  });
  return { store: wrapped, runs: () => n };
}

describeTimingStores("shared circuit breaker", ({ store, another }) => {
  const SYNC = 200;
  const make = (s: Store, name: string, extra: Partial<CircuitBreakerOptions> = {}) =>
    new CircuitBreaker({ name, store: s, syncIntervalMs: SYNC, ...extra });

  it("one instance trips it; the other sees it open within syncIntervalMs", async () => {
    const name = `trip-${randomUUID()}`;
    const a = make(store(), name, { strategy: { kind: "consecutive", threshold: 3 } });
    const b = make(await another(), name, { strategy: { kind: "consecutive", threshold: 3 } });
    expect(await b.execute(ok)).toBe("ok");
    let trippedAt = 0;
    a.onBreak(() => (trippedAt ||= Date.now()));
    for (let i = 0; i < 3; i++) await expect(a.execute(boom)).rejects.toThrow("dependency down");
    await vi.waitFor(() => expect(trippedAt).toBeGreaterThan(0), { timeout: 5_000 });
    expect(a.state.kind).toBe("open");
    // B keeps calling; the first refusal must come within the staleness bound.
    let refusedAt = 0;
    const calledAfterRefusal: number[] = [];
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      try {
        await b.execute(() => {
          if (refusedAt) calledAfterRefusal.push(Date.now());
          return "ok";
        });
      } catch (e) {
        expect(e).toBeInstanceOf(BrokenCircuitError);
        refusedAt ||= Date.now();
        if (Date.now() - refusedAt > 300) break;
      }
      await sleep(10);
    }
    expect(refusedAt).toBeGreaterThan(0);
    // syncIntervalMs plus one round trip plus generous room for a loaded 2-core machine.
    expect(refusedAt - trippedAt).toBeLessThanOrEqual(SYNC + 600);
    expect(calledAfterRefusal).toEqual([]);
    expect(b.state.kind).toBe("open");
  });

  it("adds up failures of several instances for the ratio strategy", async () => {
    const name = `ratio-${randomUUID()}`;
    const strategy = { kind: "ratio", threshold: 0.5, minCalls: 10, windowMs: 30_000 } as const;
    const a = make(store(), name, { strategy });
    const b = make(await another(), name, { strategy });
    for (let i = 0; i < 5; i++) await expect(a.execute(boom)).rejects.toThrow();
    for (let i = 0; i < 4; i++) await expect(b.execute(boom)).rejects.toThrow();
    await Promise.all([a.sync(), b.sync()]);
    expect(a.state.kind).toBe("closed"); // 9 calls < minCalls
    await expect(b.execute(boom)).rejects.toThrow();
    await b.sync();
    expect(b.state.kind).toBe("open"); // 10 failed calls, counted across both instances
    await a.sync();
    expect(a.state.kind).toBe("open");
  });

  it("forgets shared outcomes that left the rolling window", async () => {
    const name = `window-${randomUUID()}`;
    const strategy = { kind: "ratio", threshold: 0.5, minCalls: 10, windowMs: 1_000, buckets: 10 } as const;
    const a = make(store(), name, { strategy });
    for (let i = 0; i < 9; i++) await expect(a.execute(boom)).rejects.toThrow();
    await a.sync();
    await sleep(1_200);
    for (let i = 0; i < 9; i++) await expect(a.execute(boom)).rejects.toThrow();
    await a.sync();
    expect(a.state.kind).toBe("closed");
    await expect(a.execute(boom)).rejects.toThrow();
    await a.sync();
    expect(a.state.kind).toBe("open");
  });

  it("merges consecutive failures reported by several instances", async () => {
    const name = `consec-${randomUUID()}`;
    const strategy = { kind: "consecutive", threshold: 4 } as const;
    const a = make(store(), name, { strategy });
    const b = make(await another(), name, { strategy });
    await expect(a.execute(boom)).rejects.toThrow();
    await expect(a.execute(boom)).rejects.toThrow();
    await a.sync();
    await b.execute(ok); // a success resets the shared count once it is reported
    await b.sync();
    for (let i = 0; i < 3; i++) await expect(a.execute(boom)).rejects.toThrow();
    await a.sync();
    expect(a.state.kind).toBe("closed");
    await expect(b.execute(boom)).rejects.toThrow();
    await b.sync();
    expect(b.state.kind).toBe("open"); // 3 from A + 1 from B in a row
  });

  it("writes nothing for bad options", async () => {
    const name = `bad-${randomUUID()}`;
    expect(() => make(store(), name, { halfOpenMaxTrials: 0 })).toThrow(InvalidArgumentError);
    const keys: string[] = [];
    for await (const k of store().scan(store().keys.pattern("breaker"))) if (k.includes(name)) keys.push(k);
    expect(keys).toEqual([]);
  });

  it("leases half-open trials: of several instances only N probe at once", async () => {
    const name = `lease-${randomUUID()}`;
    const stores = [store(), await another(), await another(), await another(), await another()];
    const opts = { halfOpenMaxTrials: 2, halfOpenAfterMs: 10_000 };
    const breakers = stores.map((s) => make(s, name, opts));
    await breakers[0].trip(300);
    await sleep(300 + SYNC + 50);
    let running = 0;
    let maxRunning = 0;
    let probes = 0;
    const probe = async () => {
      probes++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(300);
      running--;
      return "probe";
    };
    const results = await Promise.allSettled(breakers.map((b) => b.execute(probe)));
    expect(probes).toBe(2);
    expect(maxRunning).toBe(2);
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused).toHaveLength(3);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BrokenCircuitError);
    // The first successful trial closed the shared breaker: everyone admits calls again.
    await sleep(SYNC + 50);
    for (const b of breakers) expect(await b.execute(ok)).toBe("ok");
    for (const b of breakers) expect(b.state.kind).toBe("closed");
  });

  it("a failed trial reopens it for everyone, for twice as long", async () => {
    const name = `reopen-${randomUUID()}`;
    const a = make(store(), name, { halfOpenAfterMs: 300 });
    const b = make(await another(), name, { halfOpenAfterMs: 300 });
    await a.trip();
    await sleep(350);
    await expect(a.execute(boom)).rejects.toThrow("dependency down"); // the trial
    expect(a.state).toMatchObject({ kind: "open", attempt: 1 });
    const until = (a.state as { openUntilMs: number }).openUntilMs;
    expect(until - Date.now()).toBeGreaterThan(300);
    expect(until - Date.now()).toBeLessThanOrEqual(600);
    await b.sync();
    expect(b.state).toMatchObject({ kind: "open", attempt: 1 });
    await expect(b.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
  });

  it("frees the lease of a trial that never finishes once trialLeaseTtlMs passes", async () => {
    const name = `stuck-${randomUUID()}`;
    const opts = { halfOpenAfterMs: 100, trialLeaseTtlMs: 400 };
    const a = make(store(), name, opts);
    const b = make(await another(), name, opts);
    await a.trip();
    await sleep(150);
    let release!: () => void;
    const stuck = a.execute(() => new Promise<string>((r) => (release = () => r("late"))));
    await vi.waitFor(() => expect(release).toBeDefined());
    await expect(b.execute(ok)).rejects.toMatchObject({ state: "half-open" });
    await sleep(400 + SYNC + 50);
    expect(await b.execute(ok)).toBe("ok"); // B's trial, after A's lease expired
    expect(b.state.kind).toBe("closed");
    release();
    expect(await stuck).toBe("late"); // A's late outcome is ignored: its lease is gone
    await a.sync();
    expect(a.state.kind).toBe("closed");
  });

  it("isolate() and reset() reach every instance", async () => {
    const name = `iso-${randomUUID()}`;
    const a = make(store(), name);
    const b = make(await another(), name);
    await a.isolate();
    await b.sync();
    await expect(b.execute(ok)).rejects.toMatchObject({ code: "HOLDFAST_CIRCUIT_ISOLATED" });
    await b.reset();
    await a.sync();
    expect(await a.execute(ok)).toBe("ok");
  });

  it("costs no round trip per call while closed", async () => {
    const name = `cheap-${randomUUID()}`;
    const { store: s, runs } = counting(store());
    const b = new CircuitBreaker({ name, store: s, syncIntervalMs: 60_000 });
    for (let i = 0; i < 500; i++) await b.execute(ok);
    expect(runs()).toBe(1); // the first call's sync only
    await expect(b.execute(boom)).rejects.toThrow();
    await b.sync();
    expect(runs()).toBeLessThanOrEqual(3); // a failure is reported at once (coalesced)
  });
});

describe("shared breaker keys", () => {
  it("keeps every key of one breaker in one hash slot", async () => {
    const { Keyspace } = await import("../../src/store/keyspace.js");
    const ks = new Keyspace("p:");
    const keys = [ks.key("breaker", "n"), ks.key("breaker", "n", "window"), ks.key("breaker", "n", "trials")];
    expect(new Set(keys.map((k) => k.slice(k.indexOf("{"), k.indexOf("}") + 1))).size).toBe(1);
  });
});
