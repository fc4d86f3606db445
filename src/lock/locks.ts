import { randomUUID } from "node:crypto";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import type { Script, ScriptArg } from "../store/script.js";
import type { NamesPage } from "../store/scan-names.js";
import type { Store } from "../store/types.js";
import { assertDurationMs, assertName } from "../util/validate.js";
import { conflictError, decodeConflict, isConflictReply, leaseOf, refusalError } from "./decode.js";
import {
  forceRelease,
  getLock,
  listLocks,
  listLocksPage,
  type ListOptions,
  type ListPageOptions,
} from "./inspect.js";
import { LockKeys } from "./keys.js";
import { closeLock, getClosedLock } from "./close.js";
import { acquireManyKeys, assertManyNames, multiLeaseOf, refreshMany, releaseMany } from "./many.js";
import { lockMetrics } from "./metrics.js";
import {
  assertWaitMs,
  encodeMetadata,
  MAX_OWNER_CHARS,
  validateLocksOptions,
  type AcquireOptions,
  type CloseOptions,
  type LocksOptions,
  type WithLockOptions,
} from "./options.js";
import {
  acquireManyScripts,
  acquireReadScript,
  acquireScript,
  refreshScript,
  releaseScript,
  type AnyConflictReply,
} from "./scripts/scripts.js";
import type { ClosedLock, Lease, LeaseMode, LeaseRef, LockInfo, MultiLease, MultiLeaseRef } from "./types.js";
import { acquireWithRetry } from "./wait.js";
import { heldLease, refreshEveryMs, runLocked } from "./with-lock.js";

export { FENCE_KIND, LOCK_KIND, READERS_KIND } from "./keys.js";

const NO_OPTIONS: AcquireOptions = {};

/**
 * Distributed locks with fencing tokens on a {@link Store} (memory, Redis, Redis Cluster).
 *
 * Every operation is one atomic script, one round trip. Locks fail closed: when the store cannot
 * answer, calls reject with the store's typed error and never pretend to hold a lock.
 * Locks are not reentrant (see docs/locks.md).
 *
 * @example
 * const locks = createLocks(store, { ttlMs: 120_000 });
 * const lease = await locks.acquire("booking:{tenant-1|room-4}:2025-03-10:14:00", { metadata: { userId } });
 * await db.insert(booking, { fence: lease.fence });
 * await locks.release(lease);
 */
export class Locks {
  readonly store: Store;
  readonly #options: Required<LocksOptions>;
  readonly #keys: LockKeys;

  constructor(store: Store, options: LocksOptions = {}) {
    this.store = store;
    this.#options = validateLocksOptions(options);
    this.#keys = new LockKeys(store.keys.prefix);
  }

  /** The validated options, defaults filled in. */
  get options(): Readonly<Required<LocksOptions>> {
    return this.#options;
  }

