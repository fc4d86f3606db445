import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { SemaphoreFullError } from "../semaphore/errors.js";
import { Semaphores } from "../semaphore/semaphores.js";
import type { Permit, SemaphoreHolder } from "../semaphore/types.js";
import { assertLimit } from "../semaphore/validate.js";
import { stripUndefined } from "../util/validate.js";
import type { Store } from "../store/types.js";
import { abortReason, throwIfAborted } from "../util/abort.js";
import { assertDurationMs, assertInt, assertName, describeValue } from "../util/validate.js";
import { ConcurrencyLimitError, type ConcurrencyLimitReason } from "./errors.js";
import { concurrencyMetrics as metrics } from "./metrics.js";
import { PermitKeeper } from "./permit-keeper.js";
import {
  DEFAULT_CONCURRENCY_LIMITER_OPTIONS,
  type ConcurrencyLimiterOptions,
  type ConcurrencyRunOptions,
} from "./types.js";

/** The largest `maxQueue`: a local queue is memory and latency; beyond this, shed load instead. */
export const MAX_CONCURRENCY_QUEUE = 100_000;

/**
 * Runs work with at most `limit` calls in flight per key, across every process sharing the store.
 * Each call holds a semaphore permit (one round trip to take it when a slot is free), refreshed
 * while the work runs and released when it ends, so a crashed process's slots come back after
 * `ttlMs`. Calls beyond the limit wait in a bounded local queue (`maxQueue`, `queueTimeoutMs`),
 * woken at once by a release in this process and by polling with backoff for other processes;
 * beyond the queue they are rejected at once with {@link ConcurrencyLimitError}.
 *
 * When the store cannot answer, `run()` fails closed: it rejects with the store's typed error and
 * the work does not run.
 *
 * @example
 * const assignments = createConcurrencyLimiter(store, { limit: 5, maxQueue: 50, queueTimeoutMs: 5_000 });
 * await assignments.run(`restaurant:${restaurantId}`, (signal) => assignTables(booking, { signal }));
 */
export class ConcurrencyLimiter {
  /** The default limit per key. */
  readonly limit: number;
  private readonly ttlMs: number;
  private readonly refreshIntervalMs: number;
  private readonly maxQueue: number;
  private readonly queueTimeoutMs: number;
  private readonly semaphores: Semaphores;
  private readonly waiting = new Map<string, number>();

