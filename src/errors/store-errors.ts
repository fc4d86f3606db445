import { HoldfastError } from "./holdfast-error.js";

/**
 * The store could not be reached (connection refused, closed, or still reconnecting past the
 * command timeout). A command that was never sent did not happen; one whose connection broke
 * after it was sent may have been applied. Primitives that must fail closed
 * (locks, semaphores, stock) surface this error instead of guessing.
 */
export class StoreUnavailableError extends HoldfastError {
  readonly code = "HOLDFAST_STORE_UNAVAILABLE";
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      `The store is unavailable: ${detail}. Check that Redis is running and reachable (try \`holdfast doctor\`).`,
      options,
    );
  }
}

/**
 * A command was sent but no reply came within `commandTimeoutMs`. Unlike
 * {@link StoreUnavailableError}, the operation may have been applied on the server.
 */
export class StoreTimeoutError extends HoldfastError {
  readonly code = "HOLDFAST_STORE_TIMEOUT";
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(
      `The store did not answer within ${timeoutMs} ms; the operation may or may not have been applied. ` +
        `Raise \`commandTimeoutMs\` if the server is far away or busy.`,
      options,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** A script failed on the server for a reason that is not a Holdfast status (a bug or a server limit). */
export class ScriptError extends HoldfastError {
  readonly code = "HOLDFAST_SCRIPT_ERROR";
  readonly script: string;
  constructor(script: string, detail: string, options?: { cause?: unknown }) {
    super(`Script ${script} failed: ${detail}`, options);
    this.script = script;
  }
}

/**
 * The keys of one multi-key call do not share a Redis Cluster hash slot, so they cannot be changed
 * in one atomic script. Raised before anything is written, on every store, so that code that works
 * in memory also works on a cluster. Give the names a common hash tag, e.g. `{room-7}:a` and `{room-7}:b`.
 */
export class CrossSlotError extends HoldfastError {
  readonly code = "HOLDFAST_CROSS_SLOT";
  readonly names: string[];
  constructor(names: string[]) {
    super(
      `These names do not share a hash slot, so they cannot be changed atomically: ${names.join(", ")}. ` +
        `Give them a common hash tag, e.g. "{group}:a" and "{group}:b".`,
    );
    this.names = names;
  }
}

/** The store was closed; create a new one. */
export class StoreClosedError extends HoldfastError {
  readonly code = "HOLDFAST_STORE_CLOSED";
  constructor() {
    super("The store was closed; create a new store with createStore().");
  }
}

/**
 * The store has no room for more data: the memory store is over its `maxMemoryBytes`, or Redis
 * over its `maxmemory` (with `noeviction`, the only policy under which Redis never drops keys
 * silently). The operation changed nothing. Operations that read, update in place or remove
 * (releases, refreshes, confirmations) keep working, so data frees up as it expires or is released.
 */
export class StoreFullError extends HoldfastError {
  readonly code = "HOLDFAST_STORE_FULL";
  readonly store: "memory" | "redis";
  /** Bytes of data held when the write was refused (memory store). */
  readonly usedBytes?: number;
  /** The budget (memory store's `maxMemoryBytes`). */
  readonly maxBytes?: number;
  constructor(
    detail: { store: "memory"; usedBytes: number; maxBytes: number } | { store: "redis"; message: string },
    options?: { cause?: unknown },
  ) {
    super(
      detail.store === "memory"
        ? `The memory store is full (${detail.usedBytes} bytes of data, budget ${detail.maxBytes}): writes that add data are refused until data expires or is released. ` +
            "Raise `maxMemoryBytes` (HOLDFAST_MAX_MEMORY_BYTES for `holdfast serve`), keep less history, or use Redis."
        : `Redis is out of memory and refused the write (${detail.message}): nothing was written. ` +
            "Raise its `maxmemory` or free data; keep `maxmemory-policy noeviction` so Redis never drops Holdfast's keys silently.",
      options,
    );
    this.store = detail.store;
    if (detail.store === "memory") {
      this.usedBytes = detail.usedBytes;
      this.maxBytes = detail.maxBytes;
    }
  }
}

export const isStoreFullError = (e: unknown): e is StoreFullError => e instanceof StoreFullError;
export const isStoreUnavailableError = (e: unknown): e is StoreUnavailableError =>
  e instanceof StoreUnavailableError;
export const isStoreTimeoutError = (e: unknown): e is StoreTimeoutError => e instanceof StoreTimeoutError;
export const isScriptError = (e: unknown): e is ScriptError => e instanceof ScriptError;
export const isCrossSlotError = (e: unknown): e is CrossSlotError => e instanceof CrossSlotError;
export const isStoreClosedError = (e: unknown): e is StoreClosedError => e instanceof StoreClosedError;

/** True for errors that mean "the store could not give an answer" (unavailable, timeout, closed). */
export function isStoreFailure(
  e: unknown,
): e is StoreUnavailableError | StoreTimeoutError | StoreClosedError {
  return (
    e instanceof StoreUnavailableError || e instanceof StoreTimeoutError || e instanceof StoreClosedError
  );
}
