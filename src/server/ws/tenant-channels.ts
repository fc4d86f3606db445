import {
  Channels,
  type HistoryPage,
  type PublishOptions,
  type PublishResult,
  type SubscribeOptions,
} from "../../channel/channels.js";
import { assertChannelName } from "../../channel/options.js";
import type { ChannelMessage, ChannelSubscription } from "../../channel/subscription.js";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import { counter } from "../../observe/metrics.js";

const MAX_NAME = 512;

const fannedIn = counter(
  "holdfast_server_channel_messages_total",
  "Messages the service's gateway received from Redis for its subscribed channels (once per channel per process, before fan-out to sockets).",
);

/**
 * One tenant's view of the service's shared {@link Channels}: every channel name is prefixed with
 * `t:<tenant>:` before it reaches the store, so tenant A's `task:routing` and tenant B's are two
 * different channels (different history keys, different pub/sub names), while all tenants share
 * ONE subscriber connection to Redis. Tenant names cannot contain `:`, so no tenant's channel can
 * spell another tenant's prefix.
 *
 * It extends Channels only because `createGateway` takes a `Channels` instance; the inherited
 * transport is never initialised (no connection is opened), and every public method is delegated.
 */
export class TenantChannels extends Channels {
  private readonly prefix: string;
  /** Told of each message published through this view and each received for its subscriptions. */
  observer: ((event: "publish" | "message", channel: string) => void) | undefined;

  constructor(
    private readonly base: Channels,
    readonly tenant: string,
  ) {
    super(base.store, {});
    this.prefix = `t:${tenant}:`;
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

  override publish(channel: string, data: unknown, options?: PublishOptions): Promise<PublishResult> {
    const result = this.base.publish(this.scoped(channel), data, options);
    this.observer?.("publish", channel);
    return result;
  }

  override subscribe(
    channel: string,
    handler: (message: ChannelMessage) => void | Promise<void>,
    options: SubscribeOptions = {},
  ): Promise<ChannelSubscription> {
    const scoped = this.scoped(channel);
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

  override history(channel: string, options?: { since?: string; limit?: number }): Promise<HistoryPage> {
    return this.base.history(this.scoped(channel), options);
  }

  override modeOf(channel: string): "durable" | "ephemeral" {
    return this.base.modeOf(this.prefix + channel);
  }

  /** The shared Channels is closed by its owner, not by a tenant's view. */
  override close(): Promise<void> {
    return Promise.resolve();
  }
}
