import calculateSlot from "cluster-key-slot";
import type { Cluster, Redis, RedisOptions } from "ioredis";
import type { RedisStore } from "../store/redis/redis-store.js";
import { escapeGlob, type Transport, type TransportEvents } from "./transport.js";
import { NodeSubscriber, promoted, type ReplicationIds } from "./node-subscriber.js";
import { fullJitterBackoff } from "../util/backoff.js";
import { StoreUnavailableError } from "../errors/store-errors.js";

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/**
 * A new connection like `node` with `options` over its own: `duplicate()` is ioredis' public way to
 * do it, and builds the connection with the node's own ioredis (5 or 6), whatever copy that is.
 */
function duplicateOf(node: Redis | undefined): (options: RedisOptions) => Redis {
  return (options) => {
    if (!node) throw new StoreUnavailableError("no Redis Cluster node is known yet");
    return node.duplicate(options);
  };
}

/**
 * How often sharded subscriptions re-read the cluster's slot map while any exist, to follow a
 * slot that moved without anyone saying so (ms).
 */
const SLOT_CHECK_MS = 5000;

function retry(times: number): number {
  return Math.min(2000, 25 * 2 ** Math.min(times, 7));
}

/**
 * Pub/sub over the Redis a {@link RedisStore} talks to, on connections of its own (a connection in
 * subscriber mode cannot run scripts).
 *
 * - Single Redis or Sentinel: one subscriber connection (`client.duplicate()`), SUBSCRIBE and
 *   PSUBSCRIBE; the publish script uses PUBLISH.
 * - Redis Cluster 7.0 or newer: sharded pub/sub. One subscriber connection per master that owns a
 *   subscribed channel's slot, SSUBSCRIBE; the publish script uses SPUBLISH on the node that owns
 *   the channel's history, so a message crosses no cluster bus. No patterns.
 * - Redis Cluster before 7.0: classic PUBLISH (broadcast over the cluster bus) and one subscriber
 *   connection to a master. No patterns either, to behave like the newer servers.
 */
