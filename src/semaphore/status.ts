/**
 * The status in the first element of every semaphore script's reply: the same in Lua and in the
 * memory twins, read by `decode.ts`.
 */
export const SemaphoreStatus = Object.freeze({
  Ok: 1,
  /** acquire: every permit is held. */
  Full: -1,
  /** refresh / release: the token holds no live permit. */
  NotHeld: -2,
} as const);
export type SemaphoreStatus = (typeof SemaphoreStatus)[keyof typeof SemaphoreStatus];
