import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { RawData, WebSocket } from "ws";
import { Channels } from "../channel/channels.js";
import { isChannelsClosedError, isMessageTooLargeError } from "../channel/errors.js";
import { isMessageId } from "../channel/ids.js";
import { isInvalidArgumentError } from "../errors/invalid-argument-error.js";
import { isStoreFailure, isStoreFullError } from "../errors/store-errors.js";
import { isQuotaExceededError } from "../errors/quota-exceeded-error.js";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { counter, gauge } from "../observe/metrics.js";
import { getDefaultLogger, ThrottledLog } from "../util/log.js";
import { assertDurationMs, assertInt } from "../util/validate.js";
import { ChannelMember, Connection } from "./connection.js";
import { Hub } from "./hub.js";
import { FrameWriter } from "./wire.js";
import { DEFAULT_GATEWAY_OPTIONS, type GatewayOptions } from "./options.js";
import {
  CLOSE_CODES,
  frame,
  parseFrame,
  type ClientFrame,
  type ErrorCode,
  type RequestId,
} from "./protocol.js";

/** A running gateway. */
export interface Gateway {
  /** The HTTP server it is attached to (its own with `port`). */
  readonly server: Server;
  /** The port it listens on. */
  readonly port: number;
  /** The channels it fans out (publish on them to reach every subscribed client). */
  readonly channels: Channels;
  /** Connected clients. */
  readonly clients: number;
  /** Channels with subscribers on this gateway, and how many connections subscribe to each. */
  subscribers(): Map<string, number>;
  /** Closes every client with 1012 (service restart), then stops. Leaves the store open. */
  close(): Promise<void>;
}

/** Requests of one connection waiting to be handled; past it the client is closed with 1008. */
const MAX_PENDING_FRAMES = 256;

const connections = gauge("holdfast_gateway_connections", "Open WebSocket connections.");
const slowClosed = counter(
  "holdfast_gateway_slow_consumers_total",
  "Connections closed with 4008 because they did not read fast enough.",
);
const rejected = counter("holdfast_gateway_error_frames_total", "Error frames sent, by code.", [
  "code",
] as const);

