export { type Policy, NEVER_ABORTED } from "./types.js";
export { RetryPolicy, DEFAULT_RETRY_OPTIONS, type RetryOptions, type RetryEvent } from "./retry.js";
export { TimeoutPolicy, DEFAULT_TIMEOUT_OPTIONS, type TimeoutOptions } from "./timeout.js";
export { BulkheadPolicy, DEFAULT_BULKHEAD_OPTIONS, type BulkheadOptions } from "./bulkhead.js";
export { FallbackPolicy, type FallbackOptions } from "./fallback.js";
export { wrap } from "./wrap.js";
export {
  BulkheadRejectedError,
  TaskTimeoutError,
  isBulkheadRejectedError,
  isTaskTimeoutError,
} from "./errors.js";
