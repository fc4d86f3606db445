import { LRUCache } from "lru-cache";
import { z } from "zod";
import {
  createRateLimiter,
  rateLimitHeaders,
  type RateLimiter,
  type RateLimitResult,
  type LimitSpec,
} from "../../limit/index.js";
import type { ServerContext } from "../context.js";
import { routeGroup } from "../route.js";
import { errorResponse, nameParam } from "./common.js";
import { errorReply } from "../replies/common.js";
import { limitSpec, rateLimitReply, rateLimitResetReply } from "../replies/limits.js";

const limitsSchema = z.array(limitSpec).min(1).max(16);
const specBody = z.object({
  key: nameParam.describe("Who is limited, e.g. a user or IP"),
  limits: limitsSchema.describe("Every limit must allow; nothing is consumed when one refuses"),
  onStoreUnavailable: z.enum(["fail-closed", "fail-open", "local"]).optional(),
  blockDurationMs: z.number().int().min(0).max(2_147_483_647).optional(),
});
const nameParams = z.object({ name: nameParam });
const LIMIT_HEADERS = ["RateLimit", "RateLimit-Policy", "Retry-After"] as const;

/** At most this many limiter definitions are cached per server (spec changes create new ones). */
const MAX_CACHED_LIMITERS = 1000;

/**
 * `/v1/ratelimits/:name/…`. The caller sends the limits with every call, so they can change at
 * runtime (state is kept per limiter name and key, see docs/rate-limits.md). A refusal is 429 with
 * `RateLimit`/`RateLimit-Policy`/`Retry-After`; an unreachable store under `fail-closed` is 503,
 * never 429.
 */
export function registerRateLimitRoutes(ctx: ServerContext): void {
  const route = routeGroup(ctx, "rate limits");
  // Each cached limiter remembers the limits it was last given (as JSON), so a request with the
  // same limits as the previous one (the usual case) does not re-validate and re-install them.
  // Bounded (LRU): a limiter dropped from it is closed (its outage timer, if any, stops).
  const cache = new LRUCache<string, { limiter: RateLimiter; limits: string }>({
    max: MAX_CACHED_LIMITERS,
    dispose: (v) => v.limiter.close(),
  });
  const limiterFor = (tenant: string, name: string, body: z.output<typeof specBody>): RateLimiter => {
    const id = JSON.stringify([
      tenant,
      name,
      body.onStoreUnavailable ?? "fail-closed",
      body.blockDurationMs ?? 0,
    ]);
    const limits = JSON.stringify(body.limits);
    const cached = cache.get(id);
    if (cached) {
      if (cached.limits !== limits) {
        cached.limiter.setLimits(body.limits as LimitSpec[]);
        cached.limits = limits;
      }
      return cached.limiter;
    }
    const limiter = createRateLimiter(ctx.tenantStore(tenant), {
      name,
      limits: body.limits as LimitSpec[],
      onStoreUnavailable: body.onStoreUnavailable,
      blockDurationMs: body.blockDurationMs,
    });
    cache.set(id, { limiter, limits });
    return limiter;
  };
  const answer = (
    reply: { header: (k: string, v: string) => unknown; code: (n: number) => unknown },
    result: RateLimitResult,
  ) => {
    for (const [k, v] of Object.entries(rateLimitHeaders(result))) reply.header(k, v);
    if (!result.allowed) reply.code(result.reason === "store-unavailable" ? 503 : 429);
    return result;
  };

  route({
    method: "POST",
    url: "/v1/ratelimits/:name/check",
    operationId: "checkRateLimit",
    scope: "client",
    summary:
      "Consume `cost` from every limit of `key` in one round trip: 200 allowed, 429 limited, 503 store unreachable (fail-closed)",
    params: nameParams,
    body: specBody.extend({ cost: z.number().int().min(1).max(1e9).optional() }),
    responses: {
      200: { description: "Allowed", schema: rateLimitReply, headers: LIMIT_HEADERS },
      400: errorResponse("Invalid limits or key"),
      429: {
        description: "A limit refused: nothing was consumed",
        schema: rateLimitReply,
        headers: LIMIT_HEADERS,
      },
      503: {
        description:
          "Store unreachable and the policy is fail-closed (a decision with `reason: store-unavailable`), or the key could not be checked (an error)",
        schema: z.union([rateLimitReply, errorReply]),
        headers: LIMIT_HEADERS,
      },
    },
    handler: async ({ params, body, principal, reply }) => {
      const limiter = limiterFor(principal.tenant, params.name, body);
      return answer(reply, await limiter.consume(body.key, { cost: body.cost }));
    },
  });

  route({
    method: "POST",
    url: "/v1/ratelimits/:name/peek",
    operationId: "peekRateLimit",
    scope: "client",
    summary: "What a check of `cost` would decide, without consuming",
    params: nameParams,
    body: specBody.extend({ cost: z.number().int().min(1).max(1e9).optional() }),
    responses: {
      200: { description: "The would-be result (never 429)", schema: rateLimitReply, headers: LIMIT_HEADERS },
    },
    handler: async ({ params, body, principal, reply }) => {
      const result = await limiterFor(principal.tenant, params.name, body).peek(body.key, {
        cost: body.cost,
      });
      for (const [k, v] of Object.entries(rateLimitHeaders(result))) void reply.header(k, v);
      return result;
    },
  });

  for (const action of ["reward", "penalty"] as const) {
    route({
      method: "POST",
      url: `/v1/ratelimits/:name/${action}`,
      operationId: action === "reward" ? "rewardRateLimit" : "penalizeRateLimit",
      scope: "client",
      summary:
        action === "reward"
          ? "Give `units` back to every limit of `key` (a refund)"
          : "Take `units` from every limit of `key` (a penalty)",
      params: nameParams,
      body: specBody.extend({ units: z.number().int().min(1).max(1e9) }),
      responses: { 200: { description: "The state after the change", schema: rateLimitReply } },
      handler: async ({ params, body, principal }) => {
        const limiter = limiterFor(principal.tenant, params.name, body);
        return action === "reward"
          ? limiter.reward(body.key, body.units)
          : limiter.penalty(body.key, body.units);
      },
    });
  }

  route({
    method: "POST",
    url: "/v1/ratelimits/:name/reset",
    operationId: "resetRateLimit",
    scope: "client",
    summary: "Forget the state of `key` (full budget again, block lifted)",
    params: nameParams,
    body: specBody,
    responses: { 200: { description: "Reset", schema: rateLimitResetReply } },
    handler: async ({ params, body, principal }) => {
      await limiterFor(principal.tenant, params.name, body).reset(body.key);
      return { reset: true, key: body.key };
    },
  });
}