  /** @throws InvalidArgumentError for a bad option */
  constructor(store: Store, options: ConcurrencyLimiterOptions) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError(
        "options",
        `must be an object with a limit, got ${describeValue(options)}`,
      );
    }
    const o = { ...DEFAULT_CONCURRENCY_LIMITER_OPTIONS, ...stripUndefined(options) };
    this.limit = assertLimit("limit", o.limit);
    this.ttlMs = assertDurationMs("ttlMs", o.ttlMs);
    this.refreshIntervalMs = assertInt(
      "refreshIntervalMs",
      o.refreshIntervalMs ?? Math.max(1, Math.floor(this.ttlMs / 3)),
      1,
      Math.max(1, this.ttlMs - 1),
    );
    this.maxQueue = assertInt("maxQueue", o.maxQueue, 0, MAX_CONCURRENCY_QUEUE);
    this.queueTimeoutMs = assertDurationMs("queueTimeoutMs", o.queueTimeoutMs);
    this.semaphores = new Semaphores(store, {
      ttlMs: this.ttlMs,
      retryBaseMs: o.retryBaseMs,
      retryCapMs: o.retryCapMs,
      keyKind: o.keyKind,
    });
  }

  /**
   * Runs `fn` once a slot of `key` is free. `fn` gets an AbortSignal that aborts with
   * {@link ConcurrencyPermitLostError} if the slot is lost (permit expired or released elsewhere,
   * or the store could not confirm it in time), or with `options.signal`'s reason.
   * The slot is released when `fn` settles, whether it returns or throws; `run()` settles as `fn`.
   *
   * @throws ConcurrencyLimitError when no slot was free and the queue was absent, full or timed out
   *   (fn did not run); the signal's reason when `options.signal` aborts while queued;
   *   InvalidArgumentError for a bad key or limit; the store's error when it cannot answer
   * @example
   * const report = await limiter.run("tenant-7", (signal) => buildReport({ signal }));
   */
  async run<T>(
    key: string,
    fn: (signal: AbortSignal) => T | Promise<T>,
    options: ConcurrencyRunOptions = {},
  ): Promise<T> {
    assertName("key", key);
    if (typeof fn !== "function")
      throw new InvalidArgumentError("fn", `must be a function, got ${describeValue(fn)}`);
    const limit = options.limit === undefined ? this.limit : assertLimit("limit", options.limit);
    throwIfAborted(options.signal);
    const permit = await this.admit(key, limit, options);
    metrics.started.inc();
    return this.execute(permit, fn, options.signal);
  }

  /** Calls of `key` in flight now, across every process. */
  count(key: string): Promise<number> {
    return this.semaphores.count(assertName("key", key));
  }

  /** The slots of `key` held now: owner token, remaining TTL and metadata of each. */
  holders(key: string): Promise<SemaphoreHolder[]> {
    return this.semaphores.holders(assertName("key", key));
  }

  /** Calls of `key` waiting in this process's queue now. */
  queued(key: string): number {
    return this.waiting.get(key) ?? 0;
  }

  private async admit(key: string, limit: number, options: ConcurrencyRunOptions): Promise<Permit> {
    const acquire = { limit, ttlMs: this.ttlMs, signal: options.signal, metadata: options.metadata };
    const queued = this.waiting.get(key) ?? 0;
    if (this.maxQueue === 0 || queued >= this.maxQueue) {
      const r = await this.semaphores.tryAcquire(key, acquire);
      if (r.acquired) return r.permit;
      throw this.refuse(key, limit, this.maxQueue === 0 ? "full" : "queue_full", r.retryAfterMs);
    }
    this.waiting.set(key, queued + 1);
    try {
      return await this.semaphores.acquire(key, { ...acquire, waitMs: this.queueTimeoutMs });
    } catch (e) {
      if (e instanceof SemaphoreFullError) throw this.refuse(key, limit, "queue_timeout", e.retryAfterMs, e);
      throw e;
    } finally {
      const left = (this.waiting.get(key) ?? 1) - 1;
      if (left === 0) this.waiting.delete(key);
      else this.waiting.set(key, left);
    }
  }

  private refuse(
    key: string,
    limit: number,
    reason: ConcurrencyLimitReason,
    retryAfterMs: number,
    cause?: unknown,
  ): ConcurrencyLimitError {
    metrics.rejected[reason].inc();
    return new ConcurrencyLimitError(
      key,
      limit,
      this.queued(key),
      reason,
      retryAfterMs,
      cause ? { cause } : undefined,
    );
  }

  private async execute<T>(
    permit: Permit,
    fn: (signal: AbortSignal) => T | Promise<T>,
    outer: AbortSignal | undefined,
  ): Promise<T> {
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(abortReason(outer!));
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener("abort", onOuterAbort, { once: true });
    const keeper = new PermitKeeper(this.semaphores, permit, this.refreshIntervalMs, (err) => {
      metrics.permitLost.inc();
      controller.abort(err);
    });
    keeper.start();
    try {
      return await fn(controller.signal);
    } finally {
      keeper.stop();
      outer?.removeEventListener("abort", onOuterAbort);
      try {
        await this.semaphores.release(keeper.current);
      } catch {
        // Lost already, or the store cannot answer: the permit then ends by its TTL.
      }
    }
  }
}

/**
 * Creates a {@link ConcurrencyLimiter}. Options are validated here, once; defaults are in
 * {@link DEFAULT_CONCURRENCY_LIMITER_OPTIONS}.
 *
 * @throws InvalidArgumentError for a bad option
 * @example
 * // Seed 000's "max 5 concurrent assignments per restaurant", shared by every app instance:
 * const assignments = createConcurrencyLimiter(store, { limit: 5, ttlMs: 30_000, maxQueue: 20 });
 */
export function createConcurrencyLimiter(
  store: Store,
  options: ConcurrencyLimiterOptions,
): ConcurrencyLimiter {
  return new ConcurrencyLimiter(store, options);
}
