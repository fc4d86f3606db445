import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { describeValue } from "../util/validate.js";

/** Source names and event types: letters, digits and `_ . : -`, starting with a letter or `_`. */
const TOKEN = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** Longest source name or event type, in characters. */
export const MAX_TOKEN_LENGTH = 128;

/** Longest JSON encoding of one event's context (or a machine's data/context), in characters. */
export const MAX_JSON_CHARS = 65_536;

/**
 * A source name, event type, state or machine name: 1 to 128 characters of `[A-Za-z0-9_.:-]`,
 * starting with a letter or `_`. No braces (they would change Redis Cluster hash tags), no
 * spaces, no control characters, so they are safe in keys, log lines and URLs.
 */
export function assertToken(field: string, value: unknown): string {
  if (typeof value !== "string")
    throw new InvalidArgumentError(field, `must be a string, got ${describeValue(value)}`);
  if (value.length === 0 || value.length > MAX_TOKEN_LENGTH || !TOKEN.test(value)) {
    throw new InvalidArgumentError(
      field,
      `must be 1 to ${MAX_TOKEN_LENGTH} characters of letters, digits and "_.:-", starting with a letter or "_", got ${describeValue(value)}`,
    );
  }
  return value;
}

/** True for `{}`-literals and `Object.create(null)` objects (not arrays, dates, class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * JSON of a plain object of at most `maxChars` characters.
 * @throws InvalidArgumentError naming `field` for anything else (nothing is written)
 */
export function encodeJsonObject(field: string, value: unknown, maxChars = MAX_JSON_CHARS): string {
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(field, `must be a plain object, got ${describeValue(value)}`);
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    throw new InvalidArgumentError(field, `must be JSON-serialisable (${(e as Error).message})`);
  }
  if (json.length > maxChars) {
    throw new InvalidArgumentError(
      field,
      `must encode to at most ${maxChars} characters of JSON, got ${json.length}`,
    );
  }
  return json;
}

/** Throws {@link InvalidArgumentError} naming `field` unless `value` is a plain object. */
export function assertOptionsObject(field: string, value: unknown): void {
  if (!isPlainObject(value))
    throw new InvalidArgumentError(field, `must be an object, got ${describeValue(value)}`);
}
