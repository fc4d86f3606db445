/**
 * Finding 3 of issue 13, at the edge: what one caller can make the service hold is bounded. The
 * key cache and per-tenant maps are LRUs; a full store answers 507 (writes) while reads and
 * releases work; channels and event sources have a per-tenant cap (429).
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Authenticator } from "../../src/server/auth/authenticator.js";
import { mintApiKey } from "../../src/server/auth/api-keys.js";
import { StoreKeyStore } from "../../src/server/auth/key-store.js";
import { DEFAULT_SERVE_CONFIG, type ServeConfig } from "../../src/server/config.js";
import { MAX_CACHED_TENANT_OBJECTS, ServerContext } from "../../src/server/context.js";
import { RouteRegistry } from "../../src/server/route.js";
import { startServer, type RunningServer } from "../../src/server/serve.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import type { RedisStore } from "../../src/store/redis/redis-store.js";
import { describeStores, faultTestStore, makeStore } from "../support/stores.js";
import { PrivateRedis, redisServerAvailable } from "../support/redis-server.js";
import { tempKeysFile } from "./support.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe("caches keyed by what callers send are bounded", () => {
  it("the authenticator remembers at most maxCachedUnknown unknown ids and maxCachedKeys keys", async () => {
    const store = await createStore({ type: "memory", env: {} });
    const keys = new StoreKeyStore(store);
    const k = mintApiKey({ name: "a", role: "client", tenants: ["acme"] });
    await keys.put(k.record);
    const auth = new Authenticator(keys, { mode: "keys", maxCachedUnknown: 100, maxCachedKeys: 10 });
    for (let i = 0; i < 3000; i++) {
      const id = randomBytes(6).toString("hex");
      await expect(
        auth.authenticate({ authorization: `Bearer hf_${id}_${"x".repeat(43)}` }, "client"),
      ).rejects.toMatchObject({ status: 401 });
    }
    expect(auth.cacheSizes.unknown).toBe(100);
    await auth.authenticate({ authorization: `Bearer ${k.key}` }, "client");
    expect(auth.cacheSizes.known).toBe(1);
    await store.close();
  });

  it("per-tenant views and objects (breakers by name, managers by tenant) are LRUs", async () => {
    const store = await createStore({ type: "memory", env: {} });
    const ctx = new ServerContext({} as FastifyInstance, new RouteRegistry(), store, silent);
    let closed = 0;
    for (let i = 0; i < MAX_CACHED_TENANT_OBJECTS + 500; i++) {
      ctx.tenantStore(`tenant-${i}`);
      ctx.perTenant(`breaker:${i}`, "acme", () => ({ close: () => void closed++ }));
    }
    expect(ctx.cacheSizes).toEqual({
      tenants: MAX_CACHED_TENANT_OBJECTS,
      objects: MAX_CACHED_TENANT_OBJECTS,
    });
    expect(closed).toBe(500); // what leaves the cache is closed
    await store.close();
  });

  it("per-tenant objects leave in least-recently-used order, however often one is asked for in a row", async () => {
    const store = await createStore({ type: "memory", env: {} });
    const ctx = new ServerContext({} as FastifyInstance, new RouteRegistry(), store, silent);
    const made: string[] = [];
    const get = (kind: string, tenant: string) =>
      ctx.perTenant(kind, tenant, (_s, t) => {
        made.push(`${kind}/${t}`);
        return { kind, tenant: t };
      });
    const first = get("locks", "a");
    for (let i = 1; i < MAX_CACHED_TENANT_OBJECTS; i++) get("locks", `t-${i}`);
    // Used again (three times in a row: the later two are answered from the last call): now the most recent.
    for (let i = 0; i < 3; i++) expect(get("locks", "a")).toBe(first);
    get("semaphores", "a"); // Full: the least recent, t-1, leaves.
    expect(get("locks", "a")).toBe(first);
    made.length = 0;
    get("locks", "t-2");
    expect(made).toEqual([]);
    get("locks", "t-1");
    expect(made).toEqual(["locks/t-1"]);
    // A make that throws leaves nothing behind, and the next call looks the cache up again.
    expect(() =>
      ctx.perTenant("locks", "boom", () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(get("locks", "t-1")).toEqual({ kind: "locks", tenant: "t-1" });
    expect(ctx.cacheSizes.objects).toBe(MAX_CACHED_TENANT_OBJECTS);
    await store.close();
  });
});

async function serve(store: Store, extra: Partial<ServeConfig> = {}) {
  const keysFile = tempKeysFile();
  const server = await startServer(
    { ...DEFAULT_SERVE_CONFIG, port: 0, keysFile, logLevel: "silent", keyCacheMs: 0, ...extra },
    { store },
  );
  const call = async (method: string, path: string, body?: unknown, tenant = "acme") => {
    const r = await fetch(server.url + path, {
      method,
      headers: { "x-holdfast-tenant": tenant, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  return { server, call };
}

/** Takes locks over HTTP until one is refused; checks the refusal, then that reads and releases work. */
async function fillOverHttp(call: Awaited<ReturnType<typeof serve>>["call"]) {
  const tokens: [string, string][] = [];
  for (let i = 0; ; i++) {
    const r = await call("POST", `/v1/locks/lock-${i}/acquire`, { ttlMs: 600_000 });
    if (r.status !== 200) {
      expect(r.status).toBe(507);
      expect(r.body.error.code).toBe("HOLDFAST_STORE_FULL");
      expect(r.body.error.message).toMatch(/refused|nothing was written/);
      break;
    }
    tokens.push([`lock-${i}`, r.body.token]);
    if (i > 100_000) throw new Error("never full");
  }
  expect(tokens.length).toBeGreaterThan(10);
  expect((await call("GET", `/v1/locks/${tokens[0][0]}`)).status).toBe(200);
  for (const [key, token] of tokens.slice(0, 5)) {
    expect((await call("POST", `/v1/locks/${key}/release`, { token })).status).toBe(200);
  }
  expect((await call("GET", "/readyz")).status).toBe(200); // full is not unready: reads work
}

