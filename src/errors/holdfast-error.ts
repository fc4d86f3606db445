/**
 * The base class of every error Holdfast throws on purpose.
 *
 * Every subclass sets `name`, a stable string `code` (`HOLDFAST_…`) that callers and the HTTP
 * layer can switch on, and the structured fields a caller needs to decide what to do next.
 */
export abstract class HoldfastError extends Error {
  /** Stable, documented identifier of the error kind, e.g. `HOLDFAST_LOCK_NOT_OWNED`. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** A plain object with `code`, `message` and the structured fields, for logs and HTTP bodies. */
  toJSON(): Record<string, unknown> {
    const fields: Record<string, unknown> = { code: this.code, message: this.message };
    for (const [k, v] of Object.entries(this)) {
      if (k !== "cause" && k !== "stack" && v !== undefined) fields[k] = v;
    }
    return fields;
  }
}

/** True when `e` is any error thrown by Holdfast on purpose. */
export function isHoldfastError(e: unknown): e is HoldfastError {
  return e instanceof HoldfastError;
}
