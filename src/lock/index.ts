export { Locks, createLocks } from "./locks.js";
export {
  LockConflictError,
  LockNotOwnedError,
  LockLostError,
  isLockConflictError,
  isLockNotOwnedError,
  isLockLostError,
  type LockHolderKind,
  type NotOwnedReason,
  type LockLostReason,
} from "./errors.js";
export {
  DEFAULT_LOCKS_OPTIONS,
  MAX_METADATA_CHARS,
  MAX_OWNER_CHARS,
  type LocksOptions,
  type AcquireOptions,
  type WithLockOptions,
} from "./options.js";
export type { ListOptions, ListPageOptions } from "./inspect.js";
export { MAX_MULTI_KEYS } from "./scripts/scripts.js";
export type { Lease, LeaseRef, LeaseMode, MultiLease, MultiLeaseRef, LockInfo } from "./types.js";
