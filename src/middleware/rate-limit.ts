import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { StoreUnavailableError } from "../errors/store-errors.js";
import { RateLimitedError } from "../limit/errors.js";
import { httpStatusOf, rateLimitHeaders } from "../limit/headers.js";
import { createRateLimiter, type RateLimiter } from "../limit/rate-limiter.js";
import type { LimitSpec, RateLimitResult, StoreUnavailablePolicy } from "../limit/types.js";
import type { Store } from "../store/types.js";
import { assertDurationMs, assertInt, describeValue } from "../util/validate.js";
import { refusalFor, refusalOf, type MaybePromise, type Refusal } from "./http.js";

/**
 * Options of the rate-limit middleware, named as `express-rate-limit` and `@fastify/rate-limit`
 * name them where they mean the same thing (`limit`/`max`, `windowMs`/`timeWindow`,
 * `keyGenerator`, `skip`, `standardHeaders`), mapped onto a Holdfast {@link RateLimiter}.
 * Validated once, when the middleware is created.
 */
export interface RateLimitMiddlewareOptions<Req> {
  /** The store to count on (memory or Redis); required unless `limiter` is given. */
  store?: Store;
  /** A limiter you built yourself (then `store` and the limit options are not used). */
  limiter?: RateLimiter;
  /**
   * The limiter's name: middlewares with the same name and limits on the same store share
   * budgets (several app instances, several routes); give each different limit its own name.
   * @defaultValue "http"
   */
  name?: string;
  /** Requests allowed per window, per key (`express-rate-limit`'s `limit`). */
  limit?: number;
  /** The same as `limit` (`@fastify/rate-limit`'s and older `express-rate-limit`'s name). */
  max?: number;
  /** The window, in ms. @defaultValue 60000 */
  windowMs?: number;
  /** The same as `windowMs`, in ms (`@fastify/rate-limit`'s name; strings like "1 minute" are refused). */
  timeWindow?: number;
  /**
   * How `limit` per `windowMs` is counted. `fixed-window` is what `express-rate-limit` and
   * `@fastify/rate-limit` do (up to 2 × limit across a window boundary); `sliding-window` smooths
   * that edge. @defaultValue "fixed-window"
   */
  algorithm?: "fixed-window" | "sliding-window";
  /** Several limits decided together (all must allow; nothing is consumed otherwise), instead of `limit`. */
  limits?: LimitSpec[];
  /** After a refusal, refuse the key for this long without counting, in ms. @defaultValue 0 */
  blockDurationMs?: number;
  /**
   * When the store cannot answer: `fail-closed` answers 503 with `Retry-After` (the limiter's own
   * default, because an outage is not the client's fault and must not open the gates),
   * `fail-open` lets requests through uncounted, `local` counts in this process until the store is
   * back. Every such decision is counted (`holdfast_degraded_decisions_total`) and logged.
   * `express-rate-limit`'s `passOnStoreError: true` and `@fastify/rate-limit`'s
   * `skipOnError: true` are `"fail-open"`. @defaultValue "fail-closed"
   */
  onStoreUnavailable?: StoreUnavailablePolicy;
  /** Who is limited. @defaultValue the client's IP address (`req.ip`; set Express's `trust proxy` behind a proxy) */
  keyGenerator?: (req: Req) => MaybePromise<string>;
  /** Return true to let a request through without counting it (health checks, allow lists). */
  skip?: (req: Req) => MaybePromise<boolean>;
  /** Units a request costs, an integer ≥ 1. @defaultValue 1 */
  cost?: (req: Req) => MaybePromise<number>;
  /**
   * Send `RateLimit` and `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers) on every
   * counted response. `Retry-After` is sent with every refusal regardless. @defaultValue true
   */
  standardHeaders?: boolean;
}

/** What the middleware decided for one request. */
export type RateLimitDecision =
  | {
      allowed: true;
      /** Headers to set on the response (empty when skipped or `standardHeaders: false`). */
      headers: Record<string, string>;
      /** The limiter's result; undefined when `skip` let the request through. */
      result: RateLimitResult | undefined;
    }
  | { allowed: false; refusal: Refusal; result: RateLimitResult | undefined };

/** Defaults of {@link RateLimitMiddlewareOptions}. */
export const DEFAULT_RATE_LIMIT_MIDDLEWARE_OPTIONS = {
  name: "http",
  windowMs: 60_000,
  algorithm: "fixed-window",
  standardHeaders: true,
} as const;

/** Which limits each (store, name) was given by a middleware of this process. */
const limitsByName = new WeakMap<Store, Map<string, string>>();

