import { isStoreFailure } from "../errors/store-errors.js";
import { fullJitterBackoff } from "../util/backoff.js";
import { compareMessageIds } from "./ids.js";
import type { DeliveryMode } from "./options.js";
import type { ReadReply } from "./decode.js";

/** One message as subscribers receive it. */
export interface ChannelMessage<T = unknown> {
  /** The channel's name (for a pattern subscription, the matching channel). */
  channel: string;
  /** The history id (`<ms>-<seq>`) on a durable channel; null on an ephemeral one. */
  id: string | null;
  /** The published value (the JSON text itself with `raw: true`). */
  data: T;
}

/** Why a subscriber may have missed messages. */
export interface ChannelGap {
  channel: string;
  /**
   * `history`: a durable subscriber resumed after more was trimmed (or lost with a Redis restart)
   * than the history keeps; `disconnected`: an ephemeral subscriber was disconnected from Redis.
   */
  reason: "history" | "disconnected";
  /** The oldest id still in the history (durable), or null. */
  firstId: string | null;
  /** The last id the subscriber had seen before the gap, if any. */
  lastId: string | undefined;
}

/** A live subscription. Dispose it (or `await unsubscribe()`) to stop receiving. */
export interface ChannelSubscription {
  readonly channel: string;
  /** True when {@link channel} is a `*` pattern. */
  readonly pattern: boolean;
  readonly mode: DeliveryMode;
  /**
   * Durable: true when every message after `since` was delivered; false when the history no longer
   * holds all of them (then {@link firstId} is the oldest id still kept). True without `since`.
   */
  readonly recovered: boolean;
  /** With `recovered: false`, the oldest id still in the history (null when it is empty). */
  readonly firstId: string | null;
  /** Durable: the newest history id when the subscription started. Null for ephemeral. */
  readonly cursor: string | null;
  /** Durable: the id of the last message delivered (resume from it with `since`). */
  readonly lastId: string | undefined;
  unsubscribe(): Promise<void>;
  dispose(): void;
}

export interface SubscriptionHooks {
  read(since: string, count: number): Promise<ReadReply>;
  pageSize: number;
  /** The live message buffer bound while catching up; past it, the history is read instead. */
  maxBuffered: number;
  deliver(id: string | null, payload: string, channel: string): void;
  gap(gap: ChannelGap): void;
  error(e: unknown): void;
  unsubscribe(): Promise<void>;
}

/**
 * One subscriber's state. Durable subscriptions join live delivery and history at a seam: live
 * messages are buffered while the history after `lastId` is read, then the buffer is flushed, and
 * every message whose id is not above `lastId` is dropped (ids only grow), so there is no gap and
 * no duplicate.
 */
export class LiveSubscription implements ChannelSubscription {
  recovered = true;
  firstId: string | null = null;
  cursor: string | null = null;
  lastId: string | undefined;
  private catching = false;
  /** A catch-up loop (start or resume) is in progress. */
  private running = false;
  /** The connection came back while a catch-up was running: resume again when it ends. */
  private pendingResume = false;
  /** Counts connection losses, so a catch-up that overlapped one does not go live. */
  private losses = 0;
  private again = false;
  private overflowed = false;
  /** The transport came back on a promoted replica: the next resume reports a gap. */
  private failedOver = false;
  private buffer: { id: string | null; payload: string; channel: string }[] = [];
  private disposed = false;

  constructor(
    readonly channel: string,
    readonly pattern: boolean,
    readonly mode: DeliveryMode,
    private readonly hooks: SubscriptionHooks,
  ) {
    // Buffer from the very first live message: the transport may deliver some in the same tick as
    // its subscribe confirmation, before start() runs.
    this.catching = mode === "durable" && !pattern;
  }

  /** A live message from the transport. */
  onLive(id: string | null, payload: string, channel: string): void {
    if (this.disposed) return;
    if (this.catching) {
      if (this.buffer.length >= this.hooks.maxBuffered) {
        // Everything live is also in the history: drop the buffer and read further instead.
        this.buffer = [];
        this.overflowed = true;
      }
      this.buffer.push({ id, payload, channel });
      return;
    }
    this.emit(id, payload, channel);
  }

