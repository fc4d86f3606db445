/**
 * `holdfast/client`: a typed client for the Holdfast service, for browsers and Node.
 * It has no Node-only imports.
 */
import { HttpClient, type HttpClientOptions } from "./http.js";
import { LocksApi } from "./locks.js";
import { LockHolder, type LockHolderOptions } from "./lock-holder.js";

export { HttpClient, type HttpClientOptions } from "./http.js";
export { HoldfastApiError, HoldfastNetworkError, isHoldfastApiError } from "./errors.js";
export { LocksApi, type RemoteLease, type RemoteLockInfo } from "./locks.js";
export {
  LockHolder,
  formatMs,
  type HoldState,
  type LockHolderOptions,
  type LockTransport,
  type ReleaseOptions,
} from "./lock-holder.js";
export {
  ChannelClient,
  DEFAULT_CHANNEL_CLIENT_OPTIONS,
  type ChannelClientOptions,
  type ChannelClientStatus,
  type ChannelSubscribeOptions,
  type ClientSubscription,
} from "./channels.js";
export { ChannelsApi, type WsToken, type ChannelHistoryPage } from "./channels-api.js";
export type {
  ChannelGapEvent,
  ReceivedMessage,
  WebSocketConstructor,
  WebSocketLike,
} from "./channel-wire.js";

/** The service's API, grouped by primitive. */
export class HoldfastClient {
  readonly http: HttpClient;
  readonly locks: LocksApi;

  constructor(options: HttpClientOptions) {
    this.http = new HttpClient(options);
    this.locks = new LocksApi(this.http);
  }

  /** A {@link LockHolder} for `key`: acquire, auto-refresh, release, time left. */
  holdLock(key: string, options?: LockHolderOptions): LockHolder {
    const locks = this.locks;
    return new LockHolder(
      {
        acquire: (ttlMs, metadata) => locks.acquire(key, { ttlMs, metadata }),
        refresh: (token, ttlMs) => locks.refresh(key, token, ttlMs),
        release: (token, releaseOptions) => locks.release(key, token, releaseOptions),
      },
      options,
    );
  }
}
