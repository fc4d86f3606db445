/**
 * `position` calls made on one room in the same tick are answered by one script run
 * (positions-4.lua): each caller must get exactly what its own call would get, heartbeats must be
 * refreshed for all of them, and the room's other calls must still leave in the order they were made.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, inject, it } from "vitest";
import { onPrivateRedis } from "../support/faults.js";
import { describeTimingStores } from "../support/stores.js";
import { createWaitingRoom, type RoomPosition } from "../../src/waiting-room/index.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import { StoreClosedError } from "../../src/errors/store-errors.js";
import type { Store } from "../../src/store/types.js";

const room = () => `batch-${randomUUID().slice(0, 8)}`;

/** `store`, recording the name of every script it runs (the runs go to the real store). */
function recording(store: Store): { store: Store; runs: string[] } {
  const runs: string[] = [];
  const recorder: Store = Object.create(store) as Store;
  recorder.run = (script, keys, args) => {
    runs.push(script.name);
    return store.run(script, keys, args);
  };
  return { store: recorder, runs };
}

/** A position without what depends on the instant it was taken (the admission's ms left). */
function timeless(p: RoomPosition): unknown {
  return p.state === "admitted" ? { state: p.state, length: p.length } : p;
}

/** Position calls batched with the room's other calls of the same tick still run in call order. */
async function expectCallsInOrder(store: Store): Promise<void> {
  const wr = createWaitingRoom(store);
  const r = room();
  for (const u of ["a", "b", "c"]) await wr.join(r, u);
  // Made before the leave, so answered before it, though batched.
  const before = wr.position(r, "a");
  const left = wr.leave(r, "a");
  const after = wr.position(r, "a");
  const c = wr.position(r, "c");
  expect(await before).toEqual({ state: "queued", position: 1, ahead: 0, length: 3 });
  expect(await left).toBe("queued");
  expect(await after).toEqual({ state: "absent", length: 2 });
  expect(await c).toEqual({ state: "queued", position: 2, ahead: 1, length: 2 });
  // A join made after a position call of the same tick runs after it.
  const absent = wr.position(r, "d");
  const joined = wr.join(r, "d");
  expect(await absent).toEqual({ state: "absent", length: 2 });
  expect(await joined).toMatchObject({ state: "queued", position: 3, joined: true });
}

