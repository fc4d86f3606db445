import { HoldfastError } from "../errors/holdfast-error.js";

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
export class MachineDefinitionError extends HoldfastError {
  readonly code = "HOLDFAST_MACHINE_DEFINITION";
  /** The machine's name (or `"?"` when the name itself is the problem). */
  readonly machine: string;
  readonly problem: MachineDefinitionProblem;
  /** The state at fault, when there is one. */
  readonly state?: string;
  /** The event at fault, when there is one. */
  readonly event?: string;

  constructor(
    machine: string,
    problem: MachineDefinitionProblem,
    detail: string,
    at: { state?: string; event?: string } = {},
  ) {
    super(`Machine "${machine}" is not valid (${problem}): ${detail}`);
    this.machine = machine;
    this.problem = problem;
    this.state = at.state;
    this.event = at.event;
  }
}

/** No entity with this id exists in the machine. Nothing was written. Call `create(id)` first. */
export class EntityNotFoundError extends HoldfastError {
  readonly code = "HOLDFAST_MACHINE_ENTITY_NOT_FOUND";
  readonly machine: string;
  readonly id: string;
  constructor(machine: string, id: string) {
    super(`Machine "${machine}" has no entity "${id}": create it with create("${id}") first.`);
    this.machine = machine;
    this.id = id;
  }
}

/** `create(id)` found an entity with that id already. Nothing was written. */
export class EntityExistsError extends HoldfastError {
  readonly code = "HOLDFAST_MACHINE_ENTITY_EXISTS";
  readonly machine: string;
  readonly id: string;
  readonly currentState: string;
  readonly currentVersion: number;
  constructor(machine: string, id: string, currentState: string, currentVersion: number) {
    super(
      `Machine "${machine}" already has entity "${id}" (state "${currentState}", version ${currentVersion}): ` +
        `use get("${id}") to read it, or delete it first.`,
    );
    this.machine = machine;
    this.id = id;
    this.currentState = currentState;
    this.currentVersion = currentVersion;
  }
}

/**
 * Optimistic concurrency: the entity is no longer at `expectedVersion` (someone else moved it).
 * Nothing was written. Re-read with `get()`, decide again, and retry with the new version.
 */
export class VersionConflictError extends HoldfastError {
  readonly code = "HOLDFAST_VERSION_CONFLICT";
  readonly machine: string;
  readonly id: string;
  readonly expectedVersion: number;
  readonly currentState: string;
  readonly currentVersion: number;
  constructor(
    machine: string,
    id: string,
    expectedVersion: number,
    currentState: string,
    currentVersion: number,
  ) {
    super(
      `Entity "${id}" of machine "${machine}" is at version ${currentVersion} (state "${currentState}"), ` +
        `not ${expectedVersion}: re-read it with get() and retry with expectedVersion ${currentVersion}.`,
    );
    this.machine = machine;
    this.id = id;
    this.expectedVersion = expectedVersion;
    this.currentState = currentState;
    this.currentVersion = currentVersion;
  }
}

/** The event has no transition from the entity's current state. Nothing was written. */
export class InvalidTransitionError extends HoldfastError {
  readonly code = "HOLDFAST_INVALID_TRANSITION";
  readonly machine: string;
  readonly id: string;
  readonly state: string;
  readonly event: string;
  /** The events that do have a transition from {@link state} (empty in a final state). */
  readonly allowedEvents: string[];
  readonly currentVersion: number;
  constructor(
    machine: string,
    id: string,
    state: string,
    event: string,
    allowedEvents: string[],
    version: number,
  ) {
    super(
      `Event "${event}" is not allowed in state "${state}" of entity "${id}" (machine "${machine}"); ` +
        (allowedEvents.length > 0
          ? `allowed here: ${allowedEvents.join(", ")}.`
          : `"${state}" is a final state: no event leaves it.`),
    );
    this.machine = machine;
    this.id = id;
    this.state = state;
    this.event = event;
    this.allowedEvents = allowedEvents;
    this.currentVersion = version;
  }
}

/** A transition's guard refused the event. Nothing was written. */
export class GuardRejectedError extends HoldfastError {
  readonly code = "HOLDFAST_GUARD_REJECTED";
  readonly machine: string;
  readonly id: string;
  readonly state: string;
  readonly event: string;
  /** The guard's reason (its string result), or `"guard returned false"`. */
  readonly reason: string;
  readonly currentVersion: number;
  constructor(machine: string, id: string, state: string, event: string, reason: string, version: number) {
    super(
      `The guard of "${event}" from "${state}" refused entity "${id}" (machine "${machine}"): ${reason}. ` +
        `Change the entity's data or send another event.`,
    );
    this.machine = machine;
    this.id = id;
    this.state = state;
    this.event = event;
    this.reason = reason;
    this.currentVersion = version;
  }
}

/**
 * An idempotency key was used again for a different event on the same entity. Nothing was
 * written. Use a fresh key per distinct operation.
 */
export class IdempotencyKeyReusedError extends HoldfastError {
  readonly code = "HOLDFAST_IDEMPOTENCY_KEY_REUSED";
  readonly machine: string;
  readonly id: string;
  readonly idempotencyKey: string;
  /** The event the key was first used for. */
  readonly originalEvent: string;
  readonly event: string;
  constructor(machine: string, id: string, idempotencyKey: string, originalEvent: string, event: string) {
    super(
      `Idempotency key "${idempotencyKey}" of entity "${id}" (machine "${machine}") was used for "${originalEvent}", ` +
        `not "${event}": use a new key for a different operation.`,
    );
    this.machine = machine;
    this.id = id;
    this.idempotencyKey = idempotencyKey;
    this.originalEvent = originalEvent;
    this.event = event;
  }
}

export const isMachineDefinitionError = (e: unknown): e is MachineDefinitionError =>
  e instanceof MachineDefinitionError;
export const isEntityNotFoundError = (e: unknown): e is EntityNotFoundError =>
  e instanceof EntityNotFoundError;
export const isEntityExistsError = (e: unknown): e is EntityExistsError => e instanceof EntityExistsError;
export const isVersionConflictError = (e: unknown): e is VersionConflictError =>
  e instanceof VersionConflictError;
export const isInvalidTransitionError = (e: unknown): e is InvalidTransitionError =>
  e instanceof InvalidTransitionError;
export const isGuardRejectedError = (e: unknown): e is GuardRejectedError => e instanceof GuardRejectedError;
export const isIdempotencyKeyReusedError = (e: unknown): e is IdempotencyKeyReusedError =>
  e instanceof IdempotencyKeyReusedError;
