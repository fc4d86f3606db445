import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import type { EventLog } from "../events/event-log.js";
import { readRange } from "../events/read.js";
import { assertOptionsObject, assertToken, encodeJsonObject } from "../events/validate.js";
import type { Store } from "../store/types.js";
import { getDefaultLogger, ThrottledLog } from "../util/log.js";
import { assertDurationMs, assertInt, assertName, describeValue } from "../util/validate.js";
import { decodeHistory, decodeSnapshot } from "./decode.js";
import { encodeData } from "./encode.js";
import { defineMachine, type CompiledMachine, type MachineDefinition } from "./definition.js";
import { EntityExistsError, VersionConflictError } from "./errors.js";
import { sendGuarded, type GuardedMachine } from "./guarded-send.js";
import { historyQuery } from "./history.js";
import { SendDecoder } from "./decode.js";
import { machineMetrics, type MachineMetrics } from "./metrics.js";
import { createScript, deleteScript, getScript, sendScript, type SendArgs } from "./scripts/scripts.js";
import { MachineStatus as Status } from "./status.js";
import {
  DEFAULT_MACHINE_OPTIONS,
  type CreateOptions,
  type CreateResult,
  type EventLogOutcome,
  type HistoryEntry,
  type HistoryOptions,
  type HistoryRetention,
  type MachineOptions,
  type MachineSnapshot,
  type SendOptions,
  type TransitionResult,
} from "./types.js";

const KIND = "machine";
const MAX_KEY_LENGTH = 256;

/**
 * A versioned state machine on a store. Each entity is a hash (state, version, data) plus a
 * history stream in the same hash slot; `create` and `send` change both in one script.
 * Build one with {@link createMachine}.
 */
export class Machine<
  S extends string,
  E extends string,
  D extends Record<string, unknown> = Record<string, unknown>,
