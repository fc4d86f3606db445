import type { IncomingMessage, Server } from "node:http";
import type { Channels } from "../channel/channels.js";
import type { ChannelsOptions } from "../channel/options.js";
import type { Store } from "../store/types.js";
import type { Logger } from "../util/log.js";

/** What the authorisation hook is asked. */
export interface AuthorizeRequest {
  action: "subscribe" | "publish";
  channel: string;
  /** What `identify` returned for this connection (undefined without `identify`). */
  identity: unknown;
  /** The HTTP upgrade request (headers, URL, remote address). */
  request: IncomingMessage;
}

/**
 * What a gateway needs of its channels: a {@link Channels}, or any object that offers these methods
 * with the same meaning (as `holdfast serve` gives each tenant a view that prefixes channel names).
 */
export type GatewayChannels = Pick<Channels, "publish" | "subscribe" | "history" | "modeOf" | "close">;

/** True for channels handed to the gateway, false for options to make its own from. */
export function isGatewayChannels(value: ChannelsOptions | GatewayChannels): value is GatewayChannels {
  const v = value as Partial<Record<keyof GatewayChannels, unknown>>;
  return typeof v.publish === "function" && typeof v.subscribe === "function";
}

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** The store channels run on (memory for one process, Redis to share channels between processes). */
  store: Store;
  /**
   * Channel settings (modes, history bounds), or channels you own ({@link Channels} or another
   * {@link GatewayChannels}; left open on close). @defaultValue {}
   */
  channels?: ChannelsOptions | GatewayChannels;
  /** An HTTP server to attach to (e.g. the one `holdfast serve` runs); the gateway never closes it. */
  server?: Server;
  /** Or a port for a server of the gateway's own (0 = any free port). */
  port?: number;
  /** Host to listen on with `port`. @defaultValue "127.0.0.1" */
  host?: string;
  /** The WebSocket endpoint's path; other upgrade requests are left to other handlers. @defaultValue "/" */
  path?: string;
  /**
   * Names the client of an upgrade request (a user id, a token's claims); throw to refuse the
   * connection (HTTP 401). @defaultValue every client is anonymous (identity undefined)
   */
  identify?: (request: IncomingMessage) => unknown;
  /**
   * Asked before every subscribe and publish; nothing is delivered or published unless it returns
   * true. A hook that throws denies. @defaultValue everything is allowed
   */
  authorize?: (request: AuthorizeRequest) => boolean | Promise<boolean>;
  /** Largest client frame in bytes; larger ones get a `too_large` error frame. @defaultValue 65_536 */
  maxFrameBytes?: number;
  /**
   * Unsent bytes a connection may have queued (ws `bufferedAmount`); past it the client is closed
   * with 4008 "slow consumer". @defaultValue 1_048_576
   */
  maxBufferedBytes?: number;
  /**
   * Batches writes under load, in ms: while messages keep coming, each connection is written to at
   * most once per this interval, several frames per system call, instead of once per event-loop
   * turn (usually once per message). A message after a quiet spell of this length is written at
   * once. Trades up to this much latency per message for less CPU per delivery on the gateway and
   * on its clients; 0 turns it off. @defaultValue 0
   */
  writeDelayMs?: number;
  /** Subscriptions one connection may hold. @defaultValue 256 */
  maxSubscriptionsPerConnection?: number;
  /** Ping every this many ms; a client that did not answer the previous ping is terminated. @defaultValue 30_000 */
  heartbeatIntervalMs?: number;
  /** After a 4008 close frame, how long to wait for the client before dropping the socket, in ms. @defaultValue 5000 */
  slowConsumerGraceMs?: number;
  /** On {@link Gateway.close}, how long clients get to close (1012) before they are dropped, in ms. @defaultValue 5000 */
  shutdownTimeoutMs?: number;
  logger?: Logger;
}

export const DEFAULT_GATEWAY_OPTIONS = {
  host: "127.0.0.1",
  path: "/",
  maxFrameBytes: 65_536,
  maxBufferedBytes: 1_048_576,
  writeDelayMs: 0,
  maxSubscriptionsPerConnection: 256,
  heartbeatIntervalMs: 30_000,
  slowConsumerGraceMs: 5000,
  shutdownTimeoutMs: 5000,
} as const;
