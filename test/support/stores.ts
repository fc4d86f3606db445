/**
 * The conformance harness: `describeStores` runs the same tests against the memory store, a private
 * single Redis, a private Sentinel set (reached through `REDIS_SENTINELS`/`REDIS_SENTINEL_NAME`,
 * as users configure it) and a private 3-master Redis Cluster, each with a fresh unique key prefix.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { createStore, type CreateStoreOptions } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";

export type StoreTarget = "memory" | "redis" | "sentinel" | "cluster";
export const ALL_TARGETS: StoreTarget[] = ["memory", "redis", "sentinel", "cluster"];
/**
 * For suites whose time goes into waiting for TTLs and timers rather than behaviour: Sentinel adds
 * nothing there that the single Redis behind it does not already show, only run time.
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
  const base: CreateStoreOptions = { prefix: uniquePrefix(), checkServer: false, env: {}, ...extra };
  if (target === "memory") return { ...base, type: "memory" };
  if (target === "redis") {
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
  return createStore(opts);
}

export interface StoreContext {
  target: StoreTarget;
  /** The store of the current describe block (created in beforeAll). */
  store(): Store;
  /** A further store on the same backend and prefix, e.g. a second "process". Closed after the block. */
  another(): Promise<Store>;
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
  for (const target of options.targets ?? ALL_TARGETS) {
    const opts = storeOptions(target, options.storeOptions);
    const run = opts ? describe : describe.skip;
    run(`${title} [${target}]`, () => {
      let store: Store | undefined;
      const extra: Store[] = [];
      beforeAll(async () => {
        store = await createStore(opts!);
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
          const s = await createStore({ ...opts!, prefix: store!.keys.prefix });
          extra.push(s);
          return s;
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
