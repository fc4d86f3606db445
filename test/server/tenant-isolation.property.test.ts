/**
 * Finding 2 of issue 13, the isolation argument as properties:
 *
 * 1. By construction: for ANY two distinct tenant strings (valid or not, `:` and `%` included) and
 *    any kinds, names and suffixes, the keys built through the service's real key builders
 *    (ServerContext.tenantStore → namespacedStore → Keyspace, nested namespaces, the channel view)
 *    never coincide, and each key names its tenant.
 * 2. End to end: for any two distinct valid tenants and any names, the store keys touched by real
 *    requests of every primitive's routes are disjoint, and each is read back as its tenant's.
 *
 * Both run on the memory store and on Redis (keys are recorded as the store is asked to run scripts).
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Channels } from "../../src/channel/channels.js";
import { ServerContext } from "../../src/server/context.js";
import { RouteRegistry } from "../../src/server/route.js";
import { encodeTenant, tenantOfKey } from "../../src/server/tenants.js";
import { TenantChannels } from "../../src/server/ws/tenant-channels.js";
import { namespacedStore } from "../../src/store/namespaced-store.js";
import type { Store } from "../../src/store/types.js";
import { describeStores } from "../support/stores.js";
import { testApp } from "./support.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const validTenant = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
// Short enough that the escaped form fits a key prefix (128 characters).
const anyTenant = fc.string({ unit: "binary", maxLength: 8 });
// Names as the routes accept them: 1–512 characters, no control characters.
const name = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
  .filter((s) => !/[\u0000-\u001f\u007f]/.test(s)); // eslint-disable-line no-control-regex

/** Every key `store` is asked to touch, recorded as it runs scripts (the store keeps its class). */
function recordKeys(store: Store): { take(): string[] } {
  let seen: string[] = [];
  const run = store.run.bind(store);
  (store as { run: Store["run"] }).run = (script, keys, args) => {
    seen.push(...keys);
    return run(script, keys, args);
  };
  return {
    take() {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

describeStores(
  "tenant isolation",
  (ctx) => {
    it("by construction: any two distinct tenants' keys never coincide, whatever the names", () => {
      const store = ctx.store();
      const context = new ServerContext({} as FastifyInstance, new RouteRegistry(), store, silent);
      const channels = new Channels(store);
      const quota = { maxChannels: 10, maxAgeMs: 0 };
      const keysOf = (tenant: string, triples: [string, string, string | undefined][], names: string[]) => {
        const ts = context.tenantStore(tenant);
        const nested = namespacedStore(ts, "machine-defs:");
        const view = new TenantChannels(channels, tenant, ts, quota);
        const out: string[] = [];
        for (const [kind, n, suffix] of triples) {
          out.push(ts.keys.key(kind, n, suffix), nested.keys.key(kind, n, suffix));
        }
        for (const n of names) {
          for (const suffix of ["log", "meta", "live"])
            out.push(store.keys.key("channel", view.scoped(n), suffix));
        }
        return out;
      };
      const triple = fc.tuple(fc.string({ maxLength: 12 }), name, fc.option(name, { nil: undefined }));
      const channelName = name.filter((n) => !n.includes("*"));
      fc.assert(
        fc.property(
          anyTenant,
          anyTenant,
          fc.array(triple, { maxLength: 8 }),
          fc.array(channelName, { maxLength: 4 }),
          (a, b, triples, names) => {
            fc.pre(a !== b);
            const ka = keysOf(a, triples, names);
            const kb = new Set(keysOf(b, triples, names));
            for (const k of ka) {
              expect(kb.has(k), k).toBe(false);
              expect(tenantOfKey(store.keys.prefix, k)).toBe(encodeTenant(a));
            }
          },
        ),
        { numRuns: 300 },
      );
      void channels.close();
    });

    let app: Awaited<ReturnType<typeof testApp>>;
    let recorder: { take(): string[] };
    beforeAll(async () => {
      recorder = recordKeys(ctx.store());
      app = await testApp(ctx.store());
    });
    afterAll(async () => {
      await app?.app.close();
    });

    // Many generated request pairs, each through the whole HTTP stack: longer than one call.
    it("end to end: the keys two valid tenants' requests touch are disjoint, and each is its tenant's", async () => {
      const scripts = new Set<string>();
      const run = async (tenant: string, n: string) => {
        const e = encodeURIComponent(n);
        const token = `tok-${n}`.padEnd(16, "x");
        const requests: [string, string, unknown?][] = [
          ["POST", `/v1/locks/${e}/acquire`, { ttlMs: 60_000, metadata: { n } }],
          ["GET", `/v1/locks/${e}`],
          ["DELETE", `/v1/locks/${e}`],
          ["GET", `/v1/locks?prefix=${e}`],
          ["POST", `/v1/semaphores/${e}/acquire`, { limit: 2, ttlMs: 60_000 }],
          ["GET", `/v1/semaphores/${e}/holders`],
          ["PUT", `/v1/inventory/items/${e}`, { stock: 5 }],
          ["POST", `/v1/inventory/items/${e}/holds`, { quantity: 1, holder: n, ttlMs: 60_000 }],
          ["POST", `/v1/waiting-rooms/${e}/join`, { user: n }],
          ["PUT", "/v1/sessions", { token, user: n, data: { n } }],
          ["GET", `/v1/sessions/users/${e}`],
          [
            "POST",
            `/v1/ratelimits/${e}/check`,
            { key: n, limits: [{ algorithm: "gcra", burst: 2, ratePerSec: 1 }] },
          ],
          ["POST", `/v1/breakers/${e}/trip`, {}],
          ["POST", `/v1/channels/${e}/publish`, { data: { n } }],
          ["GET", `/v1/channels/${e}/history`],
          [
            "PUT",
            `/v1/machines/m1`,
            {
              states: ["a", "b"],
              initial: "a",
              events: ["go"],
              transitions: [{ event: "go", from: "a", to: "b" }],
            },
          ],
          ["POST", `/v1/machines/m1/entities/${e}`, {}],
          ["POST", `/v1/machines/m1/entities/${e}/events`, { event: "go" }],
          ["POST", "/v1/events", { source: "src.a", type: "t", context: { n } }],
          ["POST", "/v1/ws-tokens", {}],
        ];
        const touched: string[] = [];
        for (const [method, url, body] of requests) {
          const res = await app.app.inject({
            method: method as "GET",
            url,
            headers: { "x-holdfast-tenant": tenant, ...(body ? { "content-type": "application/json" } : {}) },
            ...(body ? { payload: JSON.stringify(body) } : {}),
          });
          expect(res.statusCode, `${method} ${url} -> ${res.body}`).toBeLessThan(500);
          const keys = recorder.take();
          if (keys.length > 0) scripts.add(`${method} ${url.split("/")[2]}`);
          touched.push(...keys.filter((k) => !k.includes("wstoken:") && !k.includes("apikeys:")));
        }
        return touched;
      };
      await fc.assert(
        fc.asyncProperty(validTenant, validTenant, name, name, async (a, b, na, nb) => {
          fc.pre(a !== b);
          const ka = await run(a, na);
          const kb = new Set(await run(b, nb));
          expect(ka.length).toBeGreaterThan(10);
          for (const k of ka) {
            expect(kb.has(k), k).toBe(false);
            expect(tenantOfKey(ctx.store().keys.prefix, k), k).toBe(a);
          }
          for (const k of kb) expect(tenantOfKey(ctx.store().keys.prefix, k), k).toBe(b);
        }),
        { numRuns: ctx.target === "memory" ? 40 : 15 },
      );
      // Every primitive's routes reached the store (so the property is about real key builders).
      for (const area of [
        "locks",
        "semaphores",
        "inventory",
        "waiting-rooms",
        "sessions",
        "ratelimits",
        "breakers",
        "channels",
        "machines",
        "events",
      ]) {
        expect(
          [...scripts].some((s) => s.endsWith(` ${area}`)),
          area,
        ).toBe(true);
      }
    }, 60_000);
  },
  { targets: ["memory", "redis"] },
);
