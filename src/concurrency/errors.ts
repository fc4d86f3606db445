import { HoldfastError } from "../errors/holdfast-error.js";

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
export class ConcurrencyLimitError extends HoldfastError {
  readonly code = "HOLDFAST_CONCURRENCY_LIMIT";
  /** The key whose slots were busy. */
  readonly key: string;
  readonly limit: number;
  /** Calls of this process waiting for the key when this one was refused. */
  readonly queued: number;
  readonly reason: ConcurrencyLimitReason;
  /** Milliseconds until enough slots expire for one to be free, assuming none is refreshed. */
  readonly retryAfterMs: number;

  constructor(
    key: string,
    limit: number,
    queued: number,
    reason: ConcurrencyLimitReason,
    retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    const why =
      reason === "full"
        ? "set `maxQueue` to let calls wait"
        : reason === "queue_full"
          ? `${queued} calls are already waiting; raise \`maxQueue\` or shed load`
          : "it waited `queueTimeoutMs`; raise `queueTimeoutMs` or `limit`";
    super(`Concurrency limit of ${limit} reached for "${key}" (${reason}): ${why}.`, options);
    this.key = key;
    this.limit = limit;
    this.queued = queued;
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The slot of a running call was lost: its permit expired or was released by someone else, or the
 * store could not confirm it before its TTL ran out. Given as the reason of the AbortSignal passed
 * to the work, so the work can stop: another call may now run in its place.
 */
export class ConcurrencyPermitLostError extends HoldfastError {
  readonly code = "HOLDFAST_CONCURRENCY_PERMIT_LOST";
  readonly key: string;
  /** The lost permit's owner token. */
  readonly token: string;

  constructor(key: string, token: string, detail: string, options?: { cause?: unknown }) {
    super(
      `The concurrency slot for "${key}" was lost (${detail}); stop the work. ` +
        `Raise \`ttlMs\` if the store is slow or the event loop is blocked for long.`,
      options,
    );
    this.key = key;
    this.token = token;
  }
}

export function isConcurrencyLimitError(e: unknown): e is ConcurrencyLimitError {
  return e instanceof ConcurrencyLimitError;
}

export function isConcurrencyPermitLostError(e: unknown): e is ConcurrencyPermitLostError {
  return e instanceof ConcurrencyPermitLostError;
}
