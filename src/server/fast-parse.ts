import type { z } from "zod";

/**
 * A hand-written check of a schema's common, valid inputs: it returns exactly what the schema's
 * `safeParse` would give as `data`, or `undefined` to let zod decide. It never refuses anything
 * itself, so every 400 (its field and reason) still comes from zod.
 */
export type FastParse<T extends z.ZodType> = (value: unknown) => z.output<T> | undefined;

const fastParsers = new WeakMap<z.ZodType, (value: unknown) => unknown>();

/**
 * Gives `schema` a fast path for the requests of the hottest routes (a lock's acquire and
 * release): zod's `safeParse` costs a few µs per object, several percent of a request's CPU there.
 * `test/server/fast-parse.test.ts` checks each fast path against zod on generated inputs.
 */
export function withFastParse<T extends z.ZodType>(schema: T, fast: FastParse<T>): T {
  fastParsers.set(schema, fast);
  return schema;
}

/** The fast path of `schema`, if it has one. */
export function fastParseOf<T extends z.ZodType>(schema: T): FastParse<T> | undefined {
  return fastParsers.get(schema) as FastParse<T> | undefined;
}

/** `value` when it is a plain JSON object (not null, not an array) whose own keys are all in `allowed`. */
export function objectWithKeysIn(
  value: unknown,
  allowed: readonly string[],
): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  for (const k in value) {
    if (!Object.hasOwn(value, k) || !allowed.includes(k)) return undefined;
  }
  return value as Record<string, unknown>;
}

/** True for a string of `min`–`max` UTF-16 units (as zod's `.min()`/`.max()` count). */
export function isStringOfLength(v: unknown, min: number, max: number): v is string {
  return typeof v === "string" && v.length >= min && v.length <= max;
}

/** True for an integer in [min, max] (as zod's `.int().min().max()` with finite bounds). */
export function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}
