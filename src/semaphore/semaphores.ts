import { randomUUID } from "node:crypto";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { isStoreFailure, StoreTimeoutError } from "../errors/store-errors.js";
import type { Store } from "../store/types.js";
import { abortReason, throwIfAborted } from "../util/abort.js";
import { fullJitterBackoff } from "../util/backoff.js";
import { assertDurationMs, assertName, describeValue } from "../util/validate.js";
import { decodeCursor, encodeCursor, pageLimit, type Page, type PageOptions } from "../util/cursor.js";
import { decodeAcquire, decodeCount, decodeHolders, decodeRefresh, decodeRelease } from "./decode.js";
import { isPermitNotHeldError, SemaphoreFullError } from "./errors.js";
import { localWakeOf, type LocalWake } from "./local-wake.js";
import { semaphoreMetrics as metrics } from "./metrics.js";
import {
  acquireScript,
  countScript,
  holdersScript,
  refreshScript,
  releaseScript,
} from "./scripts/scripts.js";
import type {
  SemaphoreAcquireOptions,
  Permit,
  PermitMetadata,
  PermitRef,
  SemaphoreHolder,
  SemaphoresOptions,
  SemaphoreTryAcquireResult,
} from "./types.js";
import {
  assertLimit,
  assertToken,
  assertWaitMs,
  encodeMetadata,
  resolveSemaphoresOptions,
} from "./validate.js";

/**
 * For each permit this process acquired or refreshed: `performance.now()` when that call was sent,
 * plus its TTL, minus 1 ms because the store's clock counts whole milliseconds (floored). The
 * server set the expiry after the call was sent, so until this local moment the permit is
 * certainly held (unless released, or the server's wall clock jumps forward). Internal: the
 * concurrency limiter's watchdog uses it.
 */
const localDeadlines = new WeakMap<PermitRef, number>();
const CLOCK_GRANULARITY_MS = 1;

/** Most holders in one page of {@link Semaphores.holdersPage} (one bounded call). */
export const MAX_HOLDERS_PAGE = 1000;

/** The local (performance.now()) moment until which this process is sure to hold `permit`. */
export function localDeadlineOf(permit: PermitRef): number | undefined {
  return localDeadlines.get(permit);
}

interface ResolvedAcquire {
  name: string;
  keys: [string, string];
  limit: number;
  ttlMs: number;
  waitMs: number;
  token: string;
  /** True when the caller chose the token (then a failed call must not release it blindly). */
  ownToken: boolean;
  data: string;
  metadata: PermitMetadata | undefined;
  signal: AbortSignal | undefined;
}

/** Decodes a refresh or release reply, counting the refusal of a permit no longer held. */
function countingNotHeld<T>(decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (isPermitNotHeldError(e)) metrics.notHeld.inc();
    throw e;
  }
}

/**
 * Counting semaphores on a store: a semaphore is a name with a `limit`; at most `limit` permits of
 * a name are held at once, across every process sharing the store. Each permit has an owner token
 * and expires after `ttlMs` unless refreshed, so a crashed holder's permit comes back by itself.
 * Each operation is one atomic script (one round trip on Redis). When the store cannot answer,
 * every call fails closed with the store's typed error.
 *
 * @example
 * const semaphores = createSemaphores(store);
 * const permit = await semaphores.acquire("restaurant:42", { limit: 5, ttlMs: 30_000, waitMs: 2_000 });
 * try { await assignTable(); } finally { await semaphores.release(permit); }
 */
export class Semaphores {
  private readonly options: Required<SemaphoresOptions>;
  private readonly metaKind: string;
  private readonly wake: LocalWake;

  /** @throws InvalidArgumentError for a bad option */
  constructor(
    private readonly store: Store,
    options: SemaphoresOptions = {},
  ) {
    this.options = resolveSemaphoresOptions(options);
    this.metaKind = `${this.options.keyKind}-meta`;
    this.wake = localWakeOf(store);
  }

