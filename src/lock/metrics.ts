import { counter, tally } from "../observe/metrics.js";

const acquired = counter("holdfast_lock_acquired_total", "Locks acquired, by mode.", ["mode"] as const);
const conflicts = counter(
  "holdfast_lock_conflicts_total",
  "Lock attempts refused because another owner or readers held the key (each attempt counts).",
);
const released = counter("holdfast_lock_released_total", "Locks released by their owner.");
const notOwned = counter(
  "holdfast_lock_not_owned_total",
  "Refreshes and releases refused because the token no longer held the lock.",
);
const lost = counter(
  "holdfast_lock_lost_total",
  "withLock sections whose lease was lost while they ran, by reason.",
  ["reason"] as const,
);
const closed = counter(
  "holdfast_lock_closed_total",
  "Locks closed by their holder (close): the name refuses every later acquire.",
);
const forced = counter("holdfast_lock_force_released_total", "Locks deleted by forceRelease (admin).");
const releaseFailed = counter(
  "holdfast_lock_release_failed_total",
  "withLock releases that failed because the store could not be reached (the lease then expires by its TTL).",
);

/** Pre-bound counters: the hot path only calls `inc()`. */
export const lockMetrics = {
  acquiredExclusive: tally(acquired, { mode: "exclusive" }),
  acquiredRead: tally(acquired, { mode: "read" }),
  conflicts,
  released,
  notOwned,
  lostNotOwned: lost.labels("not-owned"),
  lostDeadline: lost.labels("deadline"),
  closed,
  forced,
  releaseFailed,
};
