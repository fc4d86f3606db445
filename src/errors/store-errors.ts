import { defineError, guardOf, type ErrorParts } from "./define-error.js";

/**
 * The store could not be reached (connection refused, closed, or still reconnecting past the
 * command timeout). A command that was never sent did not happen; one whose connection broke
 * after it was sent may have been applied. Primitives that must fail closed
 * (locks, semaphores, stock) surface this error instead of guessing.
 */
export class StoreUnavailableError extends defineError(
  "HOLDFAST_STORE_UNAVAILABLE",
  (
    detail: string,
    options?: { cause?: unknown; fix?: string },
  ): ErrorParts<{
    /** What went wrong, e.g. `Redis at 127.0.0.1:6379 refused the connection (…)`. */
    detail: string;
    /** What to do about it. */
    fix: string;
  }> => {
    const fix = options?.fix ?? "Check that Redis is running and reachable (try `holdfast doctor`).";
    return { message: `The store is unavailable: ${detail}. ${fix}`, fields: { detail, fix }, options };
  },
) {}

/**
 * A command was sent but no reply came within `commandTimeoutMs`. Unlike
 * {@link StoreUnavailableError}, the operation may have been applied on the server: its outcome is
 * unknown. The store never sends it after this error (ioredis Cluster would retry it after
 * CLUSTERDOWN, TRYAGAIN or a late MOVED; the store's own commands refuse to be written once
 * settled), so if it was applied, it was applied before anything the caller does next, except on a
 * master that stalled with it and wakes up before it learns it was failed over (docs/stores.md,
 * "Nothing is sent after a timeout"; not guaranteed with `useClientInternals: false`).
 */
export class StoreTimeoutError extends defineError(
  "HOLDFAST_STORE_TIMEOUT",
  (timeoutMs: number, options?: { cause?: unknown }) => ({
    message:
      `The store did not answer within ${timeoutMs} ms; the operation may or may not have been applied. ` +
      `Raise \`commandTimeoutMs\` if the server is far away or busy.`,
    fields: { timeoutMs },
    options,
  }),
) {}

/** A script failed on the server for a reason that is not a Holdfast status (a bug or a server limit). */
export class ScriptError extends defineError(
  "HOLDFAST_SCRIPT_ERROR",
  (script: string, detail: string, options?: { cause?: unknown }) => ({
    message: `Script ${script} failed: ${detail}`,
    fields: { script },
    options,
  }),
) {}

/**
 * The keys of one multi-key call do not share a Redis Cluster hash slot, so they cannot be changed
 * in one atomic script. Raised before anything is written, on every store, so that code that works
 * in memory also works on a cluster. Give the names a common hash tag, e.g. `{room-7}:a` and `{room-7}:b`.
 */
export class CrossSlotError extends defineError("HOLDFAST_CROSS_SLOT", (names: string[]) => ({
  message:
    `These names do not share a hash slot, so they cannot be changed atomically: ${names.join(", ")}. ` +
    `Give them a common hash tag, e.g. "{group}:a" and "{group}:b".`,
  fields: { names },
})) {}

/** The store was closed; create a new one. */
export class StoreClosedError extends defineError("HOLDFAST_STORE_CLOSED", () => ({
  message: "The store was closed; create a new store with createStore().",
  fields: {},
})) {}

/**
 * The store has no room for more data: the memory store is over its `maxMemoryBytes`, or Redis
 * over its `maxmemory` (with `noeviction`, the only policy under which Redis never drops keys
 * silently). The operation changed nothing. Operations that read, update in place or remove
 * (releases, refreshes, confirmations) keep working, so data frees up as it expires or is released.
 */
export class StoreFullError extends defineError(
  "HOLDFAST_STORE_FULL",
  (
    detail: { store: "memory"; usedBytes: number; maxBytes: number } | { store: "redis"; message: string },
    options?: { cause?: unknown },
  ): ErrorParts<{
    store: "memory" | "redis";
    /** Bytes of data held when the write was refused (memory store). */
    usedBytes?: number;
    /** The budget (memory store's `maxMemoryBytes`). */
    maxBytes?: number;
  }> =>
    detail.store === "memory"
      ? {
          message:
            `The memory store is full (${detail.usedBytes} bytes of data, budget ${detail.maxBytes}): writes that add data are refused until data expires or is released. ` +
            "Raise `maxMemoryBytes` (HOLDFAST_MAX_MEMORY_BYTES for `holdfast serve`), keep less history, or use Redis.",
          fields: { store: "memory", usedBytes: detail.usedBytes, maxBytes: detail.maxBytes },
          options,
        }
      : {
          message:
            `Redis is out of memory and refused the write (${detail.message}): nothing was written. ` +
            "Raise its `maxmemory` or free data; keep `maxmemory-policy noeviction` so Redis never drops Holdfast's keys silently.",
          fields: { store: "redis", usedBytes: undefined, maxBytes: undefined },
          options,
        },
) {}

export const isStoreFullError = guardOf(StoreFullError);
export const isStoreUnavailableError = guardOf(StoreUnavailableError);
export const isStoreTimeoutError = guardOf(StoreTimeoutError);
export const isScriptError = guardOf(ScriptError);
export const isCrossSlotError = guardOf(CrossSlotError);
export const isStoreClosedError = guardOf(StoreClosedError);

/** True for errors that mean "the store could not give an answer" (unavailable, timeout, closed). */
export function isStoreFailure(
  e: unknown,
): e is StoreUnavailableError | StoreTimeoutError | StoreClosedError {
  return (
    e instanceof StoreUnavailableError || e instanceof StoreTimeoutError || e instanceof StoreClosedError
  );
}
