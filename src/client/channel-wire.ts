/**
 * Wire details of the gateway's JSON protocol as the browser/Node {@link ChannelClient} needs them:
 * the WebSocket surface it uses, error-code mapping, id comparison and reconnect backoff.
 * No Node-only imports.
 */
import { HoldfastApiError } from "./errors.js";

/** Negative when stream id `a` is older than `b`, 0 when equal, positive when newer. */
export { compareStreamIds as compareIds } from "../util/stream-id.js";

/** The part of the WebSocket API the client uses (the browser's, or the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/**
 * A WebSocket constructor: `globalThis.WebSocket` in browsers (and Node 22+), or `WebSocket` from
 * the `ws` package on Node 20. A third argument (`{ headers }`) is passed only with `apiKey`/`tenant`,
 * which only `ws` understands.
 */
export type WebSocketConstructor = abstract new (
  url: string,
  protocols?: string | string[],
  ...rest: never[]
) => object;

/** A message as subscribers receive it. */
export interface ReceivedMessage<T = unknown> {
  channel: string;
  /** History id (`<ms>-<seq>`) on a durable channel; null on an ephemeral one. */
  id: string | null;
  data: T;
}

/** Messages may have been missed on `channel`; reload what depends on it if that matters. */
export interface ChannelGapEvent {
  channel: string;
  /**
   * `history`: the resume point was older than the history kept (messages between `lastId` and
   * `firstId` are gone); `disconnected`: an ephemeral channel lost what was published while the
   * socket (or the server's link to Redis) was down.
   */
  reason: "history" | "disconnected";
  /** The oldest id still kept (history), or null. */
  firstId: string | null;
  /** The last id this client had received before the gap. */
  lastId: string | undefined;
}

const STATUS: Record<string, [number, string]> = {
  bad_request: [400, "HOLDFAST_INVALID_ARGUMENT"],
  unknown_type: [400, "HOLDFAST_INVALID_ARGUMENT"],
  forbidden: [403, "HOLDFAST_FORBIDDEN"],
  too_large: [413, "HOLDFAST_MESSAGE_TOO_LARGE"],
  too_many_subscriptions: [429, "HOLDFAST_TOO_MANY_SUBSCRIPTIONS"],
  unavailable: [503, "HOLDFAST_STORE_UNAVAILABLE"],
  store_full: [507, "HOLDFAST_STORE_FULL"],
  quota_exceeded: [429, "HOLDFAST_QUOTA_EXCEEDED"],
  internal: [500, "HOLDFAST_INTERNAL"],
};

/**
 * An `error` frame as a {@link HoldfastApiError}, with the code and status the HTTP API would use
 * for the same failure (`forbidden` → 403 `HOLDFAST_FORBIDDEN`…); `details.gatewayCode` keeps the
 * frame's own code.
 */
export function frameError(frame: {
  code?: unknown;
  message?: unknown;
  channel?: unknown;
}): HoldfastApiError {
  const gatewayCode = typeof frame.code === "string" ? frame.code : "internal";
  const [status, code] = STATUS[gatewayCode] ?? [500, "HOLDFAST_INTERNAL"];
  return new HoldfastApiError(
    status,
    {
      error: {
        code,
        message: typeof frame.message === "string" ? frame.message : gatewayCode,
        gatewayCode,
        ...(typeof frame.channel === "string" ? { channel: frame.channel } : {}),
      },
    },
    status === 503 ? "1" : null,
  );
}

/** Full-jitter exponential backoff: a random delay in [0, min(maxMs, baseMs·2^attempt)], at least 1/4 of it. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 4 + (Math.random() * (cap * 3)) / 4);
}

/** `ws(s)://host/v1/ws` from a ws URL (kept as is) or the service's http(s) base URL. */
export function gatewayUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol === "https:") u.protocol = "wss:";
  else if (u.protocol !== "ws:" && u.protocol !== "wss:") {
    throw new TypeError(`url must be ws://, wss://, http:// or https://, got ${u.protocol}`);
  }
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/v1/ws";
  return u.toString();
}
