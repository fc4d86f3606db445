import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { assertDurationMs, assertInt, describeValue } from "../util/validate.js";
import type { LimitSpec, RateLimitAlgorithm, RateLimiterOptions } from "./types.js";

/** A validated limit, with what the script needs precomputed. */
export interface NormalizedLimit {
  name: string;
  algorithm: RateLimitAlgorithm;
  /** Algorithm code of `ratelimit-1.lua`. */
  code: 1 | 2 | 3 | 4;
  /** The hash field of its state: the algorithm's letter and the name, so a changed algorithm starts fresh. */
  field: string;
  /** `limit` or `burst`. */
  quota: number;
  /** `windowMs` or `ratePerSec`. */
  param: number;
  /** The window, or the time to refill a whole burst, in ms. */
  windowMs: number;
}

export const MAX_LIMITS = 16;
export const MAX_QUOTA = 2_147_483_647;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const CODES = { "fixed-window": 1, "sliding-window": 2, "token-bucket": 3, gcra: 4 } as const;
const LETTERS = { "fixed-window": "f", "sliding-window": "s", "token-bucket": "t", gcra: "g" } as const;

export function assertLimitName(field: string, value: unknown): string {
  if (typeof value !== "string" || !NAME.test(value)) {
    throw new InvalidArgumentError(
      field,
      `must be 1 to 64 letters, digits, "_", "-" or ".", got ${describeValue(value)}`,
    );
  }
  return value;
}

function normalize(field: string, spec: Partial<LimitSpec> & { algorithm?: unknown }): NormalizedLimit {
  const algorithm = spec.algorithm as RateLimitAlgorithm;
  if (typeof algorithm !== "string" || !(algorithm in CODES)) {
    throw new InvalidArgumentError(
      `${field}algorithm`,
      `must be one of ${Object.keys(CODES).join(", ")}, got ${describeValue(spec.algorithm)}`,
    );
  }
  const name = assertLimitName(`${field}name`, spec.name);
  const base = { name, algorithm, code: CODES[algorithm], field: `${LETTERS[algorithm]}:${name}` };
  if (algorithm === "fixed-window" || algorithm === "sliding-window") {
    const s = spec as Partial<{ limit: number; windowMs: number }>;
    const quota = assertInt(`${field}limit`, s.limit, 1, MAX_QUOTA);
    const windowMs = assertDurationMs(`${field}windowMs`, s.windowMs);
    return { ...base, quota, param: windowMs, windowMs };
  }
  const s = spec as Partial<{ burst: number; ratePerSec: number }>;
  const quota = assertInt(`${field}burst`, s.burst, 1, MAX_QUOTA);
  const rate = s.ratePerSec;
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 1e-6 || rate > 1e9) {
    throw new InvalidArgumentError(
      `${field}ratePerSec`,
      `must be a number between 0.000001 and 1000000000, got ${describeValue(rate)}`,
    );
  }
  return { ...base, quota, param: rate, windowMs: Math.ceil((quota * 1000) / rate) };
}

/**
 * The name a limit without `name` gets: the first one is `default` (as a single inline limit is, so
 * moving from one inline limit to a list keeps its state), the next ones `default-2`, `default-3`…
 * in the order they appear. State follows the name, so name your limits when you insert or reorder
 * them at runtime.
 */
export function defaultLimitName(nthUnnamed: number): string {
  return nthUnnamed === 1 ? "default" : `default-${nthUnnamed}`;
}

/** Validates a list of limits: 1 to {@link MAX_LIMITS}, unique names (unnamed ones get distinct defaults). */
export function normalizeLimits(limits: unknown): NormalizedLimit[] {
  if (!Array.isArray(limits) || limits.length === 0 || limits.length > MAX_LIMITS) {
    throw new InvalidArgumentError("limits", `must be an array of 1 to ${MAX_LIMITS} limits`);
  }
  let unnamed = 0;
  const out = limits.map((l, i) => {
    if (typeof l !== "object" || l === null) {
      throw new InvalidArgumentError(`limits[${i}]`, `must be an object, got ${describeValue(l)}`);
    }
    const spec = l as Partial<LimitSpec>;
    const name = spec.name === undefined ? defaultLimitName(++unnamed) : spec.name;
    return normalize(`limits[${i}].`, { ...spec, name });
  });
  const seen = new Map<string, number>();
  out.forEach((l, i) => {
    const first = seen.get(l.name);
    if (first !== undefined) {
      throw new InvalidArgumentError(
        `limits[${i}].name`,
        `duplicates "${l.name}" of limits[${first}]: give each limit its own name`,
      );
    }
    seen.set(l.name, i);
  });
  return out;
}

/** The limits of `options`: `limits`, or the one limit given inline. */
export function limitsOf(options: RateLimiterOptions): NormalizedLimit[] {
  const inline = options.algorithm !== undefined;
  if (inline === (options.limits !== undefined)) {
    throw new InvalidArgumentError(
      "limits",
      "give either one limit inline (algorithm, limit, windowMs | burst, ratePerSec) or `limits`, not both",
    );
  }
  if (options.limits !== undefined) return normalizeLimits(options.limits);
  // The limiter's `name` is not the limit's: an inline limit is called "default".
  return [normalize("", { ...(options as Partial<LimitSpec>), name: "default" })];
}
