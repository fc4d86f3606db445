import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { assertDurationMs, assertInt, describeValue, MAX_DURATION_MS } from "../util/validate.js";

/** Options of {@link createLocks}, validated once at construction. */
export interface LocksOptions {
  /** The lease length when a call passes no `ttlMs`, in ms. @defaultValue 30_000 */
  ttlMs?: number;
  /** First retry delay ceiling while waiting for a lock (full jitter, doubling per attempt), in ms. @defaultValue 10 */
  retryBaseMs?: number;
  /** Largest retry delay while waiting for a lock, in ms. @defaultValue 500 */
  retryMaxMs?: number;
  /**
   * How long a key's fence counter is kept after its last acquire, in ms (at least the lease's TTL).
   * Once it expires, fences of that key continue from the server clock in µs, which is still larger
   * than any fence issued before (see docs/locks.md). @defaultValue 604_800_000 (7 days)
   */
  fenceRetentionMs?: number;
  /**
   * `withLock` refreshes the lease every `ttlMs × refreshRatio` ms (120 s TTL → every 40 s).
   * @defaultValue 1/3
   */
  refreshRatio?: number;
  /**
   * Clock-drift allowance of the local lease deadline: `withLock` considers a lease lost at
   * `sent + ttlMs − (ttlMs × driftFactor + 2 ms)`, before the server can expire it.
   * @defaultValue 0.01
   */
  driftFactor?: number;
}

export const DEFAULT_LOCKS_OPTIONS: Required<LocksOptions> = {
  ttlMs: 30_000,
  retryBaseMs: 10,
  retryMaxMs: 500,
  fenceRetentionMs: 604_800_000,
  refreshRatio: 1 / 3,
  driftFactor: 0.01,
};

/** Options of one `acquire`, `acquireRead` or `acquireMany` call. */
export interface AcquireOptions {
  /** Lease length in ms, an integer in [1, 2_147_483_647]. @defaultValue the manager's `ttlMs` (30_000) */
  ttlMs?: number;
  /**
   * How long to keep retrying while the lock is held, in ms (0 = one attempt). Never waits past it.
   * @defaultValue 0
   */
  waitMs?: number;
  /** Cancels waiting: the call rejects with the signal's reason and holds nothing. */
  signal?: AbortSignal;
  /**
   * The owner token to hold the lock with (at most 256 characters), e.g. an id the HTTP layer
   * already has. Must be unguessable: whoever knows it can release the lock.
   * @defaultValue crypto.randomUUID()
   */
  owner?: string;
  /**
   * Anything a competitor may see on conflict and an admin in `list()`: e.g. `{ userId }`.
   * JSON, at most 2048 characters once serialised. Not for read locks. @defaultValue none
   */
  metadata?: Record<string, unknown>;
}

/** Options of `close`. */
export interface CloseOptions {
  /**
   * What to keep on the closed name, shown to every later acquire (`LockClosedError.metadata`) and
   * by `getClosed`: e.g. the booking that closed a slot. JSON, at most 2048 characters once
   * serialised. @defaultValue the holder's own acquire metadata
   */
  metadata?: Record<string, unknown>;
}

/** Options of `withLock` / `withReadLock`. */
export interface WithLockOptions extends AcquireOptions {
  /** Refresh the lease every this many ms. @defaultValue `ttlMs × refreshRatio` */
  refreshEveryMs?: number;
}

export const MAX_METADATA_CHARS = 2048;
export const MAX_OWNER_CHARS = 256;

export function validateLocksOptions(options: LocksOptions): Required<LocksOptions> {
  const v = { ...DEFAULT_LOCKS_OPTIONS, ...options };
  assertDurationMs("ttlMs", v.ttlMs);
  assertDurationMs("retryBaseMs", v.retryBaseMs);
  assertDurationMs("retryMaxMs", v.retryMaxMs);
  if (v.retryMaxMs < v.retryBaseMs) {
    throw new InvalidArgumentError("retryMaxMs", `must be at least retryBaseMs (${v.retryBaseMs})`);
  }
  assertDurationMs("fenceRetentionMs", v.fenceRetentionMs);
  assertFraction("refreshRatio", v.refreshRatio, 0.05, 0.9);
  assertFraction("driftFactor", v.driftFactor, 0, 0.2);
  return v;
}

function assertFraction(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      field,
      `must be a number between ${min} and ${max}, got ${describeValue(value)}`,
    );
  }
}

export function assertWaitMs(value: unknown): number {
  return assertInt("waitMs", value, 0, MAX_DURATION_MS);
}

/** Serialises metadata once, refusing what is not a plain JSON object or is too large. */
export function encodeMetadata(value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError("metadata", `must be a plain object, got ${describeValue(value)}`);
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    throw new InvalidArgumentError("metadata", `must be serialisable as JSON (${(e as Error).message})`);
  }
  if (json.length > MAX_METADATA_CHARS) {
    throw new InvalidArgumentError(
      "metadata",
      `must be at most ${MAX_METADATA_CHARS} characters as JSON, got ${json.length}`,
    );
  }
  return json;
}

export function decodeMetadata(raw: string): Record<string, unknown> | undefined {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { raw };
  }
}
