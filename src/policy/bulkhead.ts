import { EventSource, type Disposable } from "../observe/disposable.js";
import { abortReason, throwIfAborted } from "../util/abort.js";
import { assertInt, assertName, describeValue } from "../util/validate.js";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { BulkheadRejectedError } from "./errors.js";
import { policyCounter } from "./metrics.js";
import { NEVER_ABORTED, type Policy } from "./types.js";

/** Options of {@link BulkheadPolicy}. */
export interface BulkheadOptions {
  /** Calls allowed to run at once in this process. Required. */
  maxConcurrent: number;
  /** Calls allowed to wait for a slot (first in, first out); more are refused. @defaultValue 0 */
  maxQueue?: number;
  /** Label of the `holdfast_policy_events_total` metric. @defaultValue "bulkhead" */
  name?: string;
}

export const DEFAULT_BULKHEAD_OPTIONS = { maxQueue: 0, name: "bulkhead" } as const;

interface Waiter {
  start(): void;
}

/**
 * Limits how many calls run at once in this process, with a bounded FIFO queue; beyond that calls
 * fail fast with {@link BulkheadRejectedError}. A queued call whose signal aborts leaves the queue.
 * (For a limit shared by several processes, use a distributed semaphore.)
 *
 * @example
 * const bulkhead = new BulkheadPolicy({ maxConcurrent: 5, maxQueue: 20 });
 * await bulkhead.execute((signal) => assignTables(booking, { signal }));
 */
export class BulkheadPolicy implements Policy {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  private active = 0;
  private readonly queue: Waiter[] = [];
  private readonly rejections = new EventSource<{ running: number; queued: number }>();
  private readonly rejectedCount;

  /** @throws InvalidArgumentError for bad options. */
  constructor(options: BulkheadOptions) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("options", `must be an object, got ${describeValue(options)}`);
    }
    this.maxConcurrent = assertInt("maxConcurrent", options.maxConcurrent, 1, 1_000_000);
    this.maxQueue = assertInt(
      "maxQueue",
      options.maxQueue ?? DEFAULT_BULKHEAD_OPTIONS.maxQueue,
      0,
      1_000_000,
    );
    const name = assertName("name", options.name ?? DEFAULT_BULKHEAD_OPTIONS.name, 128);
    this.rejectedCount = policyCounter("bulkhead", name, "rejected");
  }

  /** Calls running now. */
  get running(): number {
    return this.active;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.queue.length;
  }

  /** Fires when a call is refused. */
  get onReject(): (listener: (e: { running: number; queued: number }) => void) => Disposable {
    return this.rejections.on;
  }

  async execute<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal);
    if (this.active < this.maxConcurrent) {
      this.active++;
    } else if (this.queue.length < this.maxQueue) {
      await this.wait(signal);
    } else {
      this.rejectedCount.inc();
      this.rejections.emit({ running: this.active, queued: this.queue.length });
      throw new BulkheadRejectedError(this.maxConcurrent, this.maxQueue);
    }
    try {
      return await fn(signal ?? NEVER_ABORTED);
    } finally {
      this.release();
    }
  }

  /** Waits in the queue; the slot is handed over by {@link release}, so `active` is already counted. */
  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(abortReason(signal!));
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.queue.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next.start();
    else this.active--;
  }
}
