import { defineError, guardOf } from "../errors/define-error.js";

/**
 * A pattern subscription (`chat:*`) was asked for on a store that cannot deliver it: Redis Cluster
 * publishes with sharded pub/sub (SPUBLISH), which has no pattern form. Subscribe to each channel
 * by name, or run the channels on a single Redis (or Sentinel) where PSUBSCRIBE works.
 */
export class ChannelPatternUnsupportedError extends defineError(
  "HOLDFAST_CHANNEL_PATTERN_UNSUPPORTED",
  (pattern: string) => ({
    message:
      `Pattern subscriptions ("${pattern}") are not available on Redis Cluster, whose sharded pub/sub ` +
      `has no pattern form: subscribe to each channel by name instead.`,
    fields: { pattern },
  }),
) {}

/** A message's JSON text is larger than `maxMessageBytes`. Nothing was published. */
export class MessageTooLargeError extends defineError(
  "HOLDFAST_MESSAGE_TOO_LARGE",
  (channel: string, sizeBytes: number, maxBytes: number) => ({
    message:
      `The message for channel "${channel}" is ${sizeBytes} bytes as JSON, over the limit of ${maxBytes}: ` +
      `send a smaller message (a reference to the data) or raise \`maxMessageBytes\`.`,
    fields: { channel, sizeBytes, maxBytes },
  }),
) {}

/** The {@link Channels} instance was closed; create a new one with `createChannels()`. */
export class ChannelsClosedError extends defineError("HOLDFAST_CHANNELS_CLOSED", () => ({
  message: "These channels were closed; create new ones with createChannels().",
  fields: {},
})) {}

export const isChannelPatternUnsupportedError = guardOf(ChannelPatternUnsupportedError);
export const isMessageTooLargeError = guardOf(MessageTooLargeError);
export const isChannelsClosedError = guardOf(ChannelsClosedError);
