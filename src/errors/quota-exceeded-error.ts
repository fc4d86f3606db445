import { HoldfastError } from "./holdfast-error.js";

/**
 * A count that has a cap would pass it: a tenant's channels or event sources in `holdfast serve`,
 * an event log's `maxSources`. Nothing was written. Reuse existing names (put ids in the payload
 * rather than in the channel or source name), wait for unused channels to age out, or raise the cap.
 */
export class QuotaExceededError extends HoldfastError {
  readonly code = "HOLDFAST_QUOTA_EXCEEDED";
  /** What is counted, e.g. `channels` or `event sources`. */
  readonly quota: string;
  /** The cap. */
  readonly limit: number;
  constructor(quota: string, limit: number, fix: string) {
    super(`At most ${limit} ${quota}: this one would be one more. ${fix}`);
    this.quota = quota;
    this.limit = limit;
  }
}

export const isQuotaExceededError = (e: unknown): e is QuotaExceededError => e instanceof QuotaExceededError;
