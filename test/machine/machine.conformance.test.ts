import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { createEventLog } from "../../src/events/index.js";
import {
  createMachine,
  EntityExistsError,
  EntityNotFoundError,
  GuardRejectedError,
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  VersionConflictError,
  isInvalidTransitionError,
  type Machine,
} from "../../src/machine/index.js";
import { InvalidArgumentError } from "../../src/errors/index.js";
import { describeStores } from "../support/stores.js";
import { bookingDefinition, HAPPY_PATH, type BookingEvent, type BookingState } from "./booking.js";
import { rejection } from "../support/rejection.js";

const uid = () => `b-${randomUUID().slice(0, 8)}`;

describeStores("state machine", ({ store }) => {
  let bookings: Machine<BookingState, BookingEvent>;
  const machine = () => (bookings ??= createMachine(store(), bookingDefinition));

  it("drives seed 000's booking through its pipeline, recording every step", async () => {
    const id = uid();
    const created = await machine().create(id, { data: { partySize: 4 }, actor: "api" });
    expect(created).toMatchObject({ id, state: "created", version: 1, eventLog: "disabled" });
    let version = 1;
    for (const [event, to] of HAPPY_PATH) {
      const r = await machine().send(id, event, { expectedVersion: version, actor: "coordinator" });
      expect(r).toMatchObject({ from: expect.any(String), to, version: version + 1, replayed: false });
      version++;
    }
    const snap = await machine().get(id);
    expect(snap).toMatchObject({ id, state: "confirmed", version: 6, data: { partySize: 4 } });
    expect(Math.abs(snap!.updatedAt - Date.now())).toBeLessThan(10_000);
    expect(snap!.updatedAt).toBeGreaterThanOrEqual(snap!.createdAt);
    const h = await machine().history(id);
    expect(h.map((e) => [e.event, e.from, e.to, e.version])).toEqual([
      ["$create", null, "created", 1],
      ["verify_capacity", "created", "capacity_verified", 2],
      ["queue", "capacity_verified", "assignment_pending", 3],
      ["start", "assignment_pending", "assignment_in_progress", 4],
      ["assign", "assignment_in_progress", "assigned", 5],
      ["confirm", "assigned", "confirmed", 6],
    ]);
    expect(h[0]).toMatchObject({ actor: "api", data: { partySize: 4 } });
    expect(h[1].actor).toBe("coordinator");
    for (let i = 1; i < h.length; i++) expect(h[i].at).toBeGreaterThanOrEqual(h[i - 1].at);
    const desc = await machine().history(id, { order: "desc", limit: 2 });
    expect(desc.map((e) => e.version)).toEqual([6, 5]);
    const page = await machine().history(id, { after: h[2].historyId, limit: 2 });
    expect(page.map((e) => e.version)).toEqual([4, 5]);
    expect((await machine().history(id, { since: h[5].at })).at(-1)!.version).toBe(6);
  });

  it("refuses a stale expectedVersion with the current state and version, writing nothing", async () => {
    const id = uid();
    await machine().create(id);
    await machine().send(id, "verify_capacity", { expectedVersion: 1 });
    const err = await rejection(machine().send(id, "queue", { expectedVersion: 1 }));
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(err).toMatchObject({
      code: "HOLDFAST_VERSION_CONFLICT",
      expectedVersion: 1,
      currentState: "capacity_verified",
      currentVersion: 2,
    });
    expect((await machine().get(id))!.version).toBe(2);
    expect(await machine().history(id)).toHaveLength(2);
  });

  it("refuses an event not allowed in the current state, naming the allowed ones", async () => {
    const id = uid();
    await machine().create(id);
    const err = await rejection(machine().send(id, "confirm"));
    expect(isInvalidTransitionError(err)).toBe(true);
    expect(err).toBeInstanceOf(InvalidTransitionError);
    expect(err).toMatchObject({
      code: "HOLDFAST_INVALID_TRANSITION",
      state: "created",
      event: "confirm",
      allowedEvents: ["verify_capacity", "fail"],
      currentVersion: 1,
    });
    expect(await machine().history(id)).toHaveLength(1);
  });

  it("fails create on an existing id and send on a missing one, with typed errors", async () => {
    const id = uid();
    await machine().create(id, { data: { a: 1 } });
    await machine().send(id, "verify_capacity");
    const exists = await rejection(machine().create(id, { data: { a: 2 } }));
    expect(exists).toBeInstanceOf(EntityExistsError);
    expect(exists).toMatchObject({ currentState: "capacity_verified", currentVersion: 2 });
    expect((await machine().get(id))!.data).toEqual({ a: 1 });
    expect(await rejection(machine().send(uid(), "queue"))).toBeInstanceOf(EntityNotFoundError);
    expect(await machine().get(uid())).toBeNull();
    expect(await machine().history(uid())).toEqual([]);
  });

  it("returns the original result for a retried idempotency key without applying twice", async () => {
    const id = uid();
    await machine().create(id);
    const first = await machine().send(id, "verify_capacity", {
      expectedVersion: 1,
      idempotencyKey: "req-1",
    });
    const again = await machine().send(id, "verify_capacity", {
      expectedVersion: 1,
      idempotencyKey: "req-1",
    });
    expect(again).toEqual({ ...first, replayed: true, eventLog: "skipped" });
    expect((await machine().get(id))!.version).toBe(2);
    expect(await machine().history(id)).toHaveLength(2);
    const reused = await rejection(machine().send(id, "queue", { idempotencyKey: "req-1" }));
    expect(reused).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(reused).toMatchObject({ originalEvent: "verify_capacity", event: "queue" });
    // A refused send stores nothing under its key: it can be retried once the cause is fixed.
    await rejection(machine().send(id, "confirm", { idempotencyKey: "req-2" }));
    await machine().send(id, "queue", { idempotencyKey: "req-3" });
    expect((await machine().get(id))!.version).toBe(3);
  });

  it("forgets idempotency keys after idempotencyTtlMs", async () => {
    const m = createMachine(store(), bookingDefinition, { idempotencyTtlMs: 150 });
    const id = uid();
    await m.create(id);
    await m.send(id, "fail", { idempotencyKey: "k" });
    await m.send(id, "retry", { idempotencyKey: "k2" });
    await new Promise((r) => setTimeout(r, 400));
    expect((await m.send(id, "fail", { idempotencyKey: "k" })).replayed).toBe(false);
    expect((await m.get(id))!.version).toBe(4);
  });

  it("merges send data into the entity and records it in the history; state replays from history", async () => {
    const id = uid();
    await machine().create(id, { data: { partySize: 4, note: "window" } });
    await machine().send(id, "verify_capacity", { data: { capacity: 12 }, context: { traceId: "t-1" } });
    await machine().send(id, "queue", { data: { note: null, tags: ["vip"] } });
    const snap = await machine().get(id);
    expect(snap!.data).toEqual({ partySize: 4, note: null, capacity: 12, tags: ["vip"] });
    const h = await machine().history(id);
    expect(h[1].context).toEqual({ traceId: "t-1" });
    const replayed = h.reduce<{ state: string; data: Record<string, unknown> }>(
      (acc, e) => ({ state: e.to, data: { ...acc.data, ...(e.data ?? {}) } }),
      { state: "", data: {} },
    );
    expect(replayed).toEqual({ state: snap!.state, data: snap!.data });
  });

  it("checks guards against the current data and refuses with the guard's reason", async () => {
    const guarded = createMachine(store(), {
      ...bookingDefinition,
      name: "guarded",
      transitions: bookingDefinition.transitions.map((t) =>
        t.event === "assign"
          ? {
              ...t,
              guard: ({ data, eventData }) =>
                typeof eventData?.tableId === "string" && (data.partySize as number) <= 6
                  ? true
                  : "needs a tableId and a party of at most 6",
            }
          : t,
      ),
    });
    const id = uid();
    await guarded.create(id, { data: { partySize: 4 } });
    for (const e of ["verify_capacity", "queue", "start"] as const) await guarded.send(id, e);
    const err = await rejection(guarded.send(id, "assign"));
    expect(err).toBeInstanceOf(GuardRejectedError);
    expect(err).toMatchObject({
      reason: "needs a tableId and a party of at most 6",
      state: "assignment_in_progress",
    });
    expect((await guarded.get(id))!.version).toBe(4);
    expect(
      await rejection(guarded.send(id, "assign", { expectedVersion: 3, data: { tableId: "t1" } })),
    ).toBeInstanceOf(VersionConflictError);
    const ok = await guarded.send(id, "assign", {
      expectedVersion: 4,
      data: { tableId: "t1" },
      idempotencyKey: "g",
    });
    expect(ok).toMatchObject({ to: "assigned", version: 5 });
    // The retry is answered from the idempotency record, even though the guard's state has moved on.
    expect(
      (await guarded.send(id, "assign", { data: { tableId: "t1" }, idempotencyKey: "g" })).replayed,
    ).toBe(true);
    expect(await rejection(guarded.send(uid(), "assign"))).toBeInstanceOf(EntityNotFoundError);
  });

  it("rejects bad input with InvalidArgumentError before writing anything", async () => {
    const id = uid();
    await machine().create(id);
    const bad: [string, () => Promise<unknown>][] = [
      ["id", () => machine().create("")],
      ["id", () => machine().create("x".repeat(513))],
      ["id", () => machine().send("", "queue")],
      ["event", () => machine().send(id, "teleport" as BookingEvent)],
      ["expectedVersion", () => machine().send(id, "verify_capacity", { expectedVersion: 0 })],
      ["expectedVersion", () => machine().send(id, "verify_capacity", { expectedVersion: 1.5 })],
      ["idempotencyKey", () => machine().send(id, "verify_capacity", { idempotencyKey: "" })],
      ["data", () => machine().send(id, "verify_capacity", { data: [] as never })],
      ["data", () => machine().send(id, "verify_capacity", { data: { big: "x".repeat(70_000) } })],
      ["context", () => machine().send(id, "verify_capacity", { context: new Date() as never })],
      ["actor", () => machine().send(id, "verify_capacity", { actor: "a\nb" })],
      ["limit", () => machine().history(id, { limit: 0 })],
      ["since", () => machine().history(id, { since: 1, after: "1-0" })],
      ["after", () => machine().history(id, { after: "nope" })],
    ];
    for (const [field, call] of bad) {
      const err = await rejection(call());
      expect(err, field).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).field).toBe(field);
    }
    expect(await machine().get(id)).toMatchObject({ state: "created", version: 1 });
    expect(await machine().history(id)).toHaveLength(1);
    expect(() => createMachine(store(), bookingDefinition, { idempotencyTtlMs: 0 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createMachine(store(), bookingDefinition, { history: { maxLen: 0 } })).toThrow(
      InvalidArgumentError,
    );
  });

  it("keeps the whole history by default and trims only by the configured retention", async () => {
    const byCount = createMachine(
      store(),
      { ...bookingDefinition, name: "bycount" },
      { history: { maxLen: 3 } },
    );
    const id = uid();
    await byCount.create(id);
    for (let i = 0; i < 4; i++) {
      await byCount.send(id, "fail");
      await byCount.send(id, "retry");
    }
    expect((await byCount.history(id)).map((e) => e.version)).toEqual([7, 8, 9]);
    expect((await byCount.get(id))!.version).toBe(9);

    const byAge = createMachine(
      store(),
      { ...bookingDefinition, name: "byage" },
      { history: { maxAgeMs: 200 } },
    );
    const id2 = uid();
    await byAge.create(id2);
    await byAge.send(id2, "fail");
    await new Promise((r) => setTimeout(r, 400));
    await byAge.send(id2, "retry");
    expect((await byAge.history(id2)).map((e) => e.version)).toEqual([3]);

    const id3 = uid();
    await machine().create(id3);
    for (let i = 0; i < 30; i++) await machine().send(id3, i % 2 === 0 ? "fail" : "retry");
    expect((await machine().history(id3, { limit: 1000 })).map((e) => e.version)).toEqual(
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
  });

  it("deletes an entity and its history, honouring expectedVersion", async () => {
    const id = uid();
    await machine().create(id);
    await machine().send(id, "fail");
    expect(await rejection(machine().delete(id, { expectedVersion: 1 }))).toBeInstanceOf(
      VersionConflictError,
    );
    expect(await machine().delete(id, { expectedVersion: 2 })).toBe(true);
    expect(await machine().get(id)).toBeNull();
    expect(await machine().history(id)).toEqual([]);
    expect(await machine().delete(id)).toBe(false);
    await machine().create(id);
    expect((await machine().history(id)).map((e) => e.version)).toEqual([1]);
  });

  it("copies every create and transition to the event log as <name>.state_machine (seed 000's query)", async () => {
    const events = createEventLog(store());
    const logged = createMachine(
      store(),
      { ...bookingDefinition, name: `asg${randomUUID().slice(0, 6)}` },
      {
        eventLog: events,
      },
    );
    const id = uid();
    const since = Date.now() - 60_000;
    expect((await logged.create(id)).eventLog).toBe("appended");
    for (const [event] of HAPPY_PATH) {
      expect((await logged.send(id, event, { context: { traceId: "t" } })).eventLog).toBe("appended");
    }
    const rows = await events.query({ source: logged.source, since, order: "desc" });
    expect(logged.source).toMatch(/\.state_machine$/);
    expect(rows.map((r) => [r.type, r.context.from, r.context.to, r.context.version])).toEqual([
      ["transition", "assigned", "confirmed", 6],
      ["transition", "assignment_in_progress", "assigned", 5],
      ["transition", "assignment_pending", "assignment_in_progress", 4],
      ["transition", "capacity_verified", "assignment_pending", 3],
      ["transition", "created", "capacity_verified", 2],
      ["created", null, "created", 1],
    ]);
    expect(rows[0].context).toMatchObject({ id, event: "confirm", traceId: "t" });
  });
});
