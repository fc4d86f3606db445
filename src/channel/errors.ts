import { HoldfastError } from "../errors/holdfast-error.js";

/**
 * A pattern subscription (`chat:*`) was asked for on a store that cannot deliver it: Redis Cluster
 * publishes with sharded pub/sub (SPUBLISH), which has no pattern form. Subscribe to each channel
 * by name, or run the channels on a single Redis (or Sentinel) where PSUBSCRIBE works.
 */
export class ChannelPatternUnsupportedError extends HoldfastError {
  readonly code = "HOLDFAST_CHANNEL_PATTERN_UNSUPPORTED";
  readonly pattern: string;
  constructor(pattern: string) {
    super(
      `Pattern subscriptions ("${pattern}") are not available on Redis Cluster, whose sharded pub/sub ` +
        `has no pattern form: subscribe to each channel by name instead.`,
    );
    this.pattern = pattern;
  }
}

/** A message's JSON text is larger than `maxMessageBytes`. Nothing was published. */
export class MessageTooLargeError extends HoldfastError {
  readonly code = "HOLDFAST_MESSAGE_TOO_LARGE";
  readonly channel: string;
  readonly sizeBytes: number;
  readonly maxBytes: number;
  constructor(channel: string, sizeBytes: number, maxBytes: number) {
    super(
      `The message for channel "${channel}" is ${sizeBytes} bytes as JSON, over the limit of ${maxBytes}: ` +
        `send a smaller message (a reference to the data) or raise \`maxMessageBytes\`.`,
    );
    this.channel = channel;
    this.sizeBytes = sizeBytes;
    this.maxBytes = maxBytes;
  }
}

/** The {@link Channels} instance was closed; create a new one with `createChannels()`. */
export class ChannelsClosedError extends HoldfastError {
  readonly code = "HOLDFAST_CHANNELS_CLOSED";
  constructor() {
    super("These channels were closed; create new ones with createChannels().");
  }
}

export const isChannelPatternUnsupportedError = (e: unknown): e is ChannelPatternUnsupportedError =>
  e instanceof ChannelPatternUnsupportedError;
export const isMessageTooLargeError = (e: unknown): e is MessageTooLargeError =>
  e instanceof MessageTooLargeError;
export const isChannelsClosedError = (e: unknown): e is ChannelsClosedError =>
  e instanceof ChannelsClosedError;
