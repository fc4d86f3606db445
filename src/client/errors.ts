/**
 * An error answered by the Holdfast service: the same stable `code` the library throws
 * (`HOLDFAST_LOCK_CONFLICT`, `HOLDFAST_INVALID_ARGUMENT`…), the HTTP status, and the structured
 * fields the server sent (`remainingTtlMs`, `field`, `reason`, `currentVersion`…).
 */
export class HoldfastApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  /** Every field of the server's `error` object. */
  readonly details: Record<string, unknown>;
  /** Seconds from `Retry-After`, when the server sent it (429, 503). */
  readonly retryAfterS: number | undefined;

  constructor(status: number, body: unknown, retryAfter: string | null) {
    const err = (body as { error?: Record<string, unknown> } | undefined)?.error ?? {};
    const code = typeof err.code === "string" ? err.code : `HTTP_${status}`;
    super(typeof err.message === "string" ? err.message : `HTTP ${status}`);
    this.name = "HoldfastApiError";
    this.status = status;
    this.code = code;
    this.details = err;
    this.requestId = (body as { requestId?: string } | undefined)?.requestId;
    const n = retryAfter === null ? NaN : Number(retryAfter);
    this.retryAfterS = Number.isFinite(n) ? n : undefined;
  }
}

/** True when `e` came from the service, optionally with a given `code`. */
export function isHoldfastApiError(e: unknown, code?: string): e is HoldfastApiError {
  return e instanceof HoldfastApiError && (code === undefined || e.code === code);
}

/** A network failure reaching the service (no HTTP answer at all). */
export class HoldfastNetworkError extends Error {
  readonly code = "HOLDFAST_NETWORK";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HoldfastNetworkError";
  }
}
