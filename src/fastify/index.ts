/**
 * `holdfast/fastify`: Fastify hooks and plugins for rate limits, concurrency limits and locks
 * around a handler, on any Holdfast store. Refusals use the Holdfast service's error shape.
 * See docs/middleware.md.
 */
import type {
  FastifyPluginAsync,
  FastifyPluginOptions,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  RouteHandlerMethod,
} from "fastify";
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
 * Builds the body of a refusal (`@fastify/rate-limit`'s `errorResponseBuilder`, except that the
 * value is sent with `refusal.status` and headers, not thrown). The default is `refusal.body`
 * with the request id.
 */
export type ErrorResponseBuilder = (request: FastifyRequest, refusal: Refusal) => unknown;

/** Options of {@link rateLimitHook} and {@link holdfastRateLimit}. */
export interface FastifyRateLimitOptions extends RateLimitMiddlewareOptions<FastifyRequest> {
  errorResponseBuilder?: ErrorResponseBuilder;
}

/** Options of {@link concurrencyLimitHook} and {@link holdfastConcurrencyLimit}. */
export interface FastifyConcurrencyOptions extends ConcurrencyMiddlewareOptions<FastifyRequest> {
  errorResponseBuilder?: ErrorResponseBuilder;
}

/** Options of {@link withLock}. */
export interface FastifyLockOptions extends LockMiddlewareOptions<FastifyRequest> {
  errorResponseBuilder?: ErrorResponseBuilder;
}

const rateLimits = new WeakMap<FastifyRequest, RateLimitResult>();
const slots = new WeakMap<FastifyRequest, Slot>();

/** The client's address (`request.ip`, which honours Fastify's `trustProxy`). */
export function defaultKey(request: FastifyRequest): string {
  return request.ip ?? "unknown";
}

function refuse(
  build: ErrorResponseBuilder | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
  refusal: Refusal,
): FastifyReply {
  const body = build ? build(request, refusal) : bodyWithId(refusal, request.id);
  return reply.code(refusal.status).headers(refusal.headers).send(body);
}

/**
 * A plugin named `name` that adds `hook(options)` as an `onRequest` hook. Not encapsulated, so the
 * hook applies to every route of the app that registers it.
 */
function onEveryRequest<T extends FastifyPluginOptions>(
  name: string,
  hook: (options: T) => onRequestAsyncHookHandler,
): FastifyPluginAsync<T> {
  const plugin: FastifyPluginAsync<T> = async (app, options) => {
    app.addHook("onRequest", hook(options));
  };
  return Object.assign(plugin, {
    [Symbol.for("skip-override")]: true,
    [Symbol.for("fastify.display-name")]: name,
  });
}

/**
 * An `onRequest` hook that rate-limits, for one route (`{ onRequest: rateLimitHook({ … }) }`) or
 * all (`app.addHook("onRequest", …)`, or register {@link holdfastRateLimit}). One limiter call
 * per request. Allowed: `RateLimit`/`RateLimit-Policy` headers; refused: 429 with `Retry-After`
 * and `HOLDFAST_RATE_LIMITED`; store unreachable: 503 (fail-closed unless `onStoreUnavailable`).
 *
 * @throws InvalidArgumentError at creation for a bad option
 * @example
 * app.post("/api/locks/acquire", { onRequest: rateLimitHook({ store, max: 10, timeWindow: 1_000 }) }, handler);
 */
export function rateLimitHook(options: FastifyRateLimitOptions): onRequestAsyncHookHandler {
  const core = new RateLimitCore<FastifyRequest>(options, defaultKey);
  return async (request, reply) => {
    const d = await core.decide(request);
    if (d.result) rateLimits.set(request, d.result);
    if (d.allowed) {
      if (Object.keys(d.headers).length > 0) void reply.headers(d.headers);
      return;
    }
    return refuse(options.errorResponseBuilder, request, reply, d.refusal);
  };
}

/**
 * {@link rateLimitHook} on every route of the app that registers it (like `@fastify/rate-limit`).
 * @example await app.register(holdfastRateLimit, { store, max: 100, timeWindow: 60_000 });
 */
