/** Types and constants of seed 002's helpers (see helpers.ts and redis-client.ts). */
import type { CreateStoreOptions, Logger, StoreUnavailablePolicy } from "holdfast";

/** The seed's log line when Redis becomes usable. */
export const CONNECTED_LINE = "✅ Redis: Connected and ready";
/** The seed's log line when Redis stops being usable (two spaces after the sign, as in the seed). */
export const UNAVAILABLE_LINE = "⚠️  Redis unavailable";

/** What `checkRateLimit` does while Redis is unreachable (`RATE_LIMIT_ON_REDIS_DOWN`). */
export type RateLimitOnRedisDown = StoreUnavailablePolicy;
export const POLICIES: readonly RateLimitOnRedisDown[] = ["fail-closed", "fail-open", "local"];

/** Options of {@link RedisHelpers}. */
export interface RedisHelpersOptions {
  /**
   * What `checkRateLimit` decides while Redis is unreachable: `fail-closed` refuses, `fail-open`
   * allows without counting, `local` counts per process until Redis is back (see README).
   * @defaultValue `RATE_LIMIT_ON_REDIS_DOWN` from the environment, else `"local"`
   */
  rateLimitOnRedisDown?: RateLimitOnRedisDown;
  /**
   * How often, in ms, to check whether Redis is back while it is down (health probe, the rate
   * limiter's recheck, and new connection attempts when Redis was down at startup). @defaultValue 1000
   */
  recheckIntervalMs?: number;
  /**
   * Passed to `createStore` (connection timeouts, reconnect pacing, an explicit `redis` address,
   * `prefix`). With none, `createStore` reads `REDIS_URL` or `REDIS_HOST`/`REDIS_PORT`/`REDIS_PASSWORD`
   * itself; with no Redis configured it is the in-process memory store. @defaultValue {}
   */
  store?: CreateStoreOptions;
  /** Where the seed's status lines and warnings go. @defaultValue pino on stderr (`HOLDFAST_LOG_LEVEL`) */
  logger?: Logger;
  /** Environment to read. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/** The answer of {@link RedisHelpers.tryAcquireLock}: `acquireLock`'s boolean, with the why. */
export interface LockAttempt {
  acquired: boolean;
  /** Why not: someone holds it (`held`) or Redis could not answer (`redis-unavailable`). */
  reason?: "held" | "redis-unavailable";
  /** Set when Redis could not answer: the lock was refused without asking it (fail closed). */
  degraded?: true;
  /** The lease's fencing token (strictly increasing per key), when acquired. */
  fence?: number;
}

/** The answer of `checkRateLimit`. */
export interface RateLimitCheck {
  allowed: boolean;
  /** Requests left in the window after this one. */
  remaining: number;
  /** 0 when allowed; else seconds to wait before retrying (at least 1). */
  retryAfterSeconds: number;
  /** Seconds until the whole limit is available again. */
  resetSeconds: number;
  /** Set when Redis could not answer and `policy` decided instead. */
  degraded?: true;
  policy?: RateLimitOnRedisDown;
}

/** Emitted by {@link RedisHelpers.onAvailabilityChange}. */
export interface AvailabilityChange {
  available: boolean;
  reason?: string;
}

/** `acquireLock`'s third argument, beyond the seed's API. */
export interface AcquireLockOptions {
  /** Keep retrying (with jitter) this many ms while someone else holds the lock. @defaultValue 0 */
  waitMs?: number;
}
