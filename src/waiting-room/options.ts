import { assertDurationMs, assertInt, withDefaults } from "../util/validate.js";

/** Options of {@link createWaitingRoom}, validated once at construction. */
export interface WaitingRoomOptions {
  /**
   * How long a queued user keeps their place without a sign of life (`join`, `position` or
   * `heartbeat`), in ms. After that their entry is dropped by the next calls on the room.
   * @defaultValue 60_000 (one minute)
   */
  heartbeatTtlMs?: number;
  /**
   * How long an admission lasts, in ms: `isAdmitted` is true for this long after `admit`, then the
   * admission drops out by itself. @defaultValue 300_000 (five minutes, the seed's reservation TTL)
   */
  admissionTtlMs?: number;
  /**
   * The most stale entries (and, separately, expired admissions) one call removes, so that no call
   * does unbounded work however many users went away at once. Between 1 and 1000.
   * @defaultValue 100
   */
  reclaimLimit?: number;
  /**
   * The most users one room queues; further joins fail with `WaitingRoomFullError`.
   * @defaultValue 10_000_000
   */
  maxLength?: number;
  /** The most users one `admit` call moves (bounds the script's run time). @defaultValue 10_000 */
  maxAdmitBatch?: number;
  /**
   * The most `position` calls on one room that one script run answers. Calls made on a room in the
   * same tick are sent together at the end of the tick: Redis then reads its clock, checks the
   * stale entries and writes a reply once per batch instead of once per call, which is what a
   * room whose users all poll at once needs. Each call still gets exactly what it would get on its
   * own at that instant. 1 sends every call on its own. Between 1 and 1000. Past 16, a batch saves
   * little more per call (the shared part is already split 16 ways), and smaller batches let Redis
   * start on one while the client gathers the next.
   * @defaultValue 16
   */
  maxPositionBatch?: number;
}

/** The defaults of {@link WaitingRoomOptions}. */
export const DEFAULT_WAITING_ROOM_OPTIONS: Required<WaitingRoomOptions> = {
  heartbeatTtlMs: 60_000,
  admissionTtlMs: 300_000,
  reclaimLimit: 100,
  maxLength: 10_000_000,
  maxAdmitBatch: 10_000,
  maxPositionBatch: 16,
};

export function resolveWaitingRoomOptions(options: WaitingRoomOptions = {}): Required<WaitingRoomOptions> {
  const o = withDefaults(DEFAULT_WAITING_ROOM_OPTIONS, options);
  assertDurationMs("heartbeatTtlMs", o.heartbeatTtlMs);
  assertDurationMs("admissionTtlMs", o.admissionTtlMs);
  assertInt("reclaimLimit", o.reclaimLimit, 1, 1000);
  assertInt("maxLength", o.maxLength, 1, 1_000_000_000);
  assertInt("maxAdmitBatch", o.maxAdmitBatch, 1, 100_000);
  assertInt("maxPositionBatch", o.maxPositionBatch, 1, 1000);
  return o;
}
