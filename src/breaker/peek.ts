import { assertName } from "../util/validate.js";
import type { Store } from "../store/types.js";
import { decodeReply } from "./decode.js";
import { peekScript } from "./scripts/scripts.js";
import type { BreakerStateKind } from "./state.js";
import { BreakerStatus } from "./status.js";

/** A shared breaker's state as stored, read without changing it. */
export interface SharedBreakerSnapshot {
  name: string;
  /** What the next call sees: an open breaker whose open time is over counts as half-open. */
  state: BreakerStateKind;
  /** Ms until an open breaker lets a probe through (0 when not open). */
  remainingOpenMs: number;
  /** Failed half-open probes in a row. */
  attempt: number;
  /** Transitions so far (every trip, reset, probe outcome adds one); 0 for a fresh breaker. */
  generation: number;
  /** False when no state is stored: a breaker never tripped, or idle past its state TTL (closed). */
  stored: boolean;
}

/** The state of each {@link BreakerStatus}, by code. */
const KINDS: BreakerStateKind[] = ["closed", "open", "half-open", "isolated"];

/**
 * Reads the state of the shared breaker `name` on `store`, as `new CircuitBreaker({ name, store })`
 * would see it, in one round trip and without changing it (no trial lease, no transition).
 * @example
 * const s = await peekBreaker(store, "payments");
 * if (s.state === "open") console.log(`probe in ${s.remainingOpenMs} ms`);
 */
export async function peekBreaker(store: Store, name: string): Promise<SharedBreakerSnapshot> {
  assertName("name", name);
  const r = decodeReply("peek", await store.run(peekScript, [store.keys.key("breaker", name)], []));
  const expired = r.code === BreakerStatus.Open && r.nowMs >= r.untilMs;
  return {
    name,
    state: expired ? "half-open" : (KINDS[r.code] ?? "closed"),
    remainingOpenMs: r.code === BreakerStatus.Open && !expired ? r.untilMs - r.nowMs : 0,
    attempt: r.attempt,
    generation: r.gen,
    stored: r.flag === 1,
  };
}