  /** Starts a durable subscription: reads after `since` (or the cursor) before going live. */
  async start(since: string | undefined): Promise<void> {
    this.catching = true;
    this.running = true;
    try {
      const first = await this.catchUp(since ?? "");
      this.recovered = first.recovered;
      this.firstId = first.firstId;
    } finally {
      this.running = false;
    }
    this.resumeIfPending();
  }

  private resumeIfPending(): void {
    if (!this.pendingResume || this.disposed) return;
    this.pendingResume = false;
    this.catching = true;
    void this.resumeWithRetry();
  }

  /** The transport lost its connection: hold live messages until the history was checked. */
  lost(): void {
    if (this.disposed || this.mode === "ephemeral" || this.pattern) return;
    this.catching = true;
    this.losses++;
  }

  /**
   * The transport reconnected: fill what was missed meanwhile. `failover`: on a promoted replica,
   * whose history may lack acknowledged messages; the resume then reports a `history` gap.
   */
  restored(failover = false): void {
    if (this.disposed) return;
    if (this.mode === "ephemeral" || this.pattern) {
      this.hooks.gap({ channel: this.channel, reason: "disconnected", firstId: null, lastId: this.lastId });
      return;
    }
    this.failedOver ||= failover;
    if (this.running) {
      this.pendingResume = true;
      return;
    }
    this.catching = true;
    void this.resumeWithRetry();
  }

  private async resumeWithRetry(): Promise<void> {
    this.running = true;
    try {
      await this.resumeLoop();
    } finally {
      this.running = false;
    }
    this.resumeIfPending();
  }

  private async resumeLoop(): Promise<void> {
    for (let attempt = 0; !this.disposed; attempt++) {
      try {
        const r = await this.catchUp(this.lastId ?? this.cursor ?? "");
        const failover = this.failedOver;
        this.failedOver = false;
        if (!r.recovered || failover) {
          this.hooks.gap({ channel: this.channel, reason: "history", firstId: r.firstId, lastId: r.since });
        }
        return;
      } catch (e) {
        if (!isStoreFailure(e)) this.hooks.error(e);
        await new Promise((r) => setTimeout(r, Math.max(50, fullJitterBackoff(attempt, 100, 2000))));
      }
    }
  }

  /** Reads the history after `since` page by page, then flushes the live buffer and goes live. */
  private async catchUp(since: string): Promise<ReadReply & { since: string | undefined }> {
    let first: ReadReply | undefined;
    let next = since;
    const losses = this.losses;
    for (;;) {
      this.again = false;
      const r = await this.hooks.read(next, this.hooks.pageSize);
      if (this.disposed) break;
      if (!first) {
        first = r;
        if (since === "") {
          this.cursor = r.cursor;
          this.lastId = r.cursor;
        } else {
          this.cursor ??= r.cursor;
          // Even when the history lost `since` (then recovered is false), what it still holds up to
          // `since` was delivered already: only what follows is.
          this.lastId = since;
        }
      }
      for (const e of r.entries) this.emit(e.id, e.payload, this.channel);
      const more = r.entries.length >= this.hooks.pageSize || this.overflowed || this.again;
      this.overflowed = false;
      if (!more) break;
      next = this.lastId ?? r.cursor;
    }
    // The connection dropped meanwhile: keep buffering; the resume after it comes back goes live.
    if (this.losses !== losses) return { ...first!, since: since === "" ? undefined : since };
    // Still catching up here, so nothing live slips between the history and the buffer.
    const buffered = this.buffer;
    this.buffer = [];
    this.catching = false;
    for (const m of buffered) this.emit(m.id, m.payload, m.channel);
    return { ...first!, since: since === "" ? undefined : since };
  }

  private emit(id: string | null, payload: string, channel: string): void {
    if (id !== null && this.mode === "durable" && !this.pattern) {
      if (this.lastId !== undefined && compareMessageIds(id, this.lastId) <= 0) return;
      this.lastId = id;
    }
    this.hooks.deliver(id, payload, channel);
  }

  unsubscribe(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.disposed = true;
    this.buffer = [];
    return this.hooks.unsubscribe();
  }

  dispose(): void {
    void this.unsubscribe().catch(() => undefined);
  }
}
