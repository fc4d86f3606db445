import type { DegradedPolicy } from "../observe/degradation.js";

/** The four algorithms. See docs/rate-limits.md for which to pick when. */
export type RateLimitAlgorithm = "fixed-window" | "sliding-window" | "token-bucket" | "gcra";

/** A limit counted per window: at most `limit` units per `windowMs`. */
export interface WindowLimit {
  algorithm: "fixed-window" | "sliding-window";
  /**
   * The limit's name, used in headers (`RateLimit-Policy: "<name>";q=…`) and to keep its state.
   * Letters, digits, `_`, `-`, `.`; at most 64 characters. State follows the name: name limits you
   * insert or reorder at runtime.
   * @defaultValue `"default"` for the first limit without a name, then `"default-2"`, `"default-3"`…
   */
  name?: string;
  /** Units allowed per window, an integer ≥ 1. */
  limit: number;
  /** The window in ms (integer ≥ 1). Windows are aligned to the epoch on the server's clock. */
  windowMs: number;
}

/** A limit as a rate with a burst: up to `burst` at once, refilled at `ratePerSec`. */
export interface RateLimitSpec {
  algorithm: "token-bucket" | "gcra";
  /** See {@link WindowLimit.name}. @defaultValue `"default"`, then `"default-2"`… (see {@link WindowLimit.name}) */
  name?: string;
  /** The most units that can pass at once (bucket capacity), an integer ≥ 1. */
  burst: number;
  /** Units refilled per second; may be fractional (`0.5` = one every 2 s), > 0. */
  ratePerSec: number;
}

/** One limit of a rate limiter. */
export type LimitSpec = WindowLimit | RateLimitSpec;

/** What to do when the store cannot answer. See {@link RateLimiterOptions.onStoreUnavailable}. */
export type StoreUnavailablePolicy = DegradedPolicy;

/** Options of {@link createRateLimiter}: one limit inline, or several in `limits`. */
export interface RateLimiterOptions {
  /**
   * The limiter's name: it separates the state of different limiters on the same key (`login` and
   * `api` both limiting `user-7`). Two limiters with the same name and limit names share state,
   * which is what several processes of one app want. Letters, digits, `_`, `-`, `.`, ≤ 64 characters.
   */
  name: string;
  /** One limit, given inline (`algorithm`, `limit`, `windowMs` / `burst`, `ratePerSec`)… */
  algorithm?: RateLimitAlgorithm;
  limit?: number;
  windowMs?: number;
  burst?: number;
  ratePerSec?: number;
  /** …or several limits on the same key, decided together (all must allow; none consumed otherwise). */
  limits?: LimitSpec[];
  /**
   * After a refusal for "limit reached", refuse the key for this many ms (reason `blocked`), without
   * consuming anything. 0 turns blocking off. @defaultValue 0
   */
  blockDurationMs?: number;
  /**
   * What a decision does when the store is unreachable or times out:
   * - `"fail-closed"`: refuse (`allowed: false`, `reason: "store-unavailable"`, HTTP 503);
   * - `"fail-open"`: allow without counting (`allowed: true`);
   * - `"local"`: decide with the same algorithm on a private in-process memory store until the store
   *   answers again; budgets are then per process.
   * Every such decision carries `degraded: true` and is reported (metric + throttled log).
   * @defaultValue "fail-closed"
   */
  onStoreUnavailable?: StoreUnavailablePolicy;
  /**
   * While the store is unreachable, decisions do not wait for it: one probe every this many ms
   * checks whether it is back, and the first success hands decisions back to it. @defaultValue 1000
   */
  recheckIntervalMs?: number;
}

/** Defaults of {@link RateLimiterOptions}. */
export const DEFAULT_RATE_LIMITER_OPTIONS = {
  blockDurationMs: 0,
  onStoreUnavailable: "fail-closed",
  recheckIntervalMs: 1000,
} as const satisfies Partial<RateLimiterOptions>;

/** Why a request was refused (or, for `store-unavailable`, decided without the store). */
export type RateLimitReason = "limit-reached" | "blocked" | "cost-exceeds-limit" | "store-unavailable";

/** The state of one limit after a decision. */
export interface LimitStatus {
  name: string;
  algorithm: RateLimitAlgorithm;
  /** Quota of the limit: `limit` for windows, `burst` for bucket and GCRA. */
  quota: number;
  /** The window in ms; for bucket and GCRA, the time to refill a whole burst. */
  windowMs: number;
  /** Units still available now (after this decision). */
  remaining: number;
  /** ms until the whole quota is available again (0: it is). */
  resetMs: number;
  /** ms until this limit would let the same cost pass; 0 if it does; Infinity if it never can. */
  retryAfterMs: number;
}

/** The answer of {@link RateLimiter.consume} (and of peek, reward, penalty). */
export interface RateLimitResult {
  /** True when every limit let the request pass; only then was anything consumed. */
  allowed: boolean;
  /** Units left in the binding limit (the one with the fewest left, or the one that refused). */
  remaining: number;
  /** ms until the binding limit's whole quota is back. */
  resetMs: number;
  /** 0 when allowed; else ms to wait before the same cost can pass; Infinity when it never can. */
  retryAfterMs: number;
  /** Name of the binding limit. */
  policy: string;
  /** Set when refused, or when decided without the store (`store-unavailable`). */
  reason?: RateLimitReason;
  /** True when the store could not answer and the policy in `degradedPolicy` decided. */
  degraded?: true;
  degradedPolicy?: StoreUnavailablePolicy;
  /** Why the store could not answer (the store error's message). */
  degradedReason?: string;
  /** Every limit of the key, in the order they were configured (empty for fail-open/closed). */
  limits: LimitStatus[];
}

/** Options of one check. */
export interface ConsumeOptions {
  /** Units this request uses, an integer ≥ 1. @defaultValue 1 */
  cost?: number;
}