/**
 * Starts a WebSocket gateway for realtime channels: browsers subscribe with
 * `{"type":"subscribe","channel":"task:routing"}` and receive
 * `{"type":"message","channel":"task:routing","id":…,"data":…}`. Several gateway processes on one
 * Redis share channels. See docs/channels.md for the protocol.
 *
 * @example
 * const gateway = await createGateway({ store, port: 3001,
 *   channels: { channels: { "task:routing": { mode: "durable" } } },
 *   authorize: ({ action, channel }) => action === "subscribe" || channel.startsWith("chat:") });
 * await gateway.channels.publish("task:routing", { type: "routing_decision", payload });
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const o = { ...DEFAULT_GATEWAY_OPTIONS, ...options };
  if ((options.server === undefined) === (options.port === undefined)) {
    throw new InvalidArgumentError("server", "pass exactly one of `server` (an http.Server) or `port`");
  }
  if (options.port !== undefined) assertInt("port", options.port, 0, 65_535);
  if (typeof o.path !== "string" || !o.path.startsWith("/"))
    throw new InvalidArgumentError("path", 'must start with "/"');
  const maxFrameBytes = assertInt("maxFrameBytes", o.maxFrameBytes, 64, 64 * 1024 * 1024);
  const maxBufferedBytes = assertInt("maxBufferedBytes", o.maxBufferedBytes, 1024, 1024 * 1024 * 1024);
  const maxSubs = assertInt("maxSubscriptionsPerConnection", o.maxSubscriptionsPerConnection, 1, 100_000);
  const heartbeatMs = assertDurationMs("heartbeatIntervalMs", o.heartbeatIntervalMs);
  const graceMs = assertDurationMs("slowConsumerGraceMs", o.slowConsumerGraceMs);
  const shutdownMs = assertDurationMs("shutdownTimeoutMs", o.shutdownTimeoutMs);
  // Loaded on first use, so that `import "holdfast"` loads neither ws nor node:http.
  const [wsModule, { createServer }] = await Promise.all([import("ws"), import("node:http")]);
  const { WebSocketServer } = wsModule;
  const writer = new FrameWriter(wsModule);
  const logger = o.logger ?? getDefaultLogger();
  const throttled = new ThrottledLog(logger);
  const ownsChannels = !(options.channels instanceof Channels);
  const channels =
    options.channels instanceof Channels
      ? options.channels
      : new Channels(options.store, options.channels ?? {});
  const authorize = options.authorize;
  const limits = { maxBufferedBytes, maxCatchUpBuffer: 1000 };

  const hubs = new Map<string, Hub>();
  const conns = new Set<Connection>();
  // The ws library enforces a hard cap; between maxFrameBytes and it, clients get an error frame.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes * 16, clientTracking: false });

  let server: Server;
  let ownServer = false;
  if (options.server) server = options.server;
  else {
    server = createServer((_req, res) => {
      res.writeHead(426, { "content-type": "text/plain" }).end("WebSocket only\n");
    });
    ownServer = true;
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? "/", "http://gateway").pathname;
    if (pathname !== o.path) {
      // Another handler on the same server may own this path.
      if (server.listenerCount("upgrade") <= 1)
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    void (async () => {
      let identity: unknown;
      try {
        identity = options.identify ? await options.identify(req) : undefined;
      } catch {
        socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
        return;
      }
      if (closing) {
        socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req, identity));
    })();
  };
  server.on("upgrade", onUpgrade);

  let closing = false;

  function sendError(
    conn: Connection,
    code: ErrorCode,
    message: string,
    id?: RequestId,
    channel?: string,
  ): void {
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

  function cutOff(conn: Connection): void {
    if (conn.closing) return;
    slowClosed.inc();
    leaveAll(conn);
    conn.closing = true;
    conn.ws.close(CLOSE_CODES.SLOW_CONSUMER, `slow consumer: over ${maxBufferedBytes} bytes unsent`);
    setTimeout(() => conn.ws.terminate(), graceMs).unref();
  }

  function accept(ws: WebSocket, request: IncomingMessage, identity: unknown): void {
    const conn = new Connection(ws, request, identity, limits, cutOff, writer);
    conns.add(conn);
    connections.inc();
    ws.on("pong", () => {
      conn.alive = true;
    });
    ws.on("message", (data: RawData, isBinary: boolean) => {
      conn.alive = true;
      // Frames of one connection are handled one after another, so answers come in request order
      // and a subscribe is in place before a later publish from the same client.
      if (conn.pending >= MAX_PENDING_FRAMES) {
        conn.closing = true;
        leaveAll(conn);
        ws.close(CLOSE_CODES.TOO_MANY_REQUESTS, `over ${MAX_PENDING_FRAMES} requests waiting`);
        return;
      }
      conn.pending++;
      conn.queue = conn.queue
        .then(() => onFrame(conn, data, isBinary))
        .catch((e: unknown) => {
          throttled.warn(
            "gateway-frame",
            { err: e instanceof Error ? e.message : String(e) },
            "Holdfast gateway: frame failed",
          );
          sendError(conn, "internal", "internal error");
        })
        .finally(() => {
          conn.pending--;
        });
    });
    ws.on("error", () => undefined); // e.g. a frame over the hard cap: ws closes with 1009
    ws.on("close", () => {
      conns.delete(conn);
      connections.dec();
      leaveAll(conn);
      conn.closing = true;
    });
  }

  function leaveAll(conn: Connection): void {
    for (const member of conn.members.values()) leave(member);
    conn.members.clear();
  }

  function leave(member: ChannelMember): void {
    const hub = member.hub;
    hub.members.delete(member);
    if (hub.members.size === 0 && hubs.get(hub.channel) === hub) {
      hubs.delete(hub.channel);
      hub.stop();
    }
  }

  async function allowed(
    conn: Connection,
    action: "subscribe" | "publish",
    channel: string,
  ): Promise<boolean> {
    if (!authorize) return true;
    try {
      return (await authorize({ action, channel, identity: conn.identity, request: conn.request })) === true;
    } catch (e) {
      throttled.warn(
        "gateway-authorize",
        { err: e instanceof Error ? e.message : String(e) },
        "Holdfast gateway: authorize threw; denied",
      );
      return false;
    }
  }

  async function onFrame(conn: Connection, data: RawData, isBinary: boolean): Promise<void> {
    if (conn.closing) return;
    if (isBinary) return sendError(conn, "bad_request", "binary frames are not supported: send JSON text");
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    if (size > maxFrameBytes) {
      return sendError(conn, "too_large", `the frame is ${size} bytes, over the limit of ${maxFrameBytes}`);
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString("utf8")
      : Buffer.from(data as Buffer).toString("utf8");
    const parsed = parseFrame(text);
    if (!parsed.ok) return sendError(conn, parsed.code, parsed.message, parsed.id);
    const f = parsed.frame;
    switch (f.type) {
      case "ping":
        conn.send(frame({ type: "pong", ...(f.id !== undefined ? { id: f.id } : {}) }));
        return;
      case "publish":
        return publish(conn, f);
      case "subscribe":
        return subscribe(conn, f);
      case "unsubscribe": {
        const member = conn.members.get(f.channel);
        if (member) {
          conn.members.delete(f.channel);
          leave(member);
        }
        conn.send(
          frame({
            type: "ack",
            ...(f.id !== undefined ? { id: f.id } : {}),
            action: "unsubscribe",
            channel: f.channel,
          }),
        );
        return;
      }
    }
  }

  function failure(conn: Connection, e: unknown, id: RequestId | undefined, channel: string): void {
    if (isInvalidArgumentError(e)) return sendError(conn, "bad_request", e.message, id, channel);
    if (isMessageTooLargeError(e)) return sendError(conn, "too_large", e.message, id, channel);
    if (isStoreFullError(e)) return sendError(conn, "store_full", e.message, id, channel);
    if (isQuotaExceededError(e)) return sendError(conn, "quota_exceeded", e.message, id, channel);
    if (isStoreFailure(e) || isChannelsClosedError(e)) {
      return sendError(conn, "unavailable", "the store is unavailable: retry later", id, channel);
    }
    throw e;
  }

  async function publish(conn: Connection, f: Extract<ClientFrame, { type: "publish" }>): Promise<void> {
    if (!(await allowed(conn, "publish", f.channel))) {
      return sendError(conn, "forbidden", `not allowed to publish on "${f.channel}"`, f.id, f.channel);
    }
    try {
      const r = await channels.publish(f.channel, f.data);
      conn.send(
        frame({
          type: "ack",
          ...(f.id !== undefined ? { id: f.id } : {}),
          action: "publish",
          channel: f.channel,
          messageId: r.id,
        }),
      );
    } catch (e) {
      failure(conn, e, f.id, f.channel);
    }
  }

  async function subscribe(conn: Connection, f: Extract<ClientFrame, { type: "subscribe" }>): Promise<void> {
    const idPart = f.id !== undefined ? { id: f.id } : {};
    if (f.channel.includes("*")) {
      return sendError(
        conn,
        "bad_request",
        "patterns are not supported over the gateway: subscribe by name",
        f.id,
        f.channel,
      );
    }
    if (f.since !== undefined && !isMessageId(f.since)) {
      return sendError(
        conn,
        "bad_request",
        '"since" must be a message id received with a message',
        f.id,
        f.channel,
      );
    }
    if (conn.members.has(f.channel)) {
      const hub = conn.members.get(f.channel)!.hub;
      conn.send(
        frame({
          type: "ack",
          ...idPart,
          action: "subscribe",
          channel: f.channel,
          recovered: true,
          cursor: hub.position,
        }),
      );
      return;
    }
    if (conn.members.size >= maxSubs) {
      return sendError(
        conn,
        "too_many_subscriptions",
        `at most ${maxSubs} subscriptions per connection`,
        f.id,
        f.channel,
      );
    }
    if (!(await allowed(conn, "subscribe", f.channel))) {
      return sendError(conn, "forbidden", `not allowed to subscribe to "${f.channel}"`, f.id, f.channel);
    }
    if (conn.closing || conn.members.has(f.channel)) return;

    let hub = hubs.get(f.channel);
    if (!hub) {
      try {
        hub = new Hub(f.channel, channels);
      } catch (e) {
        return failure(conn, e, f.id, f.channel);
      }
      hubs.set(f.channel, hub);
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
      if (hubs.get(f.channel) === hub) hubs.delete(f.channel);
      return failure(conn, e, f.id, f.channel);
    }
    if (!catchUp) {
      conn.send(
        frame({
          type: "ack",
          ...idPart,
          action: "subscribe",
          channel: f.channel,
          recovered: true,
          cursor: hub.position,
        }),
      );
      return;
    }
    try {
      await member.catchUp(channels, f.since!, (page) =>
        conn.send(
          frame({
            type: "ack",
            ...idPart,
            action: "subscribe",
            channel: f.channel,
            recovered: page.recovered,
            firstId: page.firstId,
            cursor: page.cursor,
          }),
        ),
      );
    } catch (e) {
      conn.members.delete(f.channel);
      leave(member);
      return failure(conn, e, f.id, f.channel);
    }
  }

  const heartbeat = setInterval(() => {
    for (const conn of conns) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      try {
        conn.ws.ping();
      } catch {
        conn.ws.terminate();
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  if (ownServer) {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, o.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  }

  return {
    server,
    get port() {
      return (server.address() as AddressInfo | null)?.port ?? 0;
    },
    channels,
    get clients() {
      return conns.size;
    },
    subscribers() {
      return new Map([...hubs.values()].map((h) => [h.channel, h.members.size]));
    },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(heartbeat);
      server.off("upgrade", onUpgrade);
      const all = [...conns];
      const closed = Promise.all(
        all.map(
          (c) =>
            new Promise<void>((resolve) =>
              c.ws.readyState === c.ws.CLOSED ? resolve() : c.ws.once("close", () => resolve()),
            ),
        ),
      );
      for (const c of all) {
        leaveAll(c);
        c.closing = true;
        c.ws.close(CLOSE_CODES.SERVICE_RESTART, "service restart");
      }
      const timer = setTimeout(() => {
        for (const c of all) c.ws.terminate();
      }, shutdownMs);
      await closed;
      clearTimeout(timer);
      for (const hub of hubs.values()) hub.stop();
      hubs.clear();
      wss.close();
      if (ownsChannels) await channels.close();
      if (ownServer) {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
