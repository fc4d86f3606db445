import { defineError, guardOf, type ErrorParts } from "./define-error.js";

/**
 * A count that has a cap would pass it: a tenant's channels or event sources in `holdfast serve`,
 * an event log's `maxSources`. Nothing was written. Reuse existing names (put ids in the payload
 * rather than in the channel or source name), wait for unused channels to age out, or raise the cap.
 */
export class QuotaExceededError extends defineError(
  "HOLDFAST_QUOTA_EXCEEDED",
  (
    quota: string,
    limit: number,
    fix: string,
  ): ErrorParts<{
    /** What is counted, e.g. `channels` or `event sources`. */
    quota: string;
    /** The cap. */
    limit: number;
  }> => ({
    message: `At most ${limit} ${quota}: this one would be one more. ${fix}`,
    fields: { quota, limit },
  }),
) {}

export const isQuotaExceededError = guardOf(QuotaExceededError);
