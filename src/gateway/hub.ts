import type { ChannelGap, ChannelSubscription } from "../channel/subscription.js";
import type { GatewayChannels } from "./options.js";
import { frame } from "./protocol.js";
import { OutgoingFrame, type Outgoing } from "./wire.js";

/** One connection's view of a channel: what it saw last, and its buffer while catching up. */
export interface Member {
  /**
   * Called with a ready-made `message` frame (built once per message for every member), and the id
   * of the message the hub delivered before this one (null for none).
   */
  deliver(id: string | null, frame: Outgoing, previous: string | null): void;
  gap(frame: Outgoing): void;
}

/**
 * One channel of one gateway process: a single subscription to the channels layer, fanned out to
 * every connection subscribed to it here, with the `message` frame serialised and framed once per
 * message (see {@link OutgoingFrame}).
 */
export class Hub {
  readonly members = new Set<Member>();
  readonly channelJson: string;
  private sub: ChannelSubscription | undefined;
  /** The id of the last message fanned out (null for none, or an ephemeral one). */
  private lastDelivered: string | null = null;
  readonly ready: Promise<void>;
  stopped = false;

  constructor(
    readonly channel: string,
    private readonly channels: GatewayChannels,
  ) {
    this.channelJson = JSON.stringify(channel);
    this.ready = this.start();
  }

  /** The id after which a member joining now receives everything (null on an ephemeral channel). */
  get position(): string | null {
    return this.sub?.lastId ?? this.sub?.cursor ?? null;
  }

  get durable(): boolean {
    return this.sub?.mode === "durable";
  }

  /** Builds a `message` frame from a history id and the message's JSON text. */
  messageFrame(id: string | null, json: string): string {
    return `{"type":"message","channel":${this.channelJson},"id":${id === null ? "null" : `"${id}"`},"data":${json}}`;
  }

  private async start(): Promise<void> {
    const sub = await this.channels.subscribe(
      this.channel,
      (m) => {
        const shared = new OutgoingFrame(this.messageFrame(m.id, m.data as string));
        const previous = this.lastDelivered;
        this.lastDelivered = m.id;
        for (const member of this.members) member.deliver(m.id, shared, previous);
      },
      { raw: true, onGap: (g) => this.onGap(g) },
    );
    if (this.stopped) {
      sub.dispose();
      return;
    }
    this.sub = sub;
  }

  private onGap(g: ChannelGap): void {
    const shared = new OutgoingFrame(
      frame({ type: "gap", channel: this.channel, reason: g.reason, firstId: g.firstId }),
    );
    for (const member of this.members) member.gap(shared);
  }

  stop(): void {
    this.stopped = true;
    this.members.clear();
    this.sub?.dispose();
  }
}

/** The hubs of one gateway, one per channel with members here; a hub stops with its last member. */
export class Hubs {
  private readonly byChannel = new Map<string, Hub>();

  constructor(private readonly channels: GatewayChannels) {}

  /** The channel's hub, started on first use. @throws what `channels.subscribe` throws at once (a bad name) */
  of(channel: string): Hub {
    let hub = this.byChannel.get(channel);
    if (!hub) {
      hub = new Hub(channel, this.channels);
      this.byChannel.set(channel, hub);
    }
    return hub;
  }

  /** Forgets `hub` if it is still the channel's (its subscription failed). */
  drop(hub: Hub): void {
    if (this.byChannel.get(hub.channel) === hub) this.byChannel.delete(hub.channel);
  }

  /** Removes a member from its hub, and stops the hub when it was the last. */
  leave(member: Member & { readonly hub: Hub }): void {
    const hub = member.hub;
    hub.members.delete(member);
    if (hub.members.size === 0 && this.byChannel.get(hub.channel) === hub) {
      this.byChannel.delete(hub.channel);
      hub.stop();
    }
  }

  /** Channels with members here, and how many each has. */
  counts(): Map<string, number> {
    return new Map([...this.byChannel.values()].map((h) => [h.channel, h.members.size]));
  }

  stopAll(): void {
    for (const hub of this.byChannel.values()) hub.stop();
    this.byChannel.clear();
  }
}
