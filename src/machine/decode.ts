import { ScriptError } from "../errors/store-errors.js";
import type { RawReply } from "../store/script.js";
import { asArray, decodeStored } from "./codec.js";
import type { CompiledMachine } from "./definition.js";
import {
  EntityNotFoundError,
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  VersionConflictError,
} from "./errors.js";
import type { MachineMetrics } from "./metrics.js";
import { sendScript } from "./scripts.js";
import { Status } from "./status.js";
import type { TransitionResult } from "./types.js";

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
    reply: RawReply,
  ): TransitionResult<S, E> {
    const r = asArray(reply);
    switch (r[0]) {
      case Status.Applied:
        return {
          id,
          event,
          from: r[1] as S,
          to: r[2] as S,
          version: r[3] as number,
          at: r[4] as number,
          historyId: r[5] as string,
          replayed: false,
          eventLog: "disabled",
        };
      case Status.Replayed:
        return this.replay(id, event, idemKey!, r[1] as string);
      case Status.NotFound:
        this.metrics.notFound.inc();
        throw new EntityNotFoundError(this.machine, id);
      case Status.VersionConflict:
        this.metrics.conflict.inc();
        throw new VersionConflictError(this.machine, id, expected, r[1] as string, r[2] as number);
      case Status.InvalidTransition:
        this.metrics.invalid.inc();
        throw new InvalidTransitionError(
          this.machine,
          id,
          r[1] as string,
          event,
          [...(this.compiled.allowed.get(r[1] as S) ?? [])],
          r[2] as number,
        );
      case Status.WrongType:
        throw new ScriptError(
          sendScript.name,
          `the history key of entity "${id}" holds a ${String(r[1])}, not a stream; nothing was written. ` +
            `Something outside Holdfast wrote to ${this.historyKeyOf(id)}`,
        );
      default:
        throw new ScriptError(sendScript.name, `unknown status ${String(r[0])}`);
    }
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
