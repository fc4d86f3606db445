import type { Logger } from "holdfast";

/**
 * Logs at most once per `intervalMs` per key, counting what it swallowed, so that a Redis that is
 * down is reported loudly but never floods the log.
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
