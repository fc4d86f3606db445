export { createRateLimiter, RateLimiter } from "./rate-limiter.js";
export { rateLimitHeaders, httpStatusOf, retryAfterSeconds } from "./headers.js";
export { RateLimitedError, isRateLimitedError } from "./errors.js";
export {
  DEFAULT_RATE_LIMITER_OPTIONS,
  type RateLimitAlgorithm,
  type WindowLimit,
  type RateLimitSpec,
  type LimitSpec,
  type StoreUnavailablePolicy,
  type RateLimiterOptions,
  type RateLimitReason,
  type LimitStatus,
  type RateLimitResult,
  type ConsumeOptions,
} from "./types.js";
export type { NormalizedLimit } from "./spec.js";
