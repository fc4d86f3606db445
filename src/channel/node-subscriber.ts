import type { Redis, RedisOptions } from "ioredis";
import { ReadyWaiter } from "../util/ready-waiter.js";
import { StoreUnavailableError } from "../errors/store-errors.js";
import { fullJitterBackoff } from "../util/backoff.js";

/** What a {@link NodeSubscriber} reports. */
export interface NodeSubscriberEvents {
  message(liveName: string, message: string): void;
  pmessage(pattern: string, liveName: string, message: string): void;
  /** Subscribed again after a reconnect; `failover`: to a replica promoted since (see {@link promoted}). */
  restored(liveNames: string[], failover: boolean): void;
  lost(liveNames: string[]): void;
  /** SSUBSCRIBE answered MOVED: the slot lives on another node now. */
  moved?(liveName: string): void;
}

/** How many times a subscriber asks for the replication ids on one connection before giving up. */
const IDS_ATTEMPTS = 5;

/**
 * One dedicated subscriber connection to one Redis node. It keeps the set of names it should be
 * subscribed to and subscribes them again itself after every reconnect (ioredis' own
 * `autoResubscribe` is off), so it knows the moment they are back and can tell the channels layer
 * to fill the gap from the history.
 */
export class NodeSubscriber {
  readonly conn: Redis;
  private readonly ready: ReadyWaiter;
  private readonly names = new Set<string>();
  private readonly patterns = new Set<string>();
  private everReady = false;
  private closed = false;
  /** The replication ids of the server of the current connection, read as soon as it is ready. */
  private ids: Promise<ReplicationIds | undefined> = Promise.resolve(undefined);
  /** The replication ids of the server this connection was last ready on. */
  lastIds: ReplicationIds | undefined;

  /**
   * @param connect makes the connection from these options, with the store client's ioredis (see
   *                `RedisTransport`), so a subscriber is on the same major version as the store.
   */
  constructor(
    connect: (options: RedisOptions) => Redis,
    options: RedisOptions,
    private readonly sharded: boolean,
    private readonly events: NodeSubscriberEvents,
    private readonly timeoutMs: number,
  ) {
    this.conn = connect({
      ...options,
      autoResubscribe: false,
      enableOfflineQueue: false,
      lazyConnect: false,
      maxRetriesPerRequest: 0,
      connectionName: "holdfast-subscriber",
    });
    this.ready = new ReadyWaiter(this.conn);
    this.conn.on("error", (e: Error) => this.onError(e)); // reported through the store; reconnects on its own
    this.conn.on("message", (ch: string, msg: string) => this.events.message(ch, msg));
    this.conn.on("smessage", (ch: string, msg: string) => this.events.message(ch, msg));
    this.conn.on("pmessage", (p: string, ch: string, msg: string) => this.events.pmessage(p, ch, msg));
    this.conn.on("ready", () => {
      // Written before any (re)subscribe, while the connection can still run INFO.
      this.ids = this.readIds();
      void this.onReady();
    });
    this.conn.on("close", () => {
      if (this.everReady && !this.closed && this.names.size > 0) this.events.lost([...this.names]);
    });
  }

  /** True while the connection is up and ready (false after its server stopped answering). */
  get connected(): boolean {
    return this.conn.status === "ready";
  }

  get size(): number {
    return this.names.size + this.patterns.size;
  }

  has(liveName: string): boolean {
    return this.names.has(liveName);
  }

  async subscribe(liveName: string): Promise<void> {
    this.names.add(liveName);
    await this.whenReady();
    await this.send(this.sharded ? "ssubscribe" : "subscribe", liveName);
  }

  async unsubscribe(liveName: string): Promise<void> {
    if (!this.names.delete(liveName)) return;
    if (this.conn.status !== "ready") return; // the next reconnect simply does not subscribe it
    await this.send(this.sharded ? "sunsubscribe" : "unsubscribe", liveName).catch(() => undefined);
  }

  async psubscribe(pattern: string): Promise<void> {
    this.patterns.add(pattern);
    await this.whenReady();
    await this.send("psubscribe", pattern);
  }

  async punsubscribe(pattern: string): Promise<void> {
    if (!this.patterns.delete(pattern)) return;
    if (this.conn.status !== "ready") return;
    await this.send("punsubscribe", pattern).catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    this.conn.disconnect();
  }

