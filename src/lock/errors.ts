import { HoldfastError } from "../errors/holdfast-error.js";

/** Who holds a key a caller could not lock: an exclusive owner, or one or more readers. */
export type LockHolderKind = "exclusive" | "readers" | "self";

/**
 * The lock is held by someone else (and `waitMs` ran out, or was 0). Nothing was written.
 * `remainingTtlMs` says when the holder's lease ends unless it is refreshed; in HTTP this is a
 * 409 with `remainingTtlMs` and the holder's metadata (never its token).
 */
export class LockConflictError extends HoldfastError {
  readonly code = "HOLDFAST_LOCK_CONFLICT";
  /** The name that could not be locked (for a multi-key call: the first one found held). */
  readonly key: string;
  /** Milliseconds until the holder's lease expires if not refreshed (the last reader's, for readers). */
  readonly remainingTtlMs: number;
  /** `exclusive` (an owner or writer), `readers` (read locks), `self` (this token already holds it). */
  readonly heldBy: LockHolderKind;
  /** The exclusive holder's fencing token; for readers, how many hold the key. */
  readonly holderFence?: number;
  readonly readers?: number;
  /** The exclusive holder's metadata, as it passed it to `acquire`. */
  readonly holderMetadata?: Record<string, unknown>;
  /** How long this call waited before giving up, in ms. */
  readonly waitedMs: number;
  /** How many attempts it made. */
  readonly attempts: number;

  constructor(fields: {
    key: string;
    remainingTtlMs: number;
    heldBy: LockHolderKind;
    holderFence?: number;
    readers?: number;
    holderMetadata?: Record<string, unknown>;
    waitedMs: number;
    attempts: number;
  }) {
    const who =
      fields.heldBy === "readers"
        ? `${fields.readers ?? "some"} reader(s)`
        : fields.heldBy === "self"
          ? "this same owner token (locks are not reentrant)"
          : "another owner";
    super(
      `Lock "${fields.key}" is held by ${who} for another ${fields.remainingTtlMs} ms` +
        (fields.attempts > 1 ? ` (gave up after waiting ${fields.waitedMs} ms)` : "") +
        `: retry later, or pass \`waitMs\` to wait for it.`,
    );
    this.key = fields.key;
    this.remainingTtlMs = fields.remainingTtlMs;
    this.heldBy = fields.heldBy;
    this.holderFence = fields.holderFence;
    this.readers = fields.readers;
    this.holderMetadata = fields.holderMetadata;
    this.waitedMs = fields.waitedMs;
    this.attempts = fields.attempts;
  }
}

/** Why a token does not hold a lock. */
export type NotOwnedReason = "expired" | "held-by-another";

/**
 * `refresh` or `release` was called with a token that does not hold the lock: it expired (or was
 * released, or force-released), or another owner holds it now. Nothing was changed.
 */
export class LockNotOwnedError extends HoldfastError {
  readonly code = "HOLDFAST_LOCK_NOT_OWNED";
  readonly key: string;
  /** `expired`: nobody holds it with this token any more; `held-by-another`: another owner holds it. */
  readonly reason: NotOwnedReason;

  constructor(key: string, reason: NotOwnedReason) {
    super(
      reason === "expired"
        ? `Lock "${key}" is not held by this token any more (it expired or was released): acquire it again; raise \`ttlMs\` or refresh sooner if this happens while work is in progress.`
        : `Lock "${key}" is held by another owner, not by this token: acquire it again before writing.`,
    );
    this.key = key;
    this.reason = reason;
  }
}

/** Why {@link withLock} considers its lease lost. */
export type LockLostReason = "not-owned" | "deadline";

/**
 * The lease of a `withLock` section was lost while the section ran: a refresh found another owner
 * or no lock (`not-owned`), or the lease's local deadline passed without a successful refresh
 * (`deadline`: the event loop stalled or the store was unreachable). It is the abort reason of the
 * section's signal, and `withLock` rejects with it, because the section may have overlapped
 * another holder: the fencing token is what protects the resource then.
 */
export class LockLostError extends HoldfastError {
  readonly code = "HOLDFAST_LOCK_LOST";
  readonly key: string;
  readonly fence: number;
  readonly reason: LockLostReason;

  constructor(key: string, fence: number, reason: LockLostReason, options?: { cause?: unknown }) {
    super(
      reason === "deadline"
        ? `Lock "${key}" (fence ${fence}) was lost: its lease ran out before a refresh succeeded (event loop stalled or store unreachable). Raise \`ttlMs\`, keep the section's work cancellable, and check the fence at the resource.`
        : `Lock "${key}" (fence ${fence}) was lost: it expired or another owner took it. Raise \`ttlMs\` or refresh more often.`,
      options,
    );
    this.key = key;
    this.fence = fence;
    this.reason = reason;
  }
}

export const isLockConflictError = (e: unknown): e is LockConflictError => e instanceof LockConflictError;
export const isLockNotOwnedError = (e: unknown): e is LockNotOwnedError => e instanceof LockNotOwnedError;
export const isLockLostError = (e: unknown): e is LockLostError => e instanceof LockLostError;
