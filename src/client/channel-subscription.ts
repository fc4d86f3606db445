/**
 * One subscription of a {@link ChannelClient}, as the client keeps it across reconnects: where it
 * resumes (the last id seen), whether its channel is durable, and what the server's answers and
 * messages change in it. No socket here: the client sends what these functions decide.
 */
import { compareIds, type ChannelGapEvent, type ReceivedMessage } from "./channel-wire.js";
import type { ChannelSubscribeOptions, ClientSubscription } from "./channel-options.js";

export type Handler = (message: ReceivedMessage) => void;
/** A JSON frame of the gateway's protocol. */
export type Frame = Record<string, unknown>;

/** What a gap is reported with (the channel and the last id seen are the subscription's). */
export type GapReport = Pick<ChannelGapEvent, "reason" | "firstId">;

export class Subscription {
  lastId: string | undefined;
  recovered = true;
  /** False = ephemeral (ids are null), undefined = not known yet. */
  durable: boolean | undefined;
  /** Acknowledged at least once (so a reconnect is a resume, not the first subscribe). */
  everAcked = false;
  readonly onGap: ((gap: ChannelGapEvent) => void) | undefined;
  /** What the caller holds. */
  readonly handle: ClientSubscription;

  constructor(
    readonly channel: string,
    readonly handler: Handler,
    options: ChannelSubscribeOptions,
    unsubscribe: (sub: Subscription) => void,
  ) {
    this.lastId = options.since;
    this.onGap = options.onGap;
    const lastId = () => this.lastId;
    const recovered = () => this.recovered;
    this.handle = {
      channel,
      get lastId() {
        return lastId();
      },
      get recovered() {
        return recovered();
      },
      unsubscribe: () => unsubscribe(this),
    };
  }

  /** Where a (re)subscribe resumes: after the last id, once the channel is not known to be ephemeral. */
  get since(): string | undefined {
    return this.durable === false ? undefined : this.lastId;
  }

  /**
   * Takes in the server's `ack` of a subscribe sent with `since` (`resumed`: the subscription had
   * been acknowledged before, so this follows a reconnect). Returns the gap to report, if any.
   */
  acknowledged(ack: Frame, since: string | undefined, resumed: boolean): GapReport | undefined {
    const cursor = (ack.cursor as string | null | undefined) ?? null;
    if (this.durable === undefined) this.durable = cursor !== null;
    this.recovered = ack.recovered !== false;
    this.everAcked = true;
    if (since === undefined && this.lastId === undefined && cursor !== null) this.lastId = cursor;
    if (ack.recovered === false) {
      return { reason: "history", firstId: (ack.firstId as string | null | undefined) ?? null };
    }
    if (resumed && this.durable === false) return { reason: "disconnected", firstId: null };
    return undefined;
  }

  /** The message of a `message` frame, or undefined when it was already delivered. */
  accept(f: Frame): ReceivedMessage | undefined {
    const id = (f.id as string | null | undefined) ?? null;
    if (id !== null) {
      // Ids only grow: anything not above the last one seen was already delivered.
      if (this.lastId !== undefined && compareIds(id, this.lastId) <= 0) return undefined;
      this.lastId = id;
      this.durable = true;
    }
    return { channel: this.channel, id, data: f.data };
  }

  gapEvent(g: GapReport): ChannelGapEvent {
    return { channel: this.channel, reason: g.reason, firstId: g.firstId, lastId: this.lastId };
  }
}
