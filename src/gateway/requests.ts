import type { RawData } from "ws";
import { isChannelsClosedError, isMessageTooLargeError } from "../channel/errors.js";
import { isMessageId } from "../channel/ids.js";
import { isInvalidArgumentError } from "../errors/invalid-argument-error.js";
import { isQuotaExceededError } from "../errors/quota-exceeded-error.js";
import { isStoreFailure, isStoreFullError } from "../errors/store-errors.js";
import { counter } from "../observe/metrics.js";
import type { ThrottledLog } from "../util/log.js";
import { ChannelMember, type Connection } from "./connection.js";
import type { Hubs } from "./hub.js";
import type { GatewayChannels, GatewayOptions } from "./options.js";
import {
  frame,
  parseFrame,
  type ClientFrame,
  type ErrorCode,
  type RequestId,
  type ServerFrame,
} from "./protocol.js";

const rejected = counter("holdfast_gateway_error_frames_total", "Error frames sent, by code.", [
  "code",
] as const);

type AckFrame = Extract<ServerFrame, { type: "ack" }>;
type Frame<T extends ClientFrame["type"]> = Extract<ClientFrame, { type: T }>;

/** An `ack` frame: the request's id (when it had one), then the action, the channel and `extra`. */
function ack(
  id: RequestId | undefined,
  action: AckFrame["action"],
  channel: string,
  extra: Omit<AckFrame, "type" | "id" | "action" | "channel"> = {},
): string {
  return frame({ type: "ack", ...(id !== undefined ? { id } : {}), action, channel, ...extra });
}

/** What the request handlers need of their gateway. */
export interface RequestContext {
  channels: GatewayChannels;
  hubs: Hubs;
  authorize: GatewayOptions["authorize"];
  maxFrameBytes: number;
  maxSubscriptions: number;
  throttled: ThrottledLog;
}

/**
 * A gateway's answers to client frames: subscribe (with catch-up from `since`), unsubscribe,
 * publish and ping. One frame of a connection is handled at a time (the gateway chains them).
 */
export class Requests {
  constructor(private readonly ctx: RequestContext) {}

  sendError(conn: Connection, code: ErrorCode, message: string, id?: RequestId, channel?: string): void {
    rejected.labels(code).inc();
    conn.send(
      frame({
        type: "error",
        ...(id !== undefined ? { id } : {}),
        code,
        message,
        ...(channel ? { channel } : {}),
      }),
    );
  }

  /** Removes every subscription of `conn`. */
  leaveAll(conn: Connection): void {
    for (const member of conn.members.values()) this.ctx.hubs.leave(member);
    conn.members.clear();
  }

  async handle(conn: Connection, data: RawData, isBinary: boolean): Promise<void> {
    if (conn.closing) return;
    if (isBinary)
      return this.sendError(conn, "bad_request", "binary frames are not supported: send JSON text");
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    const max = this.ctx.maxFrameBytes;
    if (size > max)
      return this.sendError(conn, "too_large", `the frame is ${size} bytes, over the limit of ${max}`);
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString("utf8")
      : Buffer.from(data as Buffer).toString("utf8");
    const parsed = parseFrame(text);
    if (!parsed.ok) return this.sendError(conn, parsed.code, parsed.message, parsed.id);
    const f = parsed.frame;
    switch (f.type) {
      case "ping":
        conn.send(frame({ type: "pong", ...(f.id !== undefined ? { id: f.id } : {}) }));
        return;
      case "publish":
        return this.publish(conn, f);
      case "subscribe":
        return this.subscribe(conn, f);
      case "unsubscribe":
        return this.unsubscribe(conn, f);
    }
  }

  private async allowed(
    conn: Connection,
    action: "subscribe" | "publish",
    channel: string,
  ): Promise<boolean> {
    const authorize = this.ctx.authorize;
    if (!authorize) return true;
    try {
      return (await authorize({ action, channel, identity: conn.identity, request: conn.request })) === true;
    } catch (e) {
      this.ctx.throttled.warn(
        "gateway-authorize",
        { err: e instanceof Error ? e.message : String(e) },
        "Holdfast gateway: authorize threw; denied",
      );
      return false;
    }
  }

