import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { counter } from "../observe/metrics.js";
import type { Store } from "../store/types.js";
import { getDefaultLogger, ThrottledLog } from "../util/log.js";
import { assertDurationMs, assertInt, assertName } from "../util/validate.js";
import { ChannelPatternUnsupportedError, ChannelsClosedError, MessageTooLargeError } from "./errors.js";
import { assertMessageId } from "./ids.js";
import {
  assertChannelName,
  ChannelConfigs,
  DEFAULT_CHANNELS_OPTIONS,
  resolveConfig,
  type ChannelConfig,
  type ChannelsOptions,
  type DeliveryMode,
} from "./options.js";
import { decodeRead } from "./decode.js";
import { publishScript, readScript } from "./scripts/scripts.js";
import {
  LiveSubscription,
  type ChannelGap,
  type ChannelMessage,
  type ChannelSubscription,
} from "./subscription.js";
import type { Transport, TransportEvents } from "./transport.js";

const published = counter("holdfast_channel_published_total", "Messages published, by delivery mode.", [
  "mode",
] as const);
const publishedDurable = published.labels("durable");
const publishedEphemeral = published.labels("ephemeral");
const gaps = counter("holdfast_channel_gaps_total", "Subscribers told that they may have missed messages.", [
  "reason",
] as const);

/** Per-call settings of {@link Channels.publish}; they override the channel's configuration. */
export type PublishOptions = ChannelConfig;

/** What {@link Channels.publish} returns. */
export interface PublishResult {
  /** The history id of a durable message; null for an ephemeral one. */
  id: string | null;
  /** How many subscriber connections (processes, not end users) received it live. */
  receivers: number;
}

/** Options of {@link Channels.subscribe}. */
export interface SubscribeOptions {
  /**
   * Durable channels: resume after this id (the last one you saw). Messages after it are delivered
   * first, from the history, then live ones, with no gap and no duplicate; or, when the history no
   * longer holds them all, the subscription says `recovered: false`. Not allowed with patterns.
   */
  since?: string;
  /** Overrides the channel's configured mode for this subscriber. */
  mode?: DeliveryMode;
  /** Deliver `data` as the JSON text instead of parsing it (the gateway forwards it as is). @defaultValue false */
  raw?: boolean;
  /**
   * Called when messages may have been missed after the subscription started: a durable
   * subscriber reconnected after more was trimmed than kept, or an ephemeral one was disconnected.
   */
  onGap?: (gap: ChannelGap) => void;
}

/** What {@link Channels.history} returns. */
export interface HistoryPage {
  /** False when messages after `since` are no longer all in the history. */
  recovered: boolean;
  /** The newest id of the history. */
  cursor: string;
  /** With `recovered: false`, the oldest id still kept (null when empty). */
  firstId: string | null;
  /** Oldest first; `data` is the JSON text. Fewer than `limit` means the history is exhausted. */
  messages: { id: string; data: string }[];
}

type Handler = (message: ChannelMessage) => void | Promise<void>;

/**
 * Durable realtime channels on a {@link Store}: publish/subscribe with two delivery modes,
 * bounded history, resume without gap or duplicate, and automatic resubscription after Redis
 * restarts. Create with {@link createChannels}.
 */
export class Channels {
  private readonly configs: ChannelConfigs;
  private readonly maxMessageBytes: number;
  private readonly pageSize: number;
  private readonly transport: Transport;
  private readonly exact = new Map<string, Set<LiveSubscription>>();
  private readonly names = new Map<string, string>();
  private readonly patterns = new Map<string, Set<LiveSubscription>>();
  private readonly throttled: ThrottledLog;
  private readonly livePrefix: string;
  private initialized: Promise<void> | undefined;
  private ready = false;
  private closed = false;

