/**
 * What the watchdog needs of an ioredis connection: its queue of commands awaiting a reply. This is
 * not ioredis' public API: {@link CommandWatchdog.canWatch} checks it is there before a watchdog is
 * made, and the store falls back to ioredis' own `commandTimeout` when it is not.
 */
interface WatchedConnection {
  commandQueue?: {
    readonly length: number;
    peekAt(index: number): { command?: { reject?(e: Error): void } } | undefined;
  };
}

/** The message ioredis gives its own command timeouts; `toStoreError` maps it to StoreTimeoutError. */
export const COMMAND_TIMED_OUT = "Command timed out";

/**
 * Fails the commands of one connection that got no reply within `timeoutMs`, with one timer for the
 * connection instead of ioredis' `commandTimeout`, which arms and clears a timer per command (about
 * a tenth of the client's CPU per operation in the rate-limit benchmark).
 *
 * Every `tickMs` it walks the connection's reply queue, oldest first: a command seen for the first
 * time is stamped with the current time, and one stamped `timeoutMs` ago or more is rejected with
 * ioredis' own "Command timed out" error (a reply that comes later is ignored, as with ioredis'
 * timeout). A command is never failed early; it may be failed up to two ticks late.
 */
export class CommandWatchdog {
  /** When each command was first seen in the queue; Infinity once it has been failed. */
  private readonly seen = new WeakMap<object, number>();
  private readonly timer: NodeJS.Timeout;

  /**
   * @param connection the ioredis client (standalone or Sentinel; Cluster keeps ioredis' timeouts)
   * @param timeoutMs  fail a command after this many ms without a reply
   * @param tickMs     how often the queue is checked. @defaultValue timeoutMs / 20, within 5–100 ms
   */
  constructor(
    private readonly connection: object,
    private readonly timeoutMs: number,
    tickMs = Math.min(100, Math.max(5, Math.floor(timeoutMs / 20))),
  ) {
    this.timer = setInterval(() => this.check(Date.now()), tickMs);
    this.timer.unref();
  }

  /** True when `connection` has the reply queue a watchdog reads (ioredis 5 and 6 standalone clients). */
  static canWatch(connection: object): boolean {
    const queue = (connection as WatchedConnection).commandQueue;
    return typeof queue?.length === "number" && typeof queue.peekAt === "function";
  }

  /** Checks the queue once: stamps new commands, fails the overdue ones. */
  check(now: number): void {
    const queue = (this.connection as WatchedConnection).commandQueue;
    if (!queue) return;
    for (let i = 0; i < queue.length; i++) {
      const command = queue.peekAt(i)?.command;
      if (typeof command?.reject !== "function") continue;
      const since = this.seen.get(command);
      if (since === undefined) {
        this.seen.set(command, now);
      } else if (now - since >= this.timeoutMs) {
        this.seen.set(command, Infinity);
        command.reject(new Error(COMMAND_TIMED_OUT));
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
