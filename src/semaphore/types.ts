/** Extra facts about a permit's holder (host, pid, job id…), shown by `holders()`. Flat JSON values. */
export type PermitMetadata = Record<string, string | number | boolean | null>;

/** Options of {@link createSemaphores}. Validated once, at construction. */
export interface SemaphoresOptions {
  /** Permit TTL when `acquire()` passes none, in milliseconds. @defaultValue 30000 */
  ttlMs?: number;
  /** How long `acquire()` waits for a free permit when it passes no `waitMs`, in ms. @defaultValue 0 */
  waitMs?: number;
  /** First backoff step while waiting, in ms (full jitter: a random delay up to the step). @defaultValue 10 */
  retryBaseMs?: number;
  /** Largest backoff step while waiting, in ms. @defaultValue 500 */
  retryCapMs?: number;
  /**
   * The key kind, the part of each key after the prefix (`holdfast:<keyKind>:{name}`). Two groups
   * with different kinds never share permits even for equal names. @defaultValue "sem"
   */
  keyKind?: string;
  /**
   * The most expired permits one call removes, between 1 and 1000. Expired permits never count
   * (only permits expiring after the store's now do), so this bounds cleanup work per call; the
   * keys themselves expire with their last permit. @defaultValue 100
   */
  reclaimLimit?: number;
}

/** The defaults of {@link SemaphoresOptions}. */
export const DEFAULT_SEMAPHORES_OPTIONS: Readonly<Required<SemaphoresOptions>> = Object.freeze({
  ttlMs: 30_000,
  waitMs: 0,
  retryBaseMs: 10,
  retryCapMs: 500,
  keyKind: "sem",
  reclaimLimit: 100,
});

/** Options of one `acquire()` or `tryAcquire()`. */
export interface SemaphoreAcquireOptions {
  /**
   * The most permits that may be held at once (integer ≥ 1). Passed on every call, so it can change
   * at runtime; lowering it never revokes permits already held.
   */
  limit: number;
  /** How long the permit lives unless refreshed, in ms. @defaultValue the semaphores' `ttlMs` (30000) */
  ttlMs?: number;
  /**
   * How long to wait for a free permit, in ms (`acquire()` only; `tryAcquire()` never waits).
   * 0 = one attempt. @defaultValue the semaphores' `waitMs` (0)
   */
  waitMs?: number;
  /** Cancels the wait: the call rejects with the signal's reason and holds no permit. */
  signal?: AbortSignal;
  /**
   * The owner token. Acquiring again with a token that holds a live permit returns that permit,
   * extended, instead of taking a second one, so a retry after a timeout is safe.
   * @defaultValue crypto.randomUUID()
   */
  owner?: string;
  /** Facts about the holder, shown by `holders()`. At most 4096 characters as JSON. */
  metadata?: PermitMetadata;
}

/** Names a permit for `refresh()` and `release()`: a {@link Permit} or just its name and token. */
export interface PermitRef {
  readonly name: string;
  readonly token: string;
}

/** A held permit. Plain data: it can be serialised and handed to another process to release. */
export interface Permit extends PermitRef {
  /** When it expires unless refreshed: milliseconds since the epoch on the store's clock. */
  readonly expiresAt: number;
  /** The TTL it was taken or last refreshed with, in ms. */
  readonly ttlMs: number;
  /** The limit it was acquired under. */
  readonly limit: number;
  /** Live permits right after this one was taken (this one included). */
  readonly holders: number;
  readonly metadata?: PermitMetadata;
}

/** The answer of `tryAcquire()`: a permit, or why there is none. */
export type SemaphoreTryAcquireResult =
  | { readonly acquired: true; readonly permit: Permit }
  | {
      readonly acquired: false;
      readonly name: string;
      readonly limit: number;
      /** Live permits (can exceed `limit` after the limit was lowered). */
      readonly holders: number;
      /** Milliseconds until enough permits expire for one to be free, assuming none is refreshed. */
      readonly retryAfterMs: number;
    };

/** One current holder, as `holders()` reports it. */
export interface SemaphoreHolder {
  readonly token: string;
  /** Milliseconds since the epoch on the store's clock. */
  readonly expiresAt: number;
  /** Milliseconds left until it expires unless refreshed. */
  readonly remainingTtlMs: number;
  readonly metadata?: PermitMetadata;
}
