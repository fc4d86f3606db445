/**
 * The machinery behind seed 002's `redisClient` helpers: one {@link RedisHelpers} object is what
 * one server instance (one process) holds. `redis-client.ts` exposes a default one with the seed's
 * function API; tests create several to play several instances on one Redis.
 */
import {
  createLocks,
  createRateLimiter,
  createStore,
  type CreateStoreOptions,
  type Disposable,
  EventSource,
  getDefaultLogger,
  InvalidArgumentError,
  isLockConflictError,
  isLockNotOwnedError,
  isStoreTimeoutError,
  isStoreUnavailableError,
  type Lease,
  type Locks,
  type Logger,
  type RateLimiter,
  RedisStore,
  reportDegraded,
  type Store,
  ThrottledLog,
  assertDurationMs,
  assertInt,
  describeValue,
  MAX_DURATION_MS,
} from "holdfast";
import { DeferredStore } from "./deferred-store.js";
import {
  CONNECTED_LINE,
  POLICIES,
  UNAVAILABLE_LINE,
  type AcquireLockOptions,
  type AvailabilityChange,
  type LockAttempt,
  type RateLimitCheck,
  type RateLimitOnRedisDown,
  type RedisHelpersOptions,
} from "./types.js";

/** Leases kept before finished ones are pruned (a lease nobody released ends by TTL anyway). */
const MAX_KEPT_LEASES = 10_000;

/**
 * The seed's helpers for one process, over Holdfast locks, rate limiters and store.
 *
 * Guarantees: at most one holder per lock key across every instance sharing the Redis; a lock is
 * never reported as held unless Redis granted it (fail closed); `releaseLock` only releases what this
 * object acquired; rate limits are shared by every instance while Redis answers and follow
 * `rateLimitOnRedisDown` (flagged `degraded: true`, counted, logged) when it does not.
 *
 * @example
 * const redis = new RedisHelpers({ rateLimitOnRedisDown: "fail-closed" });
 * await redis.ready();
 * if (await redis.acquireLock("thread:42", 10)) try { … } finally { await redis.releaseLock("thread:42"); }
 */
export class RedisHelpers {
  readonly rateLimitOnRedisDown: RateLimitOnRedisDown;
  private readonly recheckIntervalMs: number;
  private readonly logger: Logger;
  private readonly throttled: ThrottledLog;
  private readonly storeOptions: CreateStoreOptions;
  private readonly store: DeferredStore;
  private readonly locks: Locks;
  private readonly leases = new Map<string, Lease>();
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly changes = new EventSource<AvailabilityChange>();
  private readonly firstAttempt: Promise<void>;
  private available = false;
  private announced: boolean | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;
  private probing = false;
  private readonly degraded = { locks: 0, rateLimits: 0 };

  constructor(options: RedisHelpersOptions = {}) {
    const env = options.env ?? process.env;
    const policy = options.rateLimitOnRedisDown ?? (env.RATE_LIMIT_ON_REDIS_DOWN?.trim() || "local");
    if (!POLICIES.includes(policy as RateLimitOnRedisDown)) {
      throw new InvalidArgumentError(
        "RATE_LIMIT_ON_REDIS_DOWN",
        `must be one of ${POLICIES.join(", ")}, got ${describeValue(policy)}`,
      );
    }
    this.rateLimitOnRedisDown = policy as RateLimitOnRedisDown;
    this.recheckIntervalMs = assertDurationMs("recheckIntervalMs", options.recheckIntervalMs ?? 1000);
    this.logger = options.logger ?? getDefaultLogger();
    this.throttled = new ThrottledLog(this.logger);
    this.storeOptions = { logger: this.logger, env, ...options.store };
    this.store = new DeferredStore(options.store?.prefix);
    this.locks = createLocks(this.store);
    this.firstAttempt = new Promise((resolve, reject) => this.connect(resolve, reject));
  }

  /**
   * Resolves once the first connection attempt is over (connected, or Redis found down: it keeps
   * retrying in the background). Rejects on misconfiguration (e.g. a malformed `REDIS_URL`).
   */
  ready(): Promise<void> {
    return this.firstAttempt;
  }

  /** The seed's `isRedisAvailable()`: synchronous, true while Redis is connected and answering. */
  isRedisAvailable(): boolean {
    return this.available;
  }

  /** Calls `listener` on every change of {@link isRedisAvailable}. */
  onAvailabilityChange(listener: (change: AvailabilityChange) => void): Disposable {
    return this.changes.on(listener);
  }

