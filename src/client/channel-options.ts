import type { ChannelGapEvent, WebSocketConstructor } from "./channel-wire.js";

/** Options of {@link ChannelClient}. */
export interface ChannelClientOptions {
  /** The gateway (`ws://host:4000/v1/ws`) or the service's base URL (`http://host:4000`). */
  url: string;
  /**
   * A token from `POST /v1/ws-tokens`, or a function returning a fresh one (called before every
   * connection attempt, so reconnecting after the token expired works). Sent in
   * `Sec-WebSocket-Protocol`, never in the URL. Omit against a server without API keys.
   */
  token?: string | (() => string | Promise<string>);
  /** Node (`ws`) only: an API key sent as `Authorization: Bearer`; browsers must use `token`. */
  apiKey?: string;
  /** Node (`ws`) only: the tenant, for a key that serves several. */
  tenant?: string;
  /** @defaultValue globalThis.WebSocket (pass `WebSocket` from the `ws` package on Node 20) */
  WebSocket?: WebSocketConstructor;
  /** First reconnect delay, in ms; doubles per failed attempt, with jitter. @defaultValue 250 */
  initialDelayMs?: number;
  /** Longest reconnect delay, in ms. @defaultValue 10_000 */
  maxDelayMs?: number;
  /** How long a subscribe or publish waits for its answer, in ms. @defaultValue 10_000 */
  requestTimeoutMs?: number;
  /**
   * Largest frame sent, in UTF-8 bytes: the gateway's `maxFrameBytes` (it answers larger frames
   * without a request id, so the client checks first). @defaultValue 65_536
   */
  maxFrameBytes?: number;
}

export const DEFAULT_CHANNEL_CLIENT_OPTIONS = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  requestTimeoutMs: 10_000,
  maxFrameBytes: 65_536,
} as const;

/** Where the client is. */
export type ChannelClientStatus = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** Options of {@link ChannelClient.subscribe}. */
export interface ChannelSubscribeOptions {
  /** Resume after this id (the last one you saw, e.g. kept across a page reload). */
  since?: string;
  /** Called when messages may have been missed on this channel. */
  onGap?: (gap: ChannelGapEvent) => void;
}

/** One subscription; it survives reconnects until {@link unsubscribe}. */
export interface ClientSubscription {
  readonly channel: string;
  /** The last message id received (or the position subscribed at): the resume point. */
  readonly lastId: string | undefined;
  /** False when the last (re)subscribe could not deliver everything after the resume point. */
  readonly recovered: boolean;
  unsubscribe(): void;
}
