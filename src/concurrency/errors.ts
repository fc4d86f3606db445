import { defineError, guardOf, type ErrorParts } from "../errors/define-error.js";

/** Why {@link ConcurrencyLimitError} was thrown. */
export type ConcurrencyLimitReason =
  /** Every slot was busy and the limiter has no wait queue (`maxQueue` is 0). */
  | "full"
  /** Every slot was busy and this process already had `maxQueue` calls waiting for the key. */
  | "queue_full"
  /** The call waited `queueTimeoutMs` in the queue without getting a slot. */
  | "queue_timeout";

/**
 * `run()` did not start the work: `limit` calls were already in flight for the key (across every
 * process) and the local wait queue was full, absent, or timed out. The work was not run.
 */
export class ConcurrencyLimitError extends defineError(
  "HOLDFAST_CONCURRENCY_LIMIT",
  (
    key: string,
    limit: number,
    queued: number,
    reason: ConcurrencyLimitReason,
    retryAfterMs: number,
    options?: { cause?: unknown },
  ): ErrorParts<{
    /** The key whose slots were busy. */
    key: string;
    limit: number;
    /** Calls of this process waiting for the key when this one was refused. */
    queued: number;
    reason: ConcurrencyLimitReason;
    /** Milliseconds until enough slots expire for one to be free, assuming none is refreshed. */
    retryAfterMs: number;
  }> => {
    const why =
      reason === "full"
        ? "set `maxQueue` to let calls wait"
        : reason === "queue_full"
          ? `${queued} calls are already waiting; raise \`maxQueue\` or shed load`
          : "it waited `queueTimeoutMs`; raise `queueTimeoutMs` or `limit`";
    return {
      message: `Concurrency limit of ${limit} reached for "${key}" (${reason}): ${why}.`,
      fields: { key, limit, queued, reason, retryAfterMs },
      options,
    };
  },
) {}

/**
 * The slot of a running call was lost: its permit expired or was released by someone else, or the
 * store could not confirm it before its TTL ran out. Given as the reason of the AbortSignal passed
 * to the work, so the work can stop: another call may now run in its place.
 */
export class ConcurrencyPermitLostError extends defineError(
  "HOLDFAST_CONCURRENCY_PERMIT_LOST",
  (
    key: string,
    token: string,
    detail: string,
    options?: { cause?: unknown },
  ): ErrorParts<{
    key: string;
    /** The lost permit's owner token. */
    token: string;
  }> => ({
    message:
      `The concurrency slot for "${key}" was lost (${detail}); stop the work. ` +
      `Raise \`ttlMs\` if the store is slow or the event loop is blocked for long.`,
    fields: { key, token },
    options,
  }),
) {}

export const isConcurrencyLimitError = guardOf(ConcurrencyLimitError);
export const isConcurrencyPermitLostError = guardOf(ConcurrencyPermitLostError);
