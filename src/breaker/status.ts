/**
 * The state code every breaker script returns first (and stores in the state hash's `st`): the
 * same in Lua and in the memory twins, read by the shared core and `peek.ts`.
 */
export const BreakerStatus = Object.freeze({
  Closed: 0,
  Open: 1,
  HalfOpen: 2,
  Isolated: 3,
} as const);
export type BreakerStatus = (typeof BreakerStatus)[keyof typeof BreakerStatus];
