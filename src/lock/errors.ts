import { defineError, guardOf, type ErrorParts } from "../errors/define-error.js";

/** Who holds a key a caller could not lock: an exclusive owner, or one or more readers. */
export type LockHolderKind = "exclusive" | "readers" | "self";

/** The fields of a {@link LockConflictError}. */
export interface LockConflict {
  /** The name that could not be locked (for a multi-key call: the first one found held). */
  key: string;
  /** Milliseconds until the holder's lease expires if not refreshed (the last reader's, for readers). */
  remainingTtlMs: number;
  /** `exclusive` (an owner or writer), `readers` (read locks), `self` (this token already holds it). */
  heldBy: LockHolderKind;
  /** The exclusive holder's fencing token; for readers, how many hold the key. */
  holderFence?: number;
  readers?: number;
  /** The exclusive holder's metadata, as it passed it to `acquire`. */
  holderMetadata?: Record<string, unknown>;
  /** How long this call waited before giving up, in ms. */
  waitedMs: number;
  /** How many attempts it made. */
  attempts: number;
}

/**
 * The lock is held by someone else (and `waitMs` ran out, or was 0). Nothing was written.
 * `remainingTtlMs` says when the holder's lease ends unless it is refreshed; in HTTP this is a
 * 409 with `remainingTtlMs` and the holder's metadata (never its token).
 */
export class LockConflictError extends defineError(
  "HOLDFAST_LOCK_CONFLICT",
  (c: LockConflict): ErrorParts<LockConflict> => {
    const who =
      c.heldBy === "readers"
        ? `${c.readers ?? "some"} reader(s)`
        : c.heldBy === "self"
          ? "this same owner token (locks are not reentrant)"
          : "another owner";
    return {
      message:
        `Lock "${c.key}" is held by ${who} for another ${c.remainingTtlMs} ms` +
        (c.attempts > 1 ? ` (gave up after waiting ${c.waitedMs} ms)` : "") +
        `: retry later, or pass \`waitMs\` to wait for it.`,
      // Every field, in this order, whatever the caller's object holds besides.
      fields: {
        key: c.key,
        remainingTtlMs: c.remainingTtlMs,
        heldBy: c.heldBy,
        holderFence: c.holderFence,
        readers: c.readers,
        holderMetadata: c.holderMetadata,
        waitedMs: c.waitedMs,
        attempts: c.attempts,
      },
    };
  },
) {}

/** Why a token does not hold a lock. */
export type NotOwnedReason = "expired" | "held-by-another";

/**
 * `refresh` or `release` was called with a token that does not hold the lock: it expired (or was
 * released, or force-released), or another owner holds it now. Nothing was changed.
 */
export class LockNotOwnedError extends defineError(
  "HOLDFAST_LOCK_NOT_OWNED",
  (
    key: string,
    reason: NotOwnedReason,
  ): ErrorParts<{
    key: string;
    /** `expired`: nobody holds it with this token any more; `held-by-another`: another owner holds it. */
    reason: NotOwnedReason;
  }> => ({
    message:
      reason === "expired"
        ? `Lock "${key}" is not held by this token any more (it expired or was released): acquire it again; raise \`ttlMs\` or refresh sooner if this happens while work is in progress.`
        : `Lock "${key}" is held by another owner, not by this token: acquire it again before writing.`,
    fields: { key, reason },
  }),
) {}

/** Why {@link withLock} considers its lease lost. */
export type LockLostReason = "not-owned" | "deadline";

/**
 * The lease of a `withLock` section was lost while the section ran: a refresh found another owner
 * or no lock (`not-owned`), or the lease's local deadline passed without a successful refresh
 * (`deadline`: the event loop stalled or the store was unreachable). It is the abort reason of the
 * section's signal, and `withLock` rejects with it, because the section may have overlapped
 * another holder: the fencing token is what protects the resource then.
 */
export class LockLostError extends defineError(
  "HOLDFAST_LOCK_LOST",
  (key: string, fence: number, reason: LockLostReason, options?: { cause?: unknown }) => ({
    message:
      reason === "deadline"
        ? `Lock "${key}" (fence ${fence}) was lost: its lease ran out before a refresh succeeded (event loop stalled or store unreachable). Raise \`ttlMs\`, keep the section's work cancellable, and check the fence at the resource.`
        : `Lock "${key}" (fence ${fence}) was lost: it expired or another owner took it. Raise \`ttlMs\` or refresh more often.`,
    fields: { key, fence, reason },
    options,
  }),
) {}

/** The fields of a {@link LockClosedError}. */
export interface LockClosed {
  /** The closed name (for a multi-key call: the first one found closed). */
  key: string;
  /** The fence of the lease that closed it (absent when refresh or release met the closed name). */
  fence?: number;
  /** What the closing holder kept on the name (`close`'s `metadata`, else its own acquire metadata). */
  metadata?: Record<string, unknown>;
}

/**
 * The name was closed by its last holder (`locks.close`): it cannot be locked, refreshed or
 * released any more, and waiting would never help, so `waitMs` does not retry it. Nothing was
 * written. An admin reopens it with `forceRelease`. In HTTP this is a 409.
 */
export class LockClosedError extends defineError(
  "HOLDFAST_LOCK_CLOSED",
  (c: LockClosed): ErrorParts<LockClosed> => ({
    message:
      `Lock "${c.key}" was closed by its last holder` +
      (c.fence !== undefined ? ` (fence ${c.fence})` : "") +
      `: it cannot be locked again; pick another name, or reopen it with \`forceRelease\` (admin).`,
    fields: { key: c.key, fence: c.fence, metadata: c.metadata },
  }),
) {}

export const isLockConflictError = guardOf(LockConflictError);
export const isLockClosedError = guardOf(LockClosedError);
export const isLockNotOwnedError = guardOf(LockNotOwnedError);
export const isLockLostError = guardOf(LockLostError);
