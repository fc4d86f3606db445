import type {
  Channels,
  HistoryPage,
  PublishOptions,
  PublishResult,
  SubscribeOptions,
} from "../../channel/channels.js";
import { assertChannelName } from "../../channel/options.js";
import type { ChannelMessage, ChannelSubscription } from "../../channel/subscription.js";
import { LRUCache } from "lru-cache";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import { QuotaExceededError } from "../../errors/quota-exceeded-error.js";
import { counter } from "../../observe/metrics.js";
import { defineScript } from "../../store/script.js";
import type { Store } from "../../store/types.js";
import type { GatewayChannels } from "../../gateway/options.js";
import { tenantNamespace } from "../tenants.js";

const MAX_NAME = 512;
/** A channel counted by this process is counted again (its last use refreshed) after this long. */
const RECOUNT_MS = 60_000;
/** Channels this process remembers having counted, per tenant. */
const MAX_REMEMBERED = 1024;

const countChannel = defineScript<[channel: string, max: number, maxAgeMs: number]>(
  new URL("./channel-count-1.lua", import.meta.url),
  (db, [k], [channel, max, maxAgeMs], now) => {
    if (maxAgeMs > 0) {
      for (const { member } of db.zrangebyscore(k, -Infinity, now - maxAgeMs, 100)) db.zrem(k, member);
    }
    if (db.zscore(k, channel) === null && db.zcard(k) >= max) return -1;
    db.zadd(k, now, channel);
    return 1;
  },
);

/** The cap on a tenant's channels: at most `maxChannels` used within the last `maxAgeMs`. */
export interface ChannelQuota {
  maxChannels: number;
  /** 0: a channel counts forever. */
  maxAgeMs: number;
}

const fannedIn = counter(
  "holdfast_server_channel_messages_total",
  "Messages the service's gateway received from Redis for its subscribed channels (once per channel per process, before fan-out to sockets).",
);

/**
 * One tenant's view of the service's shared {@link Channels}: every channel name is prefixed with
 * `t:<encoded tenant>:` ({@link tenantNamespace}) before it reaches the store, so tenant A's
 * `task:routing` and tenant B's are two different channels (different history keys, different
 * pub/sub names), while all tenants share ONE subscriber connection to Redis. An encoded tenant
 * never contains `:`, so no tenant's channel can spell another tenant's prefix.
 *
 * Each channel a tenant publishes to, subscribes to or reads is counted in the tenant's index of
 * channels (one round trip the first time per process and minute); past `maxChannels` a new one is
 * refused with {@link QuotaExceededError}.
 *
 * It is the {@link GatewayChannels} of the tenant's gateway: the methods a gateway calls, each one
 * delegated to the shared Channels under the tenant's prefix.
 */
export class TenantChannels implements GatewayChannels {
  private readonly prefix: string;
  private readonly indexKey: string;
  private readonly counted = new LRUCache<string, number>({ max: MAX_REMEMBERED });
  /** Told of each message published through this view and each received for its subscriptions. */
  observer: ((event: "publish" | "message", channel: string) => void) | undefined;

  constructor(
    private readonly base: Channels,
    readonly tenant: string,
    private readonly tenantStore: Store,
    private readonly quota: ChannelQuota,
  ) {
    this.prefix = tenantNamespace(tenant);
    this.indexKey = tenantStore.keys.key("channels", "all");
  }

  /** Counts `channel` against the tenant's cap (a round trip only when this process has not lately). */
  private async count(channel: string): Promise<void> {
    const at = this.counted.get(channel);
    if (at !== undefined && Date.now() - at < RECOUNT_MS) return;
    const r = await this.tenantStore.run(
      countChannel,
      [this.indexKey],
      [channel, this.quota.maxChannels, this.quota.maxAgeMs],
    );
    if (r === -1) {
      throw new QuotaExceededError(
        `channels for tenant "${this.tenant}"`,
        this.quota.maxChannels,
        "Reuse channel names (put ids in the messages), let unused channels age out, or raise HOLDFAST_MAX_CHANNELS_PER_TENANT.",
      );
    }
    this.counted.set(channel, Date.now());
  }

  /** The name the shared Channels uses for this tenant's `channel`, validated. */
  scoped(channel: string): string {
    assertChannelName("channel", channel);
    const max = MAX_NAME - this.prefix.length;
    if (channel.length > max) {
      throw new InvalidArgumentError("channel", `must be at most ${max} characters, got ${channel.length}`);
    }
    return this.prefix + channel;
  }

  async publish(channel: string, data: unknown, options?: PublishOptions): Promise<PublishResult> {
    const scoped = this.scoped(channel);
    await this.count(channel);
    const result = await this.base.publish(scoped, data, options);
    this.observer?.("publish", channel);
    return result;
  }

  async subscribe(
    channel: string,
    handler: (message: ChannelMessage) => void | Promise<void>,
    options: SubscribeOptions = {},
  ): Promise<ChannelSubscription> {
    const scoped = this.scoped(channel);
    await this.count(channel);
    const onGap = options.onGap;
    return this.base.subscribe(
      scoped,
      (m) => {
        fannedIn.inc();
        this.observer?.("message", channel);
        return handler({ channel, id: m.id, data: m.data });
      },
      { ...options, ...(onGap ? { onGap: (g) => onGap({ ...g, channel }) } : {}) },
    );
  }

  async history(channel: string, options?: { since?: string; limit?: number }): Promise<HistoryPage> {
    const scoped = this.scoped(channel);
    await this.count(channel);
    return this.base.history(scoped, options);
  }

  modeOf(channel: string): "durable" | "ephemeral" {
    return this.base.modeOf(this.prefix + channel);
  }

  /** The shared Channels is closed by its owner, not by a tenant's view. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
