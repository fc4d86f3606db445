import { assertDurationMs, assertInt, withDefaults } from "../util/validate.js";

/** Options of {@link createSessions}, validated once at construction. */
export interface SessionOptions {
  /** Lifetime of a session when `put` names none, in ms; `touch` restarts it. @defaultValue 86_400_000 (24 h, as in the seed) */
  ttlMs?: number;
  /**
   * The most live sessions one user keeps; `put` of one more removes the user's sessions that
   * expire soonest. Also bounds `list` and `revokeAll`. @defaultValue 100
   */
  maxSessionsPerUser?: number;
  /** The most expired index entries one call removes (bounds every call's work). @defaultValue 100 */
  reclaimLimit?: number;
  /** Largest session token accepted, in characters (JWTs are usually under 2 KB). @defaultValue 16_384 */
  maxTokenLength?: number;
  /** Largest `data`, as JSON, in characters. @defaultValue 65_536 */
  maxDataLength?: number;
}

/** The defaults of {@link SessionOptions}. */
export const DEFAULT_SESSION_OPTIONS: Required<SessionOptions> = {
  ttlMs: 86_400_000,
  maxSessionsPerUser: 100,
  reclaimLimit: 100,
  maxTokenLength: 16_384,
  maxDataLength: 65_536,
};

export function resolveSessionOptions(options: SessionOptions = {}): Required<SessionOptions> {
  const o = withDefaults(DEFAULT_SESSION_OPTIONS, options);
  assertDurationMs("ttlMs", o.ttlMs);
  assertInt("maxSessionsPerUser", o.maxSessionsPerUser, 1, 10_000);
  assertInt("reclaimLimit", o.reclaimLimit, 1, 1000);
  assertInt("maxTokenLength", o.maxTokenLength, 16, 1_048_576);
  assertInt("maxDataLength", o.maxDataLength, 2, 16_777_216);
  return o;
}
