export {
  CircuitBreaker,
  type BreakerStateChange,
  type BreakerFailure,
  type BreakerDegradedChange,
} from "./breaker.js";
export {
  DEFAULT_BREAKER_OPTIONS,
  DEFAULT_RATIO,
  type CircuitBreakerOptions,
  type TripStrategy,
  type ConsecutiveStrategy,
  type RatioStrategy,
} from "./options.js";
export type { BreakerState, BreakerStateKind } from "./state.js";
export {
  BrokenCircuitError,
  IsolatedCircuitError,
  isBrokenCircuitError,
  isIsolatedCircuitError,
} from "./errors.js";
export { isAbortLike } from "../util/abort.js";
export { peekBreaker, type SharedBreakerSnapshot } from "./peek.js";