function limiterOf<Req>(o: RateLimitMiddlewareOptions<Req>): RateLimiter {
  const d = DEFAULT_RATE_LIMIT_MIDDLEWARE_OPTIONS;
  const inline = [
    "limit",
    "max",
    "windowMs",
    "timeWindow",
    "algorithm",
    "limits",
    "blockDurationMs",
  ] as const;
  if (o.limiter) {
    const extra = inline.find((k) => o[k] !== undefined);
    if (extra)
      throw new InvalidArgumentError(
        extra,
        "must not be given with `limiter` (configure the limiter instead)",
      );
    return o.limiter;
  }
  if (!o.store || typeof o.store.run !== "function") {
    throw new InvalidArgumentError(
      "store",
      `must be a Holdfast store (from createStore), got ${describeValue(o.store)}`,
    );
  }
  if (o.limit !== undefined && o.max !== undefined)
    throw new InvalidArgumentError("max", "give `limit` or `max`, not both");
  if (o.windowMs !== undefined && o.timeWindow !== undefined) {
    throw new InvalidArgumentError("timeWindow", "give `windowMs` or `timeWindow`, not both");
  }
  if (typeof o.timeWindow === "string") {
    throw new InvalidArgumentError(
      "timeWindow",
      `must be a number of ms, got ${describeValue(o.timeWindow)}`,
    );
  }
  const name = o.name ?? d.name;
  let limits: LimitSpec[];
  if (o.limits !== undefined) {
    const extra = (["limit", "max", "windowMs", "timeWindow", "algorithm"] as const).find(
      (k) => o[k] !== undefined,
    );
    if (extra)
      throw new InvalidArgumentError(extra, "must not be given with `limits` (put it in each limit)");
    limits = o.limits;
  } else {
    const limit = o.limit ?? o.max;
    if (limit === undefined) {
      throw new InvalidArgumentError("limit", "is required: how many requests per window (or give `limits`)");
    }
    const algorithm = o.algorithm ?? d.algorithm;
    if (algorithm !== "fixed-window" && algorithm !== "sliding-window") {
      throw new InvalidArgumentError(
        "algorithm",
        `must be "fixed-window" or "sliding-window", got ${describeValue(algorithm)}`,
      );
    }
    const windowMs = assertDurationMs(
      o.windowMs !== undefined ? "windowMs" : "timeWindow",
      o.windowMs ?? o.timeWindow ?? d.windowMs,
    );
    limits = [
      {
        algorithm,
        limit: assertInt(o.limit !== undefined ? "limit" : "max", limit, 1, 2_147_483_647),
        windowMs,
      },
    ];
  }
  const limiter = createRateLimiter(o.store, {
    name,
    limits,
    ...(o.blockDurationMs !== undefined ? { blockDurationMs: o.blockDurationMs } : {}),
    ...(o.onStoreUnavailable !== undefined ? { onStoreUnavailable: o.onStoreUnavailable } : {}),
  });
  // Two middlewares with one name but different limits would silently share counters.
  const spec = JSON.stringify([limiter.limits, limiter.blockDurationMs]);
  let names = limitsByName.get(o.store);
  if (!names) limitsByName.set(o.store, (names = new Map()));
  const before = names.get(name);
  if (before !== undefined && before !== spec) {
    limiter.close();
    throw new InvalidArgumentError(
      "name",
      `"${name}" is already used by a rate-limit middleware with other limits on this store; give this one its own \`name\``,
    );
  }
  names.set(name, spec);
  return limiter;
}

/**
 * The framework-independent part of the rate-limit middleware: validates the options once and
 * decides each request in one limiter call (one round trip on Redis).
 */
export class RateLimitCore<Req> {
  readonly limiter: RateLimiter;
  private readonly standardHeaders: boolean;

  constructor(
    private readonly options: RateLimitMiddlewareOptions<Req>,
    private readonly defaultKey: (req: Req) => string,
  ) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("options", `must be an object, got ${describeValue(options)}`);
    }
    for (const f of ["keyGenerator", "skip", "cost"] as const) {
      if (options[f] !== undefined && typeof options[f] !== "function") {
        throw new InvalidArgumentError(f, `must be a function, got ${describeValue(options[f])}`);
      }
    }
    this.standardHeaders = options.standardHeaders ?? DEFAULT_RATE_LIMIT_MIDDLEWARE_OPTIONS.standardHeaders;
    this.limiter = limiterOf(options);
  }

  /**
   * Decides `req`. Rejects only with an error of the app's own callbacks (`keyGenerator`, `skip`,
   * `cost`) or one that is not Holdfast's: those belong to the framework's error handler.
   */
  async decide(req: Req): Promise<RateLimitDecision> {
    const o = this.options;
    if (o.skip && (await o.skip(req))) return { allowed: true, headers: {}, result: undefined };
    const key = o.keyGenerator ? await o.keyGenerator(req) : this.defaultKey(req);
    const cost = o.cost ? await o.cost(req) : 1;
    let result: RateLimitResult;
    try {
      result = await this.limiter.consume(key, cost === 1 ? undefined : { cost });
    } catch (e) {
      // A bad key or cost (400), a closed store (503): answered in the service's shape.
      const refusal = refusalFor(e);
      if (!refusal) throw e;
      return { allowed: false, refusal, result: undefined };
    }
    const all = rateLimitHeaders(result);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(all)) if (this.standardHeaders || k === "Retry-After") headers[k] = v;
    if (result.allowed) return { allowed: true, headers, result };
    // 503 when the store could not decide (fail-closed), 429 when a limit refused.
    const error =
      httpStatusOf(result) === 503
        ? new StoreUnavailableError(
            "the rate limit could not be checked, so the request was refused (fail-closed)",
          )
        : new RateLimitedError(result);
    return { allowed: false, refusal: refusalOf(error, headers), result };
  }
}
