import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { HoldfastError } from "../../src/errors/index.js";
import * as machines from "../../src/machine/index.js";
import { createMachine, VersionConflictError } from "../../src/machine/index.js";
import { describeStores } from "../support/stores.js";

const STATES = ["s0", "s1", "s2", "s3", "s4", "s5", "s6"] as const;
type S = (typeof STATES)[number];

describeStores("guarded transitions under concurrency", ({ store, another }) => {
  it("never applies a transition whose guard did not approve that very state and version", async () => {
    const approvals = new Set<string>();
    const definition = {
      name: "chain",
      initial: "s0" as S,
      states: STATES,
      events: ["next"] as const,
      transitions: STATES.slice(0, -1).map((s, i) => ({
        event: "next" as const,
        from: s,
        to: STATES[i + 1],
        guard: ({ state, version }: { state: S; version: number }) => {
          approvals.add(`${state}@${version}`);
          return true;
        },
      })),
    };
    const racers = [];
    for (let i = 0; i < 6; i++) {
      racers.push(createMachine(i % 2 === 0 ? store() : await another(), definition, { guardRetries: 50 }));
    }
    const id = `g-${randomUUID()}`;
    await racers[0].create(id);
    const results = await Promise.all(racers.map((m) => m.send(id, "next")));
    expect(results.map((r) => r.version).sort()).toEqual([2, 3, 4, 5, 6, 7]);
    expect(await racers[0].get(id)).toMatchObject({ state: "s6", version: 7 });
    const h = await racers[1].history(id);
    for (const e of h.slice(1))
      expect(approvals.has(`${e.from}@${e.version - 1}`), `${e.from}@${e.version - 1}`).toBe(true);

    // With an expectedVersion of the caller's, a lost race is the caller's to handle: no silent re-check.
    const id2 = `g-${randomUUID()}`;
    await racers[0].create(id2);
    const pinned = await Promise.allSettled(racers.map((m) => m.send(id2, "next", { expectedVersion: 1 })));
    expect(pinned.filter((p) => p.status === "fulfilled")).toHaveLength(1);
    for (const p of pinned) {
      if (p.status === "rejected") expect(p.reason).toBeInstanceOf(VersionConflictError);
    }
  });
});

it("exports every machine error class with a stable code, a guard, and documents the code", () => {
  const docs = readFileSync(new URL("../../docs/machines.md", import.meta.url), "utf8");
  const classes = [
    "MachineDefinitionError",
    "EntityNotFoundError",
    "EntityExistsError",
    "VersionConflictError",
    "InvalidTransitionError",
    "GuardRejectedError",
    "IdempotencyKeyReusedError",
  ] as const;
  const codes = new Set<string>();
  for (const name of classes) {
    const cls = (machines as Record<string, unknown>)[name] as { prototype: HoldfastError };
    expect(cls, name).toBeTypeOf("function");
    const guard = (machines as Record<string, unknown>)[`is${name}`] as (e: unknown) => boolean;
    expect(guard, `is${name}`).toBeTypeOf("function");
    const instance = Object.create(cls.prototype) as HoldfastError;
    expect(instance).toBeInstanceOf(HoldfastError);
    expect(guard(instance)).toBe(true);
    expect(guard(new Error("x"))).toBe(false);
  }
  const errors = [
    new machines.MachineDefinitionError("m", "no-states", "x"),
    new machines.EntityNotFoundError("m", "i"),
    new machines.EntityExistsError("m", "i", "s", 1),
    new machines.VersionConflictError("m", "i", 1, "s", 2),
    new machines.InvalidTransitionError("m", "i", "s", "e", [], 1),
    new machines.GuardRejectedError("m", "i", "s", "e", "r", 1),
    new machines.IdempotencyKeyReusedError("m", "i", "k", "a", "b"),
  ];
  for (const e of errors) {
    expect(e.code).toMatch(/^HOLDFAST_[A-Z_]+$/);
    expect(e.name).toBe(e.constructor.name);
    expect(docs).toContain(e.code);
    codes.add(e.code);
  }
  expect(codes.size).toBe(errors.length);
});
