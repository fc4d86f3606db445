export {
  Channels,
  createChannels,
  type PublishOptions,
  type PublishResult,
  type SubscribeOptions,
  type HistoryPage,
} from "./channels.js";
export type { ChannelMessage, ChannelGap, ChannelSubscription } from "./subscription.js";
export {
  DEFAULT_CHANNEL_CONFIG,
  DEFAULT_CHANNELS_OPTIONS,
  type ChannelConfig,
  type ChannelsOptions,
  type DeliveryMode,
} from "./options.js";
export { compareMessageIds, isMessageId } from "./ids.js";
export {
  ChannelPatternUnsupportedError,
  MessageTooLargeError,
  ChannelsClosedError,
  isChannelPatternUnsupportedError,
  isMessageTooLargeError,
  isChannelsClosedError,
} from "./errors.js";
