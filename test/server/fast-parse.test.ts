import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { z } from "zod";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { fastParseOf } from "../../src/server/fast-parse.js";
import { testApp } from "./support.js";

/** Values near every bound a fast path checks: lengths, integers, control characters, types. */
const edgy: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ minLength: 0, maxLength: 3 }),
  fc.constantFrom("", "a", "a\u0000b", "x\n", "\u007f", "é", "a".repeat(200), "a".repeat(201)),
  fc.constantFrom("a".repeat(512), "a".repeat(513), "🔒".repeat(256), "🔒".repeat(257)),
  fc.constantFrom(0, 1, -1, 1.5, 30_000, 2_147_483_647, 2_147_483_648, 60_000, 60_001, -0, 1e21),
  fc.constantFrom(null, true, "30000", [], {}, ["a"], "exclusive", "read"),
);
const keysOf = fc.constantFrom("key", "token", "ttlMs", "waitMs", "mode", "metadata", "other");
/** Objects made of the fields the lock routes read (and one they do not), with edgy values. */
const inputs: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(keysOf, edgy, { maxKeys: 4 }),
  fc.constantFrom(undefined, null, [], "token", 5, [{ token: "t" }]),
);

describe("request fast paths (fast-parse.ts) agree with zod", () => {
  let store: Store;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    store = await createStore({ type: "memory", env: {}, prefix: "fast-parse:" });
    t = await testApp(store);
  });
  afterAll(async () => {
    await t.app.close();
    await store.close();
  });

  const schemas = () => {
    const out: [string, z.ZodType][] = [];
    for (const r of t.context.registry.routes)
      for (const part of ["params", "query", "body"] as const) {
        const s = r[part];
        if (s && fastParseOf(s)) out.push([`${r.operationId} ${part}`, s]);
      }
    return out;
  };

  it("the hot lock routes have fast paths", () => {
    const names = schemas().map(([n]) => n);
    for (const n of ["acquireLock params", "acquireLock body", "releaseLock params", "releaseLock body"])
      expect(names).toContain(n);
  });

  it("whatever a fast path accepts, zod accepts with the same output", () => {
    let accepted = 0;
    for (const [name, schema] of schemas()) {
      const fast = fastParseOf(schema)!;
      fc.assert(
        fc.property(inputs, (input) => {
          const data = fast(input);
          if (data === undefined) return;
          accepted++;
          const r = schema.safeParse(input);
          expect(r.success, `${name}: ${JSON.stringify(input)}`).toBe(true);
          expect(data, `${name}: ${JSON.stringify(input)}`).toStrictEqual(r.data);
        }),
        { numRuns: 3000 },
      );
    }
    // The generator reaches the fast paths: a test that never took one would check nothing.
    expect(accepted).toBeGreaterThan(100);
  });

  it("the bodies the lock routes usually get take the fast path", () => {
    const byName = new Map(schemas());
    const fast = (n: string, v: unknown) => fastParseOf(byName.get(n)!)!(v);
    expect(fast("acquireLock params", { key: "order-1" })).toStrictEqual({ key: "order-1" });
    expect(fast("acquireLock body", { ttlMs: 30_000 })).toStrictEqual({ ttlMs: 30_000 });
    expect(fast("acquireLock body", {})).toStrictEqual({});
    expect(fast("releaseLock body", { token: "t" })).toStrictEqual({ token: "t" });
    expect(fast("refreshLock body", { token: "t", ttlMs: 5 })).toStrictEqual({ token: "t", ttlMs: 5 });
  });

  it("a refused body still names the field and the reason (zod's)", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/locks/k/acquire",
      payload: { ttlMs: 0 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: "HOLDFAST_INVALID_ARGUMENT",
      field: "body.ttlMs",
      reason: "must be at least 1",
    });
    const release = await t.app.inject({
      method: "POST",
      url: "/v1/locks/k/release",
      payload: { token: "a".repeat(201) },
    });
    expect(release.statusCode).toBe(400);
    expect(release.json().error).toMatchObject({ field: "body.token" });
  });
});
