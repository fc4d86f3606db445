import type { PermitMetadata } from "../semaphore/types.js";

/** Options of {@link createConcurrencyLimiter}. Validated once, at construction. */
export interface ConcurrencyLimiterOptions {
  /** The most calls in flight per key, across every process sharing the store (integer ≥ 1). */
  limit: number;
  /**
   * TTL of a slot's permit, in ms: if this process dies mid-call, its slot comes back after at most
   * this long. Refreshed automatically while the work runs. @defaultValue 30000
   */
  ttlMs?: number;
  /** How often a running call's permit is refreshed, in ms; below `ttlMs`. @defaultValue ttlMs / 3 */
  refreshIntervalMs?: number;
  /**
   * How many calls per key this process lets wait for a slot; beyond it `run()` rejects at once.
   * 0 = no queue: reject as soon as every slot is busy. @defaultValue 0
   */
  maxQueue?: number;
  /** How long a queued call waits for a slot before it is rejected, in ms. @defaultValue 10000 */
  queueTimeoutMs?: number;
  /** First backoff step while queued, in ms (full jitter). @defaultValue 10 */
  retryBaseMs?: number;
  /** Largest backoff step while queued, in ms: bounds how late a remote release is noticed. @defaultValue 250 */
  retryCapMs?: number;
  /** The key kind of the slots' semaphores (`holdfast:<keyKind>:{key}`). @defaultValue "concurrency" */
  keyKind?: string;
}

/** The defaults of {@link ConcurrencyLimiterOptions} (`refreshIntervalMs` defaults to ttlMs / 3). */
export const DEFAULT_CONCURRENCY_LIMITER_OPTIONS = Object.freeze({
  ttlMs: 30_000,
  maxQueue: 0,
  queueTimeoutMs: 10_000,
  retryBaseMs: 10,
  retryCapMs: 250,
  keyKind: "concurrency",
});

/** Options of one `run()`. */
export interface ConcurrencyRunOptions {
  /** Cancels the call: while queued it rejects with the signal's reason; while running, fn's signal aborts. */
  signal?: AbortSignal;
  /** This call's limit instead of the limiter's (it can change at runtime). @defaultValue the limiter's `limit` */
  limit?: number;
  /** Facts about this call, shown by `holders()`. */
  metadata?: PermitMetadata;
}
