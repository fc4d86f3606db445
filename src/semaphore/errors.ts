import { defineError, guardOf, type ErrorParts } from "../errors/define-error.js";

/**
 * Every permit of the semaphore is held. Nothing was written. `retryAfterMs` is how long until
 * enough permits expire for one to be free, if none of them is refreshed or released before
 * (releases usually free one sooner).
 */
export class SemaphoreFullError extends defineError(
  "HOLDFAST_SEMAPHORE_FULL",
  (
    name: string,
    limit: number,
    holders: number,
    retryAfterMs: number,
    waitedMs: number,
  ): ErrorParts<{
    /** The semaphore's name (`name` is the error class, as for every Error). */
    semaphore: string;
    /** The limit the caller asked for. */
    limit: number;
    /** Live permits when the last attempt was refused (can exceed `limit` after the limit was lowered). */
    holders: number;
    /** Milliseconds until enough permits expire for one to be free, assuming none is refreshed. */
    retryAfterMs: number;
    /** How long this call waited in total, in milliseconds (0 without `waitMs`). */
    waitedMs: number;
  }> => ({
    message:
      `Semaphore "${name}" is full: ${holders} of ${limit} permits are held` +
      (waitedMs > 0 ? ` (waited ${waitedMs} ms)` : "") +
      `. Retry in about ${retryAfterMs} ms, pass a longer \`waitMs\`, or raise \`limit\`.`,
    fields: { semaphore: name, limit, holders, retryAfterMs, waitedMs },
  }),
) {}

/**
 * The permit named by `token` is not held any more: it expired (its holder did not refresh it
 * within `ttlMs`) or it was released already. Nothing was changed; in particular a refresh never
 * re-acquires. Stop the work it protected, or acquire a new permit.
 */
export class PermitNotHeldError extends defineError(
  "HOLDFAST_SEMAPHORE_PERMIT_NOT_HELD",
  (
    semaphore: string,
    token: string,
    operation: "refresh" | "release",
  ): ErrorParts<{
    /** The semaphore's name. */
    semaphore: string;
    /** The owner token that no longer holds a permit. */
    token: string;
  }> => ({
    message:
      `Cannot ${operation} the permit of semaphore "${semaphore}" (token ${token}): it is not held; ` +
      `it expired or was released. Acquire a new permit; to keep one, raise \`ttlMs\` or call refresh() sooner.`,
    fields: { semaphore, token },
  }),
) {}

export const isSemaphoreFullError = guardOf(SemaphoreFullError);
export const isPermitNotHeldError = guardOf(PermitNotHeldError);
