import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { compareStreamIds } from "../util/stream-id.js";
import { describeValue } from "../util/validate.js";

const ID = /^\d{1,15}-\d{1,15}$/;

/**
 * Compares two message ids: negative when `a` is older, 0 when equal, positive when newer. Ids of
 * one channel only grow, so this is how duplicates are recognised at the seam between history and
 * live delivery.
 */
export const compareMessageIds = compareStreamIds;

/** A message id as the channel hands it out (`<ms>-<seq>`); throws {@link InvalidArgumentError} otherwise. */
export function assertMessageId(field: string, value: unknown): string {
  if (typeof value !== "string" || !ID.test(value)) {
    throw new InvalidArgumentError(
      field,
      `must be a message id of the form "<ms>-<seq>" as received with a message, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** True when `value` looks like a message id. */
export function isMessageId(value: unknown): value is string {
  return typeof value === "string" && ID.test(value);
}
