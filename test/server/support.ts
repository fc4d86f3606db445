import { mkdtempSync, rmSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, expect, inject } from "vitest";
import type { PrivateRedis } from "../support/redis-server.js";
import { onPrivateRedis as privateRedisStore } from "../support/faults.js";
import { makeStore, type StoreTarget } from "../support/stores.js";
import { createStore } from "../../src/store/create-store.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../src/server/app.js";
import { StoreKeyStore, type KeyStore } from "../../src/server/auth/key-store.js";
import { mintApiKey, type Role } from "../../src/server/auth/api-keys.js";
import type { Store } from "../../src/store/types.js";
import type { MemoryStore } from "../../src/store/memory/memory-store.js";
import { keyStoreFor, startServer, type RunningServer } from "../../src/server/serve.js";
import { DEFAULT_SERVE_CONFIG, type ServeConfig } from "../../src/server/config.js";

const keysDirs: string[] = [];
// Every test file that makes keys files removes their folders when it ends.
afterAll(() => {
  for (const dir of keysDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempKeysFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "holdfast-keys-"));
  keysDirs.push(dir);
  return join(dir, "keys.json");
}

/** An in-process app on `store` with its keys in the store; helpers to mint keys. */
export async function testApp(store: Store) {
  const keyStore = new StoreKeyStore(store);
  // Open, as `holdfast serve` on loopback without keys; the first key created ends it for good.
  const { app, context } = await buildApp({
    store,
    keyStore,
    logLevel: "silent",
    keyCacheMs: 0,
    checkReplies: true,
    authMode: "open",
  });
  await app.ready();
  return {
    app,
    context,
    keyStore,
    async key(role: Role, tenants: string[] = ["acme"]) {
      const { key, record } = mintApiKey({ name: "test", role, tenants });
      await keyStore.put(record);
      return { key, id: record.id, record };
    },
  };
}

/** What a call through {@link serveWithKeys} answered. */
export interface Answer {
  status: number;
  body: any; // tests read arbitrary JSON
  text: string;
  headers: Headers;
}

/** `mint(role, tenant)` puts a new key in `keys`; the client keys of `acme` and `globex` are minted first. */
async function clientKeys(keys: KeyStore) {
  const mint = async (role: "client" | "admin", tenant: string) => {
    const { key, record } = mintApiKey({ name: "t", role, tenants: [tenant] });
    await keys.put(record);
    return key;
  };
  return { mint, acme: await mint("client", "acme"), globex: await mint("client", "globex") };
}

/** A keyed service's request headers: `key` as the bearer, JSON when there is a body, then `headers`. */
function requestHeaders(key: string, body: unknown, headers: Record<string, string>): Record<string, string> {
  return {
    authorization: `Bearer ${key}`,
    ...(body === undefined ? {} : { "content-type": "application/json" }),
    ...headers,
  };
}

/**
 * A real HTTP server on a free port over `store`, with a client key for tenant `acme` and one for
 * `globex`, and `call(key, method, path, body?, headers?)` over a real socket.
 */
