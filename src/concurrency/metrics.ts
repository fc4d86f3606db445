import { counter } from "../observe/metrics.js";

const rejected = counter(
  "holdfast_concurrency_rejected_total",
  "run() calls refused by a concurrency limiter, by reason (full, queue_full, queue_timeout).",
  ["reason"] as const,
);

/** The concurrency limiters' counters, label children bound once. No per-key labels. */
export const concurrencyMetrics = {
  started: counter("holdfast_concurrency_started_total", "run() calls that got a slot and started."),
  rejected: {
    full: rejected.labels("full"),
    queue_full: rejected.labels("queue_full"),
    queue_timeout: rejected.labels("queue_timeout"),
  },
  permitLost: counter(
    "holdfast_concurrency_permit_lost_total",
    "Running calls whose slot was lost (their AbortSignal was aborted).",
  ),
};
