import { isBrokenCircuitError } from "../breaker/errors.js";
import { isAbortLike } from "../util/abort.js";
import { isInvalidArgumentError } from "../errors/invalid-argument-error.js";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { EventSource, type Disposable } from "../observe/disposable.js";
import { sleep, throwIfAborted } from "../util/abort.js";
import { decorrelatedJitter, fullJitterBackoff } from "../util/backoff.js";
import { assertDurationMs, assertInt, assertName, describeValue } from "../util/validate.js";
import { policyCounter } from "./metrics.js";
import { NEVER_ABORTED, type Policy } from "./types.js";

/** Options of {@link RetryPolicy}. */
export interface RetryOptions {
  /** Attempts in total, the first one included (1 = no retry). @defaultValue 3 */
  maxAttempts?: number;
  /** Smallest delay between attempts, in ms. @defaultValue 100 */
  baseDelayMs?: number;
  /** Largest delay between attempts, in ms. @defaultValue 10000 */
  maxDelayMs?: number;
  /**
   * `decorrelated`: each delay is random in [baseDelayMs, 3 × previous delay] (decorrelated jitter);
   * `exponential`: random in [0, baseDelayMs × 2^(attempt-1)) (full jitter); `constant`: baseDelayMs.
   * Every delay is capped at `maxDelayMs`. @defaultValue "decorrelated"
   */
  backoff?: "decorrelated" | "exponential" | "constant";
  /**
   * Whether a failed attempt (1-based) is worth retrying. @defaultValue every error except
   * cancellations (`AbortError`), BrokenCircuitError (the breaker would refuse again) and
   * InvalidArgumentError (it would fail again)
   */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Label of the `holdfast_policy_events_total` metric. @defaultValue "retry" */
  name?: string;
  /** Source of randomness in [0, 1), for tests. @defaultValue Math.random */
  random?: () => number;
}

export const DEFAULT_RETRY_OPTIONS = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  backoff: "decorrelated",
  shouldRetry: (error: unknown): boolean =>
    !isAbortLike(error) && !isBrokenCircuitError(error) && !isInvalidArgumentError(error),
  name: "retry",
} as const;

/** Payload of {@link RetryPolicy.onRetry}. */
export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  /** Wait before the next attempt, in ms. */
  delayMs: number;
  error: unknown;
}

/**
 * Retries a failing function with backoff. The last error is rethrown unchanged when attempts run
 * out or `shouldRetry` says no. Waiting stops at once when the caller's signal aborts.
 *
 * @example
 * const retry = new RetryPolicy({ maxAttempts: 4, baseDelayMs: 50 });
 * const tables = await retry.execute((signal) => assignTables(booking, { signal }));
 */
export class RetryPolicy implements Policy {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly backoff: "decorrelated" | "exponential" | "constant";
  private readonly shouldRetry: (error: unknown, attempt: number) => boolean;
  private readonly random: () => number;
  private readonly retries = new EventSource<RetryEvent>();
  private readonly giveUps = new EventSource<{ attempts: number; error: unknown }>();
  private readonly retryCount;
  private readonly giveUpCount;

  /** @throws InvalidArgumentError for bad options. */
  constructor(options: RetryOptions = {}) {
    const d = DEFAULT_RETRY_OPTIONS;
    const o = {
      maxAttempts: options.maxAttempts ?? d.maxAttempts,
      baseDelayMs: options.baseDelayMs ?? d.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? Math.max(d.maxDelayMs, options.baseDelayMs ?? 0),
      backoff: options.backoff ?? d.backoff,
      shouldRetry: options.shouldRetry ?? d.shouldRetry,
      name: options.name ?? d.name,
      random: options.random,
    };
    this.maxAttempts = assertInt("maxAttempts", o.maxAttempts, 1, 1_000);
    this.baseDelayMs = assertDurationMs("baseDelayMs", o.baseDelayMs);
    this.maxDelayMs = assertDurationMs("maxDelayMs", o.maxDelayMs);
    if (this.maxDelayMs < this.baseDelayMs) {
      throw new InvalidArgumentError("maxDelayMs", `must be at least baseDelayMs (${this.baseDelayMs})`);
    }
    if (o.backoff !== "decorrelated" && o.backoff !== "exponential" && o.backoff !== "constant") {
      throw new InvalidArgumentError(
        "backoff",
        `must be "decorrelated", "exponential" or "constant", got ${describeValue(o.backoff)}`,
      );
    }
    this.backoff = o.backoff;
    if (typeof o.shouldRetry !== "function") {
      throw new InvalidArgumentError(
        "shouldRetry",
        `must be a function, got ${describeValue(o.shouldRetry)}`,
      );
    }
    this.shouldRetry = o.shouldRetry;
    this.random = o.random ?? Math.random;
    const name = assertName("name", o.name, 128);
    this.retryCount = policyCounter("retry", name, "retry");
    this.giveUpCount = policyCounter("retry", name, "give-up");
  }

  /** Fires before each wait, with the failed attempt, its error and the delay chosen. */
  get onRetry(): (listener: (e: RetryEvent) => void) => Disposable {
    return this.retries.on;
  }

  /** Fires when the policy stops retrying and rethrows. */
  get onGiveUp(): (listener: (e: { attempts: number; error: unknown }) => void) => Disposable {
    return this.giveUps.on;
  }

  async execute<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    const s = signal ?? NEVER_ABORTED;
    let previousDelay = this.baseDelayMs;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      try {
        return await fn(s);
      } catch (error) {
        if (attempt >= this.maxAttempts || s.aborted || !this.shouldRetry(error, attempt)) {
          this.giveUpCount.inc();
          this.giveUps.emit({ attempts: attempt, error });
          throw error;
        }
        const delayMs = this.delay(attempt, previousDelay);
        previousDelay = delayMs;
        this.retryCount.inc();
        this.retries.emit({ attempt, delayMs, error });
        await sleep(delayMs, signal);
      }
    }
  }

  /** The wait after failed `attempt` (1-based), given the previous wait. */
  private delay(attempt: number, previousMs: number): number {
    switch (this.backoff) {
      case "constant":
        return this.baseDelayMs;
      case "exponential":
        return fullJitterBackoff(attempt - 1, this.baseDelayMs, this.maxDelayMs, this.random);
      default:
        return decorrelatedJitter(previousMs, this.baseDelayMs, this.maxDelayMs, this.random);
    }
  }
}
