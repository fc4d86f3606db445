import { EventSource, type Disposable } from "../observe/disposable.js";
import { abortReason, throwIfAborted } from "../util/abort.js";
import { assertDurationMs, assertName, describeValue } from "../util/validate.js";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { TaskTimeoutError } from "./errors.js";
import { policyCounter } from "./metrics.js";
import type { Policy } from "./types.js";

/** Options of {@link TimeoutPolicy}. */
export interface TimeoutOptions {
  /** Time allowed for one call, in ms. Required. */
  timeoutMs: number;
  /**
   * `cooperative`: at the deadline the signal aborts and the policy waits for `fn` to stop (it must
   * honour the signal); `aggressive`: at the deadline the policy also rejects at once and leaves `fn`
   * running in the background (its result is dropped). @defaultValue "cooperative"
   */
  strategy?: "cooperative" | "aggressive";
  /** Label of the `holdfast_policy_events_total` metric. @defaultValue "timeout" */
  name?: string;
}

export const DEFAULT_TIMEOUT_OPTIONS = { strategy: "cooperative", name: "timeout" } as const;

/**
 * Gives a call `timeoutMs`. `fn` gets a signal that aborts, with a {@link TaskTimeoutError} as its
 * reason, at the deadline or when the caller's signal aborts.
 *
 * Cooperative: a call that rejects after the deadline fails with TaskTimeoutError (the original
 * error as `cause`); a call that still resolves is returned. Aggressive: the promise rejects with
 * TaskTimeoutError at the deadline whatever `fn` does.
 *
 * @example
 * const timeout = new TimeoutPolicy({ timeoutMs: 2_000 });
 * await timeout.execute((signal) => fetch(url, { signal }));
 */
export class TimeoutPolicy implements Policy {
  readonly timeoutMs: number;
  private readonly aggressive: boolean;
  private readonly timeouts = new EventSource<{ timeoutMs: number }>();
  private readonly timeoutCount;

  /** @throws InvalidArgumentError for bad options. */
  constructor(options: TimeoutOptions) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("options", `must be an object, got ${describeValue(options)}`);
    }
    this.timeoutMs = assertDurationMs("timeoutMs", options.timeoutMs);
    const strategy = options.strategy ?? DEFAULT_TIMEOUT_OPTIONS.strategy;
    if (strategy !== "cooperative" && strategy !== "aggressive") {
      throw new InvalidArgumentError(
        "strategy",
        `must be "cooperative" or "aggressive", got ${describeValue(strategy)}`,
      );
    }
    this.aggressive = strategy === "aggressive";
    const name = assertName("name", options.name ?? DEFAULT_TIMEOUT_OPTIONS.name, 128);
    this.timeoutCount = policyCounter("timeout", name, "timeout");
  }

  /** Fires when a call reaches its deadline. */
  get onTimeout(): (listener: (e: { timeoutMs: number }) => void) => Disposable {
    return this.timeouts.on;
  }

  async execute<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal);
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(abortReason(signal!));
    signal?.addEventListener("abort", onOuterAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.timeoutCount.inc();
      this.timeouts.emit({ timeoutMs: this.timeoutMs });
      controller.abort(new TaskTimeoutError(this.timeoutMs));
    }, this.timeoutMs);
    try {
      let task: Promise<T>;
      try {
        task = Promise.resolve(fn(controller.signal));
      } catch (error) {
        task = Promise.reject(error as Error);
      }
      if (!this.aggressive) return await task;
      task.catch(() => {
        // Aggressive mode may walk away from the task; its late failure is nobody's to handle.
      });
      const early = new Promise<never>((_, reject) => {
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
      });
      return await Promise.race([task, early]);
    } catch (error) {
      if (timedOut && !(error instanceof TaskTimeoutError)) {
        throw new TaskTimeoutError(this.timeoutMs, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onOuterAbort);
    }
  }
}
