import { InvalidArgumentError } from "../errors/invalid-argument-error.js";

/** Largest duration Holdfast accepts anywhere: about 24.8 days, the largest value a Node timer takes. */
export const MAX_DURATION_MS = 2_147_483_647;
/** Longest name (lock key, item id, holder…) in UTF-16 code units. */
export const MAX_NAME_LENGTH = 512;
/** The control characters (U+0000–U+001F, U+007F), as the body of a regex character class. */
export const CONTROL_CHARACTERS = "\\u0000-\\u001f\\u007f";
/** Text without control characters, which no name, token or key may contain. */
export const NO_CONTROL_CHARACTERS = new RegExp(`^[^${CONTROL_CHARACTERS}]*$`);

/** An integer in [min, max]; throws {@link InvalidArgumentError} naming `field` otherwise. */
export function assertInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      field,
      `must be an integer between ${min} and ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A duration in milliseconds: an integer in [1, {@link MAX_DURATION_MS}] unless `min` says otherwise. */
export function assertDurationMs(field: string, value: unknown, min = 1): number {
  return assertInt(field, value, min, MAX_DURATION_MS);
}

/** A non-empty string of at most `max` characters without control characters. */
export function assertName(field: string, value: unknown, max = MAX_NAME_LENGTH): string {
  if (typeof value !== "string") {
    throw new InvalidArgumentError(field, `must be a string, got ${describeValue(value)}`);
  }
  if (value.length === 0) throw new InvalidArgumentError(field, "must not be empty");
  if (value.length > max) {
    throw new InvalidArgumentError(field, `must be at most ${max} characters, got ${value.length}`);
  }
  if (!NO_CONTROL_CHARACTERS.test(value)) {
    throw new InvalidArgumentError(field, "must not contain control characters");
  }
  return value;
}

/** A non-empty array of unique names, at most `maxItems` long. */
export function assertNames(field: string, value: unknown, maxItems: number): string[] {
  if (!Array.isArray(value))
    throw new InvalidArgumentError(field, `must be an array, got ${describeValue(value)}`);
  if (value.length === 0) throw new InvalidArgumentError(field, "must not be empty");
  if (value.length > maxItems) {
    throw new InvalidArgumentError(field, `must have at most ${maxItems} entries, got ${value.length}`);
  }
  const seen = new Set<string>();
  value.forEach((v, i) => {
    assertName(`${field}[${i}]`, v);
    if (seen.has(v as string)) throw new InvalidArgumentError(`${field}[${i}]`, `duplicates "${String(v)}"`);
    seen.add(v as string);
  });
  return value as string[];
}

export function assertBoolean(field: string, value: unknown): boolean {
  if (typeof value !== "boolean")
    throw new InvalidArgumentError(field, `must be a boolean, got ${describeValue(value)}`);
  return value;
}

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

/** Drops keys whose value is undefined, so `{ ttlMs: undefined }` means "the default". */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * A primitive's options merged over its `defaults` (a field given as undefined keeps its default),
 * before the primitive validates each field.
 *
 * @throws InvalidArgumentError on `options` unless `options` is an object
 */
export function withDefaults<T extends object>(defaults: Required<T>, options: T): Required<T> {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("options", "must be an object");
  }
  return { ...defaults, ...stripUndefined(options) };
}
