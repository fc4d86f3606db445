import { defineError, guardOf, type ErrorParts } from "../errors/define-error.js";

/**
 * A circuit breaker refused a call because it is open (or half-open with every trial slot taken).
 * The protected function was not called. Retry after `remainingOpenMs`, serve a fallback, or
 * fail fast upstream.
 */
export class BrokenCircuitError extends defineError(
  "HOLDFAST_CIRCUIT_OPEN" as string, // not the literal type: IsolatedCircuitError has a code of its own
  (
    breaker: string,
    state: "open" | "half-open" | "isolated",
    remainingOpenMs: number | undefined,
    degraded: boolean,
    message?: string,
  ): ErrorParts<{
    /** The breaker's name. */
    breaker: string;
    /** `open` or `half-open` (`isolated` for {@link IsolatedCircuitError}). */
    state: "open" | "half-open" | "isolated";
    /**
     * How long, in ms, until this instance will let a trial call through (0 when half-open and the
     * trial slots are taken: try again after `syncIntervalMs`). Undefined when isolated.
     */
    remainingOpenMs: number | undefined;
    /** True when the decision was taken from local state because the store was unreachable. */
    degraded: boolean;
  }> => ({
    message:
      message ??
      (state === "open"
        ? `Circuit breaker "${breaker}" is open for another ${remainingOpenMs ?? 0} ms: the call was not made. ` +
          `Serve a fallback or retry after that delay.`
        : `Circuit breaker "${breaker}" is half-open and its trial calls are taken: the call was not made. ` +
          `Retry shortly or serve a fallback.`),
    fields: { breaker, state, remainingOpenMs, degraded },
  }),
) {}

/**
 * The breaker was isolated by hand (`isolate()`): every call is refused until someone calls
 * `reset()`. The protected function was not called.
 */
export class IsolatedCircuitError extends BrokenCircuitError {
  override readonly code: string = "HOLDFAST_CIRCUIT_ISOLATED";
  constructor(breaker: string, degraded: boolean) {
    super(
      breaker,
      "isolated",
      undefined,
      degraded,
      `Circuit breaker "${breaker}" is isolated: every call is refused until reset() is called.`,
    );
  }
}

/** True for {@link BrokenCircuitError} and {@link IsolatedCircuitError}. */
export const isBrokenCircuitError = guardOf(BrokenCircuitError);
export const isIsolatedCircuitError = guardOf(IsolatedCircuitError);
