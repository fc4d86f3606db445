/** Reply schemas of `/v1/ratelimits/…` and `/v1/breakers/…`. */
import { z } from "zod";
import { durationMs, epochMs, int } from "./common.js";

/**
 * One limit as a caller sends it to `/v1/ratelimits/:name/…` (the routes validate requests with it)
 * and as the dashboard's limiter listing reports it back.
 */
export const limitSpec = z.discriminatedUnion("algorithm", [
  z.object({
    algorithm: z.enum(["fixed-window", "sliding-window"]),
    name: z.string().min(1).max(64).optional(),
    limit: z.number().int().min(1).max(1e9),
    windowMs: durationMs,
  }),
  z.object({
    algorithm: z.enum(["token-bucket", "gcra"]),
    name: z.string().min(1).max(64).optional(),
    burst: z.number().int().min(1).max(1e9),
    ratePerSec: z.number().positive().max(1e9),
  }),
]);

const algorithm = z.enum(["fixed-window", "sliding-window", "token-bucket", "gcra"]);
/** `Infinity` in the library (the cost exceeds the quota: it can never pass) is `null` in JSON. */
const retryAfterMs = z
  .number()
  .nullable()
  .describe("0 when allowed; else ms until the same cost can pass; null when it never can");

export const limitStatusReply = z
  .object({
    name: z.string(),
    algorithm,
    quota: int(),
    windowMs: int().describe("The window; for bucket and GCRA the time to refill a whole burst"),
    remaining: z.number(),
    resetMs: z.number(),
    retryAfterMs,
  })
  .meta({ id: "RateLimitStatus" });

/** The decision of a check (and of peek, reward and penalty). */
export const rateLimitReply = z
  .object({
    allowed: z.boolean(),
    remaining: z.number().describe("Units left in the binding limit"),
    resetMs: z.number().describe("ms until the binding limit's whole quota is back"),
    retryAfterMs,
    policy: z.string().describe("Name of the binding limit"),
    reason: z.enum(["limit-reached", "blocked", "cost-exceeds-limit", "store-unavailable"]).optional(),
    degraded: z.literal(true).optional().describe("Decided without the store, by `degradedPolicy`"),
    degradedPolicy: z.enum(["fail-closed", "fail-open", "local"]).optional(),
    degradedReason: z.string().optional(),
    limits: z.array(limitStatusReply).describe("Every limit, in the order sent (empty for fail-open/closed)"),
  })
  .meta({ id: "RateLimitResult" });

export const rateLimitResetReply = z.object({ reset: z.literal(true), key: z.string() });

export const breakerStateReply = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("closed") }),
    z.object({
      kind: z.literal("open"),
      openUntilMs: epochMs("When a probe may go through"),
      attempt: int(),
    }),
    z.object({ kind: z.literal("half-open"), attempt: int() }),
    z.object({ kind: z.literal("isolated") }),
  ])
  .meta({ id: "BreakerState" });

export const breakerReply = z.object({ name: z.string(), state: breakerStateReply });
