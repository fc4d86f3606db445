/**
 * `holdfast/react`: React hooks over `holdfast/client` for browsers. `useLock` holds one lock with a
 * countdown that a skewed browser clock cannot move; `useChannel` follows a realtime channel and
 * resumes after a disconnect. React 18 or 19 is a peer dependency of this entry point only:
 * `holdfast` and `holdfast/client` never load it. See docs/react.md.
 */
export { useLock, type UseLockResult } from "./use-lock.js";
export { type LockSnapshot, type UseLockOptions } from "./lock-store.js";
export { useChannel, type UseChannelOptions, type UseChannelResult } from "./use-channel.js";
export { MAX_KEEP, type ChannelSnapshot } from "./channel-store.js";
export { formatMs } from "../client/lock-holder.js";