  constructor(
    readonly store: Store,
    options: ChannelsOptions = {},
  ) {
    this.configs = new ChannelConfigs(options);
    this.maxMessageBytes = assertInt(
      "maxMessageBytes",
      options.maxMessageBytes ?? DEFAULT_CHANNELS_OPTIONS.maxMessageBytes,
      1,
      64 * 1024 * 1024,
    );
    this.pageSize = assertInt(
      "historyPageSize",
      options.historyPageSize ?? DEFAULT_CHANNELS_OPTIONS.historyPageSize,
      1,
      10_000,
    );
    const timeoutMs = assertDurationMs(
      "subscribeTimeoutMs",
      options.subscribeTimeoutMs ?? DEFAULT_CHANNELS_OPTIONS.subscribeTimeoutMs,
    );
    this.throttled = new ThrottledLog(options.logger ?? getDefaultLogger());
    this.livePrefix = `${store.keys.prefix}channel:`;
    const events: TransportEvents = {
      message: (liveName, message) => this.onMessage(liveName, message),
      pmessage: (pattern, liveName, message) => this.onPMessage(pattern, liveName, message),
      restored: (liveNames, failover) => this.onRestored(liveNames, failover ?? false),
      lost: (liveNames) => {
        for (const name of liveNames) for (const sub of this.exact.get(name) ?? []) sub.lost();
      },
      resubscribeFailed: (liveName, e) =>
        this.throttled.warn(
          "channel-resubscribe",
          { channel: liveName, err: e instanceof Error ? e.message : String(e) },
          "Holdfast channels: subscribing again on the channel's new node failed; retrying (live messages wait until it succeeds)",
        ),
    };
    // The store says which pub/sub it carries (no instanceof: a store from another copy of this
    // module, as a test runner or a bundler may load, carries channels just as well).
    if (typeof store.openTransport !== "function") {
      throw new InvalidArgumentError(
        "store",
        "must be a store made by createStore() (this one carries no pub/sub)",
      );
    }
    this.transport = store.openTransport(events, { subscribeTimeoutMs: timeoutMs });
  }

  /**
   * Publishes `data` (any JSON value) on `channel`, in one round trip. On a durable channel the
   * message is appended to the history and published by the same script, so a subscriber that
   * resumes later finds it. Resolves after Redis accepted it.
   *
   * @throws InvalidArgumentError (bad name, data not JSON), MessageTooLargeError, and the store
   *   errors (StoreUnavailableError, StoreTimeoutError): a publish never fails silently.
   * @example
   * await channels.publish("task:routing", { type: "routing_decision", payload });
   */
  async publish(channel: string, data: unknown, options?: PublishOptions): Promise<PublishResult> {
    assertChannelName("channel", channel);
    let payload: string | undefined;
    try {
      payload = data === undefined ? undefined : JSON.stringify(data);
    } catch (e) {
      // A cycle, a BigInt, or nesting deep enough to overflow the stack.
      throw new InvalidArgumentError("data", `must be serialisable as JSON (${(e as Error).message})`);
    }
    if (payload === undefined) throw new InvalidArgumentError("data", "must be a JSON value (not undefined)");
    if (payload.length * 3 > this.maxMessageBytes) {
      const bytes = Buffer.byteLength(payload);
      if (bytes > this.maxMessageBytes) throw new MessageTooLargeError(channel, bytes, this.maxMessageBytes);
    }
    const cfg = options
      ? resolveConfig("options", options, this.configs.of(channel))
      : this.configs.of(channel);
    if (this.closed) throw new ChannelsClosedError();
    if (!this.ready) await this.init();
    const keys = this.keysOf(channel);
    const durable = cfg.mode === "durable";
    const raw = await this.store.run(publishScript, keys, [
      this.liveName(channel),
      payload,
      durable ? 1 : 0,
      cfg.maxLen,
      cfg.maxAgeMs,
      this.transport.sharded ? 1 : 0,
    ]);
    (durable ? publishedDurable : publishedEphemeral).inc();
    return { id: raw[0] === "" ? null : raw[0], receivers: Number(raw[1]) };
  }