export const holdfastRateLimit: FastifyPluginAsync<FastifyRateLimitOptions> = onEveryRequest(
  "holdfast-rate-limit",
  rateLimitHook,
);

/** The rate-limit result of this request (after the hook ran; undefined if skipped). */
export function rateLimitOf(request: FastifyRequest): RateLimitResult | undefined {
  return rateLimits.get(request);
}

/**
 * An `onRequest` hook that caps the requests in flight at once per key, across every process on
 * the store. The slot is released when the response is finished or the client goes away; a client
 * that goes away while queued leaves the queue. Full: 429 `HOLDFAST_CONCURRENCY_LIMIT` with
 * `Retry-After`; store unreachable: 503 (fail-closed).
 *
 * @throws InvalidArgumentError at creation for a bad option
 * @example
 * app.get("/reports/:id", { onRequest: concurrencyLimitHook({ store, limit: 5 }) }, buildReport);
 */
export function concurrencyLimitHook(options: FastifyConcurrencyOptions): onRequestAsyncHookHandler {
  const core = new ConcurrencyCore<FastifyRequest>(options);
  return async (request, reply) => {
    const watch = watchResponse(reply.raw);
    const d = await core.admit(request, watch.gone);
    if (!d.admitted) {
      if (d.refusal) return refuse(options.errorResponseBuilder, request, reply, d.refusal);
      // The client is gone: nobody to answer; end the request here.
      return reply.hijack();
    }
    if (d.slot) {
      slots.set(request, d.slot);
      void watch.closed.then(d.slot.release);
    }
    // Admitted after the client left: its slot goes back with the close; nothing to run.
    if (watch.gone.aborted) return reply.hijack();
  };
}

/**
 * {@link concurrencyLimitHook} on every route of the app that registers it.
 * @example await app.register(holdfastConcurrencyLimit, { store, limit: 50 });
 */
export const holdfastConcurrencyLimit: FastifyPluginAsync<FastifyConcurrencyOptions> = onEveryRequest(
  "holdfast-concurrency-limit",
  concurrencyLimitHook,
);

/** The concurrency slot of this request (after the hook admitted it). */
export function concurrencySlotOf(request: FastifyRequest): Slot | undefined {
  return slots.get(request);
}

/**
 * A route handler that runs `handler` under a lock named from the request: one request at a time
 * per name, across every process on the store. `handler` gets the fence and a signal that aborts
 * when the lease is lost or the client goes away, and returns the reply body (or uses `reply`);
 * the lock is released when it settles. Held: 409 `HOLDFAST_LOCK_CONFLICT` with `remainingTtlMs`;
 * store unreachable: 503; lease lost while it ran: 409 `HOLDFAST_LOCK_LOST` (if nothing was sent).
 * Errors it throws go to the app's error handler.
 *
 * @throws InvalidArgumentError at creation for a bad option
 * @example
 * app.post("/slots/:id/book", withLock({ store, key: (req) => `slot:${(req.params as { id: string }).id}` },
 *   async (request, reply, lock) => bookings.create(request.body, { fence: lock.fence })));
 */
export function withLock(
  options: FastifyLockOptions,
  handler: (request: FastifyRequest, reply: FastifyReply, lock: RequestLock) => unknown,
): RouteHandlerMethod {
  const core = new LockCore<FastifyRequest>(options);
  return async function lockedHandler(request, reply) {
    const { gone } = watchResponse(reply.raw);
    let result: unknown;
    const outcome = await core.run(request, gone, async (lock) => {
      result = await handler(request, reply, lock);
    });
    if (reply.sent) return reply;
    // The client went away: nobody to answer, and Fastify must not wait for a body.
    if (outcome.kind === "gone" || (outcome.kind === "done" && gone.aborted)) return reply.hijack();
    if (outcome.kind === "done") return result;
    return refuse(options.errorResponseBuilder, request, reply, outcome.refusal);
  };
}
