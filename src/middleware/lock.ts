import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { createLocks, type Locks } from "../lock/locks.js";
import type { Lease } from "../lock/types.js";
import type { Store } from "../store/types.js";
import { describeValue } from "../util/validate.js";
import { anySignal, refusalFor, refusalOf, type MaybePromise, type Refusal } from "./http.js";
import { isLockLostError } from "../lock/errors.js";

/** Options of a handler wrapped in a lock. Validated once, when the wrapper is created. */
export interface LockMiddlewareOptions<Req> {
  /** The store the locks live in; required unless `locks` is given. */
  store?: Store;
  /** A lock manager you built yourself (its `ttlMs`, retry and drift options apply). */
  locks?: Locks;
  /** The lock's name for this request, e.g. `(req) => \`slot:${req.params.slotId}\``. */
  key: (req: Req) => MaybePromise<string>;
  /** Lease length, in ms; refreshed while the handler runs. @defaultValue the manager's (30000) */
  ttlMs?: number;
  /** How long to wait for a held lock before answering 409, in ms (0: answer at once). @defaultValue 0 */
  waitMs?: number;
  /** Refresh the lease this often while the handler runs, in ms. @defaultValue ttlMs / 3 */
  refreshEveryMs?: number;
  /** What a competitor sees on conflict (the 409's `holderMetadata`), e.g. `{ userId }`. Never secrets. */
  metadata?: (req: Req) => MaybePromise<Record<string, unknown> | undefined>;
}

/** What a locked handler gets besides the request and response. */
export interface RequestLock {
  /** The lock's name. */
  key: string;
  /** The lease (`token`, `fence`, `expiresAt`, `ttlMs`). */
  lease: Lease;
  /** The fencing token: pass it to what the lock protects, and have it refuse lower fences. */
  fence: number;
  /**
   * Aborts when the lease is lost (reason: `LockLostError`) or the client went away before the
   * response was complete (reason: an `AbortError`). Stop writing when it aborts.
   */
  signal: AbortSignal;
}

/** How a locked request ended, as the adapter must handle it. */
export type LockOutcome =
  /** The handler ran and settled; the lock is released. */
  | { kind: "done" }
  /** The handler did not run: answer `refusal` (409 held, 400 bad key, 503 store down). */
  | { kind: "refused"; refusal: Refusal }
  /** The handler did not run because the client went away while waiting: nobody to answer. */
  | { kind: "gone" }
  /**
   * The handler ran, but the lease was lost while it did (its work may have overlapped another
   * holder): answer `refusal` (409 `HOLDFAST_LOCK_LOST`) if nothing was sent yet.
   */
  | { kind: "lost"; refusal: Refusal };

/**
 * The framework-independent part of "a lock around a handler": takes the request's lock (one
 * round trip), runs the handler under it with its fence and an abort signal, refreshes the lease
 * while the handler runs, and releases it when the handler settles (never before: the handler
 * must return a promise that settles when its work is done).
 */
export class LockCore<Req> {
  readonly locks: Locks;

  constructor(private readonly options: LockMiddlewareOptions<Req>) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("options", `must be an object, got ${describeValue(options)}`);
    }
    if (typeof options.key !== "function") {
      throw new InvalidArgumentError(
        "key",
        `must be a function of the request, got ${describeValue(options.key)}`,
      );
    }
    if (options.metadata !== undefined && typeof options.metadata !== "function") {
      throw new InvalidArgumentError(
        "metadata",
        `must be a function, got ${describeValue(options.metadata)}`,
      );
    }
    if (options.locks) this.locks = options.locks;
    else if (options.store && typeof options.store.run === "function")
      this.locks = createLocks(options.store);
    else
      throw new InvalidArgumentError(
        "store",
        `must be a Holdfast store (from createStore), got ${describeValue(options.store)}`,
      );
  }

  /**
   * Runs `handler` under the request's lock. Rejects with the handler's own error, or an error of
   * the app's callbacks (`key`, `metadata`): those belong to the framework's error handler.
   */
  async run(req: Req, gone: AbortSignal, handler: (lock: RequestLock) => unknown): Promise<LockOutcome> {
    const options = this.options;
    const key = await options.key(req);
    const metadata = options.metadata ? await options.metadata(req) : undefined;
    let entered = false;
    let failed: { error: unknown } | undefined;
    try {
      await this.locks.withLock(
        key,
        async (signal, lease) => {
          entered = true;
          try {
            await handler({ key, lease, fence: lease.fence, signal: anySignal([signal, gone]) });
          } catch (e) {
            failed = { error: e };
            throw e;
          }
        },
        {
          signal: gone,
          ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
          ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
          ...(options.refreshEveryMs !== undefined ? { refreshEveryMs: options.refreshEveryMs } : {}),
          ...(metadata !== undefined ? { metadata } : {}),
        },
      );
      return { kind: "done" };
    } catch (e) {
      if (failed && e === failed.error) {
        // The handler rethrew its signal's reason (`signal.throwIfAborted()`): the same outcomes.
        if (isLockLostError(e) && e.key === key) return { kind: "lost", refusal: refusalOf(e) };
        if (gone.aborted && e === gone.reason) return { kind: "gone" };
        throw e;
      }
      if (entered) {
        if (isLockLostError(e)) return { kind: "lost", refusal: refusalOf(e) };
        throw e;
      }
      if (gone.aborted) return { kind: "gone" };
      const refusal = refusalFor(e);
      if (!refusal) throw e;
      return { kind: "refused", refusal };
    }
  }
}
