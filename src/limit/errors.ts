import { HoldfastError } from "../errors/holdfast-error.js";
import type { LimitStatus, RateLimitResult } from "./types.js";

/**
 * A rate limit refused the request: the key used up a limit (`limit-reached`), is blocked after
 * doing so (`blocked`), or asked for more than a limit can ever give (`cost-exceeds-limit`).
 * Nothing was consumed. The HTTP middleware (`holdfast/express`, `holdfast/fastify`) answers it
 * with 429, `Retry-After` and the `RateLimit` headers; build one yourself from a refused
 * {@link RateLimitResult} with `new RateLimitedError(result)`.
 */
export class RateLimitedError extends HoldfastError {
  readonly code = "HOLDFAST_RATE_LIMITED";
  /** The name of the limit that refused. */
  readonly policy: string;
  readonly reason: "limit-reached" | "blocked" | "cost-exceeds-limit";
  /** Ms until the same request can pass; Infinity when it never can (cost above the quota). */
  readonly retryAfterMs: number;
  /** Units left in the refusing limit. */
  readonly remaining: number;
  /** Every limit of the key after the decision. */
  readonly limits: LimitStatus[];

  constructor(result: RateLimitResult) {
    const reason =
      result.reason === "blocked" || result.reason === "cost-exceeds-limit" ? result.reason : "limit-reached";
    const wait = Number.isFinite(result.retryAfterMs)
      ? `retry in ${Math.max(1, Math.ceil(result.retryAfterMs / 1000))} s`
      : "this request costs more than the limit allows and can never pass";
    super(
      reason === "blocked"
        ? `Too many requests: blocked after reaching the "${result.policy}" limit; ${wait}.`
        : `Too many requests: the "${result.policy}" limit is reached; ${wait}.`,
    );
    this.policy = result.policy;
    this.reason = reason;
    this.retryAfterMs = result.retryAfterMs;
    this.remaining = result.remaining;
    this.limits = result.limits;
  }
}

export const isRateLimitedError = (e: unknown): e is RateLimitedError => e instanceof RateLimitedError;
