/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. The timer
 * keeps the process alive, as any awaited sleep does: a caller awaiting it (a lock acquire that
 * waits, a retry's backoff) must not see the process end under it (test/lock/lock.wait-alone.test.ts).
 * Abort the signal to stop waiting early.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The signal's reason, or a standard AbortError when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/** Throws the signal's reason if it has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/**
 * True for cancellations (a DOMException or Error named `AbortError`): a breaker does not count them
 * as failures of the protected dependency, nor does a retry or fallback handle them: the caller gave
 * up, not the dependency.
 */
export function isAbortLike(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "AbortError";
}