> {
  readonly name: string;
  readonly compiled: CompiledMachine<S, E, D>;
  private readonly maxLen: number;
  private readonly maxAgeMs: number;
  private readonly idempotencyTtlMs: number;
  private readonly guardRetries: number;
  private readonly eventLog: EventLog | undefined;
  private readonly eventSource: string;
  private readonly throttled: ThrottledLog;
  private readonly metrics: MachineMetrics;
  private readonly decoder: SendDecoder<S, E>;
  private readonly guardedSend: GuardedMachine<S, E, D>;

  constructor(
    readonly store: Store,
    definition: MachineDefinition<S, E, D> | CompiledMachine<S, E, D>,
    options: MachineOptions = {},
  ) {
    this.compiled = "allowed" in definition ? definition : defineMachine(definition);
    this.name = this.compiled.name;
    assertOptionsObject("options", options);
    const history: HistoryRetention = options.history ?? DEFAULT_MACHINE_OPTIONS.history;
    assertOptionsObject("history", history);
    this.maxLen =
      history.maxLen === undefined
        ? 0
        : assertInt("history.maxLen", history.maxLen, 1, Number.MAX_SAFE_INTEGER);
    this.maxAgeMs =
      history.maxAgeMs === undefined ? 0 : assertDurationMs("history.maxAgeMs", history.maxAgeMs);
    this.idempotencyTtlMs = assertDurationMs(
      "idempotencyTtlMs",
      options.idempotencyTtlMs ?? DEFAULT_MACHINE_OPTIONS.idempotencyTtlMs,
    );
    this.guardRetries = assertInt(
      "guardRetries",
      options.guardRetries ?? DEFAULT_MACHINE_OPTIONS.guardRetries,
      0,
      100,
    );
    this.eventLog = options.eventLog;
    this.eventSource = assertToken("eventSource", options.eventSource ?? `${this.name}.state_machine`);
    this.throttled = new ThrottledLog(options.logger ?? getDefaultLogger());
    this.metrics = machineMetrics(this.name, [...this.compiled.events.keys()]);
    this.decoder = new SendDecoder<S, E>(this.name, this.compiled, this.metrics, (id) =>
      store.keys.key(KIND, `${this.name}:${id}`, "history"),
    );
    const { name, compiled, decoder, metrics, guardRetries } = this;
    this.guardedSend = { name, store, compiled, decoder, metrics, guardRetries };
  }

  /** The event-log source this machine writes to (`<name>.state_machine` unless configured). */
  get source(): string {
    return this.eventSource;
  }

  /** The events that have a transition from `state` (in definition order). */
  allowedEvents(state: S): E[] {
    return [...(this.compiled.allowed.get(state) ?? [])];
  }

  private keysOf(id: string): { entity: string; history: string; name: string } {
    assertName("id", id);
    const name = `${this.name}:${id}`;
    return {
      name,
      entity: this.store.keys.key(KIND, name),
      history: this.store.keys.key(KIND, name, "history"),
    };
  }

  /**
   * Creates entity `id` in the initial state at version 1, with `data`, and records the creation
   * in its history — one script, both or neither.
   *
   * @throws EntityExistsError (with the current state and version) if `id` exists; nothing is written
   * @throws InvalidArgumentError for a bad id (empty, over 512 characters) or data; nothing is written
   * @example
   * await bookings.create("b-42", { data: { partySize: 4 }, actor: "api" });
   */
  async create(id: string, options: CreateOptions<D> = {}): Promise<CreateResult<S>> {
    const entityKeys = this.keysOf(id);
    assertOptionsObject("options", options);
    const data = encodeData("data", options.data ?? {});
    const actor = options.actor === undefined ? "" : assertName("actor", options.actor, MAX_KEY_LENGTH);
    const context = options.context === undefined ? "" : encodeJsonObject("context", options.context);
    const r = await this.store.run(
      createScript,
      [entityKeys.entity, entityKeys.history],
      [this.compiled.initial, this.maxLen, this.maxAgeMs, actor, context, data.json, ...data.fields],
    );
    if (r[0] === Status.Exists) throw new EntityExistsError(this.name, id, r[1], r[2]);
    const result: CreateResult<S> = {
      id,
      state: this.compiled.initial,
      version: 1,
      at: r[2],
      historyId: r[3],
      eventLog: "disabled",
    };
    result.eventLog = await this.logEvent("created", {
      ...(options.context ?? {}),
      id,
      event: "$create",
      from: null,
      to: result.state,
      version: 1,
      ...(actor ? { actor } : {}),
    });
    return result;
  }

  /**
   * The entity's state, version and data, or null if it does not exist. One round trip.
   * @example
   * const b = await bookings.get("b-42"); // { state: "created", version: 1, data: {...}, ... }
   */
  async get(id: string): Promise<MachineSnapshot<S, D> | null> {
    const entityKeys = this.keysOf(id);
    const [fields] = await this.store.run(getScript, [entityKeys.entity, `${entityKeys.entity}:idem:`], []);
    return decodeSnapshot<S, D>(id, fields);
  }

  /**
   * Sends `event` to entity `id`: checks the idempotency key, the expected version and that the
   * event has a transition from the current state, then moves the entity, bumps its version,
   * merges `data` and appends the transition to its history — all in one script, so both happen
   * or neither. Then (if `eventLog` is set) appends a copy to the event log.
   *
   * One round trip; two (a read, then the send pinned to the version read) when the transition
   * from the current state has a guard.
   *
   * @throws VersionConflictError (currentState, currentVersion) when `expectedVersion` is stale
   * @throws InvalidTransitionError (state, event, allowedEvents) when the event is not allowed now
   * @throws GuardRejectedError, EntityNotFoundError, IdempotencyKeyReusedError
   * @throws InvalidArgumentError for an unknown event or bad options, before anything is written
   * @example
   * const b = await bookings.get("b-42");
   * await bookings.send("b-42", "verify_capacity", { expectedVersion: b!.version, idempotencyKey: req.id });
   */
  async send(id: string, event: E, options: SendOptions = {}): Promise<TransitionResult<S, E>> {
    const entityKeys = this.keysOf(id);
    const compiled = this.compiled.events.get(event);
    if (!compiled) {
      throw new InvalidArgumentError(
        "event",
        `${describeValue(event)} is not an event of machine "${this.name}" (events: ${[...this.compiled.events.keys()].join(", ")})`,
      );
    }
    assertOptionsObject("options", options);
    const expected =
      options.expectedVersion === undefined
        ? -1
        : assertInt("expectedVersion", options.expectedVersion, 1, Number.MAX_SAFE_INTEGER);
    const idemKey =
      options.idempotencyKey === undefined
        ? undefined
        : assertName("idempotencyKey", options.idempotencyKey, MAX_KEY_LENGTH);
    const data = options.data === undefined ? { json: "", fields: [] } : encodeData("data", options.data);
    const actor = options.actor === undefined ? "" : assertName("actor", options.actor, MAX_KEY_LENGTH);
    const context = options.context === undefined ? "" : encodeJsonObject("context", options.context);
    const idemRecord = `${entityKeys.entity}:idem:${idemKey ?? ""}`;
    const keys = [entityKeys.entity, entityKeys.history, idemRecord];
    const args = (version: number): SendArgs => [
      event,
      version,
      idemKey === undefined ? 0 : this.idempotencyTtlMs,
      this.maxLen,
      this.maxAgeMs,
      actor,
      context,
      data.json,
      compiled.pairs.length / 2,
      ...compiled.pairs,
      ...data.fields,
    ];

    let result: TransitionResult<S, E>;
    if (!compiled.hasGuards) {
      result = this.decoder.decode(
        id,
        event,
        expected,
        idemKey,
        await this.store.run(sendScript, keys, args(expected)),
      );
    } else {
      result = await sendGuarded(this.guardedSend, {
        id,
        event,
        expected,
        idemKey,
        eventData: options.data,
        keys,
        args,
      });
    }
    if (result.replayed) return result;
    this.metrics.transitions.get(event)!.inc();
    result.eventLog = await this.logEvent("transition", {
      ...(options.context ?? {}),
      id,
      event,
      from: result.from,
      to: result.to,
      version: result.version,
      ...(actor ? { actor } : {}),
    });
    return result;
  }

  /**
   * The entity's transitions (and its creation), oldest first unless `order: "desc"`. Times are
   * the server's clock. An entity that does not exist has an empty history.
   * @example
   * for (const h of await bookings.history("b-42")) console.log(h.version, h.from, "→", h.to, h.event);
   */
  async history(id: string, options: HistoryOptions = {}): Promise<HistoryEntry<S, E>[]> {
    const entityKeys = this.keysOf(id);
    const { limit, order, low } = historyQuery(options);
    const r = await readRange(this.store, entityKeys.history, order, low, "+", limit);
    return r.rows.map((row) => decodeHistory<S, E>(row));
  }

  /**
   * Deletes the entity and its history in one script; with `expectedVersion`, only at that version.
   * Returns false if it did not exist. Idempotency records expire on their own (`idempotencyTtlMs`).
   * @throws VersionConflictError when `expectedVersion` is stale (nothing is deleted)
   */
  async delete(id: string, options: { expectedVersion?: number } = {}): Promise<boolean> {
    const entityKeys = this.keysOf(id);
    const expected =
      options.expectedVersion === undefined
        ? -1
        : assertInt("expectedVersion", options.expectedVersion, 1, Number.MAX_SAFE_INTEGER);
    const r = await this.store.run(deleteScript, [entityKeys.entity, entityKeys.history], [expected]);
    if (r[0] === Status.NotFound) return false;
    if (r[0] === Status.VersionConflict) {
      this.metrics.conflict.inc();
      throw new VersionConflictError(this.name, id, expected, r[1], r[2]);
    }
    return true;
  }

  /**
   * Appends the committed step to the global event log. Not in the transition's script: the log's
   * stream lives in the source's hash slot, the entity in its own, and a Cluster cannot run one
   * script over both. A failure here is reported (metric, throttled log, `eventLog: "failed"`),
   * never thrown: the transition did happen, and a caller retrying it would be wrong.
   */
  private async logEvent(type: string, context: Record<string, unknown>): Promise<EventLogOutcome> {
    if (!this.eventLog) return "disabled";
    try {
      await this.eventLog.append(this.eventSource, type, context);
      return "appended";
    } catch (e) {
      this.metrics.logFailed.inc();
      this.throttled.warn(
        `machine-event-log:${this.name}`,
        { machine: this.name, source: this.eventSource, err: (e as Error)?.message },
        "Holdfast: a state machine transition committed but its event-log copy could not be appended",
      );
      return "failed";
    }
  }
}

/**
 * Creates a versioned state machine on `store`. The definition is validated here (see
 * {@link defineMachine}); options are validated once.
 *
 * @example
 * const events = createEventLog(store);
 * const bookings = createMachine(store, bookingDefinition, { eventLog: events });
 * await bookings.create("b-42", { data: { partySize: 4 } });
 * await bookings.send("b-42", "verify_capacity", { expectedVersion: 1 });
 */
export function createMachine<
  S extends string,
  E extends string,
  D extends Record<string, unknown> = Record<string, unknown>,
>(
  store: Store,
  definition: MachineDefinition<S, E, D> | CompiledMachine<S, E, D>,
  options: MachineOptions = {},
): Machine<S, E, D> {
  return new Machine(store, definition, options);
}
