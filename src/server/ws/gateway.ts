import { createServer, STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyRequest } from "fastify";
import { Channels } from "../../channel/channels.js";
import { DEFAULT_CHANNEL_CONFIG, type ChannelConfig } from "../../channel/options.js";
import { globToRegExp } from "../../channel/transport.js";
import { isStoreFailure } from "../../errors/store-errors.js";
import { createGateway, type Gateway } from "../../gateway/gateway.js";
import { counter } from "../../observe/metrics.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../http-errors.js";
import { TenantChannels } from "./tenant-channels.js";
import { WsTokens, type WsTokenRecord } from "./tokens.js";

/** Options of the service's channels and WebSocket gateway. */
export interface ChannelServiceOptions {
  /**
   * Delivery settings of every channel of every tenant. Durable by default, so a client that
   * reconnects resumes after the last id it saw. @defaultValue `{ mode: "durable", maxLen: 1000, maxAgeMs: 86_400_000 }`
   */
  channelDefaults?: ChannelConfig;
  /** Upgrade paths served; `/` keeps `new WebSocket("ws://host:port")` working. @defaultValue ["/v1/ws", "/"] */
  paths?: string[];
  /** Ping interval of every socket, in ms. @defaultValue 30_000 */
  heartbeatIntervalMs?: number;
  /** On shutdown, how long sockets get to close (1012) before being dropped, in ms. @defaultValue 5000 */
  shutdownTimeoutMs?: number;
}

export const DEFAULT_CHANNEL_SERVICE_OPTIONS = {
  channelDefaults: { ...DEFAULT_CHANNEL_CONFIG, mode: "durable" } as ChannelConfig,
  paths: ["/v1/ws", "/"],
  heartbeatIntervalMs: 30_000,
  shutdownTimeoutMs: 5000,
};

/** The prefix of a token carried in `Sec-WebSocket-Protocol` (`holdfast.token.hft_…`). */
export const TOKEN_PROTOCOL_PREFIX = "holdfast.token.";

const upgrades = counter("holdfast_server_ws_upgrades_total", "WebSocket upgrade requests, by outcome.", [
  "result",
] as const);

/** Who a socket belongs to; the gateway's `identity`. */
export type SocketIdentity = Pick<WsTokenRecord, "tenant" | "role" | "keyId" | "channels" | "publish">;

/**
 * The service's channels: one shared {@link Channels} on the base store (one Redis subscriber
 * connection for all tenants), a {@link TenantChannels} view per tenant, and one gateway per tenant
 * attached to a private, never-listening HTTP server to which upgrades are handed once the socket's
 * tenant is known. The gateway passes channel names straight to the Channels it is given, so
 * per-tenant gateways are what keeps tenants' names apart.
 */
export class ChannelService {
  readonly channels: Channels;
  readonly tokens: WsTokens;
  readonly options: typeof DEFAULT_CHANNEL_SERVICE_OPTIONS;
  private readonly views = new Map<string, TenantChannels>();
  private readonly gateways = new Map<string, Promise<Gateway>>();
  private readonly identities = new WeakMap<IncomingMessage, SocketIdentity>();
  closing = false;
  /** Told of each message a tenant publishes or this process receives for a tenant's subscriptions. */
  observer: ((tenant: string, event: "publish" | "message", channel: string) => void) | undefined;

  constructor(
    readonly ctx: ServerContext,
    options: ChannelServiceOptions = {},
  ) {
    this.options = { ...DEFAULT_CHANNEL_SERVICE_OPTIONS, ...options };
    this.channels = new Channels(ctx.store, { defaults: this.options.channelDefaults });
    this.tokens = new WsTokens(ctx.store);
  }

  /** The channels of `tenant`. */
  tenant(tenant: string): TenantChannels {
    let v = this.views.get(tenant);
    if (!v) {
      this.views.set(tenant, (v = new TenantChannels(this.channels, tenant)));
      v.observer = (event, channel) => this.observer?.(tenant, event, channel);
    }
    return v;
  }

  /** Channels of `tenant` with subscribers on this process, and how many sockets subscribe to each. */
  async subscribers(tenant: string): Promise<Map<string, number>> {
    const g = this.gateways.get(tenant);
    return g ? (await g).subscribers() : new Map();
  }

  /** Hands an authenticated upgrade to its tenant's gateway. */
  async accept(req: IncomingMessage, socket: Duplex, head: Buffer, identity: SocketIdentity): Promise<void> {
    if (this.closing) throw new HttpError(503, "HOLDFAST_SHUTTING_DOWN", "The server is shutting down.");
    const gateway = await this.gatewayOf(identity.tenant);
    this.identities.set(req, identity);
    const url = new URL(req.url ?? "/", "http://holdfast");
    req.url = `/v1/ws${url.search}`;
    gateway.server.emit("upgrade", req, socket, head);
  }

  /** Closes every socket with 1012 (up to `shutdownTimeoutMs`), then the shared Channels. */
  async close(): Promise<void> {
    this.closing = true;
    const all = await Promise.allSettled(this.gateways.values());
    await Promise.all(all.map((g) => (g.status === "fulfilled" ? g.value.close() : Promise.resolve())));
    this.gateways.clear();
    await this.channels.close();
  }

