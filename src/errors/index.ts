export { HoldfastError, isHoldfastError } from "./holdfast-error.js";
export { InvalidArgumentError, isInvalidArgumentError } from "./invalid-argument-error.js";
export {
  StoreUnavailableError,
  StoreTimeoutError,
  ScriptError,
  CrossSlotError,
  StoreClosedError,
  StoreFullError,
  isStoreFullError,
  isStoreUnavailableError,
  isStoreTimeoutError,
  isScriptError,
  isCrossSlotError,
  isStoreClosedError,
  isStoreFailure,
} from "./store-errors.js";
export { QuotaExceededError, isQuotaExceededError } from "./quota-exceeded-error.js";
