/**
 * What the fault tests share: a private Redis of their own to kill, pause and restart, a store with
 * short timeouts on it, and the check that calls made while it was down failed closed.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { isStoreFailure, StoreTimeoutError, StoreUnavailableError } from "../../src/errors/store-errors.js";
import type { CreateStoreOptions } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { PrivateRedis } from "./redis-server.js";
import { faultTestStore } from "./stores.js";

export interface PrivateRedisFixture {
  /** The private redis-server (started in beforeAll, stopped in afterAll). */
  readonly redis: PrivateRedis;
  /** A {@link faultTestStore} on it (opened in beforeAll, closed in afterAll). */
  readonly store: Store;
}

/**
 * For a describe block: a private Redis started with `args` (e.g. AOF on, so data survives a kill)
 * and a {@link faultTestStore} on it with `store` options added, both made in beforeAll and gone in
 * afterAll. Read the fields inside tests and hooks, not when the block is defined.
 */
export function onPrivateRedis(
  options: { args?: string[]; store?: CreateStoreOptions } = {},
): PrivateRedisFixture {
  let redis: PrivateRedis | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    redis = await PrivateRedis.start({ args: options.args });
    store = await faultTestStore(redis, options.store);
  });
  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });
  return {
    get redis() {
      if (!redis) throw new Error("the private Redis is not started yet (read it inside a test)");
      return redis;
    },
    get store() {
      if (!store) throw new Error("the store is not open yet (read it inside a test)");
      return store;
    },
  };
}

/**
 * Each call made while the store was down failed closed: it was rejected with a typed store error
 * (StoreUnavailableError or StoreTimeoutError; with `orClosed`, StoreClosedError too, which is
 * `isStoreFailure`), never answered with a guess.
 */
export function expectStoreFailures(
  results: readonly PromiseSettledResult<unknown>[],
  options: { orClosed?: boolean } = {},
): void {
  for (const r of results) {
    expect(r.status).toBe("rejected");
    const err = (r as PromiseRejectedResult).reason;
    if (options.orClosed) expect(isStoreFailure(err)).toBe(true);
    else expect(err instanceof StoreUnavailableError || err instanceof StoreTimeoutError).toBe(true);
  }
}
