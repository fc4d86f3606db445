import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BulkheadPolicy, BulkheadRejectedError } from "../../src/policy/index.js";
import { InvalidArgumentError } from "../../src/errors/index.js";

describe("BulkheadPolicy", () => {
  it("runs maxConcurrent, queues maxQueue, refuses the rest", async () => {
    const b = new BulkheadPolicy({ maxConcurrent: 2, maxQueue: 1 });
    const gates: (() => void)[] = [];
    const task = () => new Promise<string>((r) => gates.push(() => r("done")));
    const rejected: number[] = [];
    b.onReject((e) => rejected.push(e.running));
    const p = [b.execute(task), b.execute(task), b.execute(task)];
    const err = await b.execute(task).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulkheadRejectedError);
    expect(err).toMatchObject({ code: "HOLDFAST_BULKHEAD_REJECTED", maxConcurrent: 2, maxQueue: 1 });
    expect(rejected).toEqual([2]);
    expect(b.running).toBe(2);
    expect(b.queued).toBe(1);
    expect(gates).toHaveLength(2);
    gates[0]();
    await p[0];
    await new Promise((r) => setImmediate(r));
    expect(gates).toHaveLength(3); // the queued call took the freed slot
    gates[1]();
    gates[2]();
    await Promise.all(p);
    expect(b.running).toBe(0);
  });

  it("lets a queued call leave when its signal aborts", async () => {
    const b = new BulkheadPolicy({ maxConcurrent: 1, maxQueue: 5 });
    let release!: () => void;
    const first = b.execute(() => new Promise<void>((r) => (release = r)));
    const c = new AbortController();
    const queued = b.execute(() => "never", c.signal);
    expect(b.queued).toBe(1);
    c.abort();
    await expect(queued).rejects.toMatchObject({ name: "AbortError" });
    expect(b.queued).toBe(0);
    release();
    await first;
    expect(b.running).toBe(0);
    expect(await b.execute(() => "next")).toBe("next");
  });

  it("never runs more than maxConcurrent, whatever the mix (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 5 }), fails: fc.boolean() }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (maxConcurrent, maxQueue, tasks) => {
          const b = new BulkheadPolicy({ maxConcurrent, maxQueue });
          let running = 0;
          let peak = 0;
          const results = await Promise.allSettled(
            tasks.map((t) =>
              b.execute(async () => {
                running++;
                peak = Math.max(peak, running);
                await new Promise((r) => setTimeout(r, t.ms));
                running--;
                if (t.fails) throw new Error("task failed");
              }),
            ),
          );
          expect(peak).toBeLessThanOrEqual(maxConcurrent);
          const refused = results.filter(
            (r) => r.status === "rejected" && r.reason instanceof BulkheadRejectedError,
          ).length;
          // Every task is submitted before any finishes, so exactly the overflow is refused.
          expect(refused).toBe(Math.max(0, tasks.length - maxConcurrent - maxQueue));
          expect(b.running).toBe(0);
          expect(b.queued).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it.each([
    ["maxConcurrent", { maxConcurrent: 0 }],
    ["maxConcurrent", {}],
    ["maxQueue", { maxConcurrent: 1, maxQueue: -1 }],
    ["options", undefined],
  ])("rejects bad %s", (field, options) => {
    try {
      new BulkheadPolicy(options as never);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).field).toBe(field);
    }
  });
});
