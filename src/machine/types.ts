import type { EventLog } from "../events/event-log.js";
import type { Logger } from "../util/log.js";

/**
 * How much of each entity's history is kept. Trimming happens inside the transition's script, only
 * by this policy; without either field (the default) every transition is kept for the entity's life.
 */
export interface HistoryRetention {
  /** Keep at most this many entries per entity (the oldest go first). @defaultValue unlimited */
  maxLen?: number;
  /** Remove entries older than this many ms (server clock), checked at each transition. @defaultValue unlimited */
  maxAgeMs?: number;
}

/** Options of {@link createMachine}, validated once at construction. */
export interface MachineOptions {
  /** Per-entity history retention. @defaultValue `{}` (keep everything) */
  history?: HistoryRetention;
  /**
   * How long a send's idempotency key remembers its result, in ms. A retry within this time returns
   * the first result without applying the event again; after it, the key is forgotten.
   * @defaultValue 86_400_000 (24 hours)
   */
  idempotencyTtlMs?: number;
  /**
   * Where every create and transition is also appended, as source {@link eventSource}, after the
   * transition committed (see docs/machines.md for the guarantee). @defaultValue none
   */
  eventLog?: EventLog;
  /** The event-log source. @defaultValue `"<machine name>.state_machine"` */
  eventSource?: string;
  /**
   * For guarded transitions sent without `expectedVersion`: how many times to re-read and re-check
   * the guard when another writer moved the entity in between. @defaultValue 3
   */
  guardRetries?: number;
  /** Where event-log failures are logged (throttled). @defaultValue the Holdfast logger */
  logger?: Logger;
}

/** The defaults of {@link MachineOptions}. */
export const DEFAULT_MACHINE_OPTIONS = {
  history: {},
  idempotencyTtlMs: 86_400_000,
  guardRetries: 3,
} as const;

/** An entity as {@link Machine.get} returns it. */
export interface MachineSnapshot<S extends string, D> {
  id: string;
  state: S;
  /** 1 after `create`, +1 per transition. */
  version: number;
  data: D;
  /** Server clock, ms. */
  createdAt: number;
  /** Server clock, ms: time of the last transition (or of creation). */
  updatedAt: number;
}

/** What happened to the global event-log copy of a create or transition. */
export type EventLogOutcome = "appended" | "failed" | "disabled" | "skipped";

/** Result of {@link Machine.create}. */
export interface CreateResult<S extends string> {
  id: string;
  state: S;
  version: 1;
  /** Server clock, ms. */
  at: number;
  historyId: string;
  eventLog: EventLogOutcome;
}

/** Result of {@link Machine.send}. */
export interface TransitionResult<S extends string, E extends string> {
  id: string;
  event: E;
  from: S;
  to: S;
  /** The entity's version after the transition. */
  version: number;
  /** Server clock, ms. */
  at: number;
  /** Id of the history entry (a stream id). */
  historyId: string;
  /** True when this is the stored result of an earlier send with the same idempotency key. */
  replayed: boolean;
  /**
   * `appended`: the event log has it; `failed`: the transition committed but the event-log append
   * failed (counted in `holdfast_machine_event_log_failures_total` and logged); `disabled`: no
   * `eventLog` option; `skipped`: a replay (the first send appended it).
   */
  eventLog: EventLogOutcome;
}

/** Options of {@link Machine.send}. */
export interface SendOptions {
  /** Apply only if the entity is at this version, else VersionConflictError. @defaultValue any version */
  expectedVersion?: number;
  /**
   * Makes the send safe to retry: the first result is stored (for `idempotencyTtlMs`) and returned
   * to every retry with the same key on the same entity. 1–256 characters. @defaultValue none
   */
  idempotencyKey?: string;
  /** Fields merged (shallowly, like `Object.assign`) into the entity's data and recorded in the history. */
  data?: Record<string, unknown>;
  /** Who did it (user id, service name); recorded in the history. 1–256 characters. */
  actor?: string;
  /** Free-form JSON recorded in the history and the event log (trace ids, reasons). */
  context?: Record<string, unknown>;
}

/** Options of {@link Machine.create}. */
export interface CreateOptions<D> {
  /** The entity's initial data. @defaultValue `{}` */
  data?: D;
  actor?: string;
  context?: Record<string, unknown>;
}

/** One entry of an entity's history. */
export interface HistoryEntry<S extends string, E extends string> {
  /** The stream id `<ms>-<seq>`, usable as `after` to page on. */
  historyId: string;
  /** The event, or `"$create"` for the creation. */
  event: E | "$create";
  /** null for the creation. */
  from: S | null;
  to: S;
  version: number;
  /** Server clock, ms. */
  at: number;
  actor?: string;
  context?: Record<string, unknown>;
  /** The data merged by this step. */
  data?: Record<string, unknown>;
}

/** Options of {@link Machine.history}. */
export interface HistoryOptions {
  /** Most entries to return, 1 to 10 000. @defaultValue 100 */
  limit?: number;
  /** Entries at or after this time, ms (server clock). Not with `after`. */
  since?: number;
  /** Entries after this history id (exclusive), to page on. Not with `since`. */
  after?: string;
  /** `"asc"` oldest first, `"desc"` newest first. @defaultValue "asc" */
  order?: "asc" | "desc";
}
