import { counter } from "../observe/metrics.js";

/** The semaphores' counters, in the Holdfast registry. No per-name labels: names are unbounded. */
export const semaphoreMetrics = {
  acquired: counter("holdfast_semaphore_acquired_total", "Permits acquired."),
  rejected: counter(
    "holdfast_semaphore_rejected_total",
    "acquire()/tryAcquire() calls that ended without a permit because the semaphore was full.",
  ),
  released: counter("holdfast_semaphore_released_total", "Permits released by their holder."),
  refreshed: counter("holdfast_semaphore_refreshed_total", "Permits refreshed."),
  notHeld: counter(
    "holdfast_semaphore_not_held_total",
    "refresh()/release() calls for a permit that had expired or was released already.",
  ),
  storeErrors: counter(
    "holdfast_semaphore_store_errors_total",
    "Semaphore operations that failed closed because the store could not answer.",
  ),
};
