/**
 * A resilience policy: runs a function on the caller's behalf and decides what to do around it
 * (retry, time out, refuse, fall back). The function receives an AbortSignal that aborts when the
 * caller's signal aborts or when a policy gives up on it (a timeout), so it can stop its work.
 */
export interface Policy<R = never> {
  /**
   * Runs `fn` under the policy. `signal` is the caller's cancellation; it flows through every
   * wrapped policy down to `fn`. `R` is what the policy may return instead of `fn`'s result
   * (a fallback's value); `never` for every other policy.
   */
  execute<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T | R>;
}

/** A signal that never aborts, handed to functions run without one. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
