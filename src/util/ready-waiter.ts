/**
 * Waits for a connection's "ready" event with one listener, however many callers wait: each caller
 * gets its own timeout, and none adds a listener of its own (so hundreds of operations queued while
 * a client reconnects never trip Node's MaxListenersExceededWarning).
 */
export class ReadyWaiter {
  private next: Promise<void> | undefined;

  constructor(
    private readonly conn: {
      readonly status: string;
      once(event: "ready", listener: () => void): unknown;
    },
  ) {}

  /** Resolves when the connection is ready; rejects with `timeoutError()` after `timeoutMs`. */
  wait(timeoutMs: number, timeoutError: () => Error): Promise<void> {
    if (this.conn.status === "ready") return Promise.resolve();
    this.next ??= new Promise<void>((resolve) => {
      this.conn.once("ready", () => {
        this.next = undefined;
        resolve();
      });
    });
    const ready = this.next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(timeoutError()), timeoutMs);
      void ready.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