export class RedisTransport implements Transport {
  sharded = false;
  supportsPatterns = true;
  private single: NodeSubscriber | undefined;
  private readonly nodes = new Map<string, NodeSubscriber>();
  private readonly owner = new Map<string, string>();
  private readonly escaped = new Map<string, string>();
  private readonly timeoutMs: number;
  private closed = false;
  private slotCheck: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RedisStore,
    private readonly events: TransportEvents,
    timeoutMs = 2000,
  ) {
    this.timeoutMs = timeoutMs;
  }

  async init(): Promise<void> {
    const client = this.store.client;
    if (!isCluster(client)) {
      this.single = new NodeSubscriber(
        duplicateOf(client),
        // The store's own client may leave command timeouts to the store; this one has its own.
        { ...client.options, commandTimeout: this.store.commandTimeoutMs, retryStrategy: retry },
        false,
        this.nodeEvents(),
        this.timeoutMs,
      );
      return;
    }
    this.supportsPatterns = false;
    const health = await this.store.health();
    const major = Number(/^(\d+)/.exec(health.serverVersion)?.[1] ?? 0);
    this.sharded = major >= 7;
    // A failover or a slot migration moves a channel's slot to another master without telling its
    // subscribers (a crashed master never answers again): every time the client's slot map is
    // refreshed, each channel follows its slot.
    if (this.sharded) {
      client.on("refresh", this.followSlots);
      this.slotCheck = setInterval(() => {
        if (this.owner.size > 0) this.refreshSlots();
      }, SLOT_CHECK_MS);
      this.slotCheck.unref();
    }
    if (!this.sharded) {
      const master = client.nodes("master")[0];
      this.single = new NodeSubscriber(
        duplicateOf(master),
        this.nodeOptions(client, master.options),
        false,
        this.nodeEvents(),
        this.timeoutMs,
      );
    }
  }

  async subscribe(liveName: string): Promise<void> {
    if (this.single) return this.single.subscribe(liveName);
    const node = this.nodeFor(liveName);
    this.owner.set(liveName, node.key);
    return node.sub.subscribe(liveName);
  }

  async unsubscribe(liveName: string): Promise<void> {
    if (this.single) return this.single.unsubscribe(liveName);
    const key = this.owner.get(liveName);
    this.owner.delete(liveName);
    const sub = key === undefined ? undefined : this.nodes.get(key);
    if (!sub) return;
    await sub.unsubscribe(liveName);
    if (sub.size === 0) {
      sub.close();
      this.nodes.delete(key!);
    }
  }

  psubscribe(pattern: string): Promise<void> {
    const escaped = escapeGlob(pattern);
    this.escaped.set(escaped, pattern);
    return this.single!.psubscribe(escaped);
  }

  punsubscribe(pattern: string): Promise<void> {
    const escaped = escapeGlob(pattern);
    this.escaped.delete(escaped);
    return this.single!.punsubscribe(escaped);
  }

  close(): Promise<void> {
    this.closed = true;
    this.store.client.off("refresh", this.followSlots);
    clearInterval(this.slotCheck);
    this.single?.close();
    for (const sub of this.nodes.values()) sub.close();
    this.nodes.clear();
    return Promise.resolve();
  }

  private nodeEvents() {
    return {
      message: (ch: string, msg: string) => this.events.message(ch, msg),
      pmessage: (p: string, ch: string, msg: string) =>
        this.events.pmessage(this.escaped.get(p) ?? p, ch, msg),
      restored: (names: string[], failover: boolean) => this.events.restored(names, failover),
      lost: (names: string[]) => {
        this.events.lost(names);
        // A node subscriber lost its connection: if its master died, the slot map says who took
        // over (then followSlots moves the channels there).
        if (this.sharded && !this.closed) this.refreshSlots();
      },
      moved: (name: string) => this.onMoved(name),
    };
  }

  private nodeOptions(cluster: Cluster, nodeOptions: RedisOptions): RedisOptions {
    return {
      ...(cluster.options.redisOptions ?? {}),
      host: nodeOptions.host,
      port: nodeOptions.port,
      retryStrategy: retry,
    };
  }

  /** The subscriber of the master owning `liveName`'s slot, created on first use. */
  private nodeFor(liveName: string): { key: string; sub: NodeSubscriber } {
    const cluster = this.store.client as Cluster;
    const slot = calculateSlot(liveName);
    const key =
      cluster.slots[slot]?.[0] ??
      `${cluster.nodes("master")[0].options.host}:${cluster.nodes("master")[0].options.port}`;
    let sub = this.nodes.get(key);
    if (!sub) {
      const colon = key.lastIndexOf(":");
      sub = new NodeSubscriber(
        duplicateOf(cluster.nodes("all")[0]),
        this.nodeOptions(cluster, { host: key.slice(0, colon), port: Number(key.slice(colon + 1)) }),
        true,
        this.nodeEvents(),
        this.timeoutMs,
      );
      this.nodes.set(key, sub);
    }
    return { key, sub };
  }

  /** A slot moved: refresh the cluster's slot map, then subscribe on the new owner. */
  private onMoved(liveName: string): void {
    if (this.closed) return;
    this.refreshSlots(() => this.follow(liveName));
  }

  private refreshSlots(then?: () => void): void {
    const cluster = this.store.client as Cluster & { refreshSlotsCache?: (cb?: () => void) => void };
    if (cluster.refreshSlotsCache) cluster.refreshSlotsCache(then);
    else then?.();
  }

  private readonly followSlots = (): void => {
    if (this.closed) return;
    for (const liveName of [...this.owner.keys()]) this.follow(liveName);
  };

  /**
   * Moves `liveName` to the subscriber of the master that owns its slot now, if that changed. The
   * subscription then reads the history after its last id (`restored`): what was published
   * between the move and the new SSUBSCRIBE is delivered from there, with no gap unless the new
   * master may hold a history that lost messages (see {@link promoted}, and the old node's silence
   * below).
   */
  private follow(liveName: string): void {
    if (this.closed || !this.owner.has(liveName)) return;
    const old = this.owner.get(liveName);
    const next = this.nodeFor(liveName);
    if (next.key === old) return;
    const previous = old === undefined ? undefined : this.nodes.get(old);
    // Its old node had stopped answering before the slot moved: a failover (or more than one, or
    // one then a migration) may have happened out of this subscriber's sight, so the history it
    // resumes from may lack acknowledged messages whatever the new node's ids say.
    const before = previous?.connected === false ? undefined : previous?.lastIds;
    this.owner.set(liveName, next.key);
    if (previous) {
      void previous.unsubscribe(liveName).catch(() => undefined);
      if (previous.size === 0) {
        previous.close();
        this.nodes.delete(old!);
      }
    }
    this.events.lost([liveName]);
    this.subscribeMoved(liveName, next, before, 0);
  }

  /**
   * SSUBSCRIBEs a channel that moved on its new owner, then has it resume. If that fails (the
   * node did not answer within the subscribe timeout, as right after a failover under load),
   * it tries again with backoff for as long as the channel still belongs to that node: nothing
   * else would subscribe it again, and its live messages would wait for the next move.
   */
  private subscribeMoved(
    liveName: string,
    target: { key: string; sub: NodeSubscriber },
    before: ReplicationIds | undefined,
    attempt: number,
  ): void {
    target.sub.subscribe(liveName).then(
      async () => this.events.restored([liveName], promoted(before, await target.sub.currentIds())),
      (e: unknown) => {
        if (this.closed || this.owner.get(liveName) !== target.key) return;
        this.events.resubscribeFailed?.(liveName, e);
        const delay = Math.max(50, fullJitterBackoff(attempt, 100, 2000));
        setTimeout(() => {
          if (!this.closed && this.owner.get(liveName) === target.key) {
            this.subscribeMoved(liveName, target, before, attempt + 1);
          }
        }, delay).unref();
      },
    );
  }
}
