import { HttpClient } from "./http.js";

/** What `POST /v1/ws-tokens` returns. */
export interface WsToken {
  token: string;
  /** Ms since the epoch (server clock). */
  expiresAt: number;
  /** Ms the token was minted for. */
  expiresIn: number;
  tenant: string;
}

/** A page of a durable channel's history. */
export interface ChannelHistoryPage<T = unknown> {
  channel: string;
  /** False when messages after `since` were trimmed; `firstId` is the oldest kept. */
  recovered: boolean;
  cursor: string;
  firstId: string | null;
  messages: { id: string; data: T }[];
}

/** The channel routes of the service (`/v1/channels/…`, `/v1/ws-tokens`). */
export class ChannelsApi {
  constructor(private readonly http: HttpClient) {}

  /**
   * Mints a WebSocket token for the key's tenant (on your backend: never ship the key to a browser).
   * @example
   * const { token } = await channels.mintToken({ ttlMs: 60_000, publish: false });
   */
  mintToken(options: { ttlMs?: number; channels?: string[]; publish?: boolean } = {}): Promise<WsToken> {
    return this.http.request("POST", "/v1/ws-tokens", options);
  }

  /** Publishes `data`; resolves with its history id (null on an ephemeral channel). */
  publish(
    channel: string,
    data: unknown,
    options: { maxLen?: number; maxAgeMs?: number } = {},
  ): Promise<{ channel: string; id: string | null; receivers: number }> {
    return this.http.request("POST", `/v1/channels/${HttpClient.segment(channel)}/publish`, {
      data,
      ...options,
    });
  }

  /** Reads the history after `since` (oldest first, at most `limit`, default 100). */
  history<T = unknown>(
    channel: string,
    options: { since?: string; limit?: number } = {},
  ): Promise<ChannelHistoryPage<T>> {
    const q = new URLSearchParams();
    if (options.since !== undefined) q.set("since", options.since);
    if (options.limit !== undefined) q.set("limit", String(options.limit));
    const qs = q.toString();
    return this.http.request(
      "GET",
      `/v1/channels/${HttpClient.segment(channel)}/history${qs ? `?${qs}` : ""}`,
    );
  }
}
