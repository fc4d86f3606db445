import type { Transport, TransportEvents } from "../channel/transport.js";
import type { Keyspace } from "./keyspace.js";
import type { RawReply, Script, ScriptArg } from "./script.js";

export type StoreKind = "memory" | "redis";

/** Topology of the store behind a {@link Store}. */
export type StoreMode = "memory" | "standalone" | "sentinel" | "cluster";

/** What `store.health()` reports. */
export interface StoreHealth {
  /** `ok` when a round trip succeeded; `down` when it failed. */
  status: "ok" | "down";
  kind: StoreKind;
  mode: StoreMode;
  /** Round-trip latency of one PING in milliseconds (0 for memory). */
  latencyMs: number;
  /** Redis server version, or the Holdfast version for the memory store. */
  serverVersion: string;
  /** Why it is down. */
  error?: string;
  /** Memory store: the bytes of data it holds and its budget (`maxMemoryBytes`). */
  memory?: { usedBytes: number; maxBytes: number };
}

/** Options of {@link Store.openTransport}. */
export interface TransportOptions {
  /** How long a subscribe may wait for the server's confirmation, in ms. */
  subscribeTimeoutMs: number;
}

/** One page of {@link Store.scanPage}. */
export interface ScanPage {
  /** Keys of this page (possibly none, even when more follow). */
  keys: string[];
  /** Where the next page starts, or null when the scan is complete. */
  cursor: string | null;
}

/**
 * The one seam every primitive talks to. A store runs atomic scripts: on Redis a Lua script in one
 * round trip (EVALSHA, reloaded on NOSCRIPT), in memory its TypeScript twin.
 */
export interface Store {
  readonly kind: StoreKind;
  readonly mode: StoreMode;
  /** Builds the store's keys: prefix, kind, hash tag. */
  readonly keys: Keyspace;
  /**
   * Runs `script` atomically with `keys` and `args` and returns its raw reply, typed as the script
   * declares it (`Script<A, R>`).
   * @throws StoreUnavailableError, StoreTimeoutError, ScriptError, StoreClosedError
   */
  run<A extends readonly ScriptArg[], R extends RawReply>(
    script: Script<A, R>,
    keys: string[],
    args: A,
  ): Promise<R>;
  /**
   * Lists keys matching a glob `pattern` (`*` only) without blocking the server: SCAN on every
   * master of a cluster, never KEYS. Order is unspecified; a key may appear at most once per master.
   */
  scan(pattern: string, options?: { count?: number }): AsyncIterable<string>;
  /**
   * One page of a resumable scan of `pattern`: start with no cursor, pass back each page's
   * `cursor` until it is null. Each call does bounded work: on Redis one SCAN of about `count`
   * keys (so a page may be empty while more follow); in memory at most `count` keys, in key order.
   * A key present for the whole scan is returned at least once (exactly once in memory). Cursors
   * are the store's own strings: an unknown one is refused with InvalidArgumentError.
   */
  scanPage(pattern: string, options?: { cursor?: string; count?: number }): Promise<ScanPage>;
  /** Round trip, latency, version and topology. Never throws. */
  health(): Promise<StoreHealth>;
  /**
   * The pub/sub transport realtime channels run on, opened for one channels layer that receives
   * its `events`: the memory store's in-process bus, or subscriber connections of the Redis store's
   * own (Redis needs a dedicated connection to subscribe). The store says what it carries, so
   * channels work with any store that has it, even one from another copy of this module. A store
   * without it (a wrapper of the caller's own) cannot carry channels.
   */
  openTransport?(events: TransportEvents, options: TransportOptions): Transport;
  /** Closes connections the store opened (a client passed in by the caller is left open). */
  close(): Promise<void>;
}
