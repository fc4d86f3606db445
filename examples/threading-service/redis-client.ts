/**
 * Seed 002's `redisClient` module, rebuilt on Holdfast: the same helper API
 * (`isRedisAvailable`, `acquireLock`, `releaseLock`, a rate-limit check) and the same status lines
 * (`✅ Redis: Connected and ready`, `⚠️  Redis unavailable`), configured by the same variables
 * (`REDIS_URL`, or `REDIS_HOST`/`REDIS_PORT`/`REDIS_PASSWORD`, read by Holdfast's `createStore`).
 *
 * What changes is the policy when Redis is unreachable. The seed fails OPEN ("operations proceed");
 * here locks fail CLOSED (`acquireLock` answers false, never pretends) and rate limits follow
 * `RATE_LIMIT_ON_REDIS_DOWN` (`local` by default), every such decision flagged, counted in
 * `holdfast_degraded_decisions_total` and logged at most once per 10 s. See README.md.
 *
 * The seed's testing snippet works as written (as an ESM import):
 *
 *   import { isRedisAvailable, acquireLock, releaseLock } from "./redis-client.js";
 *   console.log("Redis available:", isRedisAvailable());
 *   const acquired = await acquireLock("test:lock", 10);
 *   console.log("Lock acquired:", acquired);
 *   await releaseLock("test:lock");
 *
 * Like the seed's module, loading it starts connecting when Redis is configured; the import waits
 * for the first attempt (at most `connectTimeoutMs`, 5 s) so that `isRedisAvailable()` means
 * something on the first line. If Redis is down, it keeps trying in the background.
 */
import { redisConfigFromEnv } from "holdfast";
import { RedisHelpers } from "./helpers.js";
import type { AcquireLockOptions, LockAttempt, RateLimitCheck } from "./types.js";

export { RedisHelpers } from "./helpers.js";
export {
  CONNECTED_LINE,
  UNAVAILABLE_LINE,
  type RedisHelpersOptions,
  type RateLimitOnRedisDown,
  type LockAttempt,
  type RateLimitCheck,
  type AvailabilityChange,
  type AcquireLockOptions,
} from "./types.js";

let instance: RedisHelpers | undefined;

/** This process's helpers (created from the environment on first use). */
export function defaultRedisHelpers(): RedisHelpers {
  instance ??= new RedisHelpers();
  return instance;
}

/** True while Redis is connected and answering. Synchronous, as the seed uses it. */
export function isRedisAvailable(): boolean {
  return defaultRedisHelpers().isRedisAvailable();
}

/**
 * True when this process now holds `key` for `ttlSeconds`; false when another holder has it OR
 * Redis cannot answer (fail closed: never a lock Redis did not grant). See {@link tryAcquireLock}.
 * @example const acquired = await acquireLock("test:lock", 10);
 */
export function acquireLock(key: string, ttlSeconds: number, options?: AcquireLockOptions): Promise<boolean> {
  return defaultRedisHelpers().acquireLock(key, ttlSeconds, options);
}

/** {@link acquireLock} with the reason of a refusal (`held` / `redis-unavailable`) and the fence. */
export function tryAcquireLock(
  key: string,
  ttlSeconds: number,
  options?: AcquireLockOptions,
): Promise<LockAttempt> {
  return defaultRedisHelpers().tryAcquireLock(key, ttlSeconds, options);
}

/**
 * Releases `key` if this process acquired it and still holds it; the lease is kept per key inside
 * this module because the seed's API has no token. Another instance's lock is never touched.
 * @example await releaseLock("test:lock");
 */
export function releaseLock(key: string): Promise<boolean> {
  return defaultRedisHelpers().releaseLock(key);
}

/**
 * At most `limit` calls per `windowSeconds` for `key`, shared by every instance on the same Redis.
 * @example const { allowed, retryAfterSeconds } = await checkRateLimit(`reply:${userId}`, 5, 60);
 */
export function checkRateLimit(key: string, limit: number, windowSeconds: number): Promise<RateLimitCheck> {
  return defaultRedisHelpers().checkRateLimit(key, limit, windowSeconds);
}

/** Closes this process's connection (on shutdown). A later call reconnects from the environment. */
export async function closeRedis(): Promise<void> {
  const h = instance;
  instance = undefined;
  await h?.close();
}

if (redisConfigFromEnv(process.env)) await defaultRedisHelpers().ready();
