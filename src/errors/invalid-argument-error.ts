import { defineError, guardOf, type ErrorParts } from "./define-error.js";

/**
 * A caller passed a value Holdfast cannot accept (an empty key, a non-integer TTL, a limit below 1).
 * Nothing was written. In HTTP this becomes a 400 naming `field` and `reason`.
 */
export class InvalidArgumentError extends defineError(
  "HOLDFAST_INVALID_ARGUMENT",
  (
    field: string,
    reason: string,
  ): ErrorParts<{
    /** The option or argument at fault, e.g. `ttlMs`. */
    field: string;
    /** Why it was refused, e.g. `must be an integer between 1 and 2147483647`. */
    reason: string;
  }> => ({ message: `Invalid ${field}: ${reason}.`, fields: { field, reason } }),
) {}

export const isInvalidArgumentError = guardOf(InvalidArgumentError);