  /**
   * Subscribes `handler` to a channel, or to every channel matching a `*` pattern (single Redis
   * and memory only: see {@link ChannelPatternUnsupportedError}). Resolves once live delivery is
   * in place (and, for a durable channel with `since`, once the history after it was delivered).
   * Handlers run in publish order and are not awaited; an error they throw is logged.
   *
   * @example
   * const sub = await channels.subscribe("task:routing", (m) => console.log(m.id, m.data), { since });
   * if (!sub.recovered) console.warn(`messages before ${sub.firstId} are gone`);
   * sub.dispose();
   */
  async subscribe(
    channel: string,
    handler: Handler,
    options: SubscribeOptions = {},
  ): Promise<ChannelSubscription> {
    assertName("channel", channel);
    if (typeof handler !== "function") throw new InvalidArgumentError("handler", "must be a function");
    const pattern = channel.includes("*");
    if (options.since !== undefined) {
      assertMessageId("since", options.since);
      if (pattern) throw new InvalidArgumentError("since", "cannot be used with a pattern subscription");
    }
    const cfg = this.configs.of(channel);
    const mode = options.mode ?? cfg.mode;
    if (mode !== "durable" && mode !== "ephemeral") {
      throw new InvalidArgumentError("mode", `must be "ephemeral" or "durable"`);
    }
    if (this.closed) throw new ChannelsClosedError();
    if (!this.ready) await this.init();
    if (pattern && !this.transport.supportsPatterns) throw new ChannelPatternUnsupportedError(channel);

    const raw = options.raw === true;
    const liveName = pattern ? `${this.livePrefix}${channel}` : this.liveName(channel);
    const table = pattern ? this.patterns : this.exact;
    const keys = pattern ? [] : this.keysOf(channel);
    const sub: LiveSubscription = new LiveSubscription(channel, pattern, mode, {
      read: async (since, count) =>
        decodeRead(await this.store.run(readScript, keys, [since, count, cfg.maxAgeMs])),
      pageSize: this.pageSize,
      maxBuffered: this.pageSize * 4,
      deliver: (id, payload, name) => this.deliver(handler, raw, id, payload, name),
      gap: (gap) => {
        gaps.labels(gap.reason).inc();
        if (options.onGap) {
          try {
            options.onGap(gap);
          } catch (e) {
            this.logError(e);
          }
        }
      },
      error: (e) => this.logError(e),
      unsubscribe: () => this.remove(table, liveName, sub, pattern),
    });

    let set = table.get(liveName);
    if (!set) table.set(liveName, (set = new Set()));
    set.add(sub);
    if (!pattern) this.names.set(liveName, channel);
    try {
      // Idempotent: also waits when another subscriber of this name is still being confirmed.
      if (pattern) await this.transport.psubscribe(liveName);
      else await this.transport.subscribe(liveName);
      if (mode === "durable" && !pattern) await sub.start(options.since);
    } catch (e) {
      await sub.unsubscribe().catch(() => undefined);
      throw e;
    }
    return sub;
  }

  /**
   * Reads a durable channel's history after `since` (or only its cursor without it): for callers
   * that fan out themselves, like the WebSocket gateway. At most `limit` messages per call.
   */
  async history(channel: string, options: { since?: string; limit?: number } = {}): Promise<HistoryPage> {
    assertChannelName("channel", channel);
    if (options.since !== undefined) assertMessageId("since", options.since);
    const limit = assertInt("limit", options.limit ?? this.pageSize, 1, 10_000);
    if (this.closed) throw new ChannelsClosedError();
    const cfg = this.configs.of(channel);
    const r = decodeRead(
      await this.store.run(readScript, this.keysOf(channel), [options.since ?? "", limit, cfg.maxAgeMs]),
    );
    return {
      recovered: r.recovered,
      cursor: r.cursor,
      firstId: r.firstId,
      messages: r.entries.map((e) => ({ id: e.id, data: e.payload })),
    };
  }

