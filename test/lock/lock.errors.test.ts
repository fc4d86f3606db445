import { expect, it } from "vitest";
import * as api from "../../src/index.js";
import { holdfastRegistry } from "../../src/observe/metrics.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";

it("exports every lock error with a stable code, a name and a guard", () => {
  const cases = [
    [
      new api.LockConflictError({
        key: "k",
        remainingTtlMs: 5,
        heldBy: "exclusive",
        waitedMs: 0,
        attempts: 1,
      }),
      "HOLDFAST_LOCK_CONFLICT",
      api.isLockConflictError,
    ],
    [new api.LockNotOwnedError("k", "expired"), "HOLDFAST_LOCK_NOT_OWNED", api.isLockNotOwnedError],
    [new api.LockLostError("k", 7, "deadline"), "HOLDFAST_LOCK_LOST", api.isLockLostError],
  ] as const;
  for (const [err, code, guard] of cases) {
    expect(err).toBeInstanceOf(api.HoldfastError);
    expect(err.code).toBe(code);
    expect(err.name).toBe(err.constructor.name);
    expect(guard(err)).toBe(true);
    expect(guard(new Error("x"))).toBe(false);
    expect(err.toJSON()).toMatchObject({ code, key: "k" });
    expect(err.message).toMatch(/:/); // says what happened and what to do next
  }
  expect(typeof api.createLocks).toBe("function");
  expect(api.DEFAULT_LOCKS_OPTIONS.ttlMs).toBe(30_000);
});

it("counts acquisitions, conflicts, releases and refused tokens", async () => {
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const m = await holdfastRegistry.getSingleMetric(name)!.get();
    return m.values
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((n, v) => n + v.value, 0);
  };
  const store = new MemoryStore();
  const locks = api.createLocks(store);
  const before = {
    acquired: await value("holdfast_lock_acquired_total", { mode: "exclusive" }),
    conflicts: await value("holdfast_lock_conflicts_total"),
    released: await value("holdfast_lock_released_total"),
    notOwned: await value("holdfast_lock_not_owned_total"),
  };
  const lease = await locks.acquire("m");
  await expect(locks.acquire("m")).rejects.toBeInstanceOf(api.LockConflictError);
  await expect(locks.release({ key: "m", token: "wrong" })).rejects.toBeInstanceOf(api.LockNotOwnedError);
  await locks.release(lease);
  expect(await value("holdfast_lock_acquired_total", { mode: "exclusive" })).toBe(before.acquired + 1);
  expect(await value("holdfast_lock_conflicts_total")).toBe(before.conflicts + 1);
  expect(await value("holdfast_lock_released_total")).toBe(before.released + 1);
  expect(await value("holdfast_lock_not_owned_total")).toBe(before.notOwned + 1);
  await store.close();
});
