import { randomUUID } from "node:crypto";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { Keyspace } from "../store/keyspace.js";
import type { RawReply } from "../store/script.js";
import type { Store } from "../store/types.js";
import { assertDurationMs, assertName, assertNames } from "../util/validate.js";
import { conflictError, decodeConflict, notOwnedError } from "./decode.js";
import { acquireWithRetry } from "./wait.js";
import {
  forceRelease,
  getLock,
  listLocks,
  listLocksPage,
  type ListOptions,
  type ListPageOptions,
} from "./inspect.js";
import type { NamesPage } from "../store/scan-names.js";
import { lockMetrics } from "./metrics.js";
import {
  assertWaitMs,
  encodeMetadata,
  MAX_OWNER_CHARS,
  validateLocksOptions,
  type AcquireOptions,
  type LocksOptions,
  type WithLockOptions,
} from "./options.js";
import {
  acquireManyScripts,
  acquireReadScript,
  acquireScript,
  MAX_MULTI_KEYS,
  refreshManyScripts,
  refreshScript,
  releaseManyScripts,
  releaseScript,
} from "./scripts/scripts.js";
import type { Lease, LeaseMode, LeaseRef, LockInfo, MultiLease, MultiLeaseRef } from "./types.js";
import { runLocked, type Held } from "./with-lock.js";

const NO_OPTIONS: AcquireOptions = {};

