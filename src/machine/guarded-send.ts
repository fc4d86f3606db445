import type { Store } from "../store/types.js";
import { decodeSnapshot, type SendDecoder } from "./decode.js";
import type { CompiledMachine } from "./definition.js";
import { GuardRejectedError, VersionConflictError } from "./errors.js";
import type { MachineMetrics } from "./metrics.js";
import { getScript, sendScript, type SendArgs } from "./scripts/scripts.js";
import type { TransitionResult } from "./types.js";

/** What a guarded send needs of its machine. */
export interface GuardedMachine<S extends string, E extends string, D extends Record<string, unknown>> {
  readonly name: string;
  readonly store: Store;
  readonly compiled: CompiledMachine<S, E, D>;
  readonly decoder: SendDecoder<S, E>;
  readonly metrics: MachineMetrics;
  /** How often a guard is checked again after the entity moved under it. */
  readonly guardRetries: number;
}

/** One send, validated: the entity, the event, the caller's expected version (-1: none), the keys and arguments. */
export interface GuardedSend<E extends string> {
  id: string;
  event: E;
  expected: number;
  idemKey: string | undefined;
  eventData: Record<string, unknown> | undefined;
  keys: string[];
  args: (version: number) => SendArgs;
}

/**
 * Guards are plain functions, so they run here, not in Lua: read the entity (and any stored
 * idempotent result), run the guard, then send pinned to the version read. The script's version
 * check makes this safe: if anyone moved the entity in between, the send is refused and, when
 * the caller gave no expectedVersion, the guard is checked again on the new state.
 */
export async function sendGuarded<S extends string, E extends string, D extends Record<string, unknown>>(
  m: GuardedMachine<S, E, D>,
  { id, event, expected, idemKey, eventData, keys, args }: GuardedSend<E>,
): Promise<TransitionResult<S, E>> {
  for (let attempt = 0; ; attempt++) {
    const [fields, stored] = await m.store.run(getScript, [keys[0], keys[2]], []);
    if (idemKey !== undefined && stored !== "") return m.decoder.replay(id, event, idemKey, stored);
    const snap = decodeSnapshot<S, D>(id, fields);
    if (!snap) throw m.decoder.notFound(id);
    if (expected >= 0 && snap.version !== expected) {
      throw m.decoder.conflict(id, expected, snap.state, snap.version);
    }
    const t = m.compiled.events.get(event)!.byFrom.get(snap.state);
    if (!t) throw m.decoder.invalid(id, event, snap.state, snap.version);
    if (t.guard) {
      const verdict = t.guard({
        id,
        state: snap.state,
        version: snap.version,
        data: snap.data,
        event,
        eventData,
      });
      if (verdict !== true) {
        m.metrics.guard.inc();
        throw new GuardRejectedError(
          m.name,
          id,
          snap.state,
          event,
          typeof verdict === "string" ? verdict : "guard returned false",
          snap.version,
        );
      }
    }
    try {
      return m.decoder.decode(
        id,
        event,
        snap.version,
        idemKey,
        await m.store.run(sendScript, keys, args(snap.version)),
      );
    } catch (e) {
      // Without an expectedVersion of the caller's, a conflict only means someone moved the
      // entity between our read and our send: check the guard again on the new state.
      if (!(e instanceof VersionConflictError) || expected >= 0 || attempt >= m.guardRetries) throw e;
    }
  }
}