  private send(
    command: "subscribe" | "ssubscribe" | "psubscribe" | "unsubscribe" | "sunsubscribe" | "punsubscribe",
    name: string,
  ): Promise<unknown> {
    return (this.conn[command] as (n: string) => Promise<unknown>)
      .call(this.conn, name)
      .catch((e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        if (command === "ssubscribe" && message.startsWith("MOVED")) this.events.moved?.(name);
        throw new StoreUnavailableError(`${command.toUpperCase()} ${name} failed: ${message}`, { cause: e });
      });
  }

  /**
   * Redis 7 unsubscribes a sharded subscriber by itself when the channel's slot leaves the node (a
   * failover demoted it, or the slot migrated). ioredis does not expect that reply and reports it
   * as a "Command queue state error" naming it: that is the fastest sign the channel moved. (The
   * transport also re-reads the slot map periodically, in case this message ever changes.)
   */
  private onError(e: Error): void {
    if (!this.sharded || this.closed) return;
    const m = /Last reply: sunsubscribe,(.*),\d+$/s.exec(e.message);
    if (m && this.names.has(m[1])) this.events.moved?.(m[1]);
  }

  private whenReady(): Promise<void> {
    return this.ready.wait(
      this.timeoutMs,
      () => new StoreUnavailableError(`the subscriber connection was not ready within ${this.timeoutMs} ms`),
    );
  }

  /**
   * INFO replication of the server this connection just reached. A command timeout is no answer
   * (under load the event loop can stall past it), so it asks again while the connection stays
   * ready; undefined when the server refuses INFO or the connection goes.
   */
  private async readIds(): Promise<ReplicationIds | undefined> {
    for (let attempt = 0; attempt < IDS_ATTEMPTS; attempt++) {
      try {
        return parseReplicationIds(await this.conn.info("replication"));
      } catch (e) {
        if ((e as Error | undefined)?.name === "ReplyError" || this.closed || this.conn.status !== "ready") {
          return undefined;
        }
        await new Promise((r) => setTimeout(r, Math.max(20, fullJitterBackoff(attempt, 50, 500))));
      }
    }
    return undefined;
  }

  /** The replication ids of the server this connection is on now (undefined if INFO is refused). */
  currentIds(): Promise<ReplicationIds | undefined> {
    return this.ids;
  }

  private async onReady(): Promise<void> {
    if (this.closed) return;
    const first = !this.everReady;
    this.everReady = true;
    const before = this.lastIds;
    const now = await this.ids;
    if (now) this.lastIds = now;
    if (first || this.closed) return; // subscribe() calls waiting for this first "ready" send their own commands
    const names = [...this.names];
    try {
      for (const p of this.patterns) await this.send("psubscribe", p);
      for (const n of names) await this.send(this.sharded ? "ssubscribe" : "subscribe", n);
    } catch {
      // Disconnected again: the next "ready" repeats this.
      return;
    }
    this.events.restored(names, promoted(before, now));
  }
}

/** `master_replid` and `master_replid2` of INFO replication. */
export interface ReplicationIds {
  replid: string;
  replid2: string;
}

function parseReplicationIds(info: string): ReplicationIds | undefined {
  const replid = /^master_replid:(\w+)/m.exec(info)?.[1];
  const replid2 = /^master_replid2:(\w+)/m.exec(info)?.[1];
  return replid && replid2 ? { replid, replid2 } : undefined;
}

/** `master_replid2` of a server that has no previous replication history. */
const NO_REPLICATION_ID = "0".repeat(40);

/**
 * True when the server now may be a replica promoted after `before` was read, so that messages
 * the old master acknowledged may be missing from the history it took over, even after the last
 * one a subscriber saw (which the history check cannot notice): replication is asynchronous.
 *
 * - The same replication id: the same server's history, continued (a reconnect): false.
 * - A server that was never promoted (`master_replid2` unset: a restarted master, or one that has
 *   only ever been a master): false. The history check covers what a restart loses.
 * - Otherwise it was promoted at some time: true. Its `master_replid2` is its old master's id at
 *   the promotion, and that may differ from the id read in `before` even when it is the same
 *   master, because a master takes a new id when a replica first attaches to it (or attaches
 *   again after `repl-backlog-ttl`). So a slot that moves to an unrelated master that was once
 *   promoted reports a gap too: in doubt, a gap is said, never a hole kept silent.
 * - Either side unknown (INFO refused, or no answer after a few tries): true, for the same reason.
 */
export function promoted(before: ReplicationIds | undefined, now: ReplicationIds | undefined): boolean {
  if (before === undefined || now === undefined) return true;
  if (now.replid === before.replid) return false;
  return now.replid2 !== NO_REPLICATION_ID;
}
