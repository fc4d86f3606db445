import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import type { MemoryStore } from "../../src/store/memory/memory-store.js";
import { testApp } from "./support.js";

/**
 * Random bodies, params and headers against every route: the service must never answer 500, and a
 * rejected request (4xx) must leave the store exactly as it was.
 */
describe("API fuzzing", () => {
  let store: Store;
  let t: Awaited<ReturnType<typeof testApp>>;
  let routes: { method: string; url: string }[];

  beforeAll(async () => {
    store = await createStore({ type: "memory", env: {}, prefix: "fuzz:" });
    t = await testApp(store);
    // The dashboard's event stream never ends by design: an injected request to it would never return.
    routes = t.context.registry.routes
      .filter((r) => r.url !== "/v1/dashboard/live")
      .map((r) => ({ method: r.method, url: r.url }));
  });
  afterAll(async () => {
    await t.app.close();
    await store.close();
  });

  const snapshot = () => {
    const db = (store as MemoryStore).db;
    const keys = [...db.scan("*")].filter((k) => !k.includes(":apikeys:")).sort();
    return JSON.stringify(
      keys.map((k) => [
        k,
        db.type(k),
        db.type(k) === "hash" ? [...db.hgetall(k)] : db.type(k) === "string" ? db.get(k) : db.pttl(k) > 0,
      ]),
    );
  };

  // Deep nesting (issue 13): JSON.parse takes any depth, JSON.stringify overflows past a few thousand.
  const deeplyNested = fc
    .tuple(
      fc.integer({ min: 60, max: 12_000 }),
      fc.constantFrom("[", '{"a":'),
      fc.constantFrom("data", "metadata", "context"),
    )
    .map(([n, open, field]) => {
      const close = open === "[" ? "]" : "}";
      return `{"${field}":${open.repeat(n)}1${close.repeat(n)}}`;
    });
  const jsonish = fc.oneof(
    fc.constant(undefined),
    fc.jsonValue({ maxDepth: 3 }),
    deeplyNested,
    fc.record(
      {
        ttlMs: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
        waitMs: fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.string()),
        token: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
        keys: fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 }),
        mode: fc.oneof(fc.constant("read"), fc.constant("exclusive"), fc.string()),
        metadata: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), fc.string()),
      },
      { requiredKeys: [] },
    ),
  );
  const segment = fc.oneof(
    fc.string({ minLength: 0, maxLength: 30 }),
    fc.string({ minLength: 500, maxLength: 700 }),
    fc.constantFrom("%00", "..", "{a}", "%ZZ", "a/b"),
  );

  it("never answers 500 to a body nested thousands deep, on any route and in any JSON field", async () => {
    const errors: string[] = [];
    const accepted: string[] = [];
    for (const route of routes.filter((r) => r.method !== "GET")) {
      for (const field of ["data", "metadata", "context", "definition", "limits"]) {
        for (const [open, close] of [
          ["[", "]"],
          ['{"a":', "}"],
        ]) {
          const url = route.url.replace(/:\w+/g, "n");
          const before = snapshot();
          const res = await t.app.inject({
            method: route.method as "POST",
            url,
            headers: { "content-type": "application/json" },
            payload: `{"${field}":${open.repeat(10_000)}1${close.repeat(10_000)}}`,
          });
          const what = `${route.method} ${url} ${field} -> ${res.statusCode} ${res.body.slice(0, 120)}`;
          if (res.statusCode >= 500) errors.push(what);
          else if (res.statusCode !== 400 || res.json().error.code !== "HOLDFAST_INVALID_ARGUMENT")
            accepted.push(what);
          if (res.statusCode >= 400) expect(snapshot(), what).toBe(before);
        }
      }
    }
    expect(errors).toEqual([]);
    // Refused before any route looks at it, whether or not the route reads a body.
    expect(accepted).toEqual([]);
  });

  it("never answers 500, and a rejected request changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        segment,
        jsonish,
        fc.option(fc.string({ maxLength: 40 })),
        fc.option(fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded")),
        async (routeIndex, seg, body, tenant, contentType) => {
          const route = routes[routeIndex % routes.length];
          const url = route.url.replace(/:\w+/g, () => encodeURIComponent(seg).slice(0, 800));
          const before = snapshot();
          const headers: Record<string, string> = {};
          if (tenant !== null) headers["x-holdfast-tenant"] = tenant;
          if (contentType !== null) headers["content-type"] = contentType;
          const res = await t.app.inject({
            method: route.method as "GET",
            url,
            headers,
            ...(body !== undefined && route.method !== "GET"
              ? { payload: typeof body === "string" ? body : JSON.stringify(body) }
              : {}),
          });
          expect(res.statusCode, `${route.method} ${url} -> ${res.body}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            expect(res.json().error.code).toMatch(/^HOLDFAST_/);
            expect(snapshot()).toBe(before);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