  /**
   * Acquires an exclusive lock on `key` (also the writer side of a read-write lock) in one round
   * trip and returns a {@link Lease} with a fresh fencing token.
   *
   * @param key any name up to 512 characters; names sharing a `{hash tag}` land in one cluster slot.
   * @throws LockConflictError when another owner or readers hold it (after `waitMs`, default 0);
   *   InvalidArgumentError for bad input (nothing written); the store's typed errors when it cannot
   *   be reached (fail closed); the signal's reason when aborted.
   * @example
   * const lease = await locks.acquire("invoice:42", { ttlMs: 10_000, waitMs: 2_000 });
   */
  async acquire(key: string, options: AcquireOptions = NO_OPTIONS): Promise<Lease> {
    assertName("key", key);
    const { ttlMs, waitMs, token } = this.acquireOptions(options);
    const metadata = options.metadata === undefined ? "" : encodeMetadata(options.metadata);
    const lockKeys = this.#keys.of(key);
    const keys = [lockKeys.lock, lockKeys.fence, lockKeys.readers];
    const args: [string, number, string, number] = [token, ttlMs, metadata, this.#options.fenceRetentionMs];
    if (waitMs === 0 && options.signal === undefined) {
      // The hot path: one round trip, no closures, no retry state.
      const reply = await this.store.run(acquireScript, keys, args);
      if (!isConflictReply(reply)) {
        lockMetrics.acquiredExclusive.inc();
        return leaseOf(key, token, reply, ttlMs, "exclusive");
      }
      lockMetrics.conflicts.inc();
      throw conflictError(key, decodeConflict(reply, acquireScript.name), 0, 1);
    }
    return this.retry(key, waitMs, options.signal, acquireScript, keys, args, (r): Lease => {
      lockMetrics.acquiredExclusive.inc();
      return leaseOf(key, token, r, ttlMs, "exclusive");
    });
  }

  /**
   * Acquires a shared (read) lock on `key`: any number of readers at once, never together with an
   * exclusive holder (writer). Readers take no new fence: their lease carries the last writer's.
   * No writer preference: a steady stream of readers can keep a writer waiting (use `waitMs`).
   *
   * @throws LockConflictError when a writer holds it, or this `owner` already reads it.
   * @example
   * const r = await locks.acquireRead("catalog", { ttlMs: 5_000 });
   */
  async acquireRead(key: string, options: AcquireOptions = NO_OPTIONS): Promise<Lease> {
    assertName("key", key);
    const { ttlMs, waitMs, token } = this.acquireOptions(options);
    if (options.metadata !== undefined) {
      throw new InvalidArgumentError(
        "metadata",
        "is not kept for read locks; pass it to exclusive locks only",
      );
    }
    const lockKeys = this.#keys.of(key);
    const keys = [lockKeys.lock, lockKeys.fence, lockKeys.readers];
    const args: [string, number] = [token, ttlMs];
    return this.retry(key, waitMs, options.signal, acquireReadScript, keys, args, (r): Lease => {
      lockMetrics.acquiredRead.inc();
      return leaseOf(key, token, r, ttlMs, "read");
    });
  }

  /**
   * Acquires exclusive locks on several names at once, all or nothing, in one script. The names
   * must share a hash slot (give them a common `{tag}`); each gets its own fencing token.
   *
   * @throws CrossSlotError before anything is written when they do not share a slot;
   *   LockConflictError naming the first name found held.
   * @example
   * const m = await locks.acquireMany(["slot:{room-4}:14:00", "slot:{room-4}:14:30"]);
   */
  async acquireMany(keys: readonly string[], options: AcquireOptions = NO_OPTIONS): Promise<MultiLease> {
    const names = assertManyNames(keys);
    const { ttlMs, waitMs, token } = this.acquireOptions(options);
    const metadata = options.metadata === undefined ? "" : encodeMetadata(options.metadata);
    const storeKeys = acquireManyKeys(this.#keys, names);
    const script = acquireManyScripts[names.length];
    const args: [string, number, string, number] = [token, ttlMs, metadata, this.#options.fenceRetentionMs];
    const frozen = [...names];
    return this.retry(frozen, waitMs, options.signal, script, storeKeys, args, (r): MultiLease => {
      lockMetrics.acquiredExclusive.inc(frozen.length);
      return multiLeaseOf(frozen, token, r, ttlMs);
    });
  }

  /**
   * Extends a lease to `ttlMs` from now, only while `token` still holds it: an expired lock is never
   * silently re-acquired. Works from a plain `{ key, token }` (or `{ keys, token }`).
   *
   * @param ttlMs the new lease length in ms. @defaultValue the lease's `ttlMs`, else the manager's
   * @throws LockNotOwnedError (with `key` and `reason`) when the token no longer holds it; nothing changed.
   * @example
   * lease = await locks.refresh(lease);                         // same TTL again
   * await locks.refresh({ key, token: lockId }, 120_000);       // from an HTTP request
   */
  refresh(lease: Lease | LeaseRef, ttlMs?: number): Promise<Lease>;
  refresh(lease: MultiLease | MultiLeaseRef, ttlMs?: number): Promise<MultiLease>;
  async refresh(lease: LeaseRef | MultiLeaseRef, ttlMs?: number): Promise<Lease | MultiLease> {
    const ttl =
      ttlMs === undefined
        ? ((lease as Partial<Lease>).ttlMs ?? this.#options.ttlMs)
        : assertDurationMs("ttlMs", ttlMs);
    const token = assertName("token", lease?.token, MAX_OWNER_CHARS);
    if ("keys" in lease) return refreshMany(this.store, this.#keys, lease, token, ttl);
    const key = assertName("key", lease.key);
    const lockKeys = this.#keys.of(key);
    const reply = await this.store.run(
      refreshScript,
      [lockKeys.lock, lockKeys.readers, lockKeys.fence],
      [token, ttl],
    );
    if (typeof reply === "number" || reply[0] < 0) {
      lockMetrics.notOwned.inc();
      throw refusalError(key, reply, refreshScript.name);
    }
    const [fence, now, held] = reply;
    const mode: LeaseMode = held === 1 ? "exclusive" : "read";
    return { key, token, fence, expiresAt: now + ttl, ttlMs: ttl, mode };
  }

  /**
   * Releases a lease, only if `token` still holds it. Works from a plain `{ key, token }`.
   * For a multi-key lease, every name the token still holds is released.
   *
   * @throws LockNotOwnedError (with `key` and `reason`) when the token does not hold it; a wrong or
   *   stale token changes nothing.
   * @example
   * await locks.release({ key: "booking:{t1|r4}:14:00", token: lockId });
   */
  async release(lease: LeaseRef | MultiLeaseRef): Promise<void> {
    const token = assertName("token", lease?.token, MAX_OWNER_CHARS);
    if ("keys" in lease) return releaseMany(this.store, this.#keys, lease, token);
    const key = assertName("key", lease.key);
    const lockKeys = this.#keys.of(key);
    const reply = await this.store.run(releaseScript, [lockKeys.lock, lockKeys.readers], [token]);
    if (typeof reply === "number" && reply > 0) {
      lockMetrics.released.inc();
      return;
    }
    lockMetrics.notOwned.inc();
    throw refusalError(key, reply, releaseScript.name);
  }

  /**
   * Closes a name for good, in one round trip: the exclusive holder ends its lease and, in the same
   * atomic step, every later `acquire`, `acquireRead` or `acquireMany` of the name fails with
   * {@link LockClosedError} (waiting never helps, so `waitMs` does not retry it), until an admin
   * reopens it with {@link forceRelease}. For work that must happen once under the lock: a slot
   * booked, a job done. Only the live holder can close: a lease that ran out, was released or was
   * taken over cannot, so "the newest holder did it" and "nobody can lock it now" are one fact.
   * The closed name keeps no TTL; it costs one key (its fence and metadata).
   *
   * @returns the closed name, its closing lease's fence and the metadata kept on it.
   * @throws LockNotOwnedError when the token does not hold the lock now (nothing changed);
   *   LockClosedError when it is already closed; InvalidArgumentError for bad input.
   * @example
   * const lease = await locks.acquire("slot:{room-4}:2025-03-10:14:00");
   * await locks.close(lease, { metadata: { bookedBy: "ann@example.com" } }); // booked: no one locks it again
   */
  close(lease: Lease | LeaseRef, options: CloseOptions = {}): Promise<ClosedLock> {
    return closeLock(this.store, (name) => this.#keys.lock(name), lease, options);
  }

  /**
   * A closed name's record (see {@link close}), or `null` when `key` is not closed. One round trip.
   * @example
   * const booked = await locks.getClosed("slot:{room-4}:2025-03-10:14:00"); // { key, fence, metadata }
   */
  async getClosed(key: string): Promise<ClosedLock | null> {
    assertName("key", key);
    const lockKeys = this.#keys.of(key);
    return getClosedLock(this.store, key, [lockKeys.lock, lockKeys.readers, lockKeys.fence]);
  }

  /**
   * Runs `fn` while holding an exclusive lock on `key` (or on every name of `key` when it is an
   * array, as {@link acquireMany}). The lease is refreshed every `refreshEveryMs` while `fn` runs;
   * `fn`'s signal aborts with a {@link LockLostError} the moment the lease is lost (a refresh
   * found it gone or taken, or its local deadline passed without a successful refresh). The lock
   * is released when `fn` settles. Never leaves an unhandled rejection behind.
   *
   * @returns what `fn` returns; rejects with `fn`'s error, or with LockLostError when the lease was
   *   lost while `fn` ran, even if `fn` then resolved (its work may have overlapped another holder).
   * @example
   * await locks.withLock("report:daily", async (signal, lease) => {
   *   await build({ signal, fence: lease.fence });
   * }, { ttlMs: 120_000, waitMs: 5_000 });
   */
  withLock<T>(
    key: string,
    fn: (signal: AbortSignal, lease: Lease) => Promise<T> | T,
    options?: WithLockOptions,
  ): Promise<T>;
  withLock<T>(
    keys: readonly string[],
    fn: (signal: AbortSignal, lease: MultiLease) => Promise<T> | T,
    options?: WithLockOptions,
  ): Promise<T>;
  async withLock<T>(
    key: string | readonly string[],
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the overloads above give callers the precise lease type
    fn: (signal: AbortSignal, lease: any) => Promise<T> | T,
    options: WithLockOptions = NO_OPTIONS,
  ): Promise<T> {
    const every = refreshEveryMs(options, this.#options);
    const sentAt = performance.now();
    const lease =
      typeof key === "string" ? await this.acquire(key, options) : await this.acquireMany(key, options);
    return runLocked(this.held(lease, sentAt, every), fn as (s: AbortSignal, l: unknown) => Promise<T>);
  }

  /**
   * Like {@link withLock} with a shared read lock.
   * @example
   * const rows = await locks.withReadLock("catalog", (signal) => readCatalog(signal));
   */
  async withReadLock<T>(
    key: string,
    fn: (signal: AbortSignal, lease: Lease) => Promise<T> | T,
    options: WithLockOptions = NO_OPTIONS,
  ): Promise<T> {
    const every = refreshEveryMs(options, this.#options);
    const sentAt = performance.now();
    const lease = await this.acquireRead(key, options);
    return runLocked(this.held(lease, sentAt, every), fn as (s: AbortSignal, l: unknown) => Promise<T>);
  }

  /**
   * One lock's state, or `null` when nobody holds it (a closed name is held by nobody: see
   * {@link getClosed}). The owner token only with
   * `includeToken: true` (admin use: whoever has it can release the lock).
   */
  async get(key: string, options: { includeToken?: boolean } = {}): Promise<LockInfo | null> {
    assertName("key", key);
    const lockKeys = this.#keys.of(key);
    return getLock(this.store, key, [lockKeys.lock, lockKeys.readers, lockKeys.fence], options);
  }

  /**
   * Active locks (exclusive and read), found with SCAN (never KEYS), optionally only names starting
   * with `prefix`, at most `limit` (default 100). Tokens only with `includeTokens: true`.
   */
  async list(options: ListOptions = {}): Promise<LockInfo[]> {
    return listLocks(this.store, options, (name) => this.get(name, { includeToken: options.includeTokens }));
  }

  /**
   * One page of active locks, resumable: pass each page's `nextCursor` back as `cursor` until it is
   * null. Each page does bounded work (SCAN over at most 10,000 keys on Redis), so it stays fast on
   * a store with any number of locks; a page may come back short while more follow.
   * @example
   * let cursor: string | undefined;
   * do {
   *   const page = await locks.listPage({ prefix: "slot-", limit: 100, cursor });
   *   for (const l of page.items) console.log(l.key, l.fence, l.remainingTtlMs);
   *   cursor = page.nextCursor ?? undefined;
   * } while (cursor);
   */
  async listPage(options: ListPageOptions = {}): Promise<NamesPage<LockInfo>> {
    return listLocksPage(this.store, options, (name) =>
      this.get(name, { includeToken: options.includeTokens }),
    );
  }

  /**
   * Deletes a lock whoever holds it (admin), exclusive and read leases alike, and reopens a closed
   * name. The fence counter is kept, so the next holder's fence is still higher. Returns whether
   * anything was held or closed.
   */
  async forceRelease(key: string): Promise<boolean> {
    assertName("key", key);
    const lockKeys = this.#keys.of(key);
    return forceRelease(this.store, [lockKeys.lock, lockKeys.readers]);
  }

  // ---- internals -------------------------------------------------------------------------------

  /** The options every acquire takes, validated, defaults filled in. */
  private acquireOptions(options: AcquireOptions): { ttlMs: number; waitMs: number; token: string } {
    return {
      ttlMs: options.ttlMs === undefined ? this.#options.ttlMs : assertDurationMs("ttlMs", options.ttlMs),
      waitMs: options.waitMs === undefined ? 0 : assertWaitMs(options.waitMs),
      token: options.owner === undefined ? randomUUID() : assertName("owner", options.owner, MAX_OWNER_CHARS),
    };
  }

  /**
   * Runs the acquire `script` on `keys` until it acquires or `waitMs` runs out (see wait.ts); a
   * lease it acquires after the caller gave up is released.
   */
  private retry<A extends readonly ScriptArg[], S extends number[], L extends Lease | MultiLease>(
    key: string | string[],
    waitMs: number,
    signal: AbortSignal | undefined,
    script: Script<A, S | AnyConflictReply>,
    keys: string[],
    args: A,
    success: (reply: S) => L,
  ): Promise<L> {
    const { retryBaseMs, retryMaxMs } = this.#options;
    return acquireWithRetry(
      { key, waitMs, signal, retryBaseMs, retryMaxMs, script: script.name },
      () => this.store.run(script, keys, args),
      success,
      (l) => this.release(l),
    );
  }

  private held(lease: Lease | MultiLease, sentAt: number, refreshEveryMs: number) {
    return heldLease(lease, sentAt, refreshEveryMs, this.#options.driftFactor, {
      refresh: (l) => ("key" in l ? this.refresh(l) : this.refresh(l)),
      release: (l) => this.release(l),
    });
  }
}

/**
 * Creates the lock manager on `store`. Options are validated here, once.
 *
 * @example
 * const store = await createStore();
 * const locks = createLocks(store, { ttlMs: 120_000 });   // seed 004: 2-minute slot holds
 */
export function createLocks(store: Store, options: LocksOptions = {}): Locks {
  return new Locks(store, options);
}
