/**
 * Many concurrent clients with random holds and pauses contend for a few keys; a protected resource
 * rejects writes whose fence is lower than the highest it has seen. Checked on every store:
 * - two sections that ended well within their lease (so certainly held it throughout) never
 *   overlap in time, whatever the store later says about their release;
 * - such sections' fences follow their order in time (fences strictly increase per key);
 * - a write made well within the lease is never rejected as stale, and the resource never
 *   accepts a lower fence after a higher one;
 * - every acquisition got a distinct fence.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createLocks, type Locks } from "../../src/lock/locks.js";
import { LockConflictError, LockNotOwnedError } from "../../src/lock/errors.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Step {
  key: number;
  holdMs: number;
  /** Pause past the lease, as a GC pause or a stalled process would. */
  stall: boolean;
  waitMs: number;
}

interface Section {
  key: number;
  fence: number;
  start: number;
  end: number;
  /**
   * The section ended well before `sent + TTL`: the server's lease started after `sent`, so it
   * cannot have expired during the section.
   */
  valid: boolean;
  /** The release succeeded. */
  released: boolean;
  writeAccepted: boolean;
}

class FencedResource {
  private highest = -1;
  readonly accepted: number[] = [];
  write(fence: number): boolean {
    if (fence < this.highest) return false;
    this.highest = fence;
    this.accepted.push(fence);
    return true;
  }
}

const TTL_MS = 200;

const step = fc.record({
  key: fc.integer({ min: 0, max: 2 }),
  holdMs: fc.integer({ min: 0, max: 25 }),
  stall: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  waitMs: fc.integer({ min: 0, max: 400 }),
});

async function client(
  locks: Locks,
  keys: string[],
  steps: Step[],
  resources: FencedResource[],
  out: Section[],
): Promise<void> {
  await sleep(Math.random() * 20);
  for (const s of steps) {
    let lease;
    const sent = performance.now();
    try {
      lease = await locks.acquire(keys[s.key], { ttlMs: TTL_MS, waitMs: s.waitMs });
    } catch (e) {
      if (e instanceof LockConflictError) continue;
      throw e;
    }
    const start = performance.now();
    await sleep(s.stall ? TTL_MS + 60 : s.holdMs);
    const writeAccepted = resources[s.key].write(lease.fence);
    const end = performance.now();
    const valid = end - sent < TTL_MS - 40;
    let released = true;
    try {
      await locks.release(lease);
    } catch (e) {
      if (!(e instanceof LockNotOwnedError)) throw e;
      released = false;
    }
    out.push({ key: s.key, fence: lease.fence, start, end, valid, released, writeAccepted });
  }
}

function check(sections: Section[], resources: FencedResource[]): void {
  for (let k = 0; k < resources.length; k++) {
    const mine = sections.filter((s) => s.key === k);
    expect(new Set(mine.map((s) => s.fence)).size).toBe(mine.length);
    const held = mine.filter((s) => s.valid).sort((a, b) => a.start - b.start);
    for (let i = 1; i < held.length; i++) {
      const a = held[i - 1];
      const b = held[i];
      expect(
        b.start,
        `sections of key ${k} overlap: fences ${a.fence} and ${b.fence}`,
      ).toBeGreaterThanOrEqual(a.end);
      expect(b.fence).toBeGreaterThan(a.fence);
    }
    for (const s of held) expect(s.writeAccepted, `a write under a held lease was refused`).toBe(true);
    const acc = resources[k].accepted;
    for (let i = 1; i < acc.length; i++) expect(acc[i]).toBeGreaterThanOrEqual(acc[i - 1]);
  }
}

describeStores("locks under contention (property)", ({ store, another, target }) => {
  it("never lets two holders overlap and never accepts a stale write", async () => {
    const managers = [createLocks(store()), createLocks(await another())];
    const numClients = target === "memory" ? 40 : 24;
    let stalls = 0;
    let sectionsTotal = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 2, maxLength: 4 }), {
          minLength: numClients,
          maxLength: numClients,
        }),
        async (plans) => {
          const run = randomUUID().slice(0, 8);
          const keys = [0, 1, 2].map((i) => `prop-${run}-${i}`);
          const resources = keys.map(() => new FencedResource());
          const sections: Section[] = [];
          await Promise.all(
            plans.map((steps, i) => client(managers[i % 2], keys, steps, resources, sections)),
          );
          stalls += sections.filter((s) => !s.released).length;
          sectionsTotal += sections.length;
          check(sections, resources);
        },
      ),
      { numRuns: target === "memory" ? 4 : 2, endOnFailure: true },
    );
    // The workload really contended and really lost leases (otherwise the checks prove little).
    expect(sectionsTotal).toBeGreaterThan(numClients);
    expect(stalls).toBeGreaterThan(0);
  }, 60_000);
});
