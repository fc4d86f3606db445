/**
 * The conformance harness: `describeStores` runs the same tests against the memory store, a private
 * single Redis (through a client Holdfast creates, and through a client the test creates and passes
 * in, as a user would), a private Sentinel set (reached through `REDIS_SENTINELS`/
 * `REDIS_SENTINEL_NAME`, as users configure it) and a private 3-master Redis Cluster, each with a
 * fresh unique key prefix. Redis clients are built with the ioredis major that `HOLDFAST_IOREDIS`
 * names (see ./ioredis.ts).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { createStore, type CreateStoreOptions } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { ioredisModule, newRedisClient } from "./ioredis.js";

/**
 * Where a suite runs: `redis` is a store whose client Holdfast creates from its options;
 * `redis-client` is a store on the same Redis over an ioredis client the test made and passed in
 * (`createStore({ client })`), with ioredis' default options, as a user would.
 */
export type StoreTarget = "memory" | "redis" | "redis-client" | "sentinel" | "cluster";
/** One target per store kind (what model tests that build their own stores iterate over). */
export const ALL_TARGETS: StoreTarget[] = ["memory", "redis", "cluster"];
/** What {@link describeStores} runs on unless told otherwise: also a client passed in by the user. */
export const CONFORMANCE_TARGETS: StoreTarget[] = ["memory", "redis", "redis-client", "sentinel", "cluster"];
/**
 * For suites whose time goes into waiting for TTLs and timers rather than behaviour: Sentinel and a
 * client passed in add nothing there that the single Redis behind them does not already show.
 */
export const TIMING_TARGETS: StoreTarget[] = ["memory", "redis", "cluster"];

export function uniquePrefix(): string {
  return `t:${randomUUID().slice(0, 8)}:`;
}

/** Options that make a fresh store for `target`, or undefined when Redis is unavailable. */
export function storeOptions(
  target: StoreTarget,
  extra: CreateStoreOptions = {},
): CreateStoreOptions | undefined {
  const base: CreateStoreOptions = {
    prefix: uniquePrefix(),
    checkServer: false,
    env: {},
    ioredis: ioredisModule(), // HOLDFAST_IOREDIS picks the major
    ...extra,
  };
  if (target === "memory") return { ...base, type: "memory" };
  if (target === "redis" || target === "redis-client") {
    const port = inject("redisPort");
    return port === null ? undefined : { ...base, type: "redis", redis: { host: "127.0.0.1", port } };
  }
  if (target === "sentinel") {
    // Through the environment, exactly as a user's REDIS_SENTINELS / REDIS_SENTINEL_NAME.
    const env = inject("sentinelEnv");
    return env === null ? undefined : { ...base, type: "redis", env };
  }
  const seeds = inject("clusterSeeds");
  return seeds === null ? undefined : { ...base, type: "redis", redis: { clusterNodes: seeds } };
}

/** Creates a fresh store for `target` (the caller closes it). */
export async function makeStore(target: StoreTarget, extra: CreateStoreOptions = {}): Promise<Store> {
  const opts = storeOptions(target, extra);
  if (!opts) throw new Error(`Redis is unavailable: ${inject("redisSkipReason")}`);
  return target === "redis-client" ? storeOnUserClient(opts) : createStore(opts);
}

/**
 * A store over a client made here and passed in, as a user would; closing the store (which never
 * closes a client it was given) also disconnects the client, so tests leave nothing behind.
 */
async function storeOnUserClient(opts: CreateStoreOptions): Promise<Store> {
  const client = newRedisClient({ host: opts.redis!.host, port: opts.redis!.port });
  const { redis: _redis, ...rest } = opts;
  let store: Store;
  try {
    store = await createStore({ ...rest, client });
  } catch (e) {
    client.disconnect();
    throw e;
  }
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    client.disconnect();
  };
  return store;
}

export interface StoreContext {
  target: StoreTarget;
  /** The store of the current describe block (created in beforeAll). */
  store(): Store;
  /** A further store on the same backend and prefix, e.g. a second "process". Closed after the block. */
  another(): Promise<Store>;
  /**
   * Lets `ms` of store time pass: on Redis it waits them out; on the memory store it moves the
   * store's clock forward at once (the clock still follows real time besides). For waits whose only
   * purpose is that TTLs and deadlines kept by the store run out.
   */
  elapse(ms: number): Promise<void>;
}

/** Memory stores made by {@link describeStores}: their clock, which `elapse` moves. */
const movableClocks = new WeakMap<Store, () => number>();

/**
 * `store`'s clock in ms: a memory store's own clock (moved by `elapse`), else this machine's clock,
 * which a Redis on this machine (TIME) shares.
 */
export function storeNow(store: Store): number {
  return (movableClocks.get(store) ?? Date.now)();
}

/**
 * Defines `fn`'s tests once per store target. Redis targets are skipped (loudly, by the global
 * setup) when redis-server is missing and HOLDFAST_REQUIRE_REDIS is not set.
 */
export function describeStores(
  title: string,
  fn: (ctx: StoreContext) => void,
  options: { targets?: StoreTarget[]; storeOptions?: CreateStoreOptions } = {},
): void {
  for (const target of options.targets ?? CONFORMANCE_TARGETS) {
    let skipped = 0; // ms that elapse has moved a memory store's clock ahead of real time
    const movable = target === "memory" && options.storeOptions?.clock === undefined;
    const clock = () => Date.now() + skipped;
    const opts = storeOptions(target, movable ? { ...options.storeOptions, clock } : options.storeOptions);
    const run = opts ? describe : describe.skip;
    run(`${title} [${target}]`, () => {
      let store: Store | undefined;
      const extra: Store[] = [];
      beforeAll(async () => {
        store = await makeStore(target, opts!);
        if (movable) movableClocks.set(store, clock);
      });
      afterAll(async () => {
        await Promise.all([store?.close(), ...extra.map((s) => s.close())]);
      });
      fn({
        target,
        store: () => {
          if (!store) throw new Error("store not ready");
          return store;
        },
        another: async () => {
          if (target === "memory") return store!; // one process: the same store is the shared state
          const s = await makeStore(target, { ...opts!, prefix: store!.keys.prefix });
          extra.push(s);
          return s;
        },
        elapse: async (ms) => {
          if (!movable) return new Promise((resolve) => setTimeout(resolve, ms));
          skipped += ms;
          await new Promise((resolve) => setImmediate(resolve));
        },
      });
    });
  }
}

/**
 * A store on `redis` (usually a {@link PrivateRedis} a fault test kills and restarts) with short
 * timeouts, so that failures surface within a few hundred milliseconds.
 */
export function faultTestStore(redis: { url: string }, extra: CreateStoreOptions = {}): Promise<Store> {
  return createStore({
    type: "redis",
    redis: { url: redis.url },
    env: {},
    ioredis: ioredisModule(),
    checkServer: false,
    commandTimeoutMs: 300,
    reconnectCapMs: 100,
    ...extra,
  });
}

/** {@link describeStores} on {@link TIMING_TARGETS}: for suites that mostly wait for TTLs and timers. */
export function describeTimingStores(title: string, fn: (ctx: StoreContext) => void): void {
  describeStores(title, fn, { targets: TIMING_TARGETS });
}
