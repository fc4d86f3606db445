import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { RawData, WebSocket } from "ws";
import { Channels } from "../channel/channels.js";
import type { ChannelsOptions } from "../channel/options.js";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { counter, gauge } from "../observe/metrics.js";
import { getDefaultLogger, ThrottledLog } from "../util/log.js";
import { assertDurationMs, assertInt } from "../util/validate.js";
import { Connection } from "./connection.js";
import { Hubs } from "./hub.js";
import {
  DEFAULT_GATEWAY_OPTIONS,
  isGatewayChannels,
  type GatewayChannels,
  type GatewayOptions,
} from "./options.js";
import { CLOSE_CODES } from "./protocol.js";
import { Requests } from "./requests.js";
import { FrameWriter } from "./wire.js";

/** A running gateway. */
export interface Gateway {
  /** The HTTP server it is attached to (its own with `port`). */
  readonly server: Server;
  /** The port it listens on. */
  readonly port: number;
  /** The channels it fans out (publish on them to reach every subscribed client). */
  readonly channels: GatewayChannels;
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
  const writeDelayMs = assertInt("writeDelayMs", o.writeDelayMs, 0, 1000);
  // Loaded on first use, so that `import "holdfast"` loads neither ws nor node:http.
  const [wsModule, { createServer }] = await Promise.all([import("ws"), import("node:http")]);
  const { WebSocketServer } = wsModule;
  const writer = new FrameWriter(wsModule, writeDelayMs);
  const logger = o.logger ?? getDefaultLogger();
  const throttled = new ThrottledLog(logger);
  const given = options.channels !== undefined && isGatewayChannels(options.channels);
  const channels: GatewayChannels = given
    ? (options.channels as GatewayChannels)
    : new Channels(options.store, (options.channels ?? {}) as ChannelsOptions);
  const limits = { maxBufferedBytes, maxCatchUpBuffer: 1000 };
  const hubs = new Hubs(channels);
  const requests = new Requests({
    channels,
    hubs,
    authorize: options.authorize,
    maxFrameBytes,
    maxSubscriptions: maxSubs,
    throttled,
  });
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

  function cutOff(conn: Connection): void {
    if (conn.closing) return;
    slowClosed.inc();
    requests.leaveAll(conn);
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
        requests.leaveAll(conn);
        ws.close(CLOSE_CODES.TOO_MANY_REQUESTS, `over ${MAX_PENDING_FRAMES} requests waiting`);
        return;
      }
      conn.pending++;
      conn.queue = conn.queue
        .then(() => requests.handle(conn, data, isBinary))
        .catch((e: unknown) => {
          throttled.warn(
            "gateway-frame",
            { err: e instanceof Error ? e.message : String(e) },
            "Holdfast gateway: frame failed",
          );
          requests.sendError(conn, "internal", "internal error");
        })
        .finally(() => {
          conn.pending--;
        });
    });
    ws.on("error", () => undefined); // e.g. a frame over the hard cap: ws closes with 1009
    ws.on("close", () => {
      conns.delete(conn);
      connections.dec();
      requests.leaveAll(conn);
      conn.closing = true;
    });
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
      return hubs.counts();
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
        requests.leaveAll(c);
        c.closing = true;
        c.ws.close(CLOSE_CODES.SERVICE_RESTART, "service restart");
      }
      const timer = setTimeout(() => {
        for (const c of all) c.ws.terminate();
      }, shutdownMs);
      await closed;
      clearTimeout(timer);
      hubs.stopAll();
      wss.close();
      if (!given) await channels.close();
      if (ownServer) {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
