import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeTimingStores, storeNow } from "../support/stores.js";
import { createWaitingRoom } from "../../src/waiting-room/index.js";
import { WaitingRoomFullError, isWaitingRoomFullError } from "../../src/waiting-room/errors.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import { rawDump, rawPttl, rawZset } from "./raw.js";

const room = () => `room-${randomUUID().slice(0, 8)}`;

describeTimingStores("waiting room", ({ store, elapse }) => {
  it("places users in arrival order, 1-based position and 0-based ahead, idempotent join", async () => {
    const wr = createWaitingRoom(store());
    const r = room();
    const a = await wr.join(r, "a");
    const b = await wr.join(r, "b");
    const c = await wr.join(r, "c");
    expect(a).toEqual({ state: "queued", position: 1, ahead: 0, length: 1, joined: true });
    expect(b).toMatchObject({ state: "queued", position: 2, ahead: 1, length: 2, joined: true });
    expect(c).toMatchObject({ position: 3, ahead: 2, length: 3 });
    // A second join keeps the original place.
    expect(await wr.join(r, "a")).toEqual({
      state: "queued",
      position: 1,
      ahead: 0,
      length: 3,
      joined: false,
    });
    expect(await wr.position(r, "b")).toEqual({ state: "queued", position: 2, ahead: 1, length: 3 });
    expect(await wr.position(r, "nobody")).toEqual({ state: "absent", length: 3 });
    expect(await wr.length(r)).toBe(3);
    expect(await wr.length(room())).toBe(0);
  });

  it("moves everyone behind a leaver up by one", async () => {
    const wr = createWaitingRoom(store());
    const r = room();
    for (const u of ["a", "b", "c", "d"]) await wr.join(r, u);
    expect(await wr.leave(r, "b")).toBe("queued");
    expect(await wr.leave(r, "b")).toBe("absent");
    expect(await wr.position(r, "c")).toMatchObject({ position: 2, ahead: 1, length: 3 });
    expect(await wr.position(r, "d")).toMatchObject({ position: 3 });
    // Re-joining after leaving goes to the back.
    await wr.join(r, "b");
    expect(await wr.position(r, "b")).toMatchObject({ position: 4, length: 4 });
  });

  it("admits the first n in order; admitted users are out of the line", async () => {
    const wr = createWaitingRoom(store(), { admissionTtlMs: 60_000 });
    const r = room();
    for (const u of ["u1", "u2", "u3", "u4", "u5"]) await wr.join(r, u);
    expect(await wr.admit(r, 2)).toEqual(["u1", "u2"]);
    expect(await wr.isAdmitted(r, "u1")).toBe(true);
    expect(await wr.isAdmitted(r, "u3")).toBe(false);
    expect(await wr.position(r, "u3")).toMatchObject({ state: "queued", position: 1, length: 3 });
    const p = await wr.position(r, "u2");
    expect(p.state).toBe("admitted");
    if (p.state === "admitted") {
      expect(p.expiresInMs).toBeGreaterThan(50_000);
      expect(p.expiresInMs).toBeLessThanOrEqual(60_000);
    }
    // Joining again while admitted keeps the admission and does not queue the user twice.
    expect(await wr.join(r, "u1")).toMatchObject({ state: "admitted", joined: false });
    expect(await wr.counts(r)).toEqual({ queued: 3, admitted: 2 });
    expect(await wr.admit(r, 10)).toEqual(["u3", "u4", "u5"]);
    expect(await wr.admit(r, 10)).toEqual([]);
    expect(await wr.leave(r, "u1")).toBe("admitted");
    expect(await wr.isAdmitted(r, "u1")).toBe(false);
    expect(await wr.counts(r)).toEqual({ queued: 0, admitted: 4 });
  });

  it("drops users who stop heart-beating, keeps those who do", async () => {
    const wr = createWaitingRoom(store(), { heartbeatTtlMs: 500 });
    const r = room();
    await wr.join(r, "silent");
    await wr.join(r, "alive");
    for (let i = 0; i < 15; i++) {
      expect(await wr.heartbeat(r, "alive")).toBe(true);
      await elapse(100);
    }
    expect(await wr.position(r, "alive")).toEqual({ state: "queued", position: 1, ahead: 0, length: 1 });
    expect(await wr.heartbeat(r, "silent")).toBe(false);
    expect(await wr.position(r, "silent")).toEqual({ state: "absent", length: 1 });
  });

  it("shows the counts and the live head of the line to operators, in order", async () => {
    const wr = createWaitingRoom(store(), { heartbeatTtlMs: 700 });
    const r = room();
    expect(await wr.head(r, 5)).toEqual({ queued: 0, admitted: 0, first: [] });
    for (const u of ["stale", "a", "b", "c"]) await wr.join(r, u);
    await wr.admit(r, 1); // "stale" is admitted, not queued
    await wr.join(r, "stale-2");
    await elapse(400);
    for (const u of ["a", "b", "c"]) await wr.heartbeat(r, u);
    await elapse(400); // stale-2's deadline has passed; a, b, c heart-beat 400 ms ago
    const head = await wr.head(r, 2);
    expect(head).toMatchObject({ queued: 3, admitted: 1 });
    expect(head.first.map((u) => [u.position, u.user])).toEqual([
      [1, "a"],
      [2, "b"],
    ]);
    for (const u of head.first) {
      expect(u.heartbeatInMs).toBeGreaterThan(100);
      expect(u.heartbeatInMs).toBeLessThanOrEqual(700);
    }
    expect((await wr.head(r, 10)).first.map((u) => u.user)).toEqual(["a", "b", "c"]);
  });

  it("never admits a user whose heartbeat expired", async () => {
    const wr = createWaitingRoom(store(), { heartbeatTtlMs: 2000, reclaimLimit: 2 });
    const r = room();
    for (let i = 0; i < 5; i++) await wr.join(r, `s${i}`);
    await elapse(1000);
    await wr.join(r, "keeper"); // keeps the room's keys alive past the others' deadlines
    await elapse(1100);
    await wr.join(r, "fresh"); // reclaims s0, s1
    // admit reclaims s2, s3 up front, then meets stale s4 at the head: dropped, not admitted.
    expect(await wr.admit(r, 2)).toEqual(["keeper", "fresh"]);
    expect(await wr.counts(r)).toEqual({ queued: 0, admitted: 2 });
    expect(await wr.isAdmitted(r, "s4")).toBe(false);
  });

  it("reclaims at most reclaimLimit stale entries per call, and all of them eventually", async () => {
    const wr = createWaitingRoom(store(), { heartbeatTtlMs: 2000, reclaimLimit: 2 });
    const r = room();
    for (let i = 0; i < 5; i++) await wr.join(r, `s${i}`);
    await elapse(1000);
    // A live user keeps the room's keys alive past the others' deadlines.
    await wr.join(r, "alive");
    await elapse(1100);
    expect(await wr.length(r)).toBe(4); // 5 stale, 2 reclaimed, + alive
    expect(await wr.length(r)).toBe(2);
    expect(await wr.length(r)).toBe(1);
    expect(await wr.position(r, "alive")).toMatchObject({ position: 1, length: 1 });
  });

  it("lets admissions expire by themselves", async () => {
    const wr = createWaitingRoom(store(), { admissionTtlMs: 400 });
    const r = room();
    await wr.join(r, "a");
    await wr.join(r, "b");
    expect(await wr.admit(r, 2)).toEqual(["a", "b"]);
    expect(await wr.isAdmitted(r, "a")).toBe(true);
    await elapse(1000);
    expect(await wr.isAdmitted(r, "a")).toBe(false);
    expect(await wr.counts(r)).toEqual({ queued: 0, admitted: 0 });
    // After the admission lapsed the user can queue again, at the back.
    expect(await wr.join(r, "a")).toMatchObject({ state: "queued", joined: true, position: 1 });
  });

  it("never reports an expired admission, even before it is reclaimed", async () => {
    const wr = createWaitingRoom(store(), { admissionTtlMs: 1500, reclaimLimit: 1, heartbeatTtlMs: 60_000 });
    const r = room();
    for (const u of ["a", "b", "c"]) await wr.join(r, u);
    expect(await wr.admit(r, 3)).toEqual(["a", "b", "c"]);
    await elapse(800);
    await wr.join(r, "d");
    expect(await wr.admit(r, 1)).toEqual(["d"]); // keeps the admitted set's key alive
    await elapse(1000);
    for (const u of ["a", "b", "c"]) {
      expect(await wr.isAdmitted(r, u)).toBe(false);
      expect(await wr.position(r, u)).toMatchObject({ state: "absent" });
    }
    expect(await wr.isAdmitted(r, "d")).toBe(true);
    // join reclaims one expired admission (a); c's is still there and must not stay beside its new entry.
    expect(await wr.join(r, "c")).toMatchObject({ state: "queued", joined: true, position: 1 });
    const adm = (await rawZset(store(), store().keys.key("room", r, "adm"))).map((e) => e.member);
    expect(adm).not.toContain("c");
    expect(adm).toContain("d");
  });

  it("keeps every key on a TTL that outlives its entries, so an abandoned room disappears", async () => {
    const wr = createWaitingRoom(store(), { heartbeatTtlMs: 400, admissionTtlMs: 400 });
    const r = room();
    await wr.join(r, "a");
    await wr.join(r, "b");
    await wr.admit(r, 1);
    const q = store().keys.key("room", r, "q");
    const ttl = await rawPttl(store(), q);
    // The key outlives every heartbeat deadline stored in it (same machine: same clock).
    const deadlines = await rawZset(store(), store().keys.key("room", r, "hb"));
    for (const d of deadlines) expect(storeNow(store()) + ttl).toBeGreaterThanOrEqual(d.score - 20);
    expect(ttl).toBeLessThanOrEqual(600); // 1.5 × heartbeatTtlMs at most
    await elapse(1000);
    const left = [...(await rawDump(store())).keys()].filter((k) => k.includes(`{${r}}`));
    expect(left).toEqual([]);
  });

  it("orders by the room's own sequence (scores are 1, 2, 3…, never client time)", async () => {
    const wr = createWaitingRoom(store());
    const r = room();
    await Promise.all(Array.from({ length: 20 }, (_, i) => wr.join(r, `u${i}`)));
    const z = await rawZset(store(), store().keys.key("room", r, "q"));
    expect(z.map((e) => e.score)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("refuses joins beyond maxLength with a typed error", async () => {
    const wr = createWaitingRoom(store(), { maxLength: 2 });
    const r = room();
    await wr.join(r, "a");
    await wr.join(r, "b");
    const err = await wr.join(r, "c").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitingRoomFullError);
    expect(isWaitingRoomFullError(err)).toBe(true);
    expect(err).toMatchObject({ code: "HOLDFAST_WAITING_ROOM_FULL", room: r, maxLength: 2, length: 2 });
    expect(await wr.join(r, "a")).toMatchObject({ joined: false, position: 1 }); // already queued: fine
    expect(await wr.length(r)).toBe(2);
  });

  it("rejects bad input with InvalidArgumentError before writing anything", async () => {
    const wr = createWaitingRoom(store());
    const r = room();
    const bad: [() => Promise<unknown>, string][] = [
      [() => wr.join("", "u"), "room"],
      [() => wr.join(r, ""), "user"],
      [() => wr.join(r, "x".repeat(600)), "user"],
      [() => wr.join(r, "bad\nname"), "user"],
      [() => wr.join(r, 42 as unknown as string), "user"],
      [() => wr.position(r, ""), "user"],
      [() => wr.leave(r, ""), "user"],
      [() => wr.admit(r, 0), "n"],
      [() => wr.admit(r, 1.5), "n"],
      [() => wr.admit(r, -3), "n"],
      [() => wr.admit(r, 1e9), "n"],
      [() => wr.isAdmitted("", "u"), "room"],
      [() => wr.length(""), "room"],
      [() => wr.head(r, 0), "count"],
      [() => wr.head(r, 2.5), "count"],
      [() => wr.head(r, 10_001), "count"],
      [() => wr.head("", 1), "room"],
    ];
    for (const [call, field] of bad) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).field).toBe(field);
    }
    for (const [opts, field] of [
      [{ heartbeatTtlMs: 0 }, "heartbeatTtlMs"],
      [{ admissionTtlMs: -1 }, "admissionTtlMs"],
      [{ reclaimLimit: 0 }, "reclaimLimit"],
      [{ reclaimLimit: 5000 }, "reclaimLimit"],
      [{ maxLength: 1.5 }, "maxLength"],
    ] as const) {
      expect(() => createWaitingRoom(store(), opts)).toThrow(InvalidArgumentError);
      try {
        createWaitingRoom(store(), opts);
      } catch (e) {
        expect((e as InvalidArgumentError).field).toBe(field);
      }
    }
    expect([...(await rawDump(store())).keys()].filter((k) => k.includes(`{${r}}`))).toEqual([]);
  });
});