export async function serveWithKeys(store: Store, keyCacheMs = 0) {
  // Where `holdfast serve` will look for keys on this store (Redis: the store; memory: the file).
  const keysFile = tempKeysFile();
  const keys = keyStoreFor(store, keysFile);
  const { mint, acme, globex } = await clientKeys(keys);
  const server = await startServer(
    { ...DEFAULT_SERVE_CONFIG, port: 0, keysFile, logLevel: "silent", keyCacheMs },
    { store, checkReplies: true },
  );
  // A service that started open would pass tests of tenants and roles for the wrong reason.
  expect(server.authMode).toBe("keys");
  const call: KeyedService["call"] = async (key, method, path, body, headers = {}) => {
    const r = await fetch(server.url + path, {
      method,
      headers: requestHeaders(key, body, headers),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined, text, headers: r.headers };
  };
  return { server, acme, globex, call, mint };
}

/**
 * A real HTTP server on a free port over `store`, `config` over the defaults, with one API key per
 * entry of `keys` (its name: its role and tenants) where `holdfast serve` looks for keys on this
 * store; answers the server and each name's key.
 */
export async function serveNamedKeys(
  store: Store,
  keys: Record<string, [role: Role, tenants: string[]]>,
  config: Partial<ServeConfig> = {},
): Promise<{ server: RunningServer; keys: Record<string, string> }> {
  const keysFile = tempKeysFile();
  const keyStore = keyStoreFor(store, keysFile);
  const minted: Record<string, string> = {};
  for (const [name, [role, tenants]] of Object.entries(keys)) {
    const { key, record } = mintApiKey({ name, role, tenants });
    await keyStore.put(record);
    minted[name] = key;
  }
  const server = await startServer(
    { ...DEFAULT_SERVE_CONFIG, port: 0, keysFile, logLevel: "silent", keyCacheMs: 0, ...config },
    { store },
  );
  return { server, keys: minted };
}

/** What route tests call: {@link serveWithKeys} over a socket, or {@link injectWithKeys} in process. */
export interface KeyedService {
  server: { stop(): Promise<void> };
  acme: string;
  globex: string;
  call(
    key: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer>;
  mint(role: "client" | "admin", tenant: string): Promise<string>;
}

/**
 * {@link serveWithKeys} in process: the app `holdfast serve` builds over `store`, API keys required,
 * the same two client keys, and `call` through Fastify's `inject` instead of a socket. For running
 * route tests on every store without a server and a port each.
 */
export async function injectWithKeys(store: Store, keyCacheMs = 0): Promise<KeyedService> {
  const keys = new StoreKeyStore(store);
  const { mint, acme, globex } = await clientKeys(keys);
  const config = DEFAULT_SERVE_CONFIG;
  const { app } = await buildApp({
    store,
    keyStore: keys,
    authMode: "keys",
    corsOrigins: config.corsOrigins,
    logLevel: "silent",
    bodyLimit: config.bodyLimit,
    keyCacheMs,
    checkReplies: true,
    limits: {
      maxChannelsPerTenant: config.maxChannelsPerTenant,
      maxEventSourcesPerTenant: config.maxEventSourcesPerTenant,
      maxWsConnectionsPerKey: config.maxWsConnectionsPerKey,
      maxWsConnectionsPerTenant: config.maxWsConnectionsPerTenant,
    },
  });
  await app.ready();
  const call: KeyedService["call"] = async (key, method, path, body, headers = {}) => {
    const r = await app.inject({
      method: method as "GET",
      url: path,
      headers: requestHeaders(key, body, headers),
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(r.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) answerHeaders.append(name, String(v));
    }
    const text = r.body;
    return { status: r.statusCode, body: text ? JSON.parse(text) : undefined, text, headers: answerHeaders };
  };
  return { server: { stop: () => app.close() }, acme, globex, call, mint };
}

/**
 * Route tests' service on `target`: over a socket on the single Redis (what `holdfast serve`
 * really does), in process on the other stores (the same routes, another store behind them).
 */
export function keyedServiceFor(target: StoreTarget, store: Store): Promise<KeyedService> {
  return target === "redis" ? serveWithKeys(store) : injectWithKeys(store);
}

/** What the route suites run on: the memory store always; the single Redis and the Cluster when a Redis port is injected. */
export function routeTargets(): readonly ("memory" | "redis" | "cluster")[] {
  return inject("redisPort") !== null ? ["memory", "redis", "cluster"] : ["memory"];
}

/**
 * For a route suite's describe block: a fresh store on `target` and `serve(target, store)` on it
 * (beforeAll), the service stopped and the store closed after the block (afterAll). Returns a handle
 * that reads through to the service, so tests use it as the service itself (inside tests only: it
 * starts in beforeAll); `onStore` hands the store to a suite whose tests read it.
 */
export function routeService<S extends { server: { stop(): Promise<void> } }>(
  target: StoreTarget,
  serve: (target: StoreTarget, store: Store) => Promise<S>,
  onStore?: (store: Store) => void,
): S {
  let store: Store | undefined;
  let service: S | undefined;
  beforeAll(async () => {
    store = await makeStore(target);
    onStore?.(store);
    service = await serve(target, store);
  });
  afterAll(async () => {
    await service?.server.stop();
    await store?.close();
  });
  return new Proxy({} as S, {
    get(_handle, key) {
      if (!service) throw new Error("the service is not started yet (read it inside a test)");
      return Reflect.get(service, key) as unknown;
    },
  });
}

/** {@link serveWithKeys} plus an admin key of `acme`, with one caller function per key. */
export async function serveAs(store: Store, keyCacheMs = 0) {
  return callersOf(await serveWithKeys(store, keyCacheMs));
}

/** {@link serveAs} on `target`: over a socket on the single Redis, in process on the others (see {@link keyedServiceFor}). */
export async function callersFor(target: StoreTarget, store: Store) {
  return callersOf(await keyedServiceFor(target, store));
}

/** An admin key of `acme` and one of `globex` added to `base`, and one caller function per key. */
async function callersOf<S extends KeyedService>(base: S) {
  const admin = await base.mint("admin", "acme");
  const globexAdmin = await base.mint("admin", "globex");
  const as =
    (key: string) => (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      base.call(key, method, path, body, headers);
  return {
    server: base.server as S["server"],
    bearer: { acme: `Bearer ${base.acme}`, globex: `Bearer ${base.globex}`, admin: `Bearer ${admin}` },
    acme: as(base.acme),
    globex: as(base.globex),
    admin: as(admin),
    globexAdmin: as(globexAdmin),
  };
}

/** Every key of a memory store (API keys aside) with its value, to check that a request changed nothing. */
export function memorySnapshot(store: Store): string {
  const db = (store as MemoryStore).db;
  return JSON.stringify(
    [...db.scan("*")]
      .filter((k) => !k.includes(":apikeys:"))
      .sort()
      .map((k) => {
        const type = db.type(k);
        if (type === "hash") return [k, [...db.hgetall(k)].sort()];
        if (type === "string") return [k, db.get(k)];
        if (type === "zset") return [k, db.zrange(k, 0, -1)];
        return [k, type];
      }),
  );
}

/** Values the area fuzzers mix into bodies: valid ones and the usual bad ones. */
export function fuzzValues(validNames: readonly string[]) {
  return {
    int: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, -1, 1.5, 2 ** 53, "3", null, true)),
    // Valid durations are long, so nothing expires mid-run (expiry is a legitimate change on any call).
    ttl: fc.oneof(fc.constant(120_000), fc.constantFrom(0, -5, 2.5, "100", 1e12, null)),
    name: fc.oneof(
      fc.constantFrom(...validNames),
      fc.string({ maxLength: 20 }),
      fc.constantFrom("", "x".repeat(600), "a\u0000b"),
    ),
  };
}

/**
 * Random requests against one area's routes (those under `prefix`), in-process on the memory store:
 * never a 500, every 4xx carries a HOLDFAST_ code, and a rejected request leaves every key exactly
 * as it was. `params` fills the route's `:name`-like parameter; a `:holdId` gets one an earlier
 * answer returned (or a well-formed unknown one).
 */
export async function fuzzArea(o: {
  prefix: string;
  params: readonly string[];
  body: fc.Arbitrary<unknown>;
  query: fc.Arbitrary<string | undefined>;
  numRuns?: number;
}): Promise<void> {
  const store = await createStore({ type: "memory", env: {}, prefix: "fz:" });
  const t = await testApp(store);
  const routes = t.context.registry.routes.filter((r) => r.url.startsWith(o.prefix));
  expect(routes.length).toBeGreaterThan(4);
  const ids: string[] = [];
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom(...o.params),
        fc.nat(),
        fc.option(o.body, { nil: undefined }),
        o.query,
        async (routeIndex, param, idIndex, body, query) => {
          const route = routes[routeIndex % routes.length];
          const holdId =
            ids.length > 0 && idIndex % 3 !== 0
              ? ids[idIndex % ids.length]
              : `${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}:${param}`;
          const url =
            route.url
              .replace(":holdId", encodeURIComponent(holdId))
              .replace(/:\w+/, encodeURIComponent(param)) + (query === undefined ? "" : `?${query}`);
          const what = () => `${route.method} ${url} ${JSON.stringify(body)} -> ${res.body}`;
          const before = memorySnapshot(store);
          const res = await t.app.inject({
            method: route.method as "GET",
            url,
            ...(body !== undefined && route.method !== "GET"
              ? { payload: JSON.stringify(body), headers: { "content-type": "application/json" } }
              : {}),
          });
          expect(res.statusCode, what()).toBeLessThan(500);
          if (res.statusCode >= 400) {
            expect(res.json().error.code).toMatch(/^HOLDFAST_/);
            expect(memorySnapshot(store), what()).toBe(before);
          } else {
            const id = (res.json() as { holdId?: unknown }).holdId;
            if (typeof id === "string") ids.push(id);
          }
        },
      ),
      { numRuns: o.numRuns ?? 300 },
    );
  } finally {
    await t.app.close();
    await store.close();
  }
}

