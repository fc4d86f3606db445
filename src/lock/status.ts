/**
 * The status codes the lock scripts return (see each .lua header): the same in Lua and in the
 * memory twins, read by `decode.ts`.
 */
export const LockStatus = Object.freeze({
  /** acquire: another owner holds the lock. */
  HeldByOwner: -1,
  /** refresh / release: nobody holds it. */
  NotHeld: -2,
  /** refresh / release: another token holds it. */
  HeldByAnother: -3,
  /** acquire: live readers hold it. */
  HeldByReaders: -4,
  /** acquire: this very token holds it (locks are not reentrant). */
  HeldBySelf: -5,
  /** acquire, refresh, release, close: the name was closed by its last holder (`close`). */
  Closed: -6,
} as const);
export type LockStatus = (typeof LockStatus)[keyof typeof LockStatus];
