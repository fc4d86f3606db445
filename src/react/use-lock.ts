import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { HoldState, LockHolder } from "../client/lock-holder.js";
import { formatMs, LockStore, type LockSnapshot, type UseLockOptions } from "./lock-store.js";

/** What {@link useLock} returns: the current {@link LockSnapshot} and the actions. */
export interface UseLockResult<T> extends LockSnapshot {
  /**
   * Acquires the lock of `target` (releasing the one held before). Never rejects: resolves with
   * the new state, `held` or `conflict`, or the previous state with `error` set on a failure.
   */
  acquire(target: T): Promise<HoldState>;
  /** Extends the lease now (a "need more time" button). Never rejects. */
  refresh(): Promise<HoldState>;
  /** Releases the lock. Never rejects. */
  release(): Promise<void>;
  /** The time left as `m:ss`, rounded up (seed 004's `formatRemainingTime`). */
  formatRemainingTime(): string;
}

/**
 * Holds one lock at a time from a React component: acquire, refresh on an interval, release, a
 * countdown and the error, on `holdfast/client`'s {@link LockHolder} through
 * `useSyncExternalStore`. `lockFor(target)` builds the holder for what the user picked:
 * `(key) => client.holdLock(key, { ttlMs })` against the Holdfast service, or
 * `(slot) => new LockHolder(myTransport(slot), options)` against an app's own lock routes.
 *
 * The countdown is the server's `expiresIn` counted from when the request was sent, on a monotonic
 * clock: a browser clock hours off, or changed meanwhile, does not move it, and it never shows more
 * time than the server has. When it runs out without a successful refresh, `status` becomes `lost`.
 *
 * The lock is released when the component unmounts and when the page goes away (`pagehide`, with
 * a `keepalive` request, which the browser completes after the page is gone); if that request is
 * lost anyway (crash, network), the lease ends by its TTL. After a back/forward-cache restore the
 * status is `released`: acquire again.
 *
 * @example
 * const lock = useLock((slot: string) => client.holdLock(`slot:${slot}`, { ttlMs: 120_000 }));
 * <button onClick={() => lock.acquire("14:00")}>14:00</button>
 * {lock.isLocked && <p>Reserved for {lock.formatRemainingTime()}</p>}
 * {lock.status === "conflict" && <p>Someone else is booking this slot.</p>}
 */
export function useLock<T = void>(
  lockFor: (target: T) => LockHolder,
  options: UseLockOptions = {},
): UseLockResult<T> {
  // The latest callback and options, read when they are used (not when the store was made).
  const latest = useRef({ lockFor, options });
  latest.current = { lockFor, options };
  const [store] = useState(
    () =>
      new LockStore<T>(
        (target) => latest.current.lockFor(target),
        () => latest.current.options,
      ),
  );
  useEffect(() => {
    store.attach();
    return () => store.detach();
  }, [store]);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getServerSnapshot);
  return useMemo(
    () => ({
      ...snapshot,
      acquire: store.acquire,
      refresh: store.refresh,
      release: store.release,
      formatRemainingTime: () => formatMs(snapshot.remainingMs),
    }),
    [snapshot, store],
  );
}