/** Each answer is the fail-closed 503 of an unreachable store: a HOLDFAST_STORE_ code and Retry-After 1. */
export function expectStoreDown(answers: readonly (Answer & { what?: string })[]): void {
  for (const a of answers) {
    expect(a.status, a.what ?? a.text).toBe(503);
    expect(a.body.error.code).toMatch(/^HOLDFAST_STORE_/);
    expect(a.headers.get("retry-after")).toBe("1");
  }
}

/**
 * For a describe block: the fault tests' private Redis and store with short timeouts (see
 * ../support/faults.ts), and a service from `serve` on it whose API keys are cached for a minute,
 * so requests still authenticate while Redis is gone. Read the fields inside tests (they are set in
 * beforeAll).
 */
export function onPrivateRedis<S extends { server: { stop(): Promise<void> } }>(
  serve: (store: Store, keyCacheMs: number) => Promise<S>,
): { readonly redis: PrivateRedis; readonly store: Store; readonly service: S } {
  const fault = privateRedisStore();
  let service: S | undefined;
  beforeAll(async () => {
    service = await serve(fault.store, 60_000);
  });
  afterAll(async () => {
    await service?.server.stop();
  });
  return {
    get redis() {
      return fault.redis;
    },
    get store() {
      return fault.store;
    },
    get service() {
      if (!service) throw new Error("the service is not started yet (read it inside a test)");
      return service;
    },
  };
}
