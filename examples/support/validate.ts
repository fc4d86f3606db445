/**
 * Checks of the apps' own options, failing with Holdfast's public InvalidArgumentError (so a bad
 * option reads like a bad option of the library), in the library's wording.
 */
import { InvalidArgumentError } from "holdfast";

/** The largest duration a Node timer takes (about 24.8 days), the library's limit too. */
export const MAX_DURATION_MS = 2_147_483_647;

/** A short, safe description of a bad value for error messages (never dumps large objects). */
export function describeValue(value: unknown): string {
  if (typeof value === "string")
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** An integer in [min, max]; throws InvalidArgumentError naming `field` otherwise. */
export function assertInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      field,
      `must be an integer between ${min} and ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A duration in milliseconds: an integer in [min, {@link MAX_DURATION_MS}]. */
export function assertDurationMs(field: string, value: unknown, min = 1): number {
  return assertInt(field, value, min, MAX_DURATION_MS);
}
