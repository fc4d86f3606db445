import { HoldfastError } from "../errors/holdfast-error.js";

/**
 * A bulkhead refused a call: `maxConcurrent` calls were running and `maxQueue` were waiting.
 * The function was not called. Shed the load (HTTP 503) or raise the limits.
 */
export class BulkheadRejectedError extends HoldfastError {
  readonly code = "HOLDFAST_BULKHEAD_REJECTED";
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  constructor(maxConcurrent: number, maxQueue: number) {
    super(
      `Bulkhead is full: ${maxConcurrent} calls running and ${maxQueue} queued; the call was not made. ` +
        `Shed the load or raise \`maxConcurrent\`/\`maxQueue\`.`,
    );
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
  }
}

/**
 * A call did not finish within `timeoutMs`. Its AbortSignal was aborted; with the cooperative
 * strategy the function saw the abort and gave up, with the aggressive one it may still be running.
 */
export class TaskTimeoutError extends HoldfastError {
  readonly code = "HOLDFAST_TASK_TIMEOUT";
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(
      `The call did not finish within ${timeoutMs} ms and was cancelled. Raise \`timeoutMs\` if the ` +
        `dependency is legitimately slow.`,
      options,
    );
    this.timeoutMs = timeoutMs;
  }
}

export const isBulkheadRejectedError = (e: unknown): e is BulkheadRejectedError =>
  e instanceof BulkheadRejectedError;
export const isTaskTimeoutError = (e: unknown): e is TaskTimeoutError => e instanceof TaskTimeoutError;