  /**
   * Takes a permit of `name` if fewer than `limit` are held, waiting up to `waitMs` for one
   * (exponential backoff with full jitter, woken at once by a release in this process). One round
   * trip when a permit is free.
   *
   * @returns the permit; hand it to {@link refresh} and {@link release}
   * @throws SemaphoreFullError when no permit became free within `waitMs` (carries `holders`,
   *   `limit` and `retryAfterMs`); the signal's reason when `signal` aborts (no permit is kept);
   *   InvalidArgumentError before anything is written; the store's error when it cannot answer
   * @example
   * const permit = await semaphores.acquire("exports", { limit: 3, ttlMs: 60_000, waitMs: 5_000 });
   */
  async acquire(name: string, options: SemaphoreAcquireOptions): Promise<Permit> {
    const a = this.resolveAcquire(name, options);
    throwIfAborted(a.signal);
    const started = performance.now();
    const deadline = started + a.waitMs;
    const waiter = a.waitMs > 0 ? this.wake.join(a.keys[0]) : undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        const r = await this.attempt(a);
        if (r.acquired) {
          if (a.signal?.aborted) {
            await this.releaseQuietly(r.permit);
            throw abortReason(a.signal);
          }
          return r.permit;
        }
        const left = deadline - performance.now();
        if (waiter === undefined || left <= 0) {
          metrics.rejected.inc();
          const waited = a.waitMs === 0 ? 0 : Math.round(performance.now() - started);
          throw new SemaphoreFullError(a.name, a.limit, r.holders, r.retryAfterMs, waited);
        }
        const backoff = fullJitterBackoff(attempt, this.options.retryBaseMs, this.options.retryCapMs);
        // Never sleep past the moment the blocking permits expire, nor past the deadline.
        await waiter.sleep(Math.min(left, r.retryAfterMs + 1, backoff), a.signal);
      }
    } finally {
      waiter?.leave();
    }
  }

  /**
   * One attempt, never waiting: a permit, or `{ acquired: false, holders, limit, retryAfterMs }`.
   * Cheaper than catching {@link SemaphoreFullError} on a hot path.
   *
   * @throws InvalidArgumentError before anything is written; the store's error when it cannot answer
   * @example
   * const r = await semaphores.tryAcquire("exports", { limit: 3 });
   * if (!r.acquired) return reply(429, { retryAfterMs: r.retryAfterMs });
   */
  async tryAcquire(name: string, options: SemaphoreAcquireOptions): Promise<SemaphoreTryAcquireResult> {
    const a = this.resolveAcquire(name, options);
    throwIfAborted(a.signal);
    const r = await this.attempt(a);
    if (!r.acquired) metrics.rejected.inc();
    else if (a.signal?.aborted) {
      await this.releaseQuietly(r.permit);
      throw abortReason(a.signal);
    }
    return r;
  }

  /**
   * Extends a permit that is still held to `ttlMs` from now (store clock). Never re-acquires: a
   * permit that expired or was released stays gone.
   *
   * @param ttlMs @defaultValue the permit's own `ttlMs`, else the semaphores' `ttlMs`
   * @returns the permit with its new `expiresAt` and `ttlMs`
   * @throws PermitNotHeldError when the permit expired or was released (nothing changed)
   * @example
   * permit = await semaphores.refresh(permit);
   */
  async refresh<P extends PermitRef>(
    permit: P,
    ttlMs?: number,
  ): Promise<P & { expiresAt: number; ttlMs: number }> {
    const { name, token } = this.resolveRef(permit);
    const ttl = assertDurationMs("ttlMs", ttlMs ?? (permit as Partial<Permit>).ttlMs ?? this.options.ttlMs);
    const sentAt = performance.now();
    const reply = await this.run(() =>
      this.store.run(refreshScript, this.keysOf(name), [token, ttl, this.options.reclaimLimit]),
    );
    const expiresAt = countingNotHeld(() => decodeRefresh(reply, name, token));
    metrics.refreshed.inc();
    const refreshed = { ...permit, expiresAt, ttlMs: ttl };
    localDeadlines.set(refreshed, sentAt + ttl - CLOCK_GRANULARITY_MS);
    return refreshed;
  }

  /**
   * Gives a permit back (only its holder's token can) and wakes the oldest waiter of this process.
   *
   * @returns how many permits of the semaphore are still held
   * @throws PermitNotHeldError when it had expired or was released already (nothing changed)
   * @example
   * await semaphores.release(permit);
   */
  async release(permit: PermitRef): Promise<number> {
    const { name, token } = this.resolveRef(permit);
    const keys = this.keysOf(name);
    const reply = await this.run(() =>
      this.store.run(releaseScript, keys, [token, this.options.reclaimLimit]),
    );
    const left = countingNotHeld(() => decodeRelease(reply, name, token));
    metrics.released.inc();
    this.wake.released(keys[0]);
    return left;
  }

  /**
   * Every live holder of `name`, soonest expiry first, with their remaining TTL and metadata:
   * {@link holdersPage} page after page ({@link MAX_HOLDERS_PAGE} per round trip, each call
   * bounded), so a semaphore of many permits never blocks the store.
   * @example
   * for (const h of await semaphores.holders("exports")) console.log(h.token, h.remainingTtlMs);
   */
  async holders(name: string): Promise<SemaphoreHolder[]> {
    const all: SemaphoreHolder[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.holdersPage(name, { cursor, limit: MAX_HOLDERS_PAGE });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return all;
  }

  /**
   * One page of the live holders of `name`, soonest expiry first: pass `nextCursor` back as
   * `cursor` for the next page (null after the last). A holder present throughout the listing is
   * listed at least once; one whose permit was refreshed meanwhile may appear twice.
   * @param options `limit` 1–{@link MAX_HOLDERS_PAGE}, default 100
   * @throws InvalidArgumentError for a cursor this listing did not return
   * @example
   * const { items, nextCursor } = await semaphores.holdersPage("exports", { limit: 50 });
   */
  async holdersPage(name: string, options: PageOptions = {}): Promise<Page<SemaphoreHolder>> {
    assertName("name", name);
    const limit = pageLimit("limit", options.limit, 100, MAX_HOLDERS_PAGE);
    const [expiresAt, token] = decodeCursor("cursor", options.cursor, 2) ?? ["", ""];
    const args: [number, number, string, string] = [this.options.reclaimLimit, limit, expiresAt, token];
    const page = decodeHolders(await this.run(() => this.store.run(holdersScript, this.keysOf(name), args)));
    const last = page.holders[page.holders.length - 1];
    const nextCursor = page.more && last ? encodeCursor([String(last.expiresAt), last.token]) : null;
    return { items: page.holders, nextCursor };
  }

  /**
   * How many permits of `name` are held now.
   * @example
   * const busy = await semaphores.count("exports");
   */
  async count(name: string): Promise<number> {
    assertName("name", name);
    const r = this.options.reclaimLimit;
    return decodeCount(await this.run(() => this.store.run(countScript, this.keysOf(name), [r])));
  }

  // ---- internals -------------------------------------------------------------------------------

  private keysOf(name: string): [string, string] {
    // Two kinds rather than a suffix: a user's hash-tagged name can never collide with a meta key.
    return [this.store.keys.key(this.options.keyKind, name), this.store.keys.key(this.metaKind, name)];
  }

  private async attempt(a: ResolvedAcquire): Promise<SemaphoreTryAcquireResult> {
    const sentAt = performance.now();
    let reply;
    try {
      reply = await this.store.run(acquireScript, a.keys, [
        a.token,
        a.limit,
        a.ttlMs,
        a.data,
        this.options.reclaimLimit,
      ]);
    } catch (e) {
      if (isStoreFailure(e)) metrics.storeErrors.inc();
      if (e instanceof StoreTimeoutError && !a.ownToken) {
        // The script may have run: give the permit back now rather than leaving it to its TTL.
        // Only for generated tokens, so a caller's idempotent retry never loses its own permit.
        this.store.run(releaseScript, a.keys, [a.token, this.options.reclaimLimit]).then(
          () => this.wake.released(a.keys[0]),
          () => undefined,
        );
      }
      throw e;
    }
    const r = decodeAcquire(reply);
    if (!r.ok) {
      return {
        acquired: false,
        name: a.name,
        limit: a.limit,
        holders: r.holders,
        retryAfterMs: r.retryAfterMs,
      };
    }
    metrics.acquired.inc();
    const permit: Permit = {
      name: a.name,
      token: a.token,
      expiresAt: r.expiresAt,
      ttlMs: a.ttlMs,
      limit: a.limit,
      holders: r.holders,
      ...(a.metadata ? { metadata: a.metadata } : {}),
    };
    localDeadlines.set(permit, sentAt + a.ttlMs - CLOCK_GRANULARITY_MS);
    return { acquired: true, permit };
  }

  private async releaseQuietly(permit: Permit): Promise<void> {
    try {
      await this.release(permit);
    } catch {
      // Fail-safe: if this release cannot happen, the permit expires after its TTL.
    }
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (isStoreFailure(e)) metrics.storeErrors.inc();
      throw e;
    }
  }

  private resolveAcquire(name: string, o: SemaphoreAcquireOptions): ResolvedAcquire {
    assertName("name", name);
    if (typeof o !== "object" || o === null) {
      throw new InvalidArgumentError("options", `must be an object with a limit, got ${describeValue(o)}`);
    }
    const limit = assertLimit("limit", o.limit);
    const ttlMs = assertDurationMs("ttlMs", o.ttlMs ?? this.options.ttlMs);
    const waitMs = assertWaitMs("waitMs", o.waitMs ?? this.options.waitMs);
    const ownToken = o.owner !== undefined;
    const token = ownToken ? assertToken("owner", o.owner) : randomUUID();
    const data = encodeMetadata(o.metadata);
    return {
      name,
      keys: this.keysOf(name),
      limit,
      ttlMs,
      waitMs,
      token,
      ownToken,
      data,
      metadata: data === "" ? undefined : o.metadata,
      signal: o.signal,
    };
  }

  private resolveRef(permit: PermitRef): PermitRef {
    if (typeof permit !== "object" || permit === null) {
      throw new InvalidArgumentError(
        "permit",
        `must be a permit or { name, token }, got ${describeValue(permit)}`,
      );
    }
    return { name: assertName("name", permit.name), token: assertToken("token", permit.token) };
  }
}

/**
 * Creates a group of counting semaphores on `store` (see {@link Semaphores}). Options are
 * validated here, once; see {@link DEFAULT_SEMAPHORES_OPTIONS} for the defaults.
 *
 * @throws InvalidArgumentError for a bad option
 * @example
 * const semaphores = createSemaphores(store, { ttlMs: 30_000 });
 * const permit = await semaphores.acquire(`restaurant:${id}`, { limit: 5, waitMs: 2_000 });
 */
export function createSemaphores(store: Store, options: SemaphoresOptions = {}): Semaphores {
  return new Semaphores(store, options);
}
