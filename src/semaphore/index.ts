export { Semaphores, createSemaphores, MAX_HOLDERS_PAGE } from "./semaphores.js";
export {
  DEFAULT_SEMAPHORES_OPTIONS,
  type SemaphoresOptions,
  type SemaphoreAcquireOptions,
  type Permit,
  type PermitRef,
  type PermitMetadata,
  type SemaphoreTryAcquireResult,
  type SemaphoreHolder,
} from "./types.js";
export {
  SemaphoreFullError,
  PermitNotHeldError,
  isSemaphoreFullError,
  isPermitNotHeldError,
} from "./errors.js";
export { SemaphoreStatus } from "./status.js";
export { MAX_SEMAPHORE_LIMIT, MAX_PERMIT_TOKEN_LENGTH, MAX_PERMIT_METADATA_LENGTH } from "./validate.js";
