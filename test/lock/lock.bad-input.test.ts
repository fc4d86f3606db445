import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createLocks } from "../../src/lock/locks.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import type { Store } from "../../src/store/types.js";

async function keysOf(store: Store): Promise<string[]> {
  const out: string[] = [];
  for (const kind of ["lock", "lockfence", "lockread"]) {
    for await (const k of store.scan(store.keys.pattern(kind))) out.push(k);
  }
  return out;
}

async function expectInvalid(p: Promise<unknown>, field: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected InvalidArgumentError for ${field}`).toBeInstanceOf(InvalidArgumentError);
  expect((e as InvalidArgumentError).field).toBe(field);
}

describeStores("locks reject bad input before writing", ({ store }) => {
  it("refuses bad keys, TTLs, waits, owners, metadata and options, and writes nothing", async () => {
    const locks = createLocks(store());
    const cases: [() => Promise<unknown>, string][] = [
      [() => locks.acquire(""), "key"],
      [() => locks.acquire("x".repeat(513)), "key"],
      [() => locks.acquire("bad\nkey"), "key"],
      [() => locks.acquire(42 as unknown as string), "key"],
      [() => locks.acquire("k", { ttlMs: 0 }), "ttlMs"],
      [() => locks.acquire("k", { ttlMs: -5 }), "ttlMs"],
      [() => locks.acquire("k", { ttlMs: 1.5 }), "ttlMs"],
      [() => locks.acquire("k", { ttlMs: Number.NaN }), "ttlMs"],
      [() => locks.acquire("k", { ttlMs: 1e12 }), "ttlMs"],
      [() => locks.acquire("k", { ttlMs: "100" as unknown as number }), "ttlMs"],
      [() => locks.acquire("k", { waitMs: -1 }), "waitMs"],
      [() => locks.acquire("k", { waitMs: 0.5 }), "waitMs"],
      [() => locks.acquire("k", { waitMs: Infinity }), "waitMs"],
      [() => locks.acquire("k", { owner: "" }), "owner"],
      [() => locks.acquire("k", { owner: "o".repeat(257) }), "owner"],
      [() => locks.acquire("k", { metadata: [] as unknown as Record<string, unknown> }), "metadata"],
      [() => locks.acquire("k", { metadata: { big: "x".repeat(3000) } }), "metadata"],
      [() => locks.acquireRead("k", { ttlMs: 0 }), "ttlMs"],
      [() => locks.acquireRead("k", { metadata: { a: 1 } }), "metadata"],
      [() => locks.acquireMany([]), "keys"],
      [() => locks.acquireMany(["{a}1", "{a}1"]), "keys[1]"],
      [() => locks.acquireMany(Array.from({ length: 65 }, (_, i) => `{a}${i}`)), "keys"],
      [() => locks.refresh({ key: "k", token: "t" }, 0), "ttlMs"],
      [() => locks.refresh({ key: "", token: "t" }), "key"],
      [() => locks.release({ key: "k", token: "" }), "token"],
      [() => locks.withLock("k", () => 1, { ttlMs: 1000, refreshEveryMs: 1000 }), "refreshEveryMs"],
      [() => locks.withLock("k", () => 1, { ttlMs: 0 }), "ttlMs"],
      [() => locks.list({ limit: 0 }), "limit"],
      [() => locks.get(""), "key"],
      [() => locks.forceRelease(""), "key"],
    ];
    for (const [call, field] of cases) await expectInvalid(call(), field);
    expect(await keysOf(store())).toEqual([]);
  });

  it("validates the manager's options once, at construction", () => {
    expect(() => createLocks(store(), { ttlMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => createLocks(store(), { retryBaseMs: 100, retryMaxMs: 10 })).toThrow(/retryMaxMs/);
    expect(() => createLocks(store(), { refreshRatio: 1 })).toThrow(/refreshRatio/);
    expect(() => createLocks(store(), { fenceRetentionMs: 2 ** 40 })).toThrow(/fenceRetentionMs/);
  });
});
