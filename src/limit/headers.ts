import type { RateLimitResult } from "./types.js";

/**
 * HTTP helpers for rate-limit results, following draft-ietf-httpapi-ratelimit-headers-10
 * (September 2025): structured-field lists `RateLimit-Policy: "<name>";q=<quota>;w=<window s>`
 * and `RateLimit: "<name>";r=<remaining>;t=<seconds until reset>`, plus `Retry-After` (RFC 9110)
 * in whole seconds, rounded up.
 */

/** Whole seconds, rounded up (a client that waits this long is never early). */
export function toSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

/** `Retry-After` in whole seconds (rounded up), or undefined when the request passed or never can. */
export function retryAfterSeconds(result: RateLimitResult): number | undefined {
  if (result.allowed || !Number.isFinite(result.retryAfterMs)) return undefined;
  return Math.max(1, toSeconds(result.retryAfterMs));
}

/**
 * The HTTP status a result calls for: 200 when allowed, 429 only when a limit refused
 * (`limit-reached`, `blocked`, `cost-exceeds-limit`), 503 when the store could not decide
 * (`store-unavailable` under fail-closed): an outage is not the client's fault.
 */
export function httpStatusOf(result: RateLimitResult): 200 | 429 | 503 {
  if (result.allowed) return 200;
  return result.reason === "store-unavailable" ? 503 : 429;
}

/**
 * The response headers for a result: `RateLimit-Policy` and `RateLimit` for every limit (omitted
 * when no quota is known, i.e. fail-open/fail-closed decisions), and `Retry-After` on refusals
 * that can pass later (also on 503, as the time of the next store probe).
 *
 * @example
 * res.writeHead(httpStatusOf(r), rateLimitHeaders(r));
 * // RateLimit-Policy: "per-second";q=10;w=1, "hourly";q=1000;w=3600
 * // RateLimit: "per-second";r=0;t=1, "hourly";r=958;t=1712
 * // Retry-After: 1
 */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const headers: Record<string, string> = {};
  if (result.limits.length > 0) {
    let policy = "";
    let state = "";
    for (const l of result.limits) {
      const sep = policy === "" ? "" : ", ";
      policy += `${sep}"${l.name}";q=${l.quota};w=${Math.max(1, toSeconds(l.windowMs))}`;
      state += `${sep}"${l.name}";r=${l.remaining};t=${toSeconds(l.resetMs)}`;
    }
    headers["RateLimit-Policy"] = policy;
    headers["RateLimit"] = state;
  }
  const retry = retryAfterSeconds(result);
  if (retry !== undefined) headers["Retry-After"] = String(retry);
  return headers;
}
