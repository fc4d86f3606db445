/**
 * Replies written as JSON text by hand (json-text.ts) are byte for byte what JSON.stringify writes
 * for the object they stand for, whatever the lease holds (keys and tokens with quotes, escapes,
 * non-ASCII and lone surrogates; any numbers, including ones that are not finite), and the route
 * sends them with the content type Fastify gives the object.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaseJson, leaseText } from "../../src/server/replies/lock-json.js";
import type { Lease } from "../../src/lock/types.js";
import { createStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";
import { testApp } from "./support.js";

const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: 1_000_000_000_000, max: 9_007_199_254_740_991 }),
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 2 ** 53 + 2),
);
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom('"', "\\", "\n", "\u2028", "\ud800", "a\u0000b"),
);
const lease = fc.record({
  key: text,
  token: text,
  fence: number,
  expiresAt: number,
  ttlMs: number,
  mode: fc.constantFrom("exclusive" as const, "read" as const),
});

describe("JSON text replies", () => {
  it("leaseText is JSON.stringify(leaseJson) for any lease and clock", () => {
    fc.assert(
      fc.property(lease, number, (l: Lease, now) => {
        expect(leaseText(l, now).text).toBe(JSON.stringify(leaseJson(l, now)));
      }),
      { numRuns: 2000 },
    );
  });

  describe("over HTTP", () => {
    let store: Store;
    let app: Awaited<ReturnType<typeof testApp>>["app"];
    beforeAll(async () => {
      store = await createStore({ type: "memory", env: {} });
      ({ app } = await testApp(store));
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    it("acquire and refresh answer the lease as JSON, with Fastify's JSON content type", async () => {
      const post = (url: string, payload: unknown) =>
        app.inject({ method: "POST", url, payload: payload as object });
      const acquired = await post("/v1/locks/k%22%5C/acquire", { ttlMs: 5000 });
      expect(acquired.statusCode).toBe(200);
      expect(acquired.headers["content-type"]).toBe("application/json; charset=utf-8");
      const body = acquired.json<ReturnType<typeof leaseJson>>();
      expect(body).toMatchObject({
        success: true,
        locked: true,
        key: 'k"\\',
        mode: "exclusive",
        ttlMs: 5000,
      });
      expect(acquired.body).toBe(JSON.stringify(body));
      const refreshed = await post("/v1/locks/k%22%5C/refresh", { token: body.token, ttlMs: 6000 });
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(refreshed.json()).toMatchObject({
        key: 'k"\\',
        token: body.token,
        fence: body.fence,
        ttlMs: 6000,
      });
    });
  });
});
