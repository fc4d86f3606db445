import { exceedsJsonDepth, MAX_JSON_DEPTH } from "../util/json-depth.js";

/**
 * The gateway's JSON wire protocol, one JSON object per WebSocket text frame. Documented in full in
 * docs/channels.md; every frame type, field, error code and close code is listed here.
 */

/** A client's request id: echoed in the answer (`ack`, `error`, `pong`) so requests can be matched. */
export type RequestId = string | number;

/** Client → server frames. */
export type ClientFrame =
  | { type: "subscribe"; channel: string; since?: string; id?: RequestId }
  | { type: "unsubscribe"; channel: string; id?: RequestId }
  | { type: "publish"; channel: string; data: unknown; id?: RequestId }
  | { type: "ping"; id?: RequestId };

/** Server → client frames. */
export type ServerFrame =
  | { type: "message"; channel: string; id: string | null; data: unknown }
  | {
      type: "ack";
      id?: RequestId;
      action: "subscribe" | "unsubscribe" | "publish";
      channel: string;
      /** subscribe: false when messages after `since` are no longer all in the history. */
      recovered?: boolean;
      /** subscribe with `recovered: false`: the oldest id still kept. */
      firstId?: string | null;
      /** subscribe on a durable channel: the position this subscription starts after. */
      cursor?: string | null;
      /** publish: the message's history id (null on an ephemeral channel). */
      messageId?: string | null;
    }
  | { type: "gap"; channel: string; reason: "history" | "disconnected"; firstId: string | null }
  | { type: "error"; id?: RequestId; code: ErrorCode; message: string; channel?: string }
  | { type: "pong"; id?: RequestId };

/** Stable error codes of `error` frames. The connection stays open after each of them. */
export const ERROR_CODES = [
  /** The frame is not JSON, not an object, or a field has the wrong type or value. */
  "bad_request",
  /** `authorize` refused this subscribe or publish. */
  "forbidden",
  /** `type` is not one of subscribe, unsubscribe, publish, ping. */
  "unknown_type",
  /** The frame is larger than `maxFrameBytes`, or the message larger than `maxMessageBytes`. */
  "too_large",
  /** The connection already has `maxSubscriptionsPerConnection` subscriptions. */
  "too_many_subscriptions",
  /** The store (Redis) could not be reached; retry later. */
  "unavailable",
  /** The store is full (`StoreFullError`): nothing was published; reads and unsubscribes work. */
  "store_full",
  /** A cap was reached (`QuotaExceededError`, e.g. the tenant's channels in `holdfast serve`). */
  "quota_exceeded",
  /** An unexpected server error (logged on the server). */
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** WebSocket close codes the gateway uses. */
export const CLOSE_CODES = {
  /** The gateway is shutting down (1012 "Service Restart"): reconnect, preferably with `since`. */
  SERVICE_RESTART: 1012,
  /** The client sent more than 256 requests without waiting for their answers (1008 "Policy Violation"). */
  TOO_MANY_REQUESTS: 1008,
  /** The client did not read fast enough: its send buffer passed `maxBufferedBytes`. */
  SLOW_CONSUMER: 4008,
  /**
   * `holdfast serve`: the API key or the tenant already has as many sockets as it may (the reason
   * names the cap). Close other sockets, or raise the cap; reconnecting at once will not help.
   */
  TOO_MANY_CONNECTIONS: 4029,
} as const;

const MAX_ID_LENGTH = 128;

/** Result of {@link parseFrame}: a valid frame, or the error to send back. */
export type ParseResult =
  { ok: true; frame: ClientFrame } | { ok: false; code: ErrorCode; message: string; id?: RequestId };

function isRequestId(v: unknown): v is RequestId {
  return (
    (typeof v === "string" && v.length <= MAX_ID_LENGTH) || (typeof v === "number" && Number.isFinite(v))
  );
}

/** Parses and validates one text frame. Never throws. */
export function parseFrame(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: "bad_request", message: "the frame is not valid JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, code: "bad_request", message: "the frame must be a JSON object" };
  }
  if (exceedsJsonDepth(value)) {
    const f = value as Record<string, unknown>;
    return {
      ok: false,
      code: "bad_request",
      message: `the frame nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects (the limit of every frame)`,
      ...(isRequestId(f.id) ? { id: f.id } : {}),
    };
  }
  const f = value as Record<string, unknown>;
  let id: RequestId | undefined;
  if (f.id !== undefined) {
    if (!isRequestId(f.id)) {
      return {
        ok: false,
        code: "bad_request",
        message: `"id" must be a string of at most ${MAX_ID_LENGTH} characters or a number`,
      };
    }
    id = f.id;
  }
  const bad = (message: string): ParseResult => ({ ok: false, code: "bad_request", message, id });
  if (typeof f.type !== "string") return bad('"type" must be a string');
  switch (f.type) {
    case "ping":
      return { ok: true, frame: { type: "ping", id } };
    case "subscribe":
    case "unsubscribe":
    case "publish": {
      if (typeof f.channel !== "string" || f.channel.length === 0) {
        return bad('"channel" must be a non-empty string');
      }
      if (f.type === "subscribe") {
        if (f.since !== undefined && typeof f.since !== "string")
          return bad('"since" must be a message id string');
        return {
          ok: true,
          frame: {
            type: "subscribe",
            channel: f.channel,
            ...(f.since !== undefined ? { since: f.since as string } : {}),
            id,
          },
        };
      }
      if (f.type === "publish") {
        if (f.data === undefined) return bad('"data" is required');
        return { ok: true, frame: { type: "publish", channel: f.channel, data: f.data, id } };
      }
      return { ok: true, frame: { type: "unsubscribe", channel: f.channel, id } };
    }
    default:
      return {
        ok: false,
        code: "unknown_type",
        message: `unknown type "${f.type.slice(0, 40)}": use subscribe, unsubscribe, publish or ping`,
        id,
      };
  }
}

/** Serialises a server frame. */
export function frame(f: ServerFrame): string {
  return JSON.stringify(f);
}
