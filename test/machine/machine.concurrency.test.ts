import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  createMachine,
  EntityNotFoundError,
  InvalidTransitionError,
  VersionConflictError,
  type Machine,
} from "../../src/machine/index.js";
import { describeStores } from "../support/stores.js";
import {
  BOOKING_EVENTS,
  bookingDefinition,
  modelNext,
  type BookingEvent,
  type BookingState,
} from "./booking.js";

type Booking = Machine<BookingState, BookingEvent>;

describeStores("state machine under concurrency", ({ store, another, target }) => {
  it("lets exactly one of many racing clients win each version; history is gap-free and replays to the state", async () => {
    const clients: Booking[] = [];
    for (let i = 0; i < 8; i++) {
      const s = i % 3 === 0 ? store() : await another();
      clients.push(createMachine(s, bookingDefinition));
    }
    const id = `race-${randomUUID()}`;
    await clients[0].create(id);
    const versions = target === "memory" ? 120 : 60;
    const winsByVersion = new Map<number, number>();
    let conflicts = 0;
    await Promise.all(
      clients.map(async (m, i) => {
        for (;;) {
          const snap = (await m.get(id))!;
          if (snap.version >= versions) return;
          const event: BookingEvent = snap.state === "failed" ? "retry" : "fail";
          try {
            const r = await m.send(id, event, {
              expectedVersion: snap.version,
              actor: `client-${i}`,
              data: { last: i },
            });
            expect(r.version).toBe(snap.version + 1);
            expect(r.from).toBe(snap.state);
            winsByVersion.set(r.version, (winsByVersion.get(r.version) ?? 0) + 1);
          } catch (e) {
            if (e instanceof VersionConflictError) {
              expect(e.currentVersion).toBeGreaterThan(snap.version);
              conflicts++;
              continue;
            }
            // A racer may read the state just before another moves it: then the event is invalid.
            if (e instanceof InvalidTransitionError) throw new Error("pinned sends cannot see a moved state");
            throw e;
          }
        }
      }),
    );
    const final = (await clients[0].get(id))!;
    expect(final.version).toBe(versions);
    for (let v = 2; v <= versions; v++) expect(winsByVersion.get(v), `version ${v}`).toBe(1);
    expect(winsByVersion.size).toBe(versions - 1);
    if (target !== "memory") expect(conflicts).toBeGreaterThan(0);
    const h = await clients[1].history(id, { limit: 10_000 });
    expect(h.map((e) => e.version)).toEqual(Array.from({ length: versions }, (_, i) => i + 1));
    let state: BookingState | undefined;
    let data: Record<string, unknown> = {};
    for (const e of h) {
      if (state !== undefined) expect(e.from).toBe(state);
      state = e.to;
      data = { ...data, ...(e.data ?? {}) };
    }
    expect(state).toBe(final.state);
    expect(data).toEqual(final.data);
  });

  it("matches a model of the definition for random event sequences (property)", async () => {
    const m = createMachine(store(), bookingDefinition);
    const step = fc.record({
      event: fc.constantFrom(...BOOKING_EVENTS),
      version: fc.constantFrom("none", "current", "stale", "future"),
      idem: fc.option(fc.constantFrom("k1", "k2", "k3"), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const id = `prop-${randomUUID()}`;
        await m.create(id);
        let state: BookingState = "created";
        let version = 1;
        const idem = new Map<string, { event: BookingEvent; version: number; to: BookingState }>();
        const history: [BookingState | null, BookingState, number][] = [[null, "created", 1]];
        for (const s of steps) {
          const expectedVersion =
            s.version === "none"
              ? undefined
              : s.version === "current"
                ? version
                : s.version === "stale"
                  ? Math.max(1, version - 1)
                  : version + 1;
          let outcome: string;
          try {
            const r = await m.send(id, s.event, { expectedVersion, idempotencyKey: s.idem });
            outcome = r.replayed ? `replay:${r.version}` : `ok:${r.to}:${r.version}`;
          } catch (e) {
            outcome =
              e instanceof VersionConflictError
                ? `conflict:${e.currentVersion}`
                : e instanceof InvalidTransitionError
                  ? `invalid:${e.state}`
                  : `other:${(e as Error).name}`;
          }
          // The model: idempotency first, then the version check, then the transition table.
          let expected: string;
          const prior = s.idem !== undefined ? idem.get(s.idem) : undefined;
          if (prior)
            expected =
              prior.event === s.event ? `replay:${prior.version}` : "other:IdempotencyKeyReusedError";
          else if (expectedVersion !== undefined && expectedVersion !== version)
            expected = `conflict:${version}`;
          else {
            const to = modelNext(state, s.event);
            if (to === undefined) expected = `invalid:${state}`;
            else {
              history.push([state, to, version + 1]);
              state = to;
              version++;
              if (s.idem !== undefined) idem.set(s.idem, { event: s.event, version, to });
              expected = `ok:${to}:${version}`;
            }
          }
          expect(outcome).toBe(expected);
        }
        const snap = await m.get(id);
        expect(snap).toMatchObject({ state, version });
        const h = await m.history(id, { limit: 10_000 });
        expect(h.map((e) => [e.from, e.to, e.version])).toEqual(history);
      }),
      { numRuns: target === "memory" ? 150 : 25 },
    );
    await expect(m.send(`prop-${randomUUID()}`, "fail")).rejects.toBeInstanceOf(EntityNotFoundError);
  });
});
