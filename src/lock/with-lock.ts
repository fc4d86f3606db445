import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { assertDurationMs } from "../util/validate.js";
import { isLockClosedError, isLockNotOwnedError, LockLostError, type LockLostReason } from "./errors.js";
import { lockMetrics } from "./metrics.js";
import type { LocksOptions, WithLockOptions } from "./options.js";
import type { Lease, MultiLease } from "./types.js";

/** A held lease as `runLocked` sees it: how to refresh and release it, and its timing. */
export interface Held {
  lease: unknown;
  /** For errors: the name (or names joined by commas). */
  key: string;
  fence: number;
  ttlMs: number;
  /** performance.now() when the acquire was sent: the server's expiry is no earlier than sentAt + ttlMs. */
  sentAt: number;
  refreshEveryMs: number;
  /** Safety margin subtracted from the local deadline for clock drift, in ms. */
  driftMs: number;
  refresh(): Promise<void>;
  release(): Promise<void>;
}

/** How often `withLock` refreshes: `refreshEveryMs`, else `refreshRatio` of the TTL; below the TTL. */
export function refreshEveryMs(options: WithLockOptions, defaults: Required<LocksOptions>): number {
  const ttlMs = options.ttlMs === undefined ? defaults.ttlMs : assertDurationMs("ttlMs", options.ttlMs);
  if (options.refreshEveryMs === undefined) return Math.max(1, Math.floor(ttlMs * defaults.refreshRatio));
  const every = assertDurationMs("refreshEveryMs", options.refreshEveryMs);
  if (every >= ttlMs) throw new InvalidArgumentError("refreshEveryMs", `must be below ttlMs (${ttlMs})`);
  return every;
}

/** A lease as `runLocked` holds it, refreshed and released through `ops`. */
export function heldLease<L extends Lease | MultiLease>(
  lease: L,
  sentAt: number,
  refreshEveryMs: number,
  driftFactor: number,
  ops: { refresh(lease: L): Promise<unknown>; release(lease: L): Promise<void> },
): Held {
  const single = "key" in lease;
  return {
    lease,
    key: single ? lease.key : lease.keys.join(","),
    fence: single ? lease.fence : lease.fences[0],
    ttlMs: lease.ttlMs,
    sentAt,
    refreshEveryMs,
    driftMs: Math.floor(lease.ttlMs * driftFactor) + 2,
    refresh: () => ops.refresh(lease).then(() => undefined),
    release: () => ops.release(lease),
  };
}

/**
 * Runs `fn` under a held lease: refreshes it every `refreshEveryMs`, aborts `fn`'s signal when it is
 * lost, releases it when `fn` settles. Every internal promise is handled, so nothing here can
 * cause an unhandled rejection, however late timers fire or however often the store fails.
 */
export async function runLocked<T>(
  h: Held,
  fn: (signal: AbortSignal, lease: unknown) => Promise<T> | T,
): Promise<T> {
  const controller = new AbortController();
  let deadline = h.sentAt + h.ttlMs - h.driftMs;
  let lost: LockLostError | undefined;
  let done = false;
  let refreshTimer: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;

  const stopTimers = () => {
    clearTimeout(refreshTimer);
    clearTimeout(deadlineTimer);
  };
  const lose = (reason: LockLostReason, cause?: unknown) => {
    if (done || lost) return;
    lost = new LockLostError(h.key, h.fence, reason, cause === undefined ? undefined : { cause });
    (reason === "deadline" ? lockMetrics.lostDeadline : lockMetrics.lostNotOwned).inc();
    stopTimers();
    controller.abort(lost);
  };
  // Timers may fire late (a stalled event loop): every check compares with the clock, not the timer.
  const checkDeadline = () => {
    if (performance.now() >= deadline) lose("deadline");
    else armDeadline();
  };
  const armDeadline = () => {
    clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(checkDeadline, Math.max(0, Math.ceil(deadline - performance.now())));
  };
  const scheduleRefresh = (ms: number) => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, ms);
  };
  const refresh = () => {
    if (done || lost) return;
    const sent = performance.now();
    if (sent >= deadline) {
      lose("deadline");
      return;
    }
    h.refresh().then(
      () => {
        if (done || lost) return;
        deadline = sent + h.ttlMs - h.driftMs;
        armDeadline();
        scheduleRefresh(h.refreshEveryMs);
      },
      (e: unknown) => {
        if (done || lost) return;
        // This very lease closed the name (fn called `close`): it ended on purpose, stop refreshing.
        if (closedBySelf(e)) return stopTimers();
        if (isLockNotOwnedError(e) || isLockClosedError(e)) lose("not-owned", e);
        // The store did not answer: try again soon, as long as the lease may still be ours.
        else
          scheduleRefresh(
            Math.max(1, Math.min(h.refreshEveryMs, Math.floor((deadline - performance.now()) / 4))),
          );
      },
    );
  };

  if (performance.now() >= deadline) lose("deadline");
  else {
    armDeadline();
    scheduleRefresh(h.refreshEveryMs);
  }

  let result: T;
  try {
    result = await fn(controller.signal, h.lease);
  } catch (e) {
    await finish();
    throw e;
  }
  await finish();
  if (lost) throw lost;
  return result;

  /** A LockClosedError whose closing fence is this lease's own: fn closed the name itself. */
  function closedBySelf(e: unknown): boolean {
    return isLockClosedError(e) && e.fence === h.fence;
  }

  async function finish(): Promise<void> {
    done = true;
    stopTimers();
    try {
      await h.release();
    } catch (e) {
      if (closedBySelf(e)) return; // fn closed the name: nothing left to release
      if (isLockNotOwnedError(e) || isLockClosedError(e)) {
        // Released by nobody else but gone: it expired (or was taken) while fn ran.
        if (!lost) {
          lost = new LockLostError(h.key, h.fence, "not-owned", { cause: e });
          lockMetrics.lostNotOwned.inc();
        }
      } else {
        // The store is unreachable: the lease ends by its TTL. Counted, never thrown over fn's result.
        lockMetrics.releaseFailed.inc();
      }
    }
  }
}
