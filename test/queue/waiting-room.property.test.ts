/**
 * Many clients join, leave, poll and admit concurrently; afterwards the room must be exactly
 * consistent: places 0..n-1 without gaps or duplicates, in real-time join order, admitted users out
 * of the line, and a queued user's place never moving back.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createWaitingRoom, type WaitingRoom } from "../../src/waiting-room/index.js";
import type { Store } from "../../src/store/types.js";
import { rawZset } from "./raw.js";

type Op =
  | { kind: "join"; user: number }
  | { kind: "leave"; user: number }
  | { kind: "position"; user: number }
  | { kind: "admit"; n: number };

const USERS_PER_CLIENT = 4;
const opArb = fc.oneof(
  { weight: 5, arbitrary: fc.nat(USERS_PER_CLIENT - 1).map((user) => ({ kind: "join", user }) as Op) },
  { weight: 2, arbitrary: fc.nat(USERS_PER_CLIENT - 1).map((user) => ({ kind: "leave", user }) as Op) },
  { weight: 2, arbitrary: fc.nat(USERS_PER_CLIENT - 1).map((user) => ({ kind: "position", user }) as Op) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((n) => ({ kind: "admit", n }) as Op) },
);

interface JoinEvent {
  start: number;
  end: number;
}

async function runScenario(stores: Store[], clients: Op[][]): Promise<void> {
  const rooms = stores.map((s) => createWaitingRoom(s, { heartbeatTtlMs: 120_000, admissionTtlMs: 120_000 }));
  const r = `prop-${randomUUID().slice(0, 8)}`;
  // Each user belongs to one client, so a user's own operations are sequential and their last
  // successful join is well defined.
  const lastJoin = new Map<string, JoinEvent>();
  // Per user: successful joins and admissions. Counted, not checked inline: each client has its own
  // connection, so replies are handled in an order that need not be the order Redis ran them in.
  const joins = new Map<string, number>();
  const admissions = new Map<string, number>();
  await Promise.all(
    clients.map(async (ops, c) => {
      const wr: WaitingRoom = rooms[c % rooms.length];
      const lastAhead = new Map<string, number>();
      for (const op of ops) {
        if (op.kind === "admit") {
          for (const u of await wr.admit(r, op.n)) admissions.set(u, (admissions.get(u) ?? 0) + 1);
          continue;
        }
        const user = `c${c}-u${op.user}`;
        if (op.kind === "leave") {
          await wr.leave(r, user);
          lastAhead.delete(user);
          continue;
        }
        const start = performance.now();
        const p = op.kind === "join" ? await wr.join(r, user) : await wr.position(r, user);
        const end = performance.now();
        if (p.state !== "queued") {
          lastAhead.delete(user);
          continue;
        }
        if (op.kind === "join" && "joined" in p && p.joined) {
          joins.set(user, (joins.get(user) ?? 0) + 1);
          lastJoin.set(user, { start, end });
          lastAhead.delete(user);
        }
        // While a user stays queued, their place only ever moves forward.
        const before = lastAhead.get(user);
        if (before !== undefined) expect(p.ahead).toBeLessThanOrEqual(before);
        lastAhead.set(user, p.ahead);
        expect(p.ahead).toBeLessThan(p.length);
      }
    }),
  );

  // Nobody is admitted more often than they joined: never twice without re-joining.
  for (const [u, n] of admissions) expect(n).toBeLessThanOrEqual(joins.get(u) ?? 0);

  const wr = rooms[0];
  const store = stores[0];
  const queue = await rawZset(store, store.keys.key("room", r, "q"));
  const admitted = await rawZset(store, store.keys.key("room", r, "adm"));
  const heartbeats = await rawZset(store, store.keys.key("room", r, "hb"));
  const queued = queue.map((e) => e.member);

  // Positions are exactly 0..n-1, no duplicates, and agree with length.
  const length = await wr.length(r);
  expect(length).toBe(queued.length);
  expect(new Set(queued).size).toBe(queued.length);
  for (let i = 0; i < queued.length; i++) {
    expect(await wr.position(r, queued[i])).toEqual({ state: "queued", position: i + 1, ahead: i, length });
  }
  // Admitted users are not in the line; every queued user has a heartbeat entry and nobody else does.
  const admittedSet = new Set(admitted.map((e) => e.member));
  for (const u of queued) expect(admittedSet.has(u)).toBe(false);
  expect(heartbeats.map((e) => e.member).sort()).toEqual([...queued].sort());
  for (const u of admittedSet) expect(await wr.isAdmitted(r, u)).toBe(true);

  // Real-time join order: if a's join finished before b's started, a is ahead of b.
  for (let i = 0; i < queued.length; i++) {
    for (let j = i + 1; j < queued.length; j++) {
      const a = lastJoin.get(queued[i])!;
      const b = lastJoin.get(queued[j])!;
      expect(a).toBeDefined();
      expect(b).toBeDefined();
      expect(b.end < a.start).toBe(false);
    }
  }
}

describeStores("waiting room under concurrency (property)", ({ store, another }) => {
  it("keeps places consistent under concurrent joins, leaves and admits", async () => {
    const stores = [store(), await another(), await another()];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 15 }), { minLength: 2, maxLength: 8 }),
        (clients) => runScenario(stores, clients),
      ),
      { numRuns: 25 },
    );
  });

  it("gives 200 simultaneous joiners the places 0..199, each exactly once", async () => {
    const stores = [store(), await another()];
    const rooms = stores.map((s) => createWaitingRoom(s));
    const r = `burst-${randomUUID().slice(0, 8)}`;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => rooms[i % 2].join(r, `u${i}`)));
    const places = results.map((p) => (p.state === "queued" ? p.ahead : -1)).sort((a, b) => a - b);
    expect(places).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // A second wave of joins by the same users keeps every place.
    const again = await Promise.all(
      Array.from({ length: 200 }, (_, i) => rooms[(i + 1) % 2].join(r, `u${i}`)),
    );
    again.forEach((p, i) => {
      expect(p.joined).toBe(false);
      expect(p.state === "queued" && p.ahead).toBe(results[i].state === "queued" && results[i].ahead);
    });
  });
});
