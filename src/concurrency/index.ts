export {
  ConcurrencyLimiter,
  createConcurrencyLimiter,
  MAX_CONCURRENCY_QUEUE,
} from "./concurrency-limiter.js";
export {
  DEFAULT_CONCURRENCY_LIMITER_OPTIONS,
  type ConcurrencyLimiterOptions,
  type ConcurrencyRunOptions,
} from "./types.js";
export {
  ConcurrencyLimitError,
  ConcurrencyPermitLostError,
  isConcurrencyLimitError,
  isConcurrencyPermitLostError,
  type ConcurrencyLimitReason,
} from "./errors.js";
