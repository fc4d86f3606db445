/**
 * `holdfast/express`: Express middleware for rate limits, concurrency limits and locks around a
 * handler, on any Holdfast store. Express (4.17+ or 5) is an optional peer dependency of this
 * entry point only. Refusals use the Holdfast service's error shape. See docs/middleware.md.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { RateLimitResult } from "../limit/types.js";
import { ConcurrencyCore, type ConcurrencyMiddlewareOptions, type Slot } from "../middleware/concurrency.js";
import { bodyWithId, watchResponse, type Refusal } from "../middleware/http.js";
import { LockCore, type LockMiddlewareOptions, type RequestLock } from "../middleware/lock.js";
import { RateLimitCore, type RateLimitMiddlewareOptions } from "../middleware/rate-limit.js";

export type { Refusal } from "../middleware/http.js";
export type { RequestLock } from "../middleware/lock.js";
export type { Slot } from "../middleware/concurrency.js";
export { DEFAULT_RATE_LIMIT_MIDDLEWARE_OPTIONS } from "../middleware/rate-limit.js";

/**
 * Answers a refusal yourself (`express-rate-limit`'s `handler`). The default sends
 * `refusal.status`, `refusal.headers` and `refusal.body` (with `requestId` when `req.id` is set).
 */
export type RefusalHandler = (req: Request, res: Response, next: NextFunction, refusal: Refusal) => void;

/** Options of {@link rateLimit}. */
export interface ExpressRateLimitOptions extends RateLimitMiddlewareOptions<Request> {
  handler?: RefusalHandler;
}

/** Options of {@link concurrencyLimit}. */
export interface ExpressConcurrencyOptions extends ConcurrencyMiddlewareOptions<Request> {
  handler?: RefusalHandler;
}

/** Options of {@link withLock}. */
export interface ExpressLockOptions extends LockMiddlewareOptions<Request> {
  handler?: RefusalHandler;
}

const rateLimits = new WeakMap<Request, RateLimitResult>();
const slots = new WeakMap<Request, Slot>();

/** The client's address: `req.ip` (which honours Express's `trust proxy`), else the socket's. */
export function defaultKey(req: Request): string {
  return req.ip ?? req.socket?.remoteAddress ?? "unknown";
}

function send(req: Request, res: Response, refusal: Refusal): void {
  if (res.headersSent) return;
  res
    .status(refusal.status)
    .set(refusal.headers)
    .json(bodyWithId(refusal, (req as { id?: unknown }).id));
}

function refuse(
  handler: RefusalHandler | undefined,
  req: Request,
  res: Response,
  next: NextFunction,
  r: Refusal,
): void {
  if (handler) handler(req, res, next, r);
  else send(req, res, r);
}

/**
 * Rate-limits requests: one limiter call per request (one round trip on Redis). Allowed requests
 * get `RateLimit`/`RateLimit-Policy` headers; refused ones a 429 with `Retry-After` and
 * `{ error: { code: "HOLDFAST_RATE_LIMITED", policy, retryAfterMs, … } }`; a store that cannot
 * answer gives 503 with `Retry-After` (fail-closed, the default; see `onStoreUnavailable`).
 *
 * @throws InvalidArgumentError at creation for a bad option
 * @example
 * app.use(rateLimit({ store, limit: 100, windowMs: 60_000 }));
 * app.post("/api/locks/acquire", rateLimit({ store, name: "acquire", limit: 10, windowMs: 1_000,
 *   keyGenerator: (req) => req.body.tenantId }), acquireHandler);
 */
export function rateLimit(options: ExpressRateLimitOptions): RequestHandler {
  const core = new RateLimitCore<Request>(options, defaultKey);
  return (req, res, next) => {
    core.decide(req).then((d) => {
      if (d.result) rateLimits.set(req, d.result);
      if (d.allowed) {
        if (Object.keys(d.headers).length > 0) res.set(d.headers);
        next();
      } else refuse(options.handler, req, res, next, d.refusal);
    }, next);
  };
}

/** The rate-limit result of this request (after {@link rateLimit} ran; undefined if skipped). */
export function rateLimitOf(req: Request): RateLimitResult | undefined {
  return rateLimits.get(req);
}

/**
 * Caps the requests in flight at once per key, across every process on the store. A request's
 * slot is released when its response is finished or its client goes away, whichever comes first;
 * a client that goes away while queued leaves the queue. Full: 429 with `Retry-After` and
 * `HOLDFAST_CONCURRENCY_LIMIT`; store unreachable: 503 (fail-closed).
 *
 * @throws InvalidArgumentError at creation for a bad option
 * @example
 * app.use("/api/reports", concurrencyLimit({ store, limit: 5, maxQueue: 20, queueTimeoutMs: 5_000 }));
 */
export function concurrencyLimit(options: ExpressConcurrencyOptions): RequestHandler {
  const core = new ConcurrencyCore<Request>(options);
  return (req, res, next) => {
    const watch = watchResponse(res);
    core.admit(req, watch.gone).then((d) => {
      if (!d.admitted) {
        if (d.refusal) refuse(options.handler, req, res, next, d.refusal);
        return;
      }
      const slot = d.slot;
      if (slot) {
        slots.set(req, slot);
        void watch.closed.then(slot.release);
      }
      // Admitted after the client left: its slot goes back with the close; nothing to run.
      if (!watch.gone.aborted) next();
    }, next);
  };
}

/** The concurrency slot of this request (after {@link concurrencyLimit} admitted it). */
export function concurrencySlotOf(req: Request): Slot | undefined {
  return slots.get(req);
}

/**
 * Runs `handler` under a lock named from the request: one request at a time per name, across
 * every process on the store. The handler gets the lease's fence and a signal that aborts when
 * the lease is lost or the client goes away; the lock is released when the handler's promise
 * settles (return or await your work). Held: 409 with `HOLDFAST_LOCK_CONFLICT` and the holder's
 * `remainingTtlMs` (after waiting `waitMs`); store unreachable: 503; lease lost while the handler
 * ran and nothing sent yet: 409 `HOLDFAST_LOCK_LOST`. Errors the handler throws go to `next`.
 *
 * @throws InvalidArgumentError at creation for a bad option
 * @example
 * app.post("/slots/:id/book", withLock({ store, key: (req) => `slot:${req.params.id}`, ttlMs: 10_000 },
 *   async (req, res, lock) => {
 *     const booking = await bookings.create(req.body, { fence: lock.fence, signal: lock.signal });
 *     res.status(201).json(booking);
 *   }));
 */
export function withLock(
  options: ExpressLockOptions,
  handler: (req: Request, res: Response, lock: RequestLock) => unknown,
): RequestHandler {
  const core = new LockCore<Request>(options);
  return (req, res, next) => {
    const { gone } = watchResponse(res);
    core
      .run(req, gone, (lock) => handler(req, res, lock))
      .then((outcome) => {
        if (outcome.kind === "refused") refuse(options.handler, req, res, next, outcome.refusal);
        // Lost after the answer was sent: counted (holdfast_lock_lost_total), nothing left to tell.
        else if (outcome.kind === "lost" && !res.headersSent)
          refuse(options.handler, req, res, next, outcome.refusal);
      }, next);
  };
}
