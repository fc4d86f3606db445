export { Machine, createMachine } from "./machine.js";
export {
  defineMachine,
  CREATE_EVENT,
  type MachineDefinition,
  type TransitionDefinition,
  type Guard,
  type GuardInput,
  type CompiledMachine,
} from "./definition.js";
export {
  MachineDefinitionError,
  EntityNotFoundError,
  EntityExistsError,
  VersionConflictError,
  InvalidTransitionError,
  GuardRejectedError,
  IdempotencyKeyReusedError,
  isMachineDefinitionError,
  isEntityNotFoundError,
  isEntityExistsError,
  isVersionConflictError,
  isInvalidTransitionError,
  isGuardRejectedError,
  isIdempotencyKeyReusedError,
  type MachineDefinitionProblem,
} from "./errors.js";
export {
  DEFAULT_MACHINE_OPTIONS,
  type MachineOptions,
  type HistoryRetention,
  type MachineSnapshot,
  type CreateOptions,
  type CreateResult,
  type SendOptions,
  type TransitionResult,
  type EventLogOutcome,
  type HistoryEntry,
  type HistoryOptions,
} from "./types.js";
export { MAX_DATA_FIELDS } from "./encode.js";