  /** Answers a failed request with its error frame; rethrows what is not a known failure. */
  private failure(conn: Connection, e: unknown, id: RequestId | undefined, channel: string): void {
    if (isInvalidArgumentError(e)) return this.sendError(conn, "bad_request", e.message, id, channel);
    if (isMessageTooLargeError(e)) return this.sendError(conn, "too_large", e.message, id, channel);
    if (isStoreFullError(e)) return this.sendError(conn, "store_full", e.message, id, channel);
    if (isQuotaExceededError(e)) return this.sendError(conn, "quota_exceeded", e.message, id, channel);
    if (isStoreFailure(e) || isChannelsClosedError(e)) {
      return this.sendError(conn, "unavailable", "the store is unavailable: retry later", id, channel);
    }
    throw e;
  }

  private unsubscribe(conn: Connection, f: Frame<"unsubscribe">): void {
    const member = conn.members.get(f.channel);
    if (member) {
      conn.members.delete(f.channel);
      this.ctx.hubs.leave(member);
    }
    conn.send(ack(f.id, "unsubscribe", f.channel));
  }

  private async publish(conn: Connection, f: Frame<"publish">): Promise<void> {
    if (!(await this.allowed(conn, "publish", f.channel))) {
      return this.sendError(conn, "forbidden", `not allowed to publish on "${f.channel}"`, f.id, f.channel);
    }
    try {
      const r = await this.ctx.channels.publish(f.channel, f.data);
      conn.send(ack(f.id, "publish", f.channel, { messageId: r.id }));
    } catch (e) {
      this.failure(conn, e, f.id, f.channel);
    }
  }

  private async subscribe(conn: Connection, f: Frame<"subscribe">): Promise<void> {
    const { channels, hubs, maxSubscriptions } = this.ctx;
    const bad = (code: ErrorCode, message: string) => this.sendError(conn, code, message, f.id, f.channel);
    if (f.channel.includes("*")) {
      return bad("bad_request", "patterns are not supported over the gateway: subscribe by name");
    }
    if (f.since !== undefined && !isMessageId(f.since)) {
      return bad("bad_request", '"since" must be a message id received with a message');
    }
    const existing = conn.members.get(f.channel);
    if (existing) {
      conn.send(ack(f.id, "subscribe", f.channel, { recovered: true, cursor: existing.hub.position }));
      return;
    }
    if (conn.members.size >= maxSubscriptions) {
      return bad("too_many_subscriptions", `at most ${maxSubscriptions} subscriptions per connection`);
    }
    if (!(await this.allowed(conn, "subscribe", f.channel))) {
      return bad("forbidden", `not allowed to subscribe to "${f.channel}"`);
    }
    if (conn.closing || conn.members.has(f.channel)) return;

    let hub;
    try {
      hub = hubs.of(f.channel);
    } catch (e) {
      return this.failure(conn, e, f.id, f.channel);
    }
    const member = new ChannelMember(conn, hub);
    conn.members.set(f.channel, member);
    const catchUp = f.since !== undefined && channels.modeOf(f.channel) === "durable";
    member.catching = catchUp;
    hub.members.add(member);
    try {
      await hub.ready;
    } catch (e) {
      conn.members.delete(f.channel);
      hub.members.delete(member);
      hubs.drop(hub);
      return this.failure(conn, e, f.id, f.channel);
    }
    if (!catchUp) {
      conn.send(ack(f.id, "subscribe", f.channel, { recovered: true, cursor: hub.position }));
      return;
    }
    try {
      await member.catchUp(channels, f.since!, (page) =>
        conn.send(
          ack(f.id, "subscribe", f.channel, {
            recovered: page.recovered,
            firstId: page.firstId,
            cursor: page.cursor,
          }),
        ),
      );
    } catch (e) {
      conn.members.delete(f.channel);
      hubs.leave(member);
      return this.failure(conn, e, f.id, f.channel);
    }
  }
}
