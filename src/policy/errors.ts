import { defineError, guardOf } from "../errors/define-error.js";

/**
 * A bulkhead refused a call: `maxConcurrent` calls were running and `maxQueue` were waiting.
 * The function was not called. Shed the load (HTTP 503) or raise the limits.
 */
export class BulkheadRejectedError extends defineError(
  "HOLDFAST_BULKHEAD_REJECTED",
  (maxConcurrent: number, maxQueue: number) => ({
    message:
      `Bulkhead is full: ${maxConcurrent} calls running and ${maxQueue} queued; the call was not made. ` +
      `Shed the load or raise \`maxConcurrent\`/\`maxQueue\`.`,
    fields: { maxConcurrent, maxQueue },
  }),
) {}

/**
 * A call did not finish within `timeoutMs`. Its AbortSignal was aborted; with the cooperative
 * strategy the function saw the abort and gave up, with the aggressive one it may still be running.
 */
export class TaskTimeoutError extends defineError(
  "HOLDFAST_TASK_TIMEOUT",
  (timeoutMs: number, options?: { cause?: unknown }) => ({
    message:
      `The call did not finish within ${timeoutMs} ms and was cancelled. Raise \`timeoutMs\` if the ` +
      `dependency is legitimately slow.`,
    fields: { timeoutMs },
    options,
  }),
) {}

export const isBulkheadRejectedError = guardOf(BulkheadRejectedError);
export const isTaskTimeoutError = guardOf(TaskTimeoutError);
