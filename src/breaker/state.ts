/**
 * A breaker's state as a discriminated union on `kind`. It serialises with `JSON.stringify` and
 * can be passed back as `initialState` (local breakers) to restore a breaker after a restart.
 *
 * - `closed`: calls pass; outcomes are counted by the trip strategy.
 * - `open`: calls are refused until `openUntilMs` (epoch ms on this process' clock); `attempt`
 *   counts how many half-open probes failed in a row (it sets the next open duration).
 * - `half-open`: up to `halfOpenMaxTrials` trial calls pass; the first success closes the breaker,
 *   the first failure opens it again for a longer time.
 * - `isolated`: opened by hand with `isolate()`; only `reset()` closes it.
 */
export type BreakerState =
  | { readonly kind: "closed" }
  | { readonly kind: "open"; readonly openUntilMs: number; readonly attempt: number }
  | { readonly kind: "half-open"; readonly attempt: number }
  | { readonly kind: "isolated" };

export type BreakerStateKind = BreakerState["kind"];

export const CLOSED: BreakerState = Object.freeze({ kind: "closed" });
export const ISOLATED: BreakerState = Object.freeze({ kind: "isolated" });

/**
 * How long the breaker stays open after `attempt` failed probes: `baseMs * 2^attempt`, capped at
 * `capMs`. The Lua scripts compute the same (see `open_ms` in each script).
 */
export function openDurationMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
}