describe("a full store answers 507 to writes, and serves reads and releases", () => {
  it("memory store with HOLDFAST_MAX_MEMORY_BYTES", async () => {
    const store = await createStore({ type: "memory", env: {}, maxMemoryBytes: 1024 * 1024 });
    const { server, call } = await serve(store);
    try {
      await fillOverHttp(call);
    } finally {
      await server.stop();
      await store.close();
    }
  });

  describe.runIf(redisServerAvailable().ok)("Redis over its maxmemory (noeviction)", () => {
    let redis: PrivateRedis;
    let store: Store;
    let served: Awaited<ReturnType<typeof serve>>;
    beforeAll(async () => {
      redis = await PrivateRedis.start({ args: ["--maxmemory-policy", "noeviction"] });
      store = await faultTestStore(redis, { commandTimeoutMs: 2000 });
      served = await serve(store);
      const client = (store as RedisStore).client;
      const used = Number(/used_memory:(\d+)/.exec((await client.info("memory")) as string)![1]);
      await client.config("SET", "maxmemory", String(used + 512 * 1024));
    });
    afterAll(async () => {
      await served?.server.stop();
      await store?.close();
      await redis?.stop();
    });
    it("same 507, same code", async () => {
      await fillOverHttp(served.call);
    });
  });
});

describeStores(
  "per-tenant caps on channels and event sources",
  (ctx) => {
    let server: RunningServer;
    let call: Awaited<ReturnType<typeof serve>>["call"];
    let store: Store;
    beforeAll(async () => {
      store = await makeStore(ctx.target);
      ({ server, call } = await serve(store, { maxChannelsPerTenant: 3, maxEventSourcesPerTenant: 3 }));
    });
    afterAll(async () => {
      await server?.stop();
      await store?.close();
    });

    it("a tenant's fourth channel is refused with 429 HOLDFAST_QUOTA_EXCEEDED; its first three and other tenants work", async () => {
      for (const c of ["a", "b", "c"])
        expect((await call("POST", `/v1/channels/${c}/publish`, { data: 1 })).status).toBe(200);
      const refused = await call("POST", "/v1/channels/d/publish", { data: 1 });
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({
        code: "HOLDFAST_QUOTA_EXCEEDED",
        quota: expect.stringMatching(/channels/),
        limit: 3,
      });
      expect(refused.body.error.message).toMatch(/HOLDFAST_MAX_CHANNELS_PER_TENANT/);
      expect((await call("GET", "/v1/channels/d/history")).status).toBe(429);
      expect((await call("POST", "/v1/channels/a/publish", { data: 2 })).status).toBe(200);
      expect((await call("POST", "/v1/channels/d/publish", { data: 1 }, "globex")).status).toBe(200);
    });

    it("a tenant's fourth event source is refused with 429; nothing is appended", async () => {
      for (const s of ["s1", "s2", "s3"]) {
        expect((await call("POST", "/v1/events", { source: s, type: "t" })).status).toBe(201);
      }
      const refused = await call("POST", "/v1/events", { source: "s4", type: "t" });
      expect(refused.status).toBe(429);
      expect(refused.body.error.message).toMatch(/HOLDFAST_MAX_EVENT_SOURCES_PER_TENANT/);
      expect((await call("GET", "/v1/events/sources")).body.sources).toEqual(["s1", "s2", "s3"]);
      expect((await call("POST", "/v1/events", { source: "s1", type: "t" })).status).toBe(201);
    });
  },
  { targets: ["memory", "redis"] },
);
