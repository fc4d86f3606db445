import { isAbortLike } from "../util/abort.js";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { EventSource, type Disposable } from "../observe/disposable.js";
import { assertName, describeValue } from "../util/validate.js";
import { policyCounter } from "./metrics.js";
import { NEVER_ABORTED, type Policy } from "./types.js";

/** Options of {@link FallbackPolicy}. */
export interface FallbackOptions {
  /** Which errors the fallback replaces; others are rethrown. @defaultValue every error except `AbortError`s */
  shouldHandle?: (error: unknown) => boolean;
  /** Label of the `holdfast_policy_events_total` metric. @defaultValue "fallback" */
  name?: string;
}

/**
 * Replaces a failure with a value: a degraded answer that is explicit in the types (`T | R`).
 *
 * @example
 * const manualReview = new FallbackPolicy(() => ({ status: "pending-manual-assignment" as const }));
 * const result = await manualReview.execute(() => assignTables(booking));
 */
export class FallbackPolicy<R> implements Policy<R> {
  private readonly shouldHandle: (error: unknown) => boolean;
  private readonly fallbacks = new EventSource<{ error: unknown }>();
  private readonly fallbackCount;

  /**
   * @param value computes the replacement from the error (may be async).
   * @throws InvalidArgumentError for bad options.
   */
  constructor(
    private readonly value: (error: unknown) => R | PromiseLike<R>,
    options: FallbackOptions = {},
  ) {
    if (typeof value !== "function") {
      throw new InvalidArgumentError("value", `must be a function, got ${describeValue(value)}`);
    }
    this.shouldHandle = options.shouldHandle ?? ((e) => !isAbortLike(e));
    if (typeof this.shouldHandle !== "function") {
      throw new InvalidArgumentError(
        "shouldHandle",
        `must be a function, got ${describeValue(this.shouldHandle)}`,
      );
    }
    this.fallbackCount = policyCounter(
      "fallback",
      assertName("name", options.name ?? "fallback", 128),
      "fallback",
    );
  }

  /** Fires each time the fallback value is served, with the error it replaced. */
  get onFallback(): (listener: (e: { error: unknown }) => void) => Disposable {
    return this.fallbacks.on;
  }

  async execute<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T | R> {
    try {
      return await fn(signal ?? NEVER_ABORTED);
    } catch (error) {
      if (!this.shouldHandle(error)) throw error;
      this.fallbackCount.inc();
      this.fallbacks.emit({ error });
      return await this.value(error);
    }
  }
}
