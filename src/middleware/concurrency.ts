import { createConcurrencyLimiter, type ConcurrencyLimiter } from "../concurrency/concurrency-limiter.js";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import type { Store } from "../store/types.js";
import { describeValue } from "../util/validate.js";
import { refusalFor, type MaybePromise, type Refusal } from "./http.js";

/** Options of the concurrency-limit middleware. Validated once, when it is created. */
export interface ConcurrencyMiddlewareOptions<Req> {
  /** The store the slots live in; required unless `limiter` is given. */
  store?: Store;
  /** A limiter you built yourself (then `store`, `limit`, `ttlMs`, `maxQueue`, `queueTimeoutMs` are not used). */
  limiter?: ConcurrencyLimiter;
  /** Requests in flight at once per key, across every process on the store. */
  limit?: number;
  /**
   * Prefix of the keys, so two middlewares do not share slots by accident; with no
   * `keyGenerator` the whole middleware is one key. @defaultValue "http"
   */
  name?: string;
  /** Which requests share slots (e.g. `(req) => req.params.restaurantId`). @defaultValue one key for all */
  keyGenerator?: (req: Req) => MaybePromise<string>;
  /** Return true to let a request through without a slot. */
  skip?: (req: Req) => MaybePromise<boolean>;
  /** A slot's TTL if this process dies mid-request, in ms; refreshed while the request runs. @defaultValue 30000 */
  ttlMs?: number;
  /** Requests per key that may wait in this process for a slot; beyond it, 429 at once. @defaultValue 0 */
  maxQueue?: number;
  /** How long a queued request waits before a 429, in ms. @defaultValue 10000 */
  queueTimeoutMs?: number;
}

/** A request's slot, from admission until its response is finished or its client went away. */
export interface Slot {
  /** The key the slot was taken on. */
  key: string;
  /** Aborts when the slot was lost (its permit expired or was taken) or the client went away. */
  signal: AbortSignal;
  /** Gives the slot back (idempotent). */
  release(): void;
}

/** What the middleware decided for one request. */
export type ConcurrencyDecision =
  { admitted: true; slot: Slot | undefined } | { admitted: false; refusal: Refusal | undefined };

/**
 * The framework-independent part of the concurrency-limit middleware. A request takes a slot of
 * a {@link ConcurrencyLimiter} before its handler runs and gives it back when the adapter says the
 * response is finished or the client went away, whichever comes first; a request whose client goes
 * away while it waits in the queue leaves the queue.
 */
export class ConcurrencyCore<Req> {
  readonly limiter: ConcurrencyLimiter;
  private readonly name: string;

  constructor(private readonly options: ConcurrencyMiddlewareOptions<Req>) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("options", `must be an object, got ${describeValue(options)}`);
    }
    for (const f of ["keyGenerator", "skip"] as const) {
      if (options[f] !== undefined && typeof options[f] !== "function") {
        throw new InvalidArgumentError(f, `must be a function, got ${describeValue(options[f])}`);
      }
    }
    this.name = options.name ?? "http";
    if (options.limiter) {
      this.limiter = options.limiter;
      return;
    }
    if (!options.store || typeof options.store.run !== "function") {
      throw new InvalidArgumentError(
        "store",
        `must be a Holdfast store (from createStore), got ${describeValue(options.store)}`,
      );
    }
    if (options.limit === undefined)
      throw new InvalidArgumentError("limit", "is required: how many requests at once");
    this.limiter = createConcurrencyLimiter(options.store, {
      limit: options.limit,
      ttlMs: options.ttlMs,
      maxQueue: options.maxQueue,
      queueTimeoutMs: options.queueTimeoutMs,
    });
  }

  /**
   * Waits for a slot of the request's key. `gone` aborts when the client went away: the request
   * then leaves the queue and the decision is `{ admitted: false, refusal: undefined }` (nobody to
   * answer). Rejects only with an error of the app's own callbacks or one that is not Holdfast's.
   */
  async admit(req: Req, gone: AbortSignal): Promise<ConcurrencyDecision> {
    const options = this.options;
    if (options.skip && (await options.skip(req))) return { admitted: true, slot: undefined };
    const key = options.keyGenerator ? `${this.name}:${await options.keyGenerator(req)}` : this.name;
    try {
      return { admitted: true, slot: await this.hold(key, gone) };
    } catch (e) {
      if (gone.aborted) return { admitted: false, refusal: undefined };
      // Full (429 with Retry-After), a bad key (400), the store unreachable (503): fail closed.
      const refusal = refusalFor(e);
      if (!refusal) throw e;
      return { admitted: false, refusal };
    }
  }

  /** Resolves once `run()` admitted the request; the slot is held until `release()`. */
  private hold(key: string, gone: AbortSignal): Promise<Slot> {
    return new Promise<Slot>((resolve, reject) => {
      let release!: () => void;
      const done = new Promise<void>((r) => (release = r));
      this.limiter
        .run(
          key,
          (signal) => {
            resolve({ key, signal, release });
            return done;
          },
          { signal: gone },
        )
        // Before admission this rejects the decision; after, resolve already won and this is a no-op.
        .catch(reject);
    });
  }
}
