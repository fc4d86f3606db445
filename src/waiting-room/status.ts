/**
 * The codes the waiting-room scripts return: the same in Lua and in the memory twins, read by
 * `decode.ts` and the room.
 */
export const WaitingRoomStatus = Object.freeze({
  /** join / position (first element): queued, with a place from before this call. */
  Queued: 0,
  /** join: queued by this very call. */
  Joined: 1,
  /** join / position: holds a live admission. */
  Admitted: 2,
  /** position: neither queued nor admitted. */
  Absent: 3,
  /** join: the room holds `maxLength` users. */
  Full: -1,
  /** leave: gave up nothing. */
  LeftNothing: 0,
  /** leave: gave up a place in line. */
  LeftQueue: 1,
  /** leave: gave up an admission. */
  LeftAdmission: 2,
} as const);
export type WaitingRoomStatus = (typeof WaitingRoomStatus)[keyof typeof WaitingRoomStatus];

/**
 * 2^26. The position script answers a queued user in a room of fewer than this many users with one
 * integer, `ahead * PACKED_LENGTH_LIMIT + length` (both below 2^26, so the sum stays below 2^52 and
 * exact in a double): Redis builds and sends an integer for about 5,000 instructions less than the
 * table `{state, ahead, length, ms}`, which larger rooms still get.
 */
export const PACKED_LENGTH_LIMIT = 67_108_864;