  /** The delivery mode configured for `channel`. */
  modeOf(channel: string): DeliveryMode {
    return this.configs.of(channel).mode;
  }

  /** Ends every subscription and closes the subscriber connections. The store stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const table of [this.exact, this.patterns]) {
      for (const set of table.values()) for (const sub of set) sub.dispose();
    }
    this.exact.clear();
    this.patterns.clear();
    await this.transport.close();
  }

  private init(): Promise<void> {
    this.initialized ??= this.transport.init().then(() => {
      this.ready = true;
    });
    return this.initialized;
  }

  /** The pub/sub name: on a cluster it carries the channel's hash tag, so SPUBLISH runs in the script. */
  private liveName(channel: string): string {
    return this.transport.sharded
      ? this.store.keys.key("channel", channel, "live")
      : `${this.livePrefix}${channel}`;
  }

  private keysOf(channel: string): string[] {
    return [this.store.keys.key("channel", channel, "log"), this.store.keys.key("channel", channel, "meta")];
  }

  private async remove(
    table: Map<string, Set<LiveSubscription>>,
    liveName: string,
    sub: LiveSubscription,
    pattern: boolean,
  ): Promise<void> {
    const set = table.get(liveName);
    if (!set?.delete(sub) || set.size > 0) return;
    table.delete(liveName);
    if (!pattern) this.names.delete(liveName);
    if (this.closed) return;
    if (pattern) await this.transport.punsubscribe(liveName);
    else await this.transport.unsubscribe(liveName);
  }

  private onMessage(liveName: string, message: string): void {
    const set = this.exact.get(liveName);
    if (!set) return;
    const sp = message.indexOf(" ");
    const id = sp > 0 ? message.slice(0, sp) : null;
    const payload = message.slice(sp + 1);
    const channel = this.names.get(liveName)!;
    for (const sub of set) sub.onLive(id, payload, channel);
  }

  private onPMessage(pattern: string, liveName: string, message: string): void {
    const set = this.patterns.get(pattern);
    if (!set) return;
    const sp = message.indexOf(" ");
    const id = sp > 0 ? message.slice(0, sp) : null;
    const payload = message.slice(sp + 1);
    const channel = liveName.startsWith(this.livePrefix) ? liveName.slice(this.livePrefix.length) : liveName;
    for (const sub of set) sub.onLive(id, payload, channel);
  }

  private onRestored(liveNames: string[], failover: boolean): void {
    for (const name of liveNames) for (const sub of this.exact.get(name) ?? []) sub.restored(failover);
    for (const set of this.patterns.values()) for (const sub of set) sub.restored();
  }

  private deliver(handler: Handler, raw: boolean, id: string | null, payload: string, channel: string): void {
    let data: unknown;
    try {
      data = raw ? payload : JSON.parse(payload);
    } catch (e) {
      this.logError(e);
      return;
    }
    try {
      const r = handler({ channel, id, data });
      if (r && typeof (r as Promise<void>).catch === "function")
        (r as Promise<void>).catch((e) => this.logError(e));
    } catch (e) {
      this.logError(e);
    }
  }

  private logError(e: unknown): void {
    this.throttled.warn(
      "channel-handler",
      { err: e instanceof Error ? e.message : String(e) },
      "Holdfast channels: a subscriber's handler failed",
    );
  }
}

/**
 * Creates realtime channels on `store` (memory or Redis: single, Sentinel or Cluster).
 *
 * @example
 * const channels = createChannels(store, { channels: { "task:routing": { mode: "durable", maxLen: 500 } } });
 * await channels.subscribe("task:routing", (m) => render(m.data));
 * await channels.publish("task:routing", { type: "routing_decision", payload });
 */
export function createChannels(store: Store, options?: ChannelsOptions): Channels {
  return new Channels(store, options);
}