/** The key kinds one lock name uses; all share the name's hash tag, so one slot. */
export const LOCK_KIND = "lock";
export const FENCE_KIND = "lockfence";
export const READERS_KIND = "lockread";

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
  private readonly o: Required<LocksOptions>;
  private readonly lockHead: string;
  private readonly fenceHead: string;
  private readonly readersHead: string;

  constructor(store: Store, options: LocksOptions = {}) {
    this.store = store;
    this.o = validateLocksOptions(options);
    const prefix = store.keys.prefix;
    this.lockHead = `${prefix}${LOCK_KIND}:`;
    this.fenceHead = `${prefix}${FENCE_KIND}:`;
    this.readersHead = `${prefix}${READERS_KIND}:`;
  }

  /** The validated options, defaults filled in. */
  get options(): Readonly<Required<LocksOptions>> {
    return this.o;
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
  acquire(key: string, options: AcquireOptions = NO_OPTIONS): Promise<Lease> {
    // Bad input rejects (never throws synchronously), before anything is sent.
    try {
      return this.#acquire(key, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #acquire(key: string, options: AcquireOptions = NO_OPTIONS): Promise<Lease> {
    assertName("key", key);
    const ttlMs = options.ttlMs === undefined ? this.o.ttlMs : assertDurationMs("ttlMs", options.ttlMs);
    const waitMs = options.waitMs === undefined ? 0 : assertWaitMs(options.waitMs);
    const token =
      options.owner === undefined ? randomUUID() : assertName("owner", options.owner, MAX_OWNER_CHARS);
    const metadata = options.metadata === undefined ? "" : encodeMetadata(options.metadata);
    const tag = Keyspace.tag(key);
    const keys = [this.lockHead + tag, this.fenceHead + tag, this.readersHead + tag];
    const args: [string, number, string, number] = [token, ttlMs, metadata, this.o.fenceRetentionMs];
    if (waitMs === 0 && options.signal === undefined) {
      // The hot path: one round trip, no closures beyond the reply handler, no retry state.
      return this.store.run(acquireScript, keys, args).then((reply) => {
        const r = reply as number[];
        if (r[0] >= 0) {
          lockMetrics.acquiredExclusive.inc();
          return leaseOf(key, token, r, ttlMs, "exclusive");
        }
        lockMetrics.conflicts.inc();
        throw conflictError(key, decodeConflict(reply as RawReply[], acquireScript.name), 0, 1);
      });
    }
    return this.retry(
      key,
      waitMs,
      options.signal,
      () => this.store.run(acquireScript, keys, args),
      acquireScript.name,
      (r): Lease => {
        lockMetrics.acquiredExclusive.inc();
        return leaseOf(key, token, r, ttlMs, "exclusive");
      },
      (l) => this.release(l),
    );
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
  acquireRead(key: string, options: AcquireOptions = NO_OPTIONS): Promise<Lease> {
    // Bad input rejects (never throws synchronously), before anything is sent.
    try {
      return this.#acquireRead(key, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #acquireRead(key: string, options: AcquireOptions = NO_OPTIONS): Promise<Lease> {
    assertName("key", key);
    const ttlMs = options.ttlMs === undefined ? this.o.ttlMs : assertDurationMs("ttlMs", options.ttlMs);
    const waitMs = options.waitMs === undefined ? 0 : assertWaitMs(options.waitMs);
    const token =
      options.owner === undefined ? randomUUID() : assertName("owner", options.owner, MAX_OWNER_CHARS);
    if (options.metadata !== undefined) {
      throw new InvalidArgumentError(
        "metadata",
        "is not kept for read locks; pass it to exclusive locks only",
      );
    }
    const tag = Keyspace.tag(key);
    const keys = [this.lockHead + tag, this.fenceHead + tag, this.readersHead + tag];
    const args: [string, number] = [token, ttlMs];
    return this.retry(
      key,
      waitMs,
      options.signal,
      () => this.store.run(acquireReadScript, keys, args),
      acquireReadScript.name,
      (r): Lease => {
        lockMetrics.acquiredRead.inc();
        return leaseOf(key, token, r, ttlMs, "read");
      },
      (l) => this.release(l),
    );
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
  acquireMany(keys: readonly string[], options: AcquireOptions = NO_OPTIONS): Promise<MultiLease> {
    // Bad input rejects (never throws synchronously), before anything is sent.
    try {
      return this.#acquireMany(keys, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #acquireMany(keys: readonly string[], options: AcquireOptions = NO_OPTIONS): Promise<MultiLease> {
    const names = assertNames("keys", keys, MAX_MULTI_KEYS);
    Keyspace.assertSameSlot(names);
    const ttlMs = options.ttlMs === undefined ? this.o.ttlMs : assertDurationMs("ttlMs", options.ttlMs);
    const waitMs = options.waitMs === undefined ? 0 : assertWaitMs(options.waitMs);
    const token =
      options.owner === undefined ? randomUUID() : assertName("owner", options.owner, MAX_OWNER_CHARS);
    const metadata = options.metadata === undefined ? "" : encodeMetadata(options.metadata);
    const storeKeys: string[] = [];
    for (const n of names) {
      const tag = Keyspace.tag(n);
      storeKeys.push(this.lockHead + tag, this.fenceHead + tag, this.readersHead + tag);
    }
    const script = acquireManyScripts[names.length];
    const args: [string, number, string, number] = [token, ttlMs, metadata, this.o.fenceRetentionMs];
    const frozen = [...names];
    return this.retry(
      frozen,
      waitMs,
      options.signal,
      () => this.store.run(script, storeKeys, args),
      script.name,
      (r): MultiLease => {
        lockMetrics.acquiredExclusive.inc(frozen.length);
        return {
          keys: frozen,
          token,
          fences: (r as number[]).slice(1),
          expiresAt: (r[0] as number) + ttlMs,
          ttlMs,
        };
      },
      (l) => this.release(l),
    );
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
  refresh(lease: LeaseRef | MultiLeaseRef, ttlMs?: number): Promise<Lease | MultiLease> {
    // Bad input rejects (never throws synchronously), before anything is sent.
    try {
      return this.#refresh(lease, ttlMs);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #refresh(lease: LeaseRef | MultiLeaseRef, ttlMs?: number): Promise<Lease | MultiLease> {
    const ttl =
      ttlMs === undefined
        ? ((lease as Partial<Lease>).ttlMs ?? this.o.ttlMs)
        : assertDurationMs("ttlMs", ttlMs);
    const token = assertName("token", lease?.token, MAX_OWNER_CHARS);
    if ("keys" in lease) return this.refreshMany(lease, token, ttl);
    const key = assertName("key", lease.key);
    const tag = Keyspace.tag(key);
    return this.store
      .run(refreshScript, [this.lockHead + tag, this.readersHead + tag, this.fenceHead + tag], [token, ttl])
      .then((reply) => {
        if (typeof reply === "number") {
          lockMetrics.notOwned.inc();
          throw notOwnedError(key, reply, refreshScript.name);
        }
        const r = reply as number[];
        const mode: LeaseMode = r[2] === 1 ? "exclusive" : "read";
        return { key, token, fence: r[0], expiresAt: r[1] + ttl, ttlMs: ttl, mode };
      });
  }

  private refreshMany(lease: MultiLeaseRef, token: string, ttl: number): Promise<MultiLease> {
    const names = assertNames("keys", lease.keys, MAX_MULTI_KEYS);
    Keyspace.assertSameSlot(names);
    const script = refreshManyScripts[names.length];
    const keys = names.map((n) => this.lockHead + Keyspace.tag(n));
    return this.store.run(script, keys, [token, ttl]).then((reply) => {
      if (Array.isArray(reply)) {
        lockMetrics.notOwned.inc();
        throw notOwnedError(names[(reply[1] as number) - 1], reply[0] as number, script.name);
      }
      return {
        keys: [...names],
        token,
        fences: (lease as Partial<MultiLease>).fences ?? [],
        expiresAt: (reply as number) + ttl,
        ttlMs: ttl,
      };
    });
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
  release(lease: LeaseRef | MultiLeaseRef): Promise<void> {
    // Bad input rejects (never throws synchronously), before anything is sent.
    try {
      return this.#release(lease);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #release(lease: LeaseRef | MultiLeaseRef): Promise<void> {
    const token = assertName("token", lease?.token, MAX_OWNER_CHARS);
    if ("keys" in lease) return this.releaseMany(lease, token);
    const key = assertName("key", lease.key);
    const tag = Keyspace.tag(key);
    return this.store
      .run(releaseScript, [this.lockHead + tag, this.readersHead + tag], [token])
      .then((reply) => {
        if ((reply as number) > 0) {
          lockMetrics.released.inc();
          return;
        }
        lockMetrics.notOwned.inc();
        throw notOwnedError(key, reply as number, releaseScript.name);
      });
  }

  private releaseMany(lease: MultiLeaseRef, token: string): Promise<void> {
    const names = assertNames("keys", lease.keys, MAX_MULTI_KEYS);
    Keyspace.assertSameSlot(names);
    const script = releaseManyScripts[names.length];
    const keys = names.map((n) => this.lockHead + Keyspace.tag(n));
    return this.store.run(script, keys, [token]).then((reply) => {
      if (reply === 0) {
        lockMetrics.released.inc(names.length);
        return;
      }
      lockMetrics.notOwned.inc();
      const r = reply as number[];
      throw notOwnedError(names[r[1] - 1], r[0], script.name);
    });
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
    const every = this.refreshEvery(options);
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
    const every = this.refreshEvery(options);
    const sentAt = performance.now();
    const lease = await this.acquireRead(key, options);
    return runLocked(this.held(lease, sentAt, every), fn as (s: AbortSignal, l: unknown) => Promise<T>);
  }

  /**
   * One lock's state, or `null` when nobody holds it. The owner token only with
   * `includeToken: true` (admin use: whoever has it can release the lock).
   */
  get(key: string, options: { includeToken?: boolean } = {}): Promise<LockInfo | null> {
    // Bad input rejects (never throws synchronously), before anything is sent.
    try {
      return this.#get(key, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #get(key: string, options: { includeToken?: boolean } = {}): Promise<LockInfo | null> {
    assertName("key", key);
    const tag = Keyspace.tag(key);
    return getLock(
      this.store,
      key,
      [this.lockHead + tag, this.readersHead + tag, this.fenceHead + tag],
      options,
    );
  }

  /**
   * Active locks (exclusive and read), found with SCAN (never KEYS), optionally only names starting
   * with `prefix`, at most `limit` (default 100). Tokens only with `includeTokens: true`.
   */
  list(options: ListOptions = {}): Promise<LockInfo[]> {
    // Bad input rejects (never throws synchronously), before anything is sent.
    try {
      return this.#list(options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #list(options: ListOptions = {}): Promise<LockInfo[]> {
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
  listPage(options: ListPageOptions = {}): Promise<NamesPage<LockInfo>> {
    try {
      return listLocksPage(this.store, options, (name) =>
        this.get(name, { includeToken: options.includeTokens }),
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Deletes a lock whoever holds it (admin), exclusive and read leases alike. The fence counter is
   * kept, so the next holder's fence is still higher. Returns whether anything was held.
   */
  forceRelease(key: string): Promise<boolean> {
    // Bad input rejects (never throws synchronously), before anything is sent.
    try {
      return this.#forceRelease(key);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #forceRelease(key: string): Promise<boolean> {
    assertName("key", key);
    const tag = Keyspace.tag(key);
    return forceRelease(this.store, [this.lockHead + tag, this.readersHead + tag]);
  }

  // ---- internals -------------------------------------------------------------------------------

  private retry<L>(
    key: string | string[],
    waitMs: number,
    signal: AbortSignal | undefined,
    attempt: () => Promise<RawReply>,
    script: string,
    success: (reply: RawReply[]) => L,
    undo: (lease: L) => Promise<void>,
  ): Promise<L> {
    return acquireWithRetry(
      { key, waitMs, signal, retryBaseMs: this.o.retryBaseMs, retryMaxMs: this.o.retryMaxMs, script },
      attempt,
      success,
      undo,
    );
  }

  private refreshEvery(options: WithLockOptions): number {
    const ttlMs = options.ttlMs === undefined ? this.o.ttlMs : assertDurationMs("ttlMs", options.ttlMs);
    if (options.refreshEveryMs === undefined) return Math.max(1, Math.floor(ttlMs * this.o.refreshRatio));
    const every = assertDurationMs("refreshEveryMs", options.refreshEveryMs);
    if (every >= ttlMs) throw new InvalidArgumentError("refreshEveryMs", `must be below ttlMs (${ttlMs})`);
    return every;
  }

  private held(lease: Lease | MultiLease, sentAt: number, refreshEveryMs: number): Held {
    const single = "key" in lease;
    return {
      lease,
      key: single ? lease.key : lease.keys.join(","),
      fence: single ? lease.fence : lease.fences[0],
      ttlMs: lease.ttlMs,
      sentAt,
      refreshEveryMs,
      driftMs: Math.floor(lease.ttlMs * this.o.driftFactor) + 2,
      refresh: () => (single ? this.refresh(lease) : this.refresh(lease)).then(() => undefined),
      release: () => this.release(lease),
    };
  }
}

/** A lease from an acquire script's success reply `{fence, server time in ms}`. */
function leaseOf(key: string, token: string, r: RawReply[], ttlMs: number, mode: LeaseMode): Lease {
  return { key, token, fence: r[0] as number, expiresAt: (r[1] as number) + ttlMs, ttlMs, mode };
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
