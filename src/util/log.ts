import { pino, destination } from "pino";

/** The logging seam: pino's shape, so a pino (or compatible) logger can be passed in as it is. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child?(bindings: Record<string, unknown>): Logger;
}

let defaultLogger: Logger | undefined;

/**
 * The logger used when none is passed: structured JSON on stderr, level from `HOLDFAST_LOG_LEVEL`
 * (default `info`; `silent` turns it off).
 */
export function getDefaultLogger(): Logger {
  defaultLogger ??= pino(
    { name: "holdfast", level: process.env.HOLDFAST_LOG_LEVEL ?? "info" },
    destination({ dest: 2, sync: true }),
  );
  return defaultLogger;
}

/**
 * Logs at most once per `intervalMs` per key, counting what it swallowed, so that a degraded store
 * is reported loudly but never floods the log.
 */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, obj: object, msg: string): void {
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    this.logger.warn({ ...obj, suppressedSinceLast: entry?.suppressed ?? 0 }, msg);
    this.last.set(key, { at: now, suppressed: 0 });
  }
}