  /**
   * The store these helpers run on, for the app's own data (the threads' replies): Redis when
   * configured, else the in-process memory store. Until Redis first answers, every operation on it
   * fails with `StoreUnavailableError`.
   */
  get sharedStore(): Store {
    return this.store;
  }

  /** `redis` when Redis is configured, `memory` when not (one process only). */
  get storeKind(): "redis" | "memory" {
    return this.store.kind;
  }

  /** Decisions taken without Redis by this object: locks refused, rate limits decided by policy. */
  get degradedDecisions(): Readonly<{ locks: number; rateLimits: number }> {
    return this.degraded;
  }

  /**
   * The seed's `acquireLock(key, ttlSeconds)`: true when this process now holds `key` for
   * `ttlSeconds` (fractions allowed), false when someone holds it or Redis cannot answer.
   * Never true without Redis's word: see {@link tryAcquireLock} for why it was false.
   *
   * @throws InvalidArgumentError for an empty key or a ttl ≤ 0 (nothing written)
   * @example if (await acquireLock(`thread:${id}`, 10)) { … }
   */
  async acquireLock(key: string, ttlSeconds: number, options?: AcquireLockOptions): Promise<boolean> {
    return (await this.tryAcquireLock(key, ttlSeconds, options)).acquired;
  }

  /** {@link acquireLock} with the reason of a refusal, the fencing token and `degraded`. */
  async tryAcquireLock(key: string, ttlSeconds: number, options?: AcquireLockOptions): Promise<LockAttempt> {
    const ttlMs = secondsToMs("ttlSeconds", ttlSeconds);
    await this.firstAttempt;
    try {
      const lease = await this.locks.acquire(key, { ttlMs, waitMs: options?.waitMs ?? 0 });
      this.keepLease(lease);
      this.noteAnswered();
      return { acquired: true, fence: lease.fence };
    } catch (e) {
      if (isLockConflictError(e)) {
        this.noteAnswered();
        return { acquired: false, reason: "held" };
      }
      if (!isStoreUnavailableError(e) && !isStoreTimeoutError(e)) throw e;
      // Fail closed. After a timeout the script may have run: the lock then sits unowned until its
      // TTL ends, which blocks others for a while but never lets two in.
      this.noteUnanswered(e.message);
      this.degraded.locks++;
      reportDegraded({ primitive: "lock", name: key, policy: "fail-closed", reason: e.message });
      return { acquired: false, reason: "redis-unavailable", degraded: true };
    }
  }

  /**
   * The seed's `releaseLock(key)`, made safe: releases `key` only if THIS object acquired it and
   * still holds it (the seed's API carries no token, so the lease is kept here, per key). Unlike a
   * bare `DEL`, it can never release a lock another instance took after ours expired.
   * @returns true when released; false when not held by us (never acquired, expired, taken over) or
   *   Redis could not answer (the lock then ends by its TTL)
   */
  async releaseLock(key: string): Promise<boolean> {
    const lease = this.leases.get(key);
    if (!lease) return false;
    this.leases.delete(key);
    try {
      await this.locks.release(lease);
      this.noteAnswered();
      return true;
    } catch (e) {
      if (isLockNotOwnedError(e)) {
        this.noteAnswered();
        return false;
      }
      if (!isStoreUnavailableError(e) && !isStoreTimeoutError(e)) throw e;
      this.noteUnanswered(e.message);
      this.throttled.warn(
        "release",
        { key, reason: e.message },
        "releaseLock: Redis did not answer; the lock ends by its TTL",
      );
      return false;
    }
  }

  /**
   * A sliding-window rate limit in the seed's spirit: at most `limit` calls per `windowSeconds` per
   * `key`, counted in Redis so every instance shares it. While Redis is unreachable the
   * `rateLimitOnRedisDown` policy decides and the answer says `degraded: true`.
   *
   * @throws InvalidArgumentError for a bad key, limit or window (nothing written)
   * @example
   * const r = await checkRateLimit(`reply:${userId}`, 5, 60);
   * if (!r.allowed) reply.header("Retry-After", r.retryAfterSeconds).code(429);
   */
  async checkRateLimit(key: string, limit: number, windowSeconds: number): Promise<RateLimitCheck> {
    const limiter = this.limiterFor(
      assertInt("limit", limit, 1, 1_000_000_000),
      assertInt("windowSeconds", windowSeconds, 1, Math.floor(MAX_DURATION_MS / 1000)),
    );
    await this.firstAttempt;
    const r = await limiter.consume(key);
    const check: RateLimitCheck = {
      allowed: r.allowed,
      remaining: r.remaining,
      retryAfterSeconds: r.allowed ? 0 : Math.max(1, Math.ceil(r.retryAfterMs / 1000)),
      resetSeconds: Math.ceil(r.resetMs / 1000),
    };
    if (r.degraded) {
      // The limiter has already counted and logged it (reportDegraded); availability is left to the
      // connection events and probes, which see Redis come back before the limiter's own recheck.
      this.degraded.rateLimits++;
      check.degraded = true;
      check.policy = r.degradedPolicy;
    }
    return check;
  }

