import { defineError, guardOf, type ErrorParts } from "../errors/define-error.js";

/** What is wrong with a machine definition. */
export type MachineDefinitionProblem =
  | "invalid-name"
  | "no-states"
  | "invalid-state"
  | "duplicate-state"
  | "unknown-initial-state"
  | "no-events"
  | "invalid-event"
  | "duplicate-event"
  | "invalid-transition"
  | "unknown-event"
  | "unknown-state"
  | "duplicate-transition"
  | "event-without-transition"
  | "unreachable-state";

/**
 * A machine definition is inconsistent. Thrown by `defineMachine` / `createMachine`, before any
 * store is touched, so a bad definition never reaches production traffic.
 */
export class MachineDefinitionError extends defineError(
  "HOLDFAST_MACHINE_DEFINITION",
  (
    machine: string,
    problem: MachineDefinitionProblem,
    detail: string,
    at: { state?: string; event?: string } = {},
  ): ErrorParts<{
    /** The machine's name (or `"?"` when the name itself is the problem). */
    machine: string;
    problem: MachineDefinitionProblem;
    /** The state at fault, when there is one. */
    state?: string;
    /** The event at fault, when there is one. */
    event?: string;
  }> => ({
    message: `Machine "${machine}" is not valid (${problem}): ${detail}`,
    fields: { machine, problem, state: at.state, event: at.event },
  }),
) {}

/** No entity with this id exists in the machine. Nothing was written. Call `create(id)` first. */
export class EntityNotFoundError extends defineError(
  "HOLDFAST_MACHINE_ENTITY_NOT_FOUND",
  (machine: string, id: string) => ({
    message: `Machine "${machine}" has no entity "${id}": create it with create("${id}") first.`,
    fields: { machine, id },
  }),
) {}

/** `create(id)` found an entity with that id already. Nothing was written. */
export class EntityExistsError extends defineError(
  "HOLDFAST_MACHINE_ENTITY_EXISTS",
  (machine: string, id: string, currentState: string, currentVersion: number) => ({
    message:
      `Machine "${machine}" already has entity "${id}" (state "${currentState}", version ${currentVersion}): ` +
      `use get("${id}") to read it, or delete it first.`,
    fields: { machine, id, currentState, currentVersion },
  }),
) {}

/**
 * Optimistic concurrency: the entity is no longer at `expectedVersion` (someone else moved it).
 * Nothing was written. Re-read with `get()`, decide again, and retry with the new version.
 */
export class VersionConflictError extends defineError(
  "HOLDFAST_VERSION_CONFLICT",
  (machine: string, id: string, expectedVersion: number, currentState: string, currentVersion: number) => ({
    message:
      `Entity "${id}" of machine "${machine}" is at version ${currentVersion} (state "${currentState}"), ` +
      `not ${expectedVersion}: re-read it with get() and retry with expectedVersion ${currentVersion}.`,
    fields: { machine, id, expectedVersion, currentState, currentVersion },
  }),
) {}

/** The event has no transition from the entity's current state. Nothing was written. */
export class InvalidTransitionError extends defineError(
  "HOLDFAST_INVALID_TRANSITION",
  (
    machine: string,
    id: string,
    state: string,
    event: string,
    allowedEvents: string[],
    version: number,
  ): ErrorParts<{
    machine: string;
    id: string;
    state: string;
    event: string;
    /** The events that do have a transition from `state` (empty in a final state). */
    allowedEvents: string[];
    currentVersion: number;
  }> => ({
    message:
      `Event "${event}" is not allowed in state "${state}" of entity "${id}" (machine "${machine}"); ` +
      (allowedEvents.length > 0
        ? `allowed here: ${allowedEvents.join(", ")}.`
        : `"${state}" is a final state: no event leaves it.`),
    fields: { machine, id, state, event, allowedEvents, currentVersion: version },
  }),
) {}

/** A transition's guard refused the event. Nothing was written. */
export class GuardRejectedError extends defineError(
  "HOLDFAST_GUARD_REJECTED",
  (
    machine: string,
    id: string,
    state: string,
    event: string,
    reason: string,
    version: number,
  ): ErrorParts<{
    machine: string;
    id: string;
    state: string;
    event: string;
    /** The guard's reason (its string result), or `"guard returned false"`. */
    reason: string;
    currentVersion: number;
  }> => ({
    message:
      `The guard of "${event}" from "${state}" refused entity "${id}" (machine "${machine}"): ${reason}. ` +
      `Change the entity's data or send another event.`,
    fields: { machine, id, state, event, reason, currentVersion: version },
  }),
) {}

/**
 * An idempotency key was used again for a different event on the same entity. Nothing was
 * written. Use a fresh key per distinct operation.
 */
export class IdempotencyKeyReusedError extends defineError(
  "HOLDFAST_IDEMPOTENCY_KEY_REUSED",
  (
    machine: string,
    id: string,
    idempotencyKey: string,
    originalEvent: string,
    event: string,
  ): ErrorParts<{
    machine: string;
    id: string;
    idempotencyKey: string;
    /** The event the key was first used for. */
    originalEvent: string;
    event: string;
  }> => ({
    message:
      `Idempotency key "${idempotencyKey}" of entity "${id}" (machine "${machine}") was used for "${originalEvent}", ` +
      `not "${event}": use a new key for a different operation.`,
    fields: { machine, id, idempotencyKey, originalEvent, event },
  }),
) {}

export const isMachineDefinitionError = guardOf(MachineDefinitionError);
export const isEntityNotFoundError = guardOf(EntityNotFoundError);
export const isEntityExistsError = guardOf(EntityExistsError);
export const isVersionConflictError = guardOf(VersionConflictError);
export const isInvalidTransitionError = guardOf(InvalidTransitionError);
export const isGuardRejectedError = guardOf(GuardRejectedError);
export const isIdempotencyKeyReusedError = guardOf(IdempotencyKeyReusedError);
