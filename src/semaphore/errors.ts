import { HoldfastError } from "../errors/holdfast-error.js";

/**
 * Every permit of the semaphore is held. Nothing was written. `retryAfterMs` is how long until
 * enough permits expire for one to be free, if none of them is refreshed or released before
 * (releases usually free one sooner).
 */
export class SemaphoreFullError extends HoldfastError {
  readonly code = "HOLDFAST_SEMAPHORE_FULL";
  /** The semaphore's name (`name` is the error class, as for every Error). */
  readonly semaphore: string;
  /** The limit the caller asked for. */
  readonly limit: number;
  /** Live permits when the last attempt was refused (can exceed `limit` after the limit was lowered). */
  readonly holders: number;
  /** Milliseconds until enough permits expire for one to be free, assuming none is refreshed. */
  readonly retryAfterMs: number;
  /** How long this call waited in total, in milliseconds (0 without `waitMs`). */
  readonly waitedMs: number;

  constructor(name: string, limit: number, holders: number, retryAfterMs: number, waitedMs: number) {
    super(
      `Semaphore "${name}" is full: ${holders} of ${limit} permits are held` +
        (waitedMs > 0 ? ` (waited ${waitedMs} ms)` : "") +
        `. Retry in about ${retryAfterMs} ms, pass a longer \`waitMs\`, or raise \`limit\`.`,
    );
    this.semaphore = name;
    this.limit = limit;
    this.holders = holders;
    this.retryAfterMs = retryAfterMs;
    this.waitedMs = waitedMs;
  }
}

/**
 * The permit named by `token` is not held any more: it expired (its holder did not refresh it
 * within `ttlMs`) or it was released already. Nothing was changed; in particular a refresh never
 * re-acquires. Stop the work it protected, or acquire a new permit.
 */
export class PermitNotHeldError extends HoldfastError {
  readonly code = "HOLDFAST_SEMAPHORE_PERMIT_NOT_HELD";
  /** The semaphore's name. */
  readonly semaphore: string;
  /** The owner token that no longer holds a permit. */
  readonly token: string;

  constructor(semaphore: string, token: string, operation: "refresh" | "release") {
    super(
      `Cannot ${operation} the permit of semaphore "${semaphore}" (token ${token}): it is not held; ` +
        `it expired or was released. Acquire a new permit; to keep one, raise \`ttlMs\` or call refresh() sooner.`,
    );
    this.semaphore = semaphore;
    this.token = token;
  }
}

export function isSemaphoreFullError(e: unknown): e is SemaphoreFullError {
  return e instanceof SemaphoreFullError;
}

export function isPermitNotHeldError(e: unknown): e is PermitNotHeldError {
  return e instanceof PermitNotHeldError;
}
