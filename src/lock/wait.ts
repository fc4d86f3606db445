import { abortReason, sleep } from "../util/abort.js";
import { fullJitterBackoff } from "../util/backoff.js";
import { conflictError, decodeConflict, isConflictReply } from "./decode.js";
import type { AnyConflictReply } from "./scripts/scripts.js";
import { lockMetrics } from "./metrics.js";

export interface RetryPlan {
  /** The name (or names, for a multi-key call) being locked, for the conflict error. */
  key: string | string[];
  waitMs: number;
  signal: AbortSignal | undefined;
  retryBaseMs: number;
  retryMaxMs: number;
  /** The script's name, for errors. */
  script: string;
}

/**
 * Attempts until success, until `waitMs` has passed (then the last conflict becomes a
 * LockConflictError), or until the signal aborts (then its reason). A closed name is never retried:
 * it throws LockClosedError at once. Sleeps use exponential
 * backoff with full jitter and never extend past the deadline; a last attempt is made at it.
 */
export async function acquireWithRetry<L, S extends readonly number[]>(
  plan: RetryPlan,
  attempt: () => Promise<S | AnyConflictReply>,
  success: (reply: S) => L,
  undo: (lease: L) => Promise<void>,
): Promise<L> {
  const { signal } = plan;
  if (signal?.aborted) throw abortReason(signal);
  const started = performance.now();
  const deadline = started + plan.waitMs;
  for (let n = 1; ; n++) {
    const r = await attempt();
    if (!isConflictReply(r)) {
      const lease = success(r);
      if (signal?.aborted) {
        // Aborted while the winning attempt was in flight: give it back rather than leak it.
        await undo(lease).catch(() => undefined);
        throw abortReason(signal);
      }
      return lease;
    }
    lockMetrics.conflicts.inc();
    const c = decodeConflict(r, plan.script);
    const left = deadline - performance.now();
    if (left <= 0 || c.closed) {
      const name = typeof plan.key === "string" ? plan.key : plan.key[c.index];
      throw conflictError(name, c, performance.now() - started, n);
    }
    const delay = Math.min(left, Math.max(1, fullJitterBackoff(n - 1, plan.retryBaseMs, plan.retryMaxMs)));
    await sleep(delay, signal);
  }
}