describeTimingStores("waiting room: position calls of one tick share a script run", ({ store, target }) => {
  // Calls made without waiting for one another keep their order only while the server holds every
  // script they use (see docs/stores.md): another test file empties the shared servers' script
  // caches (SCRIPT FLUSH) at any moment, so here the order of a tick's calls is tested on the
  // memory store and on a private Redis (below), and on the shared servers each tick's position
  // calls are awaited before the next call is made.
  it("answers each call of a batch as its own call would be answered", async () => {
    const { store: s, runs } = recording(store());
    const batched = createWaitingRoom(s, { admissionTtlMs: 60_000 });
    const single = createWaitingRoom(s, { admissionTtlMs: 60_000, maxPositionBatch: 1 });
    const r = room();
    for (let i = 0; i < 10; i++) await batched.join(r, `u${i}`);
    expect(await batched.admit(r, 2)).toEqual(["u0", "u1"]);
    expect(await batched.leave(r, "u5")).toBe("queued");
    const users = ["u3", "u0", "nobody", "u9", "u3", "u1", "u2", "u5"];
    runs.length = 0;
    const together = await Promise.all(users.map((u) => batched.position(r, u)));
    expect(runs).toEqual(["positions-4"]);
    const oneByOne: RoomPosition[] = [];
    for (const u of users) oneByOne.push(await single.position(r, u));
    expect(runs.slice(1)).toEqual(users.map(() => "position-4"));
    expect(together.map(timeless)).toEqual(oneByOne.map(timeless));
    expect(together[0]).toEqual({ state: "queued", position: 2, ahead: 1, length: 7 });
    expect(together[2]).toEqual({ state: "absent", length: 7 });
    expect(together[7]).toEqual({ state: "absent", length: 7 });
    for (const i of [1, 5]) {
      const p = together[i];
      expect(p.state).toBe("admitted");
      if (p.state === "admitted") {
        expect(p.expiresInMs).toBeGreaterThan(50_000);
        expect(p.expiresInMs).toBeLessThanOrEqual(60_000);
      }
    }
  });

  it("refreshes the heartbeat of every queued user in a batch", async () => {
    const wr = createWaitingRoom(store(), { heartbeatTtlMs: 400 });
    const r = room();
    for (const u of ["a", "b", "c", "silent"]) await wr.join(r, u);
    // 4 × 150 ms: well past the TTL for the silent user, never for the ones polling together.
    for (let i = 0; i < 4; i++) {
      const ps = await Promise.all(["a", "b", "c"].map((u) => wr.position(r, u)));
      expect(ps.map((p) => p.state)).toEqual(["queued", "queued", "queued"]);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(await wr.position(r, "silent")).toMatchObject({ state: "absent" });
    expect(await Promise.all(["a", "b", "c"].map((u) => wr.position(r, u)))).toEqual([
      { state: "queued", position: 1, ahead: 0, length: 3 },
      { state: "queued", position: 2, ahead: 1, length: 3 },
      { state: "queued", position: 3, ahead: 2, length: 3 },
    ]);
  });

  it.runIf(target === "memory")("keeps the room's calls in the order they were made", async () => {
    await expectCallsInOrder(store());
  });

  it("sends a batch as soon as it holds maxPositionBatch users, and batches each room on its own", async () => {
    const { store: s, runs } = recording(store());
    const wr = createWaitingRoom(s, { maxPositionBatch: 3 });
    const [r1, r2] = [room(), room()];
    for (let i = 0; i < 7; i++) await wr.join(r1, `u${i}`);
    await wr.join(r2, "x");
    runs.length = 0;
    const ps = await Promise.all([
      ...Array.from({ length: 7 }, (_, i) => wr.position(r1, `u${i}`)),
      wr.position(r2, "x"),
      wr.position(r2, "y"),
    ]);
    expect(runs.sort()).toEqual(["position-4", "positions-4", "positions-4", "positions-4"]);
    expect(ps.slice(0, 7).map((p) => (p.state === "queued" ? p.ahead : -1))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ps[7]).toEqual({ state: "queued", position: 1, ahead: 0, length: 1 });
    expect(ps[8]).toEqual({ state: "absent", length: 1 });
  });

  it("fails a call with bad input alone, before it joins a batch", async () => {
    const { store: s, runs } = recording(store());
    const wr = createWaitingRoom(s);
    const r = room();
    await wr.join(r, "a");
    runs.length = 0;
    const [good, bad, badRoom] = await Promise.allSettled([
      wr.position(r, "a"),
      wr.position(r, "x".repeat(10_000)),
      wr.position("", "a"),
    ]);
    expect(good).toEqual({
      status: "fulfilled",
      value: { state: "queued", position: 1, ahead: 0, length: 1 },
    });
    expect(bad.status === "rejected" && bad.reason).toBeInstanceOf(InvalidArgumentError);
    expect(badRoom.status === "rejected" && badRoom.reason).toBeInstanceOf(InvalidArgumentError);
    expect(runs).toEqual(["position-4"]);
  });

  it("refuses maxPositionBatch outside 1..1000", () => {
    for (const maxPositionBatch of [0, 1001, 2.5, Number.NaN]) {
      expect(() => createWaitingRoom(store(), { maxPositionBatch })).toThrow(InvalidArgumentError);
    }
  });

  it("gives every call of a batch the same answers as unbatched calls made in the same order (property)", async () => {
    type Op = { kind: "position" | "join" | "leave" | "peek"; user: number } | { kind: "admit"; n: number };
    const userOp = (kind: "position" | "join" | "leave" | "peek") =>
      fc.nat(5).map((user) => ({ kind, user }) as Op);
    const opArb = fc.oneof(
      { weight: 6, arbitrary: userOp("position") },
      { weight: 2, arbitrary: userOp("join") },
      { weight: 1, arbitrary: userOp("leave") },
      { weight: 1, arbitrary: userOp("peek") },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }).map((n) => ({ kind: "admit", n }) as Op) },
    );
    const options = { admissionTtlMs: 600_000, heartbeatTtlMs: 600_000 };
    const batched = createWaitingRoom(store(), { ...options, maxPositionBatch: 4 });
    const single = createWaitingRoom(store(), { ...options, maxPositionBatch: 1 });
    // On two rooms with the same start. On the memory store every op is made in one tick (no await
    // between them); on Redis each tick's position calls are awaited before the next other call.
    const apply = (wr: typeof batched, r: string, op: Op): Promise<unknown> => {
      switch (op.kind) {
        case "position":
          return wr.position(r, `u${op.user}`).then(timeless);
        case "peek":
          return wr.peekPosition(r, `u${op.user}`).then(timeless);
        case "join":
          return wr.join(r, `u${op.user}`).then((p) => (p.state === "admitted" ? p.state : p));
        case "leave":
          return wr.leave(r, `u${op.user}`);
        case "admit":
          return wr.admit(r, op.n);
      }
    };
    const run = async (wr: typeof batched, r: string, ops: Op[]) => {
      if (target === "memory") return Promise.all(ops.map((op) => apply(wr, r, op)));
      const out: unknown[] = [];
      let tick: Promise<unknown>[] = [];
      for (const op of ops) {
        if (op.kind === "position") {
          tick.push(apply(wr, r, op));
          continue;
        }
        out.push(...(await Promise.all(tick)), await apply(wr, r, op));
        tick = [];
      }
      return [...out, ...(await Promise.all(tick))];
    };
    await fc.assert(
      fc.asyncProperty(fc.nat(5), fc.array(opArb, { minLength: 1, maxLength: 30 }), async (joined, ops) => {
        const [a, b] = [room(), room()];
        for (let i = 0; i < joined; i++) {
          await batched.join(a, `u${i}`);
          await single.join(b, `u${i}`);
        }
        expect(await run(batched, a, ops)).toEqual(await run(single, b, ops));
      }),
      { numRuns: target === "memory" ? 200 : 40 },
    );
  });

  it("rejects every call of a batch with the store's error when the store cannot run it", async () => {
    const wr = createWaitingRoom(store());
    const closed: Store = Object.create(store()) as Store;
    closed.run = () => Promise.reject(new StoreClosedError());
    const rooms = createWaitingRoom(closed);
    const results = await Promise.allSettled(["a", "b", "c"].map((u) => rooms.position(room(), u)));
    for (const r of results) expect(r.status === "rejected" && r.reason).toBeInstanceOf(StoreClosedError);
    expect(await wr.position(room(), "a")).toMatchObject({ state: "absent" });
  });
});

describe.runIf(inject("redisPort") !== null)(
  "waiting room: a tick's calls in order on a Redis of its own",
  () => {
    // Nobody else flushes this server's scripts: once each script has run, a tick's calls keep
    // their order on Redis too.
    const fault = onPrivateRedis();

    it("keeps the room's calls in the order they were made", async () => {
      const wr = createWaitingRoom(fault.store);
      const r = room();
      await wr.join(r, "w");
      await Promise.all([wr.position(r, "w"), wr.position(r, "v")]);
      await wr.position(r, "w");
      await wr.leave(r, "w");
      await expectCallsInOrder(fault.store);
    });
  },
);
