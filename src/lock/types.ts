/** Whether a lease excludes everyone (`exclusive`, also the writer of a read-write lock) or only writers (`read`). */
export type LeaseMode = "exclusive" | "read";

/**
 * Proof of holding a lock, returned by `acquire`. Plain data: it serialises to JSON, and
 * `refresh`/`release` accept just `{ key, token }`, so an HTTP client can hold it as the seeds'
 * `lockId`.
 */
export interface Lease {
  /** The locked name, as passed to `acquire`. */
  readonly key: string;
  /** The owner token (the seeds' `lockId`): whoever presents it may refresh or release. Keep it secret. */
  readonly token: string;
  /**
   * The fencing token: strictly increasing per key across expiries, force-releases and Redis
   * restarts (see docs/locks.md). Pass it to the protected resource and have it reject writes with
   * a lower fence than the highest it has seen. A read lease carries the last writer's fence.
   */
  readonly fence: number;
  /** When the lease ends unless refreshed, in ms since the epoch on the store's clock. */
  readonly expiresAt: number;
  /** The TTL the lease was last set to, in ms. */
  readonly ttlMs: number;
  readonly mode: LeaseMode;
}

/** What `refresh` and `release` need: the name and the owner token. A {@link Lease} is one. */
export interface LeaseRef {
  readonly key: string;
  readonly token: string;
}

/** Proof of holding exclusive locks on several names of one hash slot, from `acquireMany`. */
export interface MultiLease {
  /** The names, in the order given. */
  readonly keys: readonly string[];
  /** One owner token for all of them. */
  readonly token: string;
  /** Each name's own fencing token, in the order of {@link keys}. */
  readonly fences: readonly number[];
  /** When every lease ends unless refreshed, in ms since the epoch on the store's clock. */
  readonly expiresAt: number;
  readonly ttlMs: number;
}

/** What `refresh`/`release` accept for a multi-key lease: the names and the owner token. */
export interface MultiLeaseRef {
  readonly keys: readonly string[];
  readonly token: string;
}

/** A name closed by its last holder (`close`): no one can lock it until an admin force-releases it. */
export interface ClosedLock {
  /** The closed name. */
  readonly key: string;
  /** The fence of the lease that closed it. */
  readonly fence: number;
  /** What the closing holder kept on the name (see `CloseOptions.metadata`). */
  readonly metadata?: Record<string, unknown>;
}

/** One lock as seen by `get` and `list` (admin inspection). */
export interface LockInfo {
  key: string;
  /** `exclusive` when an owner (or writer) holds it, `read` when only readers do. */
  mode: LeaseMode;
  /** The exclusive holder's fence; for readers, the last writer's fence. */
  fence: number;
  /** The exclusive holder's metadata (readers have none). */
  metadata?: Record<string, unknown>;
  /** Ms until the exclusive lease ends, or until the last reader's lease ends. */
  remainingTtlMs: number;
  /** How many readers hold it (0 for an exclusive lock). */
  readers: number;
  /** The exclusive holder's owner token: only with `includeTokens: true` (admin use). */
  token?: string;
}
