/**
 * The status codes the inventory scripts return (first element of every reply): the same in Lua
 * and in the memory twins, read by `decode.ts`.
 */
export const InventoryStatus = Object.freeze({
  Ok: 0,
  /** Created (define), existing live hold (idempotent hold), already done (commit/release retry). */
  Again: 1,
  /**
   * Not decided yet: the call spent its reclaim limit giving back expired holds and more may be
   * due. Nothing else changed; the caller runs the script again (hold, get, adjust).
   */
  More: 2,
  ItemNotFound: -1,
  Insufficient: -2,
  HolderLimit: -3,
  HoldNotFound: -4,
  HoldExpired: -5,
  HoldCommitted: -6,
  HoldReleased: -7,
  Capacity: -8,
} as const);
export type InventoryStatus = (typeof InventoryStatus)[keyof typeof InventoryStatus];
