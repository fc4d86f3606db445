/** The one decoder of the rate-limit scripts' raw replies, shared by both stores. */
import type { RateLimitReply } from "./scripts/scripts.js";
import type { NormalizedLimit } from "./spec.js";
import type { LimitStatus, RateLimitReason, RateLimitResult } from "./types.js";

const REASONS: (RateLimitReason | undefined)[] = [
  undefined,
  "limit-reached",
  "blocked",
  "cost-exceeds-limit",
];

/** A wait in ms as the script answers it: -1 (never) becomes Infinity. */
const msOrNever = (v: number): number => (v < 0 ? Infinity : v);

/**
 * Decodes the script's reply (the same on both stores) into a result. The binding limit is the one
 * that refused with the longest wait, or, when all allow, the one with the fewest units left.
 */
export function decodeReply(r: RateLimitReply, limits: readonly NormalizedLimit[]): RateLimitResult {
  // An allowed consume answers {remaining, resetMs} per limit (2n numbers); every other reply is
  // {allowed, reason, retryAfterMs} then {remaining, resetMs, retryAfterMs} per limit (3 + 3n).
  const compact = r.length === 2 * limits.length;
  const allowed = compact || r[0] === 1;
  const first = compact ? 0 : 3;
  const stride = compact ? 2 : 3;
  const statuses: LimitStatus[] = new Array<LimitStatus>(limits.length);
  let bind = 0;
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i];
    const o = first + stride * i;
    statuses[i] = {
      name: l.name,
      algorithm: l.algorithm,
      quota: l.quota,
      windowMs: l.windowMs,
      remaining: r[o],
      resetMs: r[o + 1],
      retryAfterMs: compact ? 0 : msOrNever(r[o + 2]),
    };
    if (i > 0) {
      const b = statuses[bind];
      const s = statuses[i];
      if (allowed ? s.remaining < b.remaining : s.retryAfterMs > b.retryAfterMs) bind = i;
    }
  }
  const b = statuses[bind];
  const result: RateLimitResult = {
    allowed,
    remaining: b.remaining,
    resetMs: b.resetMs,
    retryAfterMs: compact ? 0 : msOrNever(r[2]),
    policy: b.name,
    limits: statuses,
  };
  const reason = compact ? undefined : REASONS[r[1]];
  if (reason !== undefined) result.reason = reason;
  return result;
}