  /** Closes the connection and stops every timer. The object is unusable afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probeTimer);
    clearTimeout(this.retryTimer);
    this.unwatch?.();
    for (const l of this.limiters.values()) l.close();
    this.available = false;
    await this.store.close();
  }

  private limiterFor(limit: number, windowSeconds: number): RateLimiter {
    const id = `seed-${limit}-per-${windowSeconds}s`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      // Same name on every instance: that is what makes them share one budget per key.
      limiter = createRateLimiter(this.store, {
        name: id,
        algorithm: "sliding-window",
        limit,
        windowMs: windowSeconds * 1000,
        onStoreUnavailable: this.rateLimitOnRedisDown,
        recheckIntervalMs: this.recheckIntervalMs,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  private keepLease(lease: Lease): void {
    this.leases.set(lease.key, lease);
    if (this.leases.size <= MAX_KEPT_LEASES) return;
    // Leases never released: once past their expiry (by our clock, give or take skew) a release
    // could only be refused, so forgetting them loses nothing.
    const now = Date.now();
    for (const [k, l] of this.leases) if (l.expiresAt < now) this.leases.delete(k);
  }

  /** Connects through createStore; when Redis is down at startup, tries again in the background. */
  private connect(settled: () => void, misconfigured: (e: unknown) => void): void {
    const attempt = (): void => {
      createStore(this.storeOptions).then(
        async (store) => {
          if (this.closed) return store.close().then(settled);
          this.store.attach(store);
          this.watch(store);
          settled();
        },
        (e: unknown) => {
          if (this.closed) return settled();
          if (!isStoreUnavailableError(e) && !isStoreTimeoutError(e)) return misconfigured(e);
          const reason = (e as Error).message;
          this.store.pendingReason = reason;
          this.setAvailable(false, reason);
          settled();
          this.retryTimer = setTimeout(attempt, this.recheckIntervalMs);
          this.retryTimer.unref();
        },
      );
    };
    attempt();
  }

  private watch(store: Store): void {
    if (!(store instanceof RedisStore)) {
      this.setAvailable(false, "no Redis configured: in-process memory store, correct for ONE instance only");
      return;
    }
    const client = store.client;
    const up = (): void => this.setAvailable(true);
    const down = (): void => this.setAvailable(false, "the connection to Redis was lost");
    client.on("ready", up);
    client.on("close", down);
    client.on("end", down);
    this.unwatch = () => {
      client.off("ready", up);
      client.off("close", down);
      client.off("end", down);
    };
    if (client.status === "ready") up();
    else down();
  }

  private get redisReady(): boolean {
    const s = this.store.current;
    return s instanceof RedisStore && s.client.status === "ready";
  }

  /** Redis answered an operation: it is available (a stalled server that recovers turns true here). */
  private noteAnswered(): void {
    if (!this.available && this.redisReady) this.setAvailable(true);
  }

  private noteUnanswered(reason: string): void {
    if (this.store.current instanceof RedisStore) this.setAvailable(false, reason);
  }

  private setAvailable(up: boolean, reason?: string): void {
    if (this.closed) return;
    this.available = up;
    if (up) {
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
    } else if (!this.probeTimer && this.store.current instanceof RedisStore) {
      // A timeout leaves the connection open, so no 'ready' event will say it is back: probe.
      this.probeTimer = setInterval(() => void this.probe(), this.recheckIntervalMs);
      this.probeTimer.unref();
    }
    if (this.announced === up) return;
    this.announced = up;
    if (up) this.logger.info({ redis: "available" }, CONNECTED_LINE);
    else this.logger.warn({ redis: "unavailable", reason }, UNAVAILABLE_LINE);
    this.changes.emit(up ? { available: true } : { available: false, reason });
  }

  private async probe(): Promise<void> {
    const store = this.store.current;
    if (!store || this.available || this.probing) return;
    this.probing = true;
    try {
      const h = await store.health();
      if (h.status === "ok" && this.redisReady) this.setAvailable(true);
    } finally {
      this.probing = false;
    }
  }
}

function secondsToMs(field: string, seconds: unknown): number {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(field, `must be a number of seconds > 0, got ${describeValue(seconds)}`);
  }
  return assertDurationMs(field, Math.ceil(seconds * 1000));
}