  private gatewayOf(tenant: string): Promise<Gateway> {
    let g = this.gateways.get(tenant);
    if (!g) {
      const server: Server = createServer();
      g = createGateway({
        store: this.ctx.store,
        channels: this.tenant(tenant),
        server,
        path: "/v1/ws",
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        shutdownTimeoutMs: this.options.shutdownTimeoutMs,
        logger: this.ctx.logger,
        identify: (req) => {
          const id = this.identities.get(req);
          if (!id) throw new Error("unauthenticated");
          return id;
        },
        authorize: ({ action, channel, identity }) => allowed(identity as SocketIdentity, action, channel),
      });
      this.gateways.set(tenant, g);
    }
    return g;
  }
}

/**
 * The service's only finer rule: a token minted with `channels` may use only those names (or `*`
 * patterns), and one minted with `publish: false` may only subscribe. API keys may do both on every
 * channel of their tenant.
 */
export function allowed(identity: SocketIdentity, action: "subscribe" | "publish", channel: string): boolean {
  if (action === "publish" && !identity.publish) return false;
  if (!identity.channels) return true;
  return identity.channels.some((c) => (c.includes("*") ? globToRegExp(c).test(channel) : c === channel));
}

const services = new WeakMap<ServerContext, ChannelService>();

/** The channel service of an app (created on first use; routes and the gateway share it). */
export function channelServiceOf(ctx: ServerContext, options?: ChannelServiceOptions): ChannelService {
  let s = services.get(ctx);
  if (!s) services.set(ctx, (s = new ChannelService(ctx, options)));
  return s;
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const q = url.searchParams.get("token");
  if (q) return q;
  const header = req.headers["sec-websocket-protocol"];
  if (typeof header !== "string") return undefined;
  for (const p of header.split(",")) {
    const v = p.trim();
    if (v.startsWith(TOKEN_PROTOCOL_PREFIX)) return v.slice(TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

function refuse(socket: Duplex, error: HttpError): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message, ...error.fields } });
  const retry = error.status === 503 ? "Retry-After: 1\r\n" : "";
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ""}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}Connection: close\r\n\r\n${body}`,
  );
}

async function identify(
  service: ChannelService,
  auth: Authenticator,
  req: IncomingMessage,
  url: URL,
): Promise<SocketIdentity> {
  if (url.searchParams.has("apiKey")) {
    throw new HttpError(
      401,
      "HOLDFAST_UNAUTHENTICATED",
      "API keys are not accepted in the URL (URLs get logged): send `Authorization: Bearer hf_…`, or mint a short-lived token with POST /v1/ws-tokens and pass it as ?token= or in Sec-WebSocket-Protocol.",
    );
  }
  const token = tokenOf(req, url);
  if (token !== undefined) {
    const record = await service.tokens.verify(token);
    if (!record) {
      throw new HttpError(
        401,
        "HOLDFAST_UNAUTHENTICATED",
        "This WebSocket token is unknown or expired: mint a new one with POST /v1/ws-tokens.",
      );
    }
    return record;
  }
  // Only headers are read, so the upgrade request stands in for a Fastify request.
  const principal = await auth.authenticate({ headers: req.headers } as FastifyRequest);
  return { tenant: principal.tenant, role: principal.role, keyId: principal.keyId, publish: true };
}

/**
 * Serves the WebSocket gateway on the app's own HTTP server (same port as the API), at `/v1/ws`
 * and `/`, and closes every socket with 1012 when the app closes (Fastify `preClose`, before the
 * HTTP server waits for its connections). Sockets authenticate with a token (`?token=` or
 * `Sec-WebSocket-Protocol: holdfast.v1, holdfast.token.<token>`), or an API key header; a server
 * without keys accepts every socket as the open principal (tenant `default` or `x-holdfast-tenant`).
 */
export function attachChannelGateway(
  ctx: ServerContext,
  auth: Authenticator,
  options?: ChannelServiceOptions,
): ChannelService {
  const service = channelServiceOf(ctx, options);
  const server = ctx.app.server;
  const paths = new Set(service.options.paths);
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://holdfast");
    if (!paths.has(url.pathname)) {
      if (server.listenerCount("upgrade") <= 1) {
        upgrades.labels("not_found").inc();
        refuse(socket, new HttpError(404, "HOLDFAST_ROUTE_NOT_FOUND", "WebSocket endpoint: /v1/ws"));
      }
      return;
    }
    socket.on("error", () => undefined); // a client that goes away mid-handshake
    void (async () => {
      try {
        if (service.closing)
          throw new HttpError(503, "HOLDFAST_SHUTTING_DOWN", "The server is shutting down.");
        const identity = await identify(service, auth, req, url);
        upgrades.labels("accepted").inc();
        await service.accept(req, socket, head, identity);
      } catch (e) {
        const error =
          e instanceof HttpError
            ? e
            : isStoreFailure(e)
              ? new HttpError(503, "HOLDFAST_STORE_UNAVAILABLE", "The store is unreachable: retry later.")
              : new HttpError(500, "HOLDFAST_INTERNAL", "Internal error.");
        if (error.status === 500) ctx.logger.error({ err: e }, "WebSocket upgrade failed");
        upgrades.labels(String(error.status)).inc();
        refuse(socket, error);
      }
    })();
  });
  ctx.app.addHook("preClose", async () => {
    await service.close();
  });
  return service;
}
