import { defineError, guardOf, type ErrorParts } from "../errors/define-error.js";
import type { LimitStatus, RateLimitResult } from "./types.js";

/**
 * A rate limit refused the request: the key used up a limit (`limit-reached`), is blocked after
 * doing so (`blocked`), or asked for more than a limit can ever give (`cost-exceeds-limit`).
 * Nothing was consumed. The HTTP middleware (`holdfast/express`, `holdfast/fastify`) answers it
 * with 429, `Retry-After` and the `RateLimit` headers; build one yourself from a refused
 * {@link RateLimitResult} with `new RateLimitedError(result)`.
 */
export class RateLimitedError extends defineError(
  "HOLDFAST_RATE_LIMITED",
  (
    result: RateLimitResult,
  ): ErrorParts<{
    /** The name of the limit that refused. */
    policy: string;
    reason: "limit-reached" | "blocked" | "cost-exceeds-limit";
    /** Ms until the same request can pass; Infinity when it never can (cost above the quota). */
    retryAfterMs: number;
    /** Units left in the refusing limit. */
    remaining: number;
    /** Every limit of the key after the decision. */
    limits: LimitStatus[];
  }> => {
    const reason =
      result.reason === "blocked" || result.reason === "cost-exceeds-limit" ? result.reason : "limit-reached";
    const wait = Number.isFinite(result.retryAfterMs)
      ? `retry in ${Math.max(1, Math.ceil(result.retryAfterMs / 1000))} s`
      : "this request costs more than the limit allows and can never pass";
    return {
      message:
        reason === "blocked"
          ? `Too many requests: blocked after reaching the "${result.policy}" limit; ${wait}.`
          : `Too many requests: the "${result.policy}" limit is reached; ${wait}.`,
      fields: {
        policy: result.policy,
        reason,
        retryAfterMs: result.retryAfterMs,
        remaining: result.remaining,
        limits: result.limits,
      },
    };
  },
) {}

export const isRateLimitedError = guardOf(RateLimitedError);
