/**
 * Property: with many concurrent clients on a few semaphores, random hold times and random crashes
 * (holders that never release), the clients that believe they hold a live permit never outnumber
 * the limit; every believed-live permit is really held; crashed permits come back after their TTL.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createSemaphores, isSemaphoreFullError, type Permit } from "../../src/semaphore/index.js";
import { localDeadlineOf } from "../../src/semaphore/semaphores.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Belief {
  token: string;
  /** performance.now() until which the client is sure it holds the permit. */
  deadline: number;
  released: boolean;
}

const clientArb = fc.record({
  sem: fc.nat({ max: 2 }),
  startMs: fc.integer({ min: 0, max: 120 }),
  holdMs: fc.integer({ min: 0, max: 150 }),
  crash: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  ttlMs: fc.integer({ min: 120, max: 250 }),
  waitMs: fc.integer({ min: 0, max: 300 }),
});

const scenarioArb = fc.record({
  limits: fc.tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
  ),
  clients: fc.array(clientArb, { minLength: 8, maxLength: 24 }),
});

describeStores("semaphore invariants", ({ store, another, target }) => {
  it("never lets more clients believe they hold a live permit than the limit", async () => {
    const groups = [
      createSemaphores(store(), { retryCapMs: 40 }),
      createSemaphores(await another(), { retryCapMs: 40 }),
    ];
    let violations: string[] = [];

    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ limits, clients }) => {
        violations = [];
        const run = randomUUID().slice(0, 8);
        const names = limits.map((_, i) => `prop-${run}-${i}`);
        const beliefs: Belief[][] = names.map(() => []);
        const live = (sem: number, at: number) => beliefs[sem].filter((b) => !b.released && b.deadline > at);

        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            const counts = await Promise.all(names.map((n) => groups[0].count(n)));
            counts.forEach((c, i) => {
              if (c > limits[i]) violations.push(`store count ${c} > limit ${limits[i]} on ${names[i]}`);
            });
            await sleep(15);
          }
        })();

        await Promise.all(
          clients.map(async (c, i) => {
            const s = groups[i % 2];
            await sleep(c.startMs);
            let permit: Permit;
            try {
              permit = await s.acquire(names[c.sem], {
                limit: limits[c.sem],
                ttlMs: c.ttlMs,
                waitMs: c.waitMs,
              });
            } catch (e) {
              if (isSemaphoreFullError(e)) return;
              throw e;
            }
            const belief = { token: permit.token, deadline: localDeadlineOf(permit)!, released: false };
            beliefs[c.sem].push(belief);
            const now = live(c.sem, performance.now()).length;
            if (now > limits[c.sem])
              violations.push(
                `${now} live holders > limit ${limits[c.sem]} on ${names[c.sem]}: ${JSON.stringify(live(c.sem, performance.now()).map((b) => [b.token.slice(0, 4), Math.round(b.deadline - performance.now())]))}`,
              );
            await sleep(c.holdMs);
            if (c.crash) return; // never releases: the TTL must bring the permit back
            belief.released = true;
            await s.release(permit).catch(() => undefined); // it may have expired meanwhile
          }),
        );
        sampling = false;
        await sampler;

        // Every permit a client still believes in must really be held.
        for (let i = 0; i < names.length; i++) {
          const tokens = new Set((await groups[1].holders(names[i])).map((h) => h.token));
          const checkedAt = performance.now();
          for (const b of live(i, checkedAt)) {
            if (!tokens.has(b.token)) violations.push(`believed permit ${b.token} is not held`);
          }
        }
        // Crashed holders' permits come back after their TTL.
        await sleep(250 + 100);
        for (let i = 0; i < names.length; i++) {
          const count = await groups[0].count(names[i]);
          if (count !== 0) violations.push(`${count} permits left on ${names[i]} after every TTL`);
          for (let k = 0; k < limits[i]; k++) {
            const r = await groups[k % 2].tryAcquire(names[i], { limit: limits[i], ttlMs: 1_000 });
            if (!r.acquired) violations.push(`permit ${k + 1}/${limits[i]} of ${names[i]} did not come back`);
          }
        }
        expect(violations).toEqual([]);
      }),
      { numRuns: target === "memory" ? 8 : 4, endOnFailure: true },
    );
  }, 60_000);
});
