import { ScriptError } from "../errors/store-errors.js";
import type { CompiledMachine } from "./definition.js";
import {
  EntityNotFoundError,
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  VersionConflictError,
} from "./errors.js";
import type { MachineMetrics } from "./metrics.js";
import { sendScript, type SendReply } from "./scripts/scripts.js";
import { MachineStatus } from "./status.js";
import type { HistoryEntry, MachineSnapshot, TransitionResult } from "./types.js";
import type { StreamRow } from "../events/decode.js";

/**
 * The one decoder of `send-3.lua`'s reply, for both stores: status codes become results or the
 * same typed errors, whichever store produced them.
 */
export class SendDecoder<S extends string, E extends string> {
  constructor(
    private readonly machine: string,
    private readonly compiled: CompiledMachine<S, E, never>,
    private readonly metrics: MachineMetrics,
    private readonly historyKeyOf: (id: string) => string,
  ) {}

  decode(
    id: string,
    event: E,
    expected: number,
    idemKey: string | undefined,
    r: SendReply,
  ): TransitionResult<S, E> {
    switch (r[0]) {
      case MachineStatus.Applied:
        return {
          id,
          event,
          from: r[1] as S,
          to: r[2] as S,
          version: r[3],
          at: r[4],
          historyId: r[5],
          replayed: false,
          eventLog: "disabled",
        };
      case MachineStatus.Replayed:
        return this.replay(id, event, idemKey!, r[1]);
      case MachineStatus.NotFound:
        throw this.notFound(id);
      case MachineStatus.VersionConflict:
        throw this.conflict(id, expected, r[1] as S, r[2]);
      case MachineStatus.InvalidTransition:
        throw this.invalid(id, event, r[1] as S, r[2]);
      case MachineStatus.WrongType:
        throw new ScriptError(
          sendScript.name,
          `the history key of entity "${id}" holds a ${String(r[1])}, not a stream; nothing was written. ` +
            `Something outside Holdfast wrote to ${this.historyKeyOf(id)}`,
        );
      default:
        throw new ScriptError(sendScript.name, `unknown status ${String(r[0])}`);
    }
  }

  // A send's refusals, counted: the same whether the script refused it or a guarded send's read did.

  /** The entity does not exist. */
  notFound(id: string): EntityNotFoundError {
    this.metrics.notFound.inc();
    return new EntityNotFoundError(this.machine, id);
  }

  /** The entity is at `version`, not the `expected` one. */
  conflict(id: string, expected: number, state: S, version: number): VersionConflictError {
    this.metrics.conflict.inc();
    return new VersionConflictError(this.machine, id, expected, state, version);
  }

  /** No transition of `event` leaves `state`. */
  invalid(id: string, event: E, state: S, version: number): InvalidTransitionError {
    this.metrics.invalid.inc();
    return new InvalidTransitionError(
      this.machine,
      id,
      state,
      event,
      [...(this.compiled.allowed.get(state) ?? [])],
      version,
    );
  }

  /** The stored result of an idempotency key, or IdempotencyKeyReusedError if it was for another event. */
  replay(id: string, event: E, idemKey: string, stored: string): TransitionResult<S, E> {
    const s = decodeStored(stored);
    if (s.event !== event) throw new IdempotencyKeyReusedError(this.machine, id, idemKey, s.event, event);
    return {
      id,
      event,
      from: s.from as S,
      to: s.to as S,
      version: s.version,
      at: s.at,
      historyId: s.historyId,
      replayed: true,
      eventLog: "skipped",
    };
  }
}

/** Decodes `get-2.lua`'s entity hash (flat field/value list); null when the entity is missing. */
export function decodeSnapshot<S extends string, D>(
  id: string,
  flat: readonly string[],
): MachineSnapshot<S, D> | null {
  if (flat.length === 0) return null;
  const snap = { id, state: "", version: 0, data: {} as Record<string, unknown>, createdAt: 0, updatedAt: 0 };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const f = flat[i];
    const v = flat[i + 1];
    if (f.startsWith("d:")) snap.data[f.slice(2)] = JSON.parse(v);
    else if (f === "s") snap.state = v;
    else if (f === "v") snap.version = Number(v);
    else if (f === "c") snap.createdAt = Number(v);
    else if (f === "u") snap.updatedAt = Number(v);
  }
  return snap as unknown as MachineSnapshot<S, D>;
}

/** Decodes one history stream entry. */
export function decodeHistory<S extends string, E extends string>(row: StreamRow): HistoryEntry<S, E> {
  const f = row.fields;
  const from = f.get("f") ?? "";
  const entry: HistoryEntry<S, E> = {
    historyId: row.id,
    event: f.get("e") as E,
    from: from === "" ? null : (from as S),
    to: f.get("t") as S,
    version: Number(f.get("v")),
    at: Number(f.get("at")),
  };
  const actor = f.get("a");
  if (actor !== undefined) entry.actor = actor;
  const ctx = f.get("x");
  if (ctx !== undefined) entry.context = JSON.parse(ctx) as Record<string, unknown>;
  const data = f.get("d");
  if (data !== undefined) entry.data = JSON.parse(data) as Record<string, unknown>;
  return entry;
}

/** Splits the stored idempotent result `event\nfrom\nto\nversion\nat\nhistoryId`. */
export function decodeStored(stored: string): {
  event: string;
  from: string;
  to: string;
  version: number;
  at: number;
  historyId: string;
} {
  const [event, from, to, version, at, historyId] = stored.split("\n");
  return { event, from, to, version: Number(version), at: Number(at), historyId };
}
