import { HoldfastError } from "./holdfast-error.js";

/**
 * A caller passed a value Holdfast cannot accept (an empty key, a non-integer TTL, a limit below 1).
 * Nothing was written. In HTTP this becomes a 400 naming `field` and `reason`.
 */
export class InvalidArgumentError extends HoldfastError {
  readonly code = "HOLDFAST_INVALID_ARGUMENT";
  /** The option or argument at fault, e.g. `ttlMs`. */
  readonly field: string;
  /** Why it was refused, e.g. `must be an integer between 1 and 2147483647`. */
  readonly reason: string;

  constructor(field: string, reason: string) {
    super(`Invalid ${field}: ${reason}.`);
    this.field = field;
    this.reason = reason;
  }
}

export function isInvalidArgumentError(e: unknown): e is InvalidArgumentError {
  return e instanceof InvalidArgumentError;
}
