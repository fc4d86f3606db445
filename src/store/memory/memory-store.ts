import { StoreClosedError, ScriptError, StoreFullError } from "../../errors/store-errors.js";
import { assertInt } from "../../util/validate.js";
import { DEFAULT_MAX_MEMORY_BYTES } from "./budget.js";
import { Keyspace } from "../keyspace.js";
import type { RawReply, Script, ScriptArg } from "../script.js";
import type { ScanPage, Store, StoreHealth } from "../types.js";
import type { Transport, TransportEvents } from "../../channel/transport.js";
import { MemoryTransport } from "../../channel/memory-transport.js";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import { MemoryDb, MemoryDbError } from "./memory-db.js";
import { HOLDFAST_VERSION } from "../../version.js";

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Key prefix. @defaultValue `"holdfast:"` */
  prefix?: string;
  /**
   * The clock, in ms. Tests pass a controllable clock to move time without waiting.
   * @defaultValue `Date.now`
   */
  clock?: () => number;
  /** How often expired keys that nobody reads are swept, in ms. @defaultValue 1000 */
  sweepIntervalMs?: number;
  /**
   * Budget of the data held, in bytes (as counted in `budget.ts`: 2 bytes per character plus a
   * fixed overhead per key, field, member and entry). While the data is over it, an operation that
   * would add data fails with {@link StoreFullError} and changes nothing; reads, in-place updates
   * and removals (releases, refreshes) keep working. Nothing is ever evicted.
   * @defaultValue 268_435_456 (256 MiB)
   */
  maxMemoryBytes?: number;
}

/** A memory cursor is the last key returned, after this mark. */
const MEMORY_CURSOR = "m:";

/**
 * The embedded store: every script's TypeScript twin runs synchronously on an in-process
 * {@link MemoryDb}, so each operation is atomic exactly as a Lua script is on Redis.
 *
 * Single-process and not durable: state lives and dies with this process. Use Redis to share
 * state between processes or to survive restarts.
 */
export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  readonly mode = "memory" as const;
  readonly keys: Keyspace;
  /** The data, exposed for tests and the CLI's inspection of an in-process store. */
  readonly db = new MemoryDb();
  private readonly clock: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  private calls = 0;
  /** The budget of the data held, in bytes (see {@link MemoryStoreOptions.maxMemoryBytes}). */
  readonly maxMemoryBytes: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.keys = new Keyspace(options.prefix);
    this.maxMemoryBytes = assertInt(
      "maxMemoryBytes",
      options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES,
      1024,
      Number.MAX_SAFE_INTEGER,
    );
    this.clock = options.clock ?? Date.now;
    this.sweeper = setInterval(() => this.db.sweepExpired(this.clock()), options.sweepIntervalMs ?? 1000);
    this.sweeper.unref();
  }

  run<A extends readonly ScriptArg[], R extends RawReply>(
    script: Script<A, R>,
    keys: string[],
    args: A,
  ): Promise<R> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    const now = Math.floor(this.clock());
    this.db.now = now;
    // Over budget, a script runs with a journal of what it touches: if it grew the data, it is
    // undone and refused; one that reads, updates in place or removes goes through. Under budget,
    // nothing is recorded (a script may then overshoot the budget by what it adds itself).
    const guarded = this.db.usedBytes >= this.maxMemoryBytes;
    if (guarded) this.db.startJournal();
    try {
      const reply = script.memory(this.db, keys, args, now);
      if (guarded) {
        if (this.db.journalGrowth() > 0) {
          this.db.rollbackJournal();
          return Promise.reject(
            new StoreFullError({
              store: "memory",
              usedBytes: this.db.usedBytes,
              maxBytes: this.maxMemoryBytes,
            }),
          );
        }
        this.db.commitJournal();
      }
      // Every 64th answer waits for a macrotask, as a network round trip would: a loop that only
      // awaits the memory store must not starve timers (leases, refreshes, timeouts) forever.
      if ((++this.calls & 63) === 0) return new Promise((resolve) => setImmediate(resolve, reply));
      return Promise.resolve(reply);
    } catch (e) {
      if (guarded) this.db.commitJournal();
      const detail = e instanceof MemoryDbError ? e.message : String((e as Error)?.message ?? e);
      return Promise.reject(new ScriptError(script.name, detail, { cause: e }));
    }
  }

  async *scan(pattern: string): AsyncIterable<string> {
    if (this.closed) throw new StoreClosedError();
    this.db.now = this.clock();
    yield* this.db.scan(pattern);
  }

  scanPage(pattern: string, options: { cursor?: string; count?: number } = {}): Promise<ScanPage> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    const { cursor, count = 500 } = options;
    if (cursor !== undefined && !cursor.startsWith(MEMORY_CURSOR)) {
      return Promise.reject(new InvalidArgumentError("cursor", "is not a cursor of this store"));
    }
    this.db.now = this.clock();
    const page = this.db.scanPage(pattern, cursor?.slice(MEMORY_CURSOR.length), Math.max(1, count));
    const last = page.keys[page.keys.length - 1];
    return Promise.resolve({ keys: page.keys, cursor: page.more ? MEMORY_CURSOR + last : null });
  }

  health(): Promise<StoreHealth> {
    return Promise.resolve({
      status: this.closed ? "down" : "ok",
      kind: "memory",
      mode: "memory",
      latencyMs: 0,
      serverVersion: `holdfast-memory ${HOLDFAST_VERSION}`,
      memory: { usedBytes: this.db.usedBytes, maxBytes: this.maxMemoryBytes },
      ...(this.closed ? { error: "closed" } : {}),
    });
  }

  /** Channels on this store use its in-process bus (shared by every store on the same data). */
  openTransport(events: TransportEvents): Transport {
    return new MemoryTransport(this, events);
  }

  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    return Promise.resolve();
  }
}
