/**
 * A {@link Store} that exists before its connection does. The seed's module keeps running when
 * Redis is down at startup and connects later; `createStore` instead waits for Redis and throws
 * after `connectTimeoutMs`. This wrapper lets the locks and rate limiters be built at once: until
 * the real store arrives every operation fails with `StoreUnavailableError`, which the locks turn
 * into a refusal (fail closed) and the limiter into its configured degraded policy.
 *
 * (A `createStore({ waitForConnection: false })` option in src/store would make this unnecessary.)
 */
import {
  HOLDFAST_VERSION,
  Keyspace,
  type RawReply,
  type ScanPage,
  type Script,
  type ScriptArg,
  type Store,
  type StoreHealth,
  type StoreKind,
  type StoreMode,
  StoreUnavailableError,
} from "holdfast";

export class DeferredStore implements Store {
  readonly keys: Keyspace;
  private inner: Store | undefined;
  /** Why there is no store yet (the last connection error). */
  pendingReason = "Redis is not connected yet";

  constructor(prefix?: string) {
    this.keys = new Keyspace(prefix);
  }

  get kind(): StoreKind {
    return this.inner?.kind ?? "redis";
  }

  get mode(): StoreMode {
    return this.inner?.mode ?? "standalone";
  }

  /** The connected store, once there is one. */
  get current(): Store | undefined {
    return this.inner;
  }

  /** Hands every later operation to `store` (same key prefix). */
  attach(store: Store): void {
    if (store.keys.prefix !== this.keys.prefix) {
      throw new Error(`prefix mismatch: ${store.keys.prefix} vs ${this.keys.prefix}`);
    }
    this.inner = store;
  }

  run<A extends readonly ScriptArg[], R extends RawReply>(
    script: Script<A, R>,
    keys: string[],
    args: A,
  ): Promise<R> {
    if (this.inner) return this.inner.run(script, keys, args);
    return Promise.reject(new StoreUnavailableError(this.pendingReason));
  }

  scan(pattern: string, options?: { count?: number }): AsyncIterable<string> {
    if (this.inner) return this.inner.scan(pattern, options);
    const reason = this.pendingReason;
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new StoreUnavailableError(reason)),
      }),
    };
  }

  scanPage(pattern: string, options?: { cursor?: string; count?: number }): Promise<ScanPage> {
    if (this.inner) return this.inner.scanPage(pattern, options);
    return Promise.reject(new StoreUnavailableError(this.pendingReason));
  }

  health(): Promise<StoreHealth> {
    if (this.inner) return this.inner.health();
    return Promise.resolve({
      status: "down",
      kind: "redis",
      mode: "standalone",
      latencyMs: 0,
      serverVersion: HOLDFAST_VERSION,
      error: this.pendingReason,
    });
  }

  async close(): Promise<void> {
    const inner = this.inner;
    this.inner = undefined;
    this.pendingReason = "the client was closed";
    await inner?.close();
  }
}
