export { Locks, createLocks } from "./locks.js";
export {
  LockConflictError,
  LockNotOwnedError,
  LockLostError,
  LockClosedError,
  isLockConflictError,
  isLockClosedError,
  isLockNotOwnedError,
  isLockLostError,
  type LockHolderKind,
  type NotOwnedReason,
  type LockLostReason,
  type LockClosed,
} from "./errors.js";
export {
  DEFAULT_LOCKS_OPTIONS,
  MAX_METADATA_CHARS,
  MAX_OWNER_CHARS,
  type LocksOptions,
  type AcquireOptions,
  type CloseOptions,
  type WithLockOptions,
} from "./options.js";
export type { ListOptions, ListPageOptions } from "./inspect.js";
export { MAX_MULTI_KEYS } from "./scripts/scripts.js";
export type { Lease, LeaseRef, LeaseMode, MultiLease, MultiLeaseRef, LockInfo, ClosedLock } from "./types.js";
